"""What every probe shares: the TensorFlow import and the "unusable result" report."""

import numpy as np


class Unexpected(ValueError):
    """The function returned something the check cannot use; the message says what and why."""

    def __init__(self, problem, hint=None):
        super().__init__(problem + (f"\nHint: {hint}" if hint else ""))


def tf():
    from course.tensorflow_setup import import_tensorflow

    return import_tensorflow()


def as_array(value, what="the result"):
    """A returned value as a NumPy array (tensors included), or Unexpected."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except Exception:  # anything that is not array-like
        raise Unexpected(f"{what} is a {type(value).__name__}, which is not an array or a tensor") from None
    if array.dtype == object:
        raise Unexpected(f"{what} is a {type(value).__name__}, which is not an array of numbers")
    return array


def pair_of(result, what):
    """Two values from a function that must return a pair, or Unexpected."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = type(result).__name__ + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise Unexpected(f"returned {got}; expected {what}")
    return result


def _copy(value):
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else \
        [_copy(item) for item in value] if isinstance(value, list) else value


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _plain(value):
    """Tensors as arrays, NumPy scalars as Python numbers; other values as they are."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        try:
            value = value.numpy()
        except Exception:
            return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def call(function, *args, **kwargs):
    """The plain call, on copies: {"value": what it returned, "changed": did it change its inputs}."""
    copies = [_copy(arg) for arg in args]
    value = function(*copies, **kwargs)
    return {"value": _plain(value), "changed": not all(_same(a, b) for a, b in zip(args, copies))}


def _global_random_state():
    import random

    numpy_state = np.random.get_state()
    return random.getstate(), numpy_state[1].tobytes(), numpy_state[2:]


def call_leaving_global_random(function, *args, **kwargs):
    """As `call`, and whether the call changed Python's or NumPy's global random state.

    A function that is given its own seed should draw from a generator made from it: seeding or
    drawing from the global one changes every later draw of the notebook. (This is the kernel's
    own account, like every probe's: it guards honest students against a real mistake.)"""
    before = _global_random_state()
    result = call(function, *args, **kwargs)
    result["global_random_changed"] = _global_random_state() != before
    return result


def call_on_tensors(function, *args, **kwargs):
    """As `call`, with each NumPy array argument passed as a TensorFlow tensor (for a contract that
    allows both): a function that works only on arrays (`.max()`, in-place writes) fails here."""
    tensors = [tf().constant(arg) if isinstance(arg, np.ndarray) else arg for arg in args]
    return {"value": _plain(function(*tensors, **kwargs)), "changed": False}


def initial_weights(model, seed, size=1024):
    """A sample of each kernel's weights as the model was built (before any is set): raw numbers.

    The check computes their spread and shape itself (test_utils/checks/initial.py): what an
    initializer draws is then verified from the weights, not taken from the layer table's name.
    Positions are drawn from `seed`; at most `size` values a kernel.
    """
    rng = np.random.default_rng(seed + 2)
    sample = []
    for weight in model.get_weights():
        if weight.ndim < 2:
            continue
        flat = np.asarray(weight, np.float32).ravel()
        if flat.size > size:
            flat = flat[np.sort(rng.choice(flat.size, size, replace=False))]
        sample.append({"shape": [int(d) for d in weight.shape], "values": flat})
    return sample


def set_seeded_weights(model, seed):
    """Give every weight of `model` values drawn from `seed` (He-scaled kernels, small biases).

    Two models with the same layers in the same order get the same weights, whoever built
    them: the check can then compare what they compute, not only how they describe themselves.
    """
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.get_weights():
        if weight.ndim >= 2:
            fan_in = int(np.prod(weight.shape[:-1])) or 1
            values.append((rng.standard_normal(weight.shape) * np.sqrt(2.0 / fan_in)).astype(weight.dtype))
        else:
            values.append((rng.standard_normal(weight.shape) * 0.05).astype(weight.dtype))
    model.set_weights(values)


def output_sketch(model, seed, projections=8):
    """What `model` computes, in a few numbers: random projections of its output on a seeded input.

    The weights are set from `seed` first (set_seeded_weights); the input is drawn from it too.
    Each output value goes, with a random sign, into one of `projections` sums (a count sketch):
    a change to any value changes a sum, and it costs a pass over the output, where dense
    Gaussian directions cost `projections` passes and as many output-sized arrays (seconds for
    a 56x56x1024 output).
    """
    rng = np.random.default_rng(seed + 1)
    set_seeded_weights(model, seed)
    inputs = [rng.standard_normal((1, *[int(d) for d in tensor.shape[1:]])).astype(np.float32)
              for tensor in model.inputs]
    outputs = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    sketch = []
    for output in outputs:
        values = np.asarray(output, np.float64).ravel()
        codes = rng.integers(0, 2 * projections, values.size, dtype=np.uint8)  # sum index, then sign
        signed = np.where(codes < projections, values, -values)
        sums = np.bincount(codes % projections, weights=signed, minlength=projections)
        sketch += (sums * np.sqrt(projections / max(values.size, 1))).tolist()
    return sketch
