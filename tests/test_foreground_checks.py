"""check_foreground_mask: one class against the rest, by the softmax probability of that class and a threshold.

Right students (tf.nn.softmax, a NumPy softmax with the largest logit subtracted, scipy's softmax)
pass, in the notebook and in the judge; wrong ones fail with a message that names the mistake.
The tolerance policy: a pixel within BAND of the threshold is not judged, since float32 and
float64 round it to either side (tf.nn.softmax gives 0.49999997 for a tie of two classes); a pixel
whose probability is exactly 0 (exp underflows in every precision) at threshold 0 is judged and
belongs to the mask (>=): there > shows. Students run as notebook cells (`Grade` and `student`
from test_checks).
"""

import numpy as np
import pytest

from test_utils import checks
from test_utils.checks import foreground
from test_utils.failure import CheckFailure
from tests.test_checks import Grade, student, use_mode

TF_SOFTMAX = """
def foreground_mask(logits, class_id, threshold=0.5):
    return tf.nn.softmax(logits, axis=-1)[..., class_id] >= threshold
"""

NUMPY_SOFTMAX = """
def foreground_mask(logits, class_id, threshold=0.5):
    logits = np.asarray(logits)
    weights = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    probabilities = weights / np.sum(weights, axis=-1, keepdims=True)
    return probabilities[..., class_id] >= threshold
"""

SCIPY_SOFTMAX = """
from scipy.special import softmax

def foreground_mask(logits, class_id, threshold=0.5):
    return softmax(np.asarray(logits), axis=-1)[..., class_id] >= threshold
"""


@pytest.fixture
def grade(monkeypatch, capsys):
    return Grade(monkeypatch, capsys)


@pytest.mark.parametrize("code", [TF_SOFTMAX, NUMPY_SOFTMAX, SCIPY_SOFTMAX], ids=["tf-nn-softmax", "numpy", "scipy"])
def test_right_alternatives_pass(grade, code):
    """Do tf.nn.softmax, a NumPy softmax with the largest logit subtracted and scipy's softmax pass, hidden cases too?"""
    output = grade.passes(checks.check_foreground_mask, student(code), hidden=4)
    assert "foreground_mask agrees with the reference" in output and "p = 0 exactly at the threshold 0" in output, output


WRONG = [
    ("argmax", TF_SOFTMAX.replace("return tf.nn.softmax(logits, axis=-1)[..., class_id] >= threshold",
                                  "return np.argmax(logits, axis=-1) == class_id"),
     "random logits (2, 6, 8, 5)", "your mask is where class_id has the largest logit (argmax)"),
    ("sigmoid", TF_SOFTMAX.replace("tf.nn.softmax(logits, axis=-1)[..., class_id]",
                                   "tf.math.sigmoid(logits[..., class_id])"),
     "random logits", "your mask is sigmoid(logit of class_id) >= threshold"),
    ("logits-thresholded", TF_SOFTMAX.replace("tf.nn.softmax(logits, axis=-1)[..., class_id]",
                                              "np.asarray(logits)[..., class_id]"),
     "random logits", "your mask compares the logits themselves with the threshold"),
    ("softmax-over-batch", TF_SOFTMAX.replace("axis=-1", "axis=0"),
     "random logits", "your softmax normalises over axis 0, not over the classes"),
    ("softmax-over-height", TF_SOFTMAX.replace("axis=-1", "axis=1"),
     "random logits", "your softmax normalises over axis 1, not over the classes"),
    ("strictly-greater", TF_SOFTMAX.replace(">= threshold", "> threshold"),
     "threshold 0: every pixel is in the mask", "p = 0 is at least the threshold 0"),
    ("fixed-threshold", TF_SOFTMAX.replace(">= threshold", ">= 0.5"),
     "threshold 0.3", "your mask uses the threshold 0.5, not 0.3: use the threshold argument"),
    ("another-class", TF_SOFTMAX.replace("[..., class_id]", "[..., class_id - 1]"),
     "random logits", "your mask is that of class 2, not of class 3"),
    ("inverted", TF_SOFTMAX.replace(">= threshold", "< threshold"),
     "random logits", "your mask is the opposite"),
    ("float32-exp-overflows", NUMPY_SOFTMAX.replace("logits - np.max(logits, axis=-1, keepdims=True)", "logits"),
     "a confident model's logits (up to 120)", "exp of that overflows float32"),
]


