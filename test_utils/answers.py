"""Plain data for the public answers file: arrays, tuples and floats that JSON cannot hold.

The public checks a student runs compare with answers the reference solution gave for the
same inputs; `python -m test_utils.generate` writes those into public_answers.json (never
typed by hand; a test fails when they drift from the solution).
"""

import base64
import hashlib
import json
import math
from pathlib import Path

ANSWERS_FILE = Path(__file__).with_name("public_answers.json")


def to_json(value):
    """`value` as JSON-ready data, arrays and tuples tagged."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [to_json(item) for item in value]}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {"__dict__": {str(key): to_json(item) for key, item in value.items()}}
    if hasattr(value, "numpy") and not hasattr(value, "tobytes"):
        value = value.numpy()
    if hasattr(value, "dtype") and hasattr(value, "tobytes"):
        import numpy as np

        array = np.array(value, order="C", copy=True)
        return {"__ndarray__": {"dtype": array.dtype.str, "shape": list(array.shape),
                                "data": base64.b64encode(array.tobytes()).decode("ascii")}}
    raise TypeError(f"cannot store a {type(value).__name__} as a public answer")


def from_json(data):
    """The value `to_json` stored."""
    if isinstance(data, list):
        return [from_json(item) for item in data]
    if not isinstance(data, dict):
        return data
    (kind, body), = data.items()
    if kind == "__tuple__":
        return tuple(from_json(item) for item in body)
    if kind == "__dict__":
        return {key: from_json(item) for key, item in body.items()}
    if kind == "__float__":
        return float(body)
    import numpy as np

    raw = base64.b64decode(body["data"])
    return np.frombuffer(raw, dtype=np.dtype(body["dtype"])).reshape(body["shape"]).copy()


def _fingerprint(value):
    """A stable, small stand-in for `value` in a case key (arrays by their bytes' hash)."""
    if isinstance(value, (list, tuple)):
        return [_fingerprint(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _fingerprint(item) for key, item in sorted(value.items())}
    if hasattr(value, "dtype") and hasattr(value, "tobytes"):
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "sha256": hashlib.sha256(value.tobytes()).hexdigest()}
    if isinstance(value, float):
        return repr(value)
    return value


def case_key(name, probe, args, kwargs):
    """The key of one case: the function, the probe and the inputs."""
    text = json.dumps([name, probe, _fingerprint(list(args)), _fingerprint(dict(kwargs))], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


_LOADED = {}


def load(path=ANSWERS_FILE):
    """{case key: answer} of the public answers file."""
    path = Path(path)
    if path not in _LOADED:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"answers": {}}
        _LOADED[path] = {key: from_json(value) for key, value in data["answers"].items()}
    return _LOADED[path]


def dumps(answers):
    """The file's text: one answer per line, sorted, so that regenerating changes nothing."""
    lines = ['{', '  "generated_by": "python -m test_utils.generate (do not edit by hand)",', '  "answers": {']
    items = sorted(answers.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"    {json.dumps(key)}: {json.dumps(to_json(value), sort_keys=True)}{comma}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def same_text(a, b, rtol=1e-4, atol=1e-6):
    """Do two answers files' texts hold the same answers, floats equal within rtol/atol?

    Regenerating on another machine, or with another number of threads, sums a model's float32
    outputs in another order: the last digits move. The checks compare with far wider tolerances,
    so such a file is up to date.
    """
    try:
        return _close(json.loads(a), json.loads(b), rtol, atol)
    except ValueError:
        return False


def _array(body):
    import base64

    import numpy as np

    raw = base64.b64decode(str(body.get("data", "")).encode("ascii"))
    return np.frombuffer(raw, dtype=np.dtype(str(body.get("dtype")))).reshape(tuple(body.get("shape", ())))


def _close(a, b, rtol, atol):
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b) == {"__ndarray__"}:
        import numpy as np

        try:  # arrays travel as raw bytes: their floats are compared as numbers, not as text
            x, y = _array(a["__ndarray__"]), _array(b["__ndarray__"])
        except (ValueError, TypeError, AttributeError):
            return a == b
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind != "f":
            return bool(np.array_equal(x, y))
        return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[key], b[key], rtol, atol) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
                and not isinstance(b, bool) and math.isclose(a, b, rel_tol=rtol, abs_tol=atol))
    return a == b
