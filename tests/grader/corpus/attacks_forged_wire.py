"""Attack corpus scenarios: Forging the probes' answers on the wire: the answer is whatever the kernel publishes.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import STUB, code, expect, full, scenario, zero
from .corpus_context import files_of
from .corpus_planted import FORMULA_CODE


# Forging the probes' answers on the wire: the answer is whatever the kernel publishes --------

PROBE_FORGER = FORMULA_CODE + r'''

import ast as _ast, json as _json, math as _math, re as _re
from IPython import get_ipython as _get_ipython
from IPython.display import publish_display_data as _publish


def _enc(value):
    """The judge's plain-data form (grader/kernel/agent.py is open source)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if _math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, list):
        return [_enc(item) for item in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_enc(item) for item in value]}
    if isinstance(value, dict):
        return {"__dict__": {str(key): _enc(item) for key, item in value.items()}}
    return {"__object__": type(value).__name__}


def _dec(data):
    if isinstance(data, list):
        return [_dec(item) for item in data]
    if isinstance(data, dict) and len(data) == 1:
        (kind, body), = data.items()
        if kind == "__tuple__":
            return tuple(_dec(item) for item in body)
        if kind == "__dict__":
            return {key: _dec(item) for key, item in body.items()}
        if kind == "__float__":
            return float(body)
    return data


def _request_of(text):
    """The probe request inside the code the judge sends, and the MIME type of answers."""
    request = mime = None
    for line in text.splitlines():
        if line.startswith("__grader_probe__(") and line.rstrip().endswith(")"):
            try:
                request = _json.loads(_ast.literal_eval(line.rstrip()[len("__grader_probe__("):-1]))
            except Exception:
                request = None
    found = _re.search(r'MIME = "([^"]+)"', text)
    if found:
        mime = found.group(1)
    return request, mime


