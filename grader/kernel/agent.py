"""The kernel's side of a probe: call a student's function, send back what it returned as data.

This file is sent to the student's kernel as source text and run there for each probe, after
grader/protocol.py's text (the kernel does not need the grader installed); the judge imports it
as a module for `decode`.
Nothing here is trusted: a student can replace any of it inside the kernel. What comes back
is only ever treated as the student's answer, decoded as plain data by the judge.

Plain data: None, bools, ints, floats (NaN and infinities included), strings, bytes, lists,
tuples, dicts with string keys, and NumPy arrays of numbers or booleans (sent as raw bytes
with dtype and shape, never pickled). Anything else comes back as {"__object__": type name}.
"""

import base64
import json
import math

if "protocol" not in globals():  # in the kernel, kernel_code hands over the protocol's text, run
    from grader import protocol

MIME = protocol.MIME
MAX_DEPTH = 40


class DecodeError(ValueError):
    """An answer that is not plain data of the kinds above."""


def encode(value, depth=0):
    """`value` as JSON-ready plain data (see the module docstring)."""
    if depth > MAX_DEPTH:
        return {"__object__": "too deeply nested"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__float__": repr(float(value))}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        items = [encode(item, depth + 1) for item in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {"__dict__": {key: encode(item, depth + 1) for key, item in value.items()}}
        return {"__object__": "dict with keys that are not strings"}
    if hasattr(value, "numpy") and callable(value.numpy) and type(value).__name__ != "ndarray":
        try:
            value = value.numpy()  # a TensorFlow tensor
        except Exception:  # a symbolic tensor, or anything that lies
            return {"__object__": type(value).__name__}
    array_module = type(value).__module__.split(".")[0]
    if array_module == "numpy" and hasattr(value, "dtype") and hasattr(value, "tobytes"):
        import numpy as np

        array = np.asarray(value)
        if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
            return {"__object__": f"array of {array.dtype}"}
        array = np.array(array, order="C", copy=True)
        return {"__ndarray__": {"dtype": array.dtype.str, "shape": list(array.shape),
                                "data": base64.b64encode(array.tobytes()).decode("ascii")}}
    return {"__object__": type(value).__name__}


def decode(data, depth=0):
    """Plain data back from `encode`'s form; raises DecodeError on anything else."""
    if depth > MAX_DEPTH + 2:
        raise DecodeError("too deeply nested")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, depth + 1) for item in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise DecodeError(f"unexpected {type(data).__name__}")
    (kind, body), = data.items()
    if kind == "__tuple__" and isinstance(body, list):
        return tuple(decode(item, depth + 1) for item in body)
    if kind == "__dict__" and isinstance(body, dict):
        return {str(key): decode(item, depth + 1) for key, item in body.items()}
    if kind == "__float__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if kind == "__bytes__" and isinstance(body, str):
        return base64.b64decode(body.encode("ascii"), validate=True)
    if kind == "__ndarray__" and isinstance(body, dict):
        return _decode_array(body)
    if kind == "__object__" and isinstance(body, str):
        return Opaque(body[:200])
    raise DecodeError(f"unexpected entry {kind!r}")


def _decode_array(body):
    import numpy as np

    dtype = np.dtype(str(body.get("dtype")))
    if dtype.kind not in "biuf" or dtype.itemsize > 8:
        raise DecodeError(f"arrays of {dtype} are not plain data")
    shape = tuple(int(size) for size in body.get("shape", ()))
    if any(size < 0 for size in shape) or len(shape) > 32:
        raise DecodeError("bad array shape")
    raw = base64.b64decode(str(body.get("data", "")).encode("ascii"), validate=True)
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise DecodeError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


class Opaque:
    """What the kernel could not send as data: only its type name is known."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


def defined(source, name, namespace):
    """The function that `source` (the student's def, as the grader read it) defines, made afresh.

    It is compiled with the notebook's names as its globals, into a scratch namespace: what the
    name is bound to in the notebook by now plays no part. The text is put in linecache, so that
    an error's frames show the student's own lines.
    """
    import linecache

    filename = protocol.DEFINED_FILE.format(name=name)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scratch = {}
    exec(compile(source, filename, "exec"), namespace, scratch)  # the student's own def
    return scratch.get(name)


def answer(request, namespace, publish):
    """Run one probe request and publish its answer (never raises)."""
    try:
        target = namespace.get(request["target"]) if request.get("target") else None
        if callable(target) and request.get("define"):  # its cell ran: call the def the grader read
            target = defined(request["define"], request["target"], namespace)
        if request.get("target") and not callable(target):
            reply = {"id": request["id"], "ok": False,
                     "error": protocol.error_shape(
                         "NotDefined", f"{request['target']} is not defined in the notebook: run the cell "
                                       f"that defines it (and check that it runs without an error)")}
            publish({MIME: json.dumps(reply)})
            return
        args = decode(request.get("args", []))
        kwargs = decode({"__dict__": request.get("kwargs", {})})
        if request.get("probe"):
            import importlib

            module_name, function_name = protocol.parse_probe(request["probe"])
            probe = getattr(importlib.import_module(module_name), function_name)
            value = probe(target, *args, **kwargs)
        else:
            value = target(*args, **kwargs)
        reply = {"id": request["id"], "ok": True, "value": encode(value)}
    except BaseException as error:  # every failure is an answer
        frames, placeholder = protocol.student_frames(error, code_limit=200)
        reply = {"id": request["id"], "ok": False,
                 "error": protocol.error_shape(type(error).__name__, str(error)[:4000], frames, placeholder)}
    text = json.dumps(reply)
    if len(text) > request.get("max_bytes", 32 * 2**20):
        text = json.dumps({"id": request["id"], "ok": False,
                           "error": protocol.error_shape("AnswerTooLarge", f"the answer is {len(text) / 2**20:.1f} "
                                                                           f"MB, more than the grader accepts")})
    publish({MIME: text})


KERNEL_CALL = """
def __grader_probe__(request_text):
    import json as _json
    import types as _types
    from IPython import get_ipython as _ip
    from IPython.display import publish_display_data as _publish
    _protocol = _types.ModuleType("grader_protocol")
    exec(compile({protocol!r}, "<grader protocol>", "exec"), _protocol.__dict__)
    _agent = {{"__name__": "grader_agent", "protocol": _protocol}}
    exec(compile({source!r}, "<grader agent>", "exec"), _agent)
    _agent["answer"](_json.loads(request_text), _ip().user_ns, _publish)
__grader_probe__({request!r})
del __grader_probe__
"""


def kernel_code(request):
    """The code the worker runs in the kernel for one probe request (a dict)."""
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    protocol_source = Path(protocol.__file__).read_text(encoding="utf-8")
    return KERNEL_CALL.format(protocol=protocol_source, source=source, request=json.dumps(request))
