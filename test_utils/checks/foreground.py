"""Check of notebook 5's foreground_mask: one class against the rest, by a softmax probability and a threshold.

The expected mask is the reference's (runner.expected, like the metrics'). Beside it the check
computes the softmax itself, in float64 NumPy (its twin), for two things: the tolerance band and
the hints. The tolerance policy: a pixel whose probability lies within BAND of the threshold is
not judged, since float32 and float64 round it differently (tf.nn.softmax gives 0.49999997, not
0.5, for two classes that tie, and 0.99999994 for a certain class). The one exception is a
probability of exactly 0 at threshold 0: when a class's logit is 800 below the largest, exp
underflows to exactly 0 in every precision, so p = 0 >= 0 must be True there; that is where >
instead of >= shows. Where a mask is wrong, the check names the mistake it matches: argmax,
sigmoid, the logits thresholded, softmax over another axis, > instead of >=, the probability of
another class, a fixed threshold, the opposite mask, or exp overflowing in float32.
"""

import numpy as np

from test_utils import runner
from test_utils.calls import call_text
from test_utils.checks.common import ask
from test_utils.failure import fail, passed
from test_utils.probes.common import call as plain_call
from test_utils.probes.common import call_on_tensors

BAND = 1e-5  # |p - threshold| below this: float32 and float64 may land on either side
IMPOSSIBLE_GAP = 800.0  # a logit this far below the largest: exp underflows to 0 in float32 and float64
FLOAT32_EXP_LIMIT = 88.0  # exp(x) overflows float32 above about 88.7
SOFTMAX_HINT = ("a pixel's class probabilities come from a softmax over its own logits (the class axis, the "
                "last), so each pixel's probabilities add up to 1; the mask keeps the pixels where class_id's "
                "probability reaches the threshold (p >= threshold)")


def twin_probabilities(logits, axis=-1):
    """Softmax of `logits` along `axis`, in float64 (the checker's own, for the band and the hints)."""
    values = np.asarray(logits, np.float64)
    weights = np.exp(values - np.max(values, axis=axis, keepdims=True))
    return weights / np.sum(weights, axis=axis, keepdims=True)


def _with_impossible(rng, logits, class_id, share=0.3):
    """Make class_id impossible (its logit 800 or more below the largest: p = 0 exactly) at about `share` of pixels."""
    logits = logits.copy()
    chosen = rng.random(logits.shape[:-1]) < share
    others = np.delete(logits, class_id, axis=-1).max(axis=-1)
    lowered = others - IMPOSSIBLE_GAP - rng.uniform(0, 50, chosen.shape)
    logits[..., class_id] = np.where(chosen, lowered, logits[..., class_id]).astype(np.float32)
    return logits


def public_cases():
    """(label, logits, class_id, threshold or None) of the public calls."""
    rng = np.random.default_rng(13)
    random_logits = (rng.standard_normal((2, 6, 8, 5)) * 2).astype(np.float32)
    low_threshold = (rng.standard_normal((1, 5, 7, 4)) * 1.5).astype(np.float32)
    impossible = _with_impossible(rng, (rng.standard_normal((1, 4, 6, 3)) * 2).astype(np.float32), 0, share=0.5)
    confident = (rng.standard_normal((1, 3, 5, 4)) * 30).astype(np.float32)
    confident[0, 1, 2, 2], confident[0, 2, 4, 2] = 120.0, 95.0
    return [
        ("random logits (2, 6, 8, 5)", random_logits, 3, None),
        ("threshold 0.3: a class can pass without being the largest", low_threshold, 1, 0.3),
        ("threshold 0: every pixel is in the mask, even where class 0 is impossible (p = 0 exactly)",
         impossible, 0, 0.0),
        ("a confident model's logits (up to 120)", confident, 2, 0.9),
    ]


def hidden_cases(count):
    """`count` hidden cases: random shapes, classes and thresholds; impossible pixels where the threshold is 0."""
    rng = runner.random_generator("foreground_mask")
    cases = []
    for _ in range(count):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(2, 13)))
        logits = (rng.standard_normal(shape) * rng.uniform(0.5, 6)).astype(np.float32)
        class_id = int(rng.integers(0, shape[-1]))
        if rng.random() < 0.25:
            logits, threshold = _with_impossible(rng, logits, class_id), 0.0
        else:
            threshold = round(float(rng.uniform(0.05, 0.95)), 2)
        cases.append(("random logits", logits, class_id, threshold))
    return cases