@pytest.mark.parametrize("code, named, hint", [case[1:] for case in WRONG], ids=[case[0] for case in WRONG])
def test_mistakes_are_named(grade, code, named, hint):
    """Does each wrong foreground mask fail, in the notebook and the judge, naming the case and the mistake?"""
    with np.errstate(all="ignore"):
        message = grade.fails(checks.check_foreground_mask, student(code))
    assert message.startswith("foreground_mask(array(shape="), message
    assert named in message and hint in message, message


def test_the_argmax_hint_names_only_what_the_case_shows():
    """Does the argmax hint claim "passes the threshold without being the largest" only where that happens (below 0.5)?"""
    at_half = np.array([[[[2.0, 1.9, 1.8]]]], np.float32)      # class 0 largest, p = 0.37 < 0.5
    hint = foreground._mistakes(at_half, 0, 0.5)["argmax"][1]
    assert "at 1 pixel(s) class_id has the largest logit but a probability below the threshold 0.5" in hint, hint
    assert "without being the largest" not in hint, hint
    below_half = np.array([[[[2.0, 1.9, -5.0]]]], np.float32)  # class 1: p = 0.47 >= 0.3, not the largest
    hint = foreground._mistakes(below_half, 1, 0.3)["argmax"][1]
    assert "at 1 pixel(s) its probability reaches the threshold 0.3 without being the largest" in hint, hint
    assert "under 0.5" in hint and "below the threshold" not in hint, hint


@pytest.mark.parametrize("ending, named, hint", [
    (".numpy().astype(np.uint8)", "returned dtype uint8 (0s and 1s); expected a boolean mask",
     "return the comparison itself"),
    (".numpy().astype(np.float32)", "returned dtype float32 (0s and 1s)", "return the comparison itself"),
], ids=["uint8", "float-zeros-and-ones"])
def test_a_mask_of_numbers_fails(grade, ending, named, hint):
    """Does a mask of 0s and 1s instead of booleans fail, saying to return the comparison itself?"""
    code = TF_SOFTMAX.replace(">= threshold", f">= threshold){ending}").replace("return tf.nn", "return (tf.nn")
    message = grade.fails(checks.check_foreground_mask, student(code))
    assert named in message and hint in message, message


@pytest.mark.parametrize("old, new, named, hint", [
    ("return tf.nn.softmax(logits, axis=-1)[..., class_id] >= threshold",
     "return tf.nn.softmax(logits, axis=-1)[..., class_id].numpy()",
     "returned dtype float32 values between", "compare the probabilities with the threshold (>=)"),
    ("[..., class_id] >= threshold", "[..., class_id:class_id + 1] >= threshold",
     "returned shape (2, 6, 8, 1); expected (2, 6, 8), one value per pixel, no channel axis", "no keepdims"),
    ("[..., class_id] >= threshold", " >= threshold",
     "returned shape (2, 6, 8, 5); expected (2, 6, 8): a mask of one class", "probabilities[..., class_id]"),
], ids=["probabilities", "channel-axis", "every-class"])
def test_wrong_shapes_and_values_fail(grade, old, new, named, hint):
    """Do probabilities instead of a mask, a channel axis of size 1 and a mask per class fail, saying so?"""
    assert old in TF_SOFTMAX
    message = grade.fails(checks.check_foreground_mask, student(TF_SOFTMAX.replace(old, new)))
    assert named in message and hint in message, message


def test_changing_the_logits_in_place_fails(grade):
    """Does a foreground_mask that subtracts the largest logit in place (changing its input) fail, saying so?"""
    code = NUMPY_SOFTMAX.replace("logits = np.asarray(logits)\n",
                                 "logits = np.asarray(logits)\n    logits -= np.max(logits, axis=-1, keepdims=True)\n")
    message = grade.fails(checks.check_foreground_mask, student(code))
    assert "changed its input logits" in message and "x -= m does not" in message, message