def _forged_value(request):
    """What a correct function's probe would answer, computed by formula from the request."""
    target, probe = request.get("target"), str(request.get("probe") or "")
    args = _dec(request.get("args", []))
    spec = args[0] if args and isinstance(args[0], dict) else {}
    kwargs = dict(spec.get("kwargs", {}))
    if target == "conv_block":
        shape = tuple(spec["inputs"][0])
        n_filters = kwargs.get("n_filters", 32)
        dropout, pooling = kwargs.get("dropout_prob", 0), kwargs.get("max_pooling", True)
        h, w, _ = shape
        skip = (None, h, w, n_filters)
        nxt = (None, h // 2, w // 2, n_filters) if pooling else skip
        if probe.endswith(":layers"):
            rows = _conv_rows(shape, n_filters, dropout, pooling)
            return {"rows": [list(row) for row in rows], "output": [nxt, skip], "params": sum(r[2] for r in rows)}
        if probe.endswith(":block_outputs"):
            kind = "Dropout" if dropout > 0 else "Conv2D"
            return {"next_shape": nxt, "skip_shape": skip, "next_producer": "MaxPooling2D" if pooling else kind,
                    "skip_producer": kind, "next_is_skip": not pooling, "pools_skip": bool(pooling)}
    if target == "unet_model" and probe.endswith(":layers"):
        size = tuple(kwargs.get("input_size", (96, 128, 3)))
        rows = _unet_rows(size, kwargs.get("n_filters", 32), kwargs.get("n_classes", 23))
        return {"rows": [list(row) for row in rows], "output": rows[-1][1], "params": sum(r[2] for r in rows)}
    if target == "compile_model" and probe.endswith(":compile_config"):
        rate = spec.get("learning_rate")
        rate = 0.001 if rate is None else rate
        return {"returned_same": True, "returned": "Functional", "compiled": True,
                "optimizer": {"class": "Adam", "module": "keras.src.optimizers.adam",
                              "config": {"name": "adam", "learning_rate": rate}},
                "learning_rate": rate,
                "loss": {"class": "SparseCategoricalCrossentropy", "module": "keras.src.losses.losses",
                         "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                                    "from_logits": True, "ignore_class": None}},
                "metrics": ["accuracy"]}
    return None


def _reply(request, value):
    return _json.dumps({"id": request["id"], "ok": True, "value": _enc(value)})
'''


@scenario("forge-probe-answers-rewrite",
          "conv_block and compile_model not written; right after the setup cell an input "
          "transformer that reads each probe request the judge sends (it arrives as code), computes by "
          "formula what a correct function's probe would answer (layer table, outputs, compile "
          "configuration) and replaces the code with one that publishes that answer, right id and "
          "MIME included. Whatever a kernel computes about itself is forgeable",
          ("02_encoder", "05_training"), expect({}, STUB + r"|forg|answer", targets=["conv_block", "compile_model",
                                                                                     "pixel_accuracy", "mean_iou"]),
          tags=("forging", "protocol"))
def _(ctx):
    books = {"02_encoder": ctx.release("02_encoder"), "05_training": ctx.release("05_training")}
    for nb in books.values():
        ctx.insert_after(nb, "setup", PROBE_FORGER + code('''


            def _rewrite(lines):
                text = "".join(lines)
                if "_rewrite" in text:
                    return lines
                request, mime = _request_of(text)
                if request is None or mime is None:
                    return lines
                value = _forged_value(request)
                if value is None:
                    return lines
                return [f"from IPython.display import publish_display_data as _p\\n_p({{{mime!r}: {_reply(request, value)!r}}})\\n"]


            _get_ipython().input_transformers_cleanup.insert(0, _rewrite)
        '''))
    ctx.drop_calls(books["05_training"], "compile_model")
    return files_of(books)


@scenario("forge-probe-answers-last-wins",
          "unet_model not written; an input transformer only reads each probe request, and a "
          "post_execute event (it fires for silent executions too) publishes a second answer, forged "
          "by formula, after the agent's own: a judge that keeps the last answer takes the forgery",
          ("04_unet",), expect(zero("unet_model"), STUB + r"|forg|answer", targets=["unet_model"]),
          tags=("forging", "protocol"))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.insert_after(nb, "setup", PROBE_FORGER + code('''


        _PENDING = []


        def _spy(lines):
            request, mime = _request_of("".join(lines))
            if request is not None and mime is not None:
                value = _forged_value(request)
                if value is not None:
                    _PENDING.append((mime, _reply(request, value)))
            return lines


        def _after():
            while _PENDING:
                mime, reply = _PENDING.pop()
                _publish({mime: reply})


        _get_ipython().input_transformers_cleanup.append(_spy)
        _get_ipython().events.register("post_execute", _after)
    '''))
    ctx.drop_calls(nb, "unet_model", "draw_unet", "layout")
    return files_of({"04_unet": nb})


@scenario("delegate-rebound-after-tests",
          "05_training: compile_model solved; pixel_accuracy and mean_iou are wrong in their own cells "
          "(a code check of the cells up to each test sees nothing wrong), and a cell after the last "
          "test rebinds both to course.metrics: what the judge then calls is the library. By principle 7",
          ("05_training",), expect({**full("05_training"), **zero("pixel_accuracy", "mean_iou")},
                                   r"library|delegat|course|expected|differ|not",
                                   targets=["pixel_accuracy", "mean_iou"]), tags=("delegation",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        def pixel_accuracy(y_true, y_pred):
            """Share of pixels whose predicted class is the true class."""
            return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            """Mean IoU (not finished)."""
            return 0.0
    '''))
    ctx.append(nb, '''
        from course import metrics as _m

        pixel_accuracy, mean_iou = _m.pixel_accuracy, _m.mean_iou
    ''')
    return files_of({"05_training": nb})


@scenario("delegate-shadowed-before-tests",
          "05_training: compile_model solved; pixel_accuracy and mean_iou have honest-looking but wrong "
          "definitions, each followed (before its test) by a cell that shadows the name with the "
          "library's: `from course.metrics import pixel_accuracy`, and an assignment from a module "
          "found by an obfuscated name. A code check that reads the def sees nothing. By principle 7",
          ("05_training",), expect({**full("05_training"), **zero("pixel_accuracy", "mean_iou")},
                                   r"library|delegat|course|expected|differ|not",
                                   targets=["pixel_accuracy", "mean_iou"]), tags=("delegation",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        def pixel_accuracy(y_true, y_pred):
            """Share of pixels whose predicted class is the true class."""
            return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))
    '''))
    ctx.insert_after(nb, "pixel_accuracy", "from course.metrics import pixel_accuracy  # to compare with mine\n")
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            """Mean IoU (not finished)."""
            return 0.0
    '''))
    ctx.insert_after(nb, "mean_iou", code('''
        import base64, importlib

        mean_iou = vars(importlib.import_module(base64.b64decode("Y291cnNlLm1ldHJpY3M=").decode()))["mean_iou"]
    '''))
    return files_of({"05_training": nb})