def _as_mask(call, value, want_shape):
    """The returned value as an array of the expected shape and dtype bool, or a failure that says why."""
    try:
        mask = np.asarray(value)
    except Exception:  # not array-like
        fail(call, f"returned a {type(value).__name__}; expected a boolean array of shape {want_shape}")
    if mask.dtype == object:
        fail(call, f"returned a {type(value).__name__}; expected a boolean array of shape {want_shape}")
    if mask.shape != want_shape:
        if mask.shape == (*want_shape, 1):
            fail(call, f"returned shape {mask.shape}; expected {want_shape}, one value per pixel, no channel axis",
                 "take the class's probabilities with [..., class_id] (no keepdims, no [..., class_id:class_id + 1])")
        if mask.shape[:3] == want_shape and mask.ndim == 4:
            fail(call, f"returned shape {mask.shape}; expected {want_shape}: a mask of one class, not of all of them",
                 "keep only the probability of class_id: probabilities[..., class_id]")
        fail(call, f"returned shape {mask.shape}; expected {want_shape} (batch, height, width)")
    if mask.dtype != bool:
        values = np.unique(mask) if mask.size else mask
        if mask.dtype.kind in "iuf" and np.isin(values, (0, 1)).all():
            fail(call, f"returned dtype {mask.dtype} (0s and 1s); expected a boolean mask (dtype bool)",
                 "return the comparison itself, probability >= threshold, without converting it")
        if mask.dtype.kind == "f":
            fail(call, f"returned dtype {mask.dtype} values between {values.min():.3g} and {values.max():.3g}; "
                       f"expected a boolean mask", "compare the probabilities with the threshold (>=)")
        fail(call, f"returned dtype {mask.dtype}; expected a boolean mask (dtype bool)")
    return mask


def _argmax_hint(largest, probability, threshold):
    """Why an argmax mask is not the thresholded one, in the ways that happen in this case.

    The largest logit can sit below the threshold (possible when the threshold is above 1 / n_classes),
    and a class can pass the threshold without the largest logit (possible only below 0.5: a
    probability of 0.5 or more is always the largest). The hint names only what this case shows.
    """
    below = int(np.sum(largest & (probability < threshold)))
    passing = int(np.sum(~largest & (probability >= threshold)))
    reasons = []
    if below:
        reasons.append(f"at {below} pixel(s) class_id has the largest logit but a probability below the "
                       f"threshold {threshold:g}")
    if passing:
        reasons.append(f"at {passing} pixel(s) its probability reaches the threshold {threshold:g} without "
                       f"being the largest (possible only with a threshold under 0.5)")
    why = "; ".join(reasons) if reasons else "the two differ"
    return f"your mask is where class_id has the largest logit (argmax): {why}; " + SOFTMAX_HINT


def _mistakes(logits, class_id, threshold):
    """{what the student may have done: its mask} for the mistakes the check names."""
    values = np.asarray(logits, np.float64)
    with np.errstate(over="ignore"):
        sigmoid = 1 / (1 + np.exp(-values[..., class_id]))
    right = twin_probabilities(values)
    largest = np.argmax(values, axis=-1) == class_id
    found = {
        "argmax": (largest, _argmax_hint(largest, right[..., class_id], threshold)),
        "sigmoid": (sigmoid >= threshold,
                    "your mask is sigmoid(logit of class_id) >= threshold: the model was trained with a softmax "
                    "over all classes, and the sigmoid of one logit ignores the others; " + SOFTMAX_HINT),
        "logits": (values[..., class_id] >= threshold,
                   "your mask compares the logits themselves with the threshold: turn them into probabilities "
                   "first; " + SOFTMAX_HINT),
        "inverted": (right[..., class_id] < threshold,
                     "your mask is the opposite, True where p < threshold: it is True where p >= threshold"),
    }
    for axis in (0, 1, 2):
        found[f"axis {axis}"] = (twin_probabilities(values, axis=axis)[..., class_id] >= threshold,
                                 f"your softmax normalises over axis {axis}, not over the classes: " + SOFTMAX_HINT)
    if threshold != 0.5:
        found["threshold 0.5"] = (right[..., class_id] >= 0.5,
                                  f"your mask uses the threshold 0.5, not {threshold}: use the threshold argument")
    for other in range(values.shape[-1]):
        if other != class_id:
            found[f"class {other}"] = (right[..., other] >= threshold,
                                       f"your mask is that of class {other}, not of class {class_id}: "
                                       f"take probabilities[..., class_id]")
    return found