# --- the tolerance policy --------------------------------------------------------------------

def two_class_logits(gaps):
    """Logits (1, 1, len(gaps), 2) whose class 0 has the probability sigmoid(gap) at each pixel."""
    logits = np.zeros((1, 1, len(gaps), 2), np.float32)
    logits[0, 0, :, 0] = np.asarray(gaps, np.float32)
    return logits


def answering(mask):
    """A student that returns `mask` whatever it is given."""
    def foreground_mask(logits, class_id, threshold=0.5):
        return np.array(mask, bool).reshape(np.shape(logits)[:3])
    return foreground_mask


def run_case(monkeypatch, function, logits, threshold=0.5):
    use_mode(monkeypatch, "judge")  # the expected mask from the reference in the source notebook
    return foreground._one_case(function, "a case", logits, 0, threshold)


def test_pixels_just_beside_the_threshold_are_not_judged(monkeypatch):
    """Is a pixel whose probability lies within BAND of the threshold free to go either way?"""
    near = 4 * 3e-6  # sigmoid(gap) = 0.5 + gap / 4 near 0: p = 0.5 + 3e-6
    logits = two_class_logits([near, -near, 2.0])
    probability = foreground.twin_probabilities(logits)[0, 0, :, 0]
    assert 0 < abs(probability[0] - 0.5) < foreground.BAND and 0 < abs(probability[1] - 0.5) < foreground.BAND
    for flipped in ([False, True, True], [True, False, True], [True, True, True], [False, False, True]):
        run_case(monkeypatch, answering(flipped), logits)


def test_pixels_beyond_the_band_are_judged(monkeypatch):
    """Is a pixel whose probability is 1e-4 above the threshold judged, and a False there a failure?"""
    logits = two_class_logits([4e-4, 2.0])
    assert foreground.twin_probabilities(logits)[0, 0, 0, 0] - 0.5 > foreground.BAND
    run_case(monkeypatch, answering([True, True]), logits)
    with pytest.raises(CheckFailure, match=r"differs from the expected one at 1 of 2 pixels"):
        run_case(monkeypatch, answering([False, True]), logits)


def test_a_tie_at_one_half_is_not_judged(monkeypatch):
    """Is a tie of two classes (p = 0.5 in float64; tf.nn.softmax gives 0.5 or 0.49999997 by processor) free either way?"""
    logits = np.zeros((2, 6, 8, 2), np.float32)  # ties everywhere: whatever a student's softmax rounds them to
    assert (foreground.twin_probabilities(logits) == 0.5).all()
    for answer in (True, False):
        run_case(monkeypatch, answering(np.full(logits.shape[:3], answer)), logits)


def test_an_impossible_pixel_belongs_to_the_mask_at_threshold_zero(monkeypatch):
    """Is p = 0 exactly (logit 800 below) at threshold 0 judged, True passing and False failing with >=?"""
    logits = two_class_logits([-900.0, 3.0])
    assert foreground.twin_probabilities(logits)[0, 0, 0, 0] == 0.0
    assert run_case(monkeypatch, answering([True, True]), logits, threshold=0.0) == 1
    with pytest.raises(CheckFailure, match=r"\(>=, not >\)"):
        run_case(monkeypatch, answering([False, True]), logits, threshold=0.0)


def test_impossible_pixels_are_zero_in_every_precision(monkeypatch):
    """Do the cases' judged exact pixels (p = 0) come out exactly 0 from tf.nn.softmax in float32 too?"""
    import tensorflow as tf

    use_mode(monkeypatch, "judge")
    cases = foreground.public_cases() + foreground.hidden_cases(12)
    assert any(threshold == 0.0 for *_, threshold in cases)
    for label, logits, class_id, threshold in cases:
        exact = foreground.twin_probabilities(logits)[..., class_id] == 0
        assert (tf.nn.softmax(logits, axis=-1).numpy()[..., class_id][exact] == 0).all(), label


