"""Tests of the plotting helpers (course.plots)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from course import plots
from course.classes import CLASS_COLORS, CLASS_NAMES, NUM_CLASSES


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _mask(seed=0, shape=(6, 8), classes=(1, 7, 13)):
    return np.random.default_rng(seed).choice(classes, shape).astype(np.uint8)


def _legend_labels(figure):
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


def test_colorize_mask_uses_the_class_palette():
    """Does every pixel of class c get CLASS_COLORS[c]?"""
    mask = np.arange(NUM_CLASSES, dtype=np.uint8).reshape(1, -1).repeat(2, axis=0)
    colours = plots.colorize_mask(mask)
    assert colours.dtype == np.uint8 and colours.shape == (2, NUM_CLASSES, 3)
    for class_id in range(NUM_CLASSES):
        assert (colours[:, class_id] == CLASS_COLORS[class_id]).all()


def test_colorize_mask_accepts_a_channel_axis_and_scores():
    """Do an (H, W, 1) mask and one-hot scores (H, W, 23) colour like the (H, W) mask?"""
    mask = _mask()
    scores = np.eye(NUM_CLASSES)[mask] * 3.0 - 1.0  # argmax gives back the mask
    expected = plots.colorize_mask(mask)
    np.testing.assert_array_equal(plots.colorize_mask(mask[..., None]), expected)
    np.testing.assert_array_equal(plots.colorize_mask(scores), expected)


@pytest.mark.parametrize("bad", [np.full((2, 2), 23), np.full((2, 2), -1), np.full((2, 2), 1.5)])
def test_colorize_mask_refuses_invalid_ids(bad):
    """Are ids outside 0..22 and non-integer values refused with a clear message?"""
    with pytest.raises(ValueError, match="class ids|non-integer"):
        plots.colorize_mask(bad)


def test_overlay_blends_image_and_colours():
    """Is the overlay (1 - alpha) * image + alpha * colour, for uint8 and float images alike?"""
    mask = _mask()
    image8 = np.random.default_rng(1).integers(0, 256, mask.shape + (3,), dtype=np.uint8)
    image = image8 / 255
    colours = CLASS_COLORS[mask] / 255
    np.testing.assert_allclose(plots.overlay(image, mask, 0.0), image, atol=1e-6)
    np.testing.assert_allclose(plots.overlay(image, mask, 1.0), colours, atol=1e-6)
    np.testing.assert_allclose(plots.overlay(image8, mask, 0.3), 0.7 * image + 0.3 * colours, atol=1e-6)
    with pytest.raises(ValueError, match="alpha"):
        plots.overlay(image, mask, 1.5)


def test_show_prediction_shows_three_panels_and_the_classes_present():
    """Are image, true and predicted mask shown, with a legend of the classes in either mask?"""
    true_mask, pred_mask = _mask(0, classes=(1, 7)), _mask(1, classes=(7, 10, 13))
    image = np.random.default_rng(2).random(true_mask.shape + (3,))
    figure = plots.show_prediction(image, true_mask, pred_mask, title="sample 3")
    assert isinstance(figure, Figure)
    assert [axis.get_title() for axis in figure.axes] == ["Image", "True mask", "Predicted mask"]
    np.testing.assert_array_equal(figure.axes[2].images[0].get_array(), CLASS_COLORS[pred_mask])
    present = sorted(set(np.unique(true_mask)) | set(np.unique(pred_mask)))
    assert _legend_labels(figure) == [f"{i} {CLASS_NAMES[i]}" for i in present]


def test_show_prediction_without_a_prediction_has_two_panels():
    """Without pred_mask, are only the image and the true mask shown?"""
    mask = _mask()
    figure = plots.show_prediction(np.zeros(mask.shape + (3,)), mask)
    assert [axis.get_title() for axis in figure.axes] == ["Image", "True mask"]


def _pairs(count):
    rng = np.random.default_rng(3)
    return [(rng.random((6, 8, 3)), _mask(k, classes=(1, 4, 9, 22))) for k in range(count)]


def _shown_pictures(figure):
    return [axis.images[0].get_array() for axis in figure.axes if axis.images]


def test_sample_grid_from_arrays_shows_image_and_mask_per_sample():
    """Does the grid show each image beside its coloured mask, count samples in all?"""
    pairs = _pairs(5)
    figure = plots.sample_grid(pairs, count=4, columns=2)
    shown = _shown_pictures(figure)
    assert len(shown) == 8
    for k in range(4):
        np.testing.assert_allclose(shown[2 * k], pairs[k][0].astype(np.float32))
        np.testing.assert_array_equal(shown[2 * k + 1], CLASS_COLORS[pairs[k][1]])
    present = sorted(set(np.concatenate([m.ravel() for _, m in pairs[:4]])))
    assert _legend_labels(figure) == [f"{i} {CLASS_NAMES[i]}" for i in present]


def test_sample_grid_overlay_shows_one_picture_per_sample():
    """With overlay_alpha, is each sample one blended picture?"""
    pairs = _pairs(3)
    shown = _shown_pictures(plots.sample_grid(pairs, count=3, columns=3, overlay_alpha=0.4))
    assert len(shown) == 3
    np.testing.assert_allclose(shown[1], plots.overlay(*pairs[1], 0.4))


def test_sample_grid_reads_file_pairs_and_datasets(tiny_dataset):
    """Do file pairs and a batched tf.data dataset give a grid of the same samples?"""
    import tensorflow as tf

    from course import data

    pairs = data.list_pairs(tiny_dataset)[:3]
    from_files = _shown_pictures(plots.sample_grid(pairs, count=3))
    arrays = [plots.read_for_display(*pair) for pair in pairs]
    images = np.stack([image.astype(np.float32) / 255 for image, _ in arrays])
    masks = np.stack([mask[..., None] for _, mask in arrays])
    dataset = tf.data.Dataset.from_tensor_slices((images, masks)).batch(2)
    from_dataset = _shown_pictures(plots.sample_grid(dataset, count=3))
    assert len(from_files) == len(from_dataset) == 6
    for a, b in zip(from_files, from_dataset):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_sample_grid_refuses_no_samples():
    """Does an empty input raise a clear error instead of an empty figure?"""
    with pytest.raises(ValueError, match="no samples"):
        plots.sample_grid([])


def test_class_share_bar_shows_each_present_class_once():
    """Is there one bar per class with pixels, as long as its share in percent?"""
    counts = np.zeros(NUM_CLASSES)
    counts[[7, 1, 5]] = [600, 300, 100]
    figure = plots.class_share_bar(counts)
    bars = figure.axes[0].patches
    assert sorted(round(bar.get_width(), 6) for bar in bars) == [10.0, 30.0, 60.0]
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert labels == ["road (7)", "building (1)", "pole (5)"]


def test_class_shares_agree_across_input_kinds():
    """Do counts, a dict of names and the masks themselves give the same shares?"""
    masks = np.stack([_mask(k, classes=(1, 7, 13, 4)) for k in range(3)])
    counts = np.bincount(masks.ravel(), minlength=NUM_CLASSES)
    by_name = {CLASS_NAMES[i]: int(c) for i, c in enumerate(counts) if c}
    expected = counts / counts.sum()
    for source in (counts, by_name, masks):
        np.testing.assert_allclose(plots.class_shares(source), expected)
    with pytest.raises(ValueError, match="one number per class"):
        plots.class_shares([1, 2, 3])


def _measured_names_in_notebooks():
    import json
    import re
    from pathlib import Path

    names = set()
    for path in sorted((Path(plots.__file__).resolve().parents[1] / "instructor" / "source").rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            names.update(re.findall(r"show_measured\(\s*[\"']([^\"']+)[\"']", "".join(cell["source"])))
    return names


def test_every_measured_picture_a_notebook_shows_exists_and_is_shown_at_its_own_size():
    """Does each show_measured("NAME") of the source notebooks find data/measured/NAME.png, pixel for pixel?"""
    names = _measured_names_in_notebooks()
    assert "skip-ablation" in names  # notebook 4, section 7
    for name in names:
        figure = plots.show_measured(name)
        height, width = plt.imread(plots.MEASURED_DIR / f"{name}.png").shape[:2]
        assert isinstance(figure, Figure)
        assert tuple(round(v) for v in figure.get_size_inches() * figure.dpi) == (width, height)


def test_a_missing_measured_picture_is_named_with_the_ones_there_are():
    with pytest.raises(FileNotFoundError, match=r"show_measured: no picture 'nothing-here'.*skip-ablation"):
        plots.show_measured("nothing-here")