def _hint(logits, class_id, threshold, mask, expected, judged, exact):
    """The likely mistake behind a wrong mask, or None."""
    off = judged & (mask != expected)
    if exact.any() and not (off & ~exact).any() and not mask[exact & off].any():
        return (f"where class {class_id} is impossible (its logit 800 below the largest, so p = 0 exactly) your "
                f"mask is False, but p = 0 is at least the threshold 0: a pixel belongs to the mask when "
                f"p >= threshold (>=, not >)")
    largest = np.max(logits, axis=-1)
    if largest.max() > FLOAT32_EXP_LIMIT and (largest[off] > FLOAT32_EXP_LIMIT).all():
        return (f"the pixels you got wrong have logits as large as {largest.max():.0f}: exp of that overflows "
                f"float32 (inf / inf = NaN, and NaN >= threshold is False); subtract each pixel's largest logit "
                f"before exp, as the loss does (section 3), or use tf.nn.softmax")
    for candidate, hint in _mistakes(logits, class_id, threshold).values():
        if np.array_equal(mask[judged], candidate[judged]) and not np.array_equal(candidate[judged], expected[judged]):
            return hint
    return None


def _one_case(foreground_mask, label, logits, class_id, threshold, as_tensor=False):
    kwargs = {} if threshold is None else {"threshold": threshold}
    call = call_text("foreground_mask", logits, class_id, **kwargs)
    if as_tensor:  # the contract (and notebook 5, on model outputs) passes a tensor too
        call, label = f"{call} with the logits as a tf.Tensor", f"{label}, as a tensor"
    got = ask(foreground_mask, "foreground_mask", call, call_on_tensors if as_tensor else plain_call,
              logits, class_id, **kwargs)
    if got["changed"]:
        fail(call, "changed its input logits", "compute into new arrays (x = x - m makes a new one; x -= m does not)")
    mask = _as_mask(call, got["value"], logits.shape[:3])
    expected = np.asarray(runner.expected("foreground_mask", plain_call, logits, class_id, **kwargs)["value"], bool)
    limit = 0.5 if threshold is None else threshold
    probability = twin_probabilities(logits)[..., class_id]
    exact = (probability == limit) & (probability == 0)  # exp underflowed: 0 in every precision
    judged = exact | (np.abs(probability - limit) >= BAND)
    wrong = judged & (mask != expected)
    if not wrong.any():
        return int(exact.sum())
    where = tuple(int(i) for i in np.argwhere(wrong)[0])
    fail(call, f"{label}: your mask differs from the expected one at {int(wrong.sum())} of {mask.size} pixels; "
               f"at pixel {where} the probability of class {class_id} is {probability[where]:.6g} and the threshold "
               f"{limit:g}, so the mask is {bool(expected[where])} there, yours {bool(mask[where])}",
         _hint(logits, class_id, limit, mask, expected, judged, exact))


def check_foreground_mask(foreground_mask, random_cases=0):
    """Compare foreground_mask(logits, class_id, threshold) with the reference.

    Args:
        foreground_mask: the student's function: softmax over the last axis, then the probability of
            class_id >= threshold, as a boolean (batch, height, width) array.
        random_cases: hidden cases drawn fresh for each grading run.
    """
    cases = public_cases() + hidden_cases(random_cases)
    exact = sum(_one_case(foreground_mask, *case) for case in cases)
    for case in cases:  # the same cases again, the logits given as a tensor, as notebook 5 gives them
        _one_case(foreground_mask, *case, as_tensor=True)
    passed(f"foreground_mask agrees with the reference on {len(cases)} sets of logits, as arrays and as tensors "
           f"({exact} pixels with p = 0 exactly at the threshold 0 included)")