def test_hidden_cases_are_fresh_and_hold_impossible_pixels(monkeypatch):
    """Do the judge's hidden cases change with the grading seed, and do those at threshold 0 hold p = 0 exactly?"""
    use_mode(monkeypatch, "judge")
    first = foreground.hidden_cases(8)
    monkeypatch.setenv("GRADER_SEED", "1")
    second = foreground.hidden_cases(8)
    assert any(a[1].shape != b[1].shape or not np.array_equal(a[1], b[1]) for a, b in zip(first, second))
    at_zero = [case for case in first + second if case[3] == 0.0]
    assert at_zero and all((foreground.twin_probabilities(logits)[..., class_id] == 0).any()
                           for _, logits, class_id, _ in at_zero)


# --- the course's side: the vehicle mask of a model, its IoU, the set-versus-image example ---------

def test_binary_iou_counts_every_pixel_of_every_image():
    """Is binary_iou the intersection over the union of all images' pixels, NaN when both are empty?"""
    from course.foreground import binary_iou

    truth = np.array([[[1, 1, 0, 0]], [[0, 0, 0, 1]]], bool)
    predicted = np.array([[[1, 0, 0, 0]], [[0, 0, 1, 1]]], bool)
    assert binary_iou(truth, predicted) == pytest.approx(2 / 4)
    assert np.isnan(binary_iou(np.zeros(3, bool), np.zeros(3, bool)))


def test_the_set_and_per_image_means_of_the_example_differ_as_the_notebook_says():
    """Does the two-image example give 0.775 over the set and 0.6875 per image, the set figure being mean_iou's?"""
    from course.foreground import set_and_per_image_iou, two_image_example
    from course.reference import reference_function

    truth, predicted = two_image_example()
    whole, per_image = set_and_per_image_iou(truth, predicted, n_classes=2)
    assert (whole, per_image) == (pytest.approx(0.775), pytest.approx(0.6875))
    assert reference_function("mean_iou")(truth, predicted, n_classes=2) == pytest.approx(whole)


def test_foreground_predictions_and_the_picture():
    """Does foreground_predictions give one bool mask per threshold for every image, and the picture three panels?"""
    import matplotlib

    matplotlib.use("Agg")
    import tensorflow as tf

    from course.foreground import foreground_predictions, most_foreground, show_foreground
    from course.reference import reference_function

    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input((4, 6, 3))
    model = tf.keras.Model(inputs, tf.keras.layers.Conv2D(12, 1)(inputs))
    rng = np.random.default_rng(0)
    images = rng.random((5, 4, 6, 3)).astype(np.float32)
    masks = rng.integers(0, 12, (5, 4, 6, 1)).astype(np.uint8)
    dataset = tf.data.Dataset.from_tensor_slices((images, masks)).batch(2)
    shown, truths, found = foreground_predictions(model, dataset, reference_function("foreground_mask"), 10,
                                                  thresholds=(0.0, 0.5))
    assert shown.shape == images.shape and truths.dtype == bool and np.array_equal(truths, masks[..., 0] == 10)
    assert set(found) == {0.0, 0.5} and found[0.0].all() and found[0.5].shape == (5, 4, 6)
    index = most_foreground(truths)
    figure = show_foreground(shown[index], truths[index], found[0.5][index], "vehicle", threshold=0.5)
    assert [axis.get_title() for axis in figure.axes][1:] == ["True mask: vehicle", "Predicted (p ≥ 0.5): IoU 0.00"]


def test_foreground_mask_that_works_only_on_numpy_arrays_fails(grade):
    """Does a mask that calls ndarray.max() on its input pass the array cases but fail when given a tensor?"""
    numpy_only = student("""
        def foreground_mask(logits, class_id, threshold=0.5):
            shifted = logits - logits.max(axis=-1, keepdims=True)
            probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
            return probabilities[..., class_id] >= threshold
        """)
    message = grade.fails(checks.check_foreground_mask, numpy_only)
    assert "with the logits as a tf.Tensor" in message and "max" in message, message
