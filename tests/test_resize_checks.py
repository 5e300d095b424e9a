"""check_resize_pair: the image must be shrunk without aliasing, the mask by nearest neighbour.

The reference resizes the image with method="area" (benchmarks/bench_resize.py measured why).
Another antialiased resize of the image passes; one that copies single pixels fails with a
message that names aliasing. Students run as notebook cells, in the notebook and in the judge
(`Grade` and `student` from test_checks).
"""

import numpy as np
import pytest

from test_utils import checks
from test_utils.checks import pipeline
from tests.test_checks import Grade, student

TEMPLATE = """
def resize_pair(image, mask, size=(96, 128)):
    image = {image}
    mask = tf.image.resize(mask, size, method="nearest")
    return image, mask
"""


@pytest.fixture
def grade(monkeypatch, capsys):
    return Grade(monkeypatch, capsys)


def resize_student(image_code):
    return student(TEMPLATE.format(image=image_code))


@pytest.mark.parametrize("image_code", [
    'tf.image.resize(image, size, method="area")',
    'tf.image.resize(image, size, method="bilinear", antialias=True)',
    'tf.image.resize(image, size, method="bicubic", antialias=True)',
    'tf.image.resize(image, size, method="lanczos3", antialias=True)',
    'tf.image.resize(image, size, antialias=True)',
], ids=["area", "bilinear-antialias", "bicubic-antialias", "lanczos3-antialias", "default-antialias"])
def test_antialiased_image_resizes_pass(grade, image_code):
    """Do area and other antialiased resizes of the image pass, hidden cases included?"""
    output = grade.passes(checks.check_resize_pair, resize_student(image_code), hidden=4)
    assert "without aliasing" in output, output


@pytest.mark.parametrize("image_code", [
    'tf.image.resize(image, size, method="nearest")',
    'tf.image.resize(image, size, method="nearest", antialias=True)',  # antialias does nothing for nearest
    'tf.image.resize(image, size)',
    'tf.image.resize(image, size, method="bicubic")',
], ids=["nearest", "nearest-antialias", "bilinear", "bicubic"])
def test_image_resizes_that_copy_single_pixels_fail_as_aliasing(grade, image_code):
    """Does an image resized by picking single pixels fail on the checkerboard, naming aliasing and area?"""
    message = grade.fails(checks.check_resize_pair, resize_student(image_code))
    assert message.startswith("resize_pair(checkerboard, array(shape=(150, 200, 1), dtype=uint8), size=(24, 32)): "
                              "the image differs from the expected one: shrunk 6.25 times"), message
    assert "aliasing" in message and "method='area'" in message, message


@pytest.mark.parametrize("image_code, named", [
    ('tf.image.resize(image, size, method="area")[:, ::-1]', "the image differs from the expected one (by "),
    ('tf.image.resize(image, size, method="area")[..., ::-1]', "the image differs from the expected one (by "),
    ('tf.image.resize(image * 255, size, method="area")', "the image differs from the expected one (by "),
    ('tf.cast(tf.image.resize(image, size, method="area"), tf.float16)', "the image comes back as float16"),
], ids=["flipped", "channels-reversed", "scaled-by-255", "float16"])
def test_other_image_mistakes_are_named(grade, image_code, named):
    """Are a flipped image, reversed channels, a wrong scale and a wrong dtype refused with the fix?"""
    message = grade.fails(checks.check_resize_pair, resize_student(image_code))
    assert message.startswith("resize_pair(array(shape=(150, 200, 3), dtype=float32), "), message
    assert named in message and "as the notebook says" in message, message


def test_area_on_the_mask_is_refused(grade):
    """Is an area-resized mask (float32) refused, naming both float-producing methods?"""
    wrong = student("""
        def resize_pair(image, mask, size=(96, 128)):
            return tf.image.resize(image, size, method="area"), tf.image.resize(mask, size, method="area")
        """)
    message = grade.fails(checks.check_resize_pair, wrong)
    assert "the mask comes back as float32" in message, message
    assert "bilinear and area turn it into float32" in message, message


def test_the_tolerance_separates_fair_resizes_from_mistakes():
    """On the check's smooth pictures, are fair resizes within IMAGE_TOLERANCE of area, and flips beyond?"""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    worst_fair, closest_wrong = 0.0, np.inf
    for _ in range(40):
        shape = (int(rng.integers(16, 65)), int(rng.integers(16, 65)))
        size = (int(rng.integers(8, 65)), int(rng.integers(8, 65)))
        picture = pipeline._smooth_picture(rng, shape)
        area = tf.image.resize(picture, size, method="area").numpy()
        for method in ("bilinear", "bicubic", "lanczos3", "mitchellcubic"):
            fair = tf.image.resize(picture, size, method=method, antialias=True).numpy()
            worst_fair = max(worst_fair, float(np.abs(fair - area).mean()))
        for wrong in (area[::-1], area[:, ::-1], area[..., ::-1]):
            closest_wrong = min(closest_wrong, float(np.abs(wrong - area).mean()))
    assert worst_fair * 1.5 < pipeline.IMAGE_TOLERANCE < closest_wrong, (worst_fair, closest_wrong)
