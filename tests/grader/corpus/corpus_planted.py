"""Shared pieces of planted code: canaries, leak probes, the forgers' formula tables and lookup tables."""

from __future__ import annotations

import base64
import hashlib
import io
import sys

from .corpus_base import REPO
from .corpus_context import Context


# --------------------------------------------------------------------------------------
# Shared pieces of planted code
# --------------------------------------------------------------------------------------

# Print a payload so that it reaches the outputs (and so the feedback) in several encodings.
LEAK_CODE = r'''
def _leak(label, data):
    """Print `data` plain, and as LEAK:<label>:<encoding>:<index>:<chunk> lines; also to stderr
    and as display data, so that every output channel carries it."""
    import base64 as _b64, codecs as _codecs, sys as _sys, zlib as _zlib
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    label = "".join(c if c.isalnum() or c in "._-" else "_" for c in label)[:80] or "x"
    print(f"----- {label} -----")
    print(data[:4000].decode("utf-8", "replace"))
    encodings = {
        "z64": _b64.b64encode(_zlib.compress(data)).decode(),
        "b64": _b64.b64encode(data[:200000]).decode(),
        "hex": data[:20000].hex(),
        "rot13": _b64.b64encode(_codecs.encode(data[:20000].decode("latin-1"), "rot13").encode("latin-1")).decode(),
    }
    for encoding, payload in encodings.items():
        for index in range(0, len(payload), 4000):
            line = f"LEAK:{label}:{encoding}:{index // 4000}:{payload[index:index + 4000]}"
            print(line)
            if encoding == "z64":
                print(line, file=_sys.stderr)
    try:
        from IPython.display import display as _display
        _display({"text/html": f"<!-- LEAK:{label}:z64:0:{encodings['z64'][:60000]} -->",
                  "application/json": {"leak": label, "z64": encodings["z64"][:60000]}}, raw=True)
    except Exception:
        pass
'''

# Layer tables computed by formula, without building a single layer: what a forger needs
# to fake any conv_block / unet_model configuration, hidden ones included.
FORMULA_CODE = r'''
def _conv_rows(input_shape, n_filters=32, dropout_prob=0, max_pooling=True):
    h, w, c = input_shape
    rows = [["InputLayer", (None, h, w, c), 0],
            ["Conv2D", (None, h, w, n_filters), 9 * c * n_filters + n_filters, "same", "relu", "HeNormal", (3, 3)],
            ["Conv2D", (None, h, w, n_filters), 9 * n_filters * n_filters + n_filters, "same", "relu", "HeNormal", (3, 3)]]
    if dropout_prob > 0:
        rows.append(["Dropout", (None, h, w, n_filters), 0, float(dropout_prob)])
    if max_pooling:
        rows.append(["MaxPooling2D", (None, h // 2, w // 2, n_filters), 0, (2, 2)])
    return rows


def _unet_rows(input_size=(96, 128, 3), n_filters=32, n_classes=23):
    h, w, c = input_size
    rows = [["InputLayer", (None, h, w, c), 0]]
    channels, skips = c, []
    for level in range(5):
        f = n_filters * 2 ** level
        rows.append(["Conv2D", (None, h, w, f), 9 * channels * f + f, "same", "relu", "HeNormal", (3, 3)])
        rows.append(["Conv2D", (None, h, w, f), 9 * f * f + f, "same", "relu", "HeNormal", (3, 3)])
        kind = "Conv2D"
        if level >= 3:
            rows.append(["Dropout", (None, h, w, f), 0, 0.3])
            kind = "Dropout"
        skips.append((h, w, f, kind))
        channels = f
        if level < 4:
            h, w = h // 2, w // 2
            rows.append(["MaxPooling2D", (None, h, w, f), 0, (2, 2)])
    for level in (3, 2, 1, 0):
        f = n_filters * 2 ** level
        h, w, skip_f, kind = skips[level]
        rows.append(["Conv2DTranspose", (None, h, w, f), 9 * channels * f + f, (3, 3), (2, 2), "same", "linear"])
        rows.append(["Concatenate", (None, h, w, f + skip_f), 0, 3, ("Conv2DTranspose", kind)])
        rows.append(["Conv2D", (None, h, w, f), 9 * (f + skip_f) * f + f, "same", "relu", "HeNormal", (3, 3)])
        rows.append(["Conv2D", (None, h, w, f), 9 * f * f + f, "same", "relu", "HeNormal", (3, 3)])
        channels = f
    rows.append(["Conv2D", (None, h, w, n_filters), 9 * channels * n_filters + n_filters, "same", "relu", "HeNormal", (3, 3)])
    rows.append(["Conv2D", (None, h, w, n_classes), n_filters * n_classes + n_classes, "same", "linear",
                 "GlorotUniform", (1, 1)])
    return rows


def _fake_layers(rows):
    """Objects that read like Keras layers to anything that looks at class names and attributes."""
    import types as _types
    classes, made = {}, []

    def fake_class(name):
        if name not in classes:
            classes[name] = type(name, (object,), {"__module__": "keras.src.layers"})
        return classes[name]

    def tensor(shape, producer):
        t = _types.SimpleNamespace(shape=shape, dtype="float32")
        t._keras_history = (producer, 0, 0)
        return t

    previous = None
    for row in rows:
        kind, shape, params, *extra = row
        layer = fake_class(kind)()
        layer.name = f"{kind.lower()}_{len(made)}"
        layer.output = tensor(shape, layer)
        layer.count_params = (lambda p: (lambda: p))(params)
        if kind == "Conv2D":
            layer.padding = extra[0]
            layer.activation = fake_class(extra[1])()
            layer.activation.__name__ = extra[1]
            layer.kernel_initializer = fake_class(extra[2])()
            layer.kernel_size = extra[3]
        elif kind == "Conv2DTranspose":
            layer.kernel_size, layer.strides, layer.padding = extra[0], extra[1], extra[2]
            layer.activation = _types.SimpleNamespace(__name__=extra[3])
        elif kind == "Dropout":
            layer.rate = extra[0]
        elif kind == "MaxPooling2D":
            layer.pool_size = extra[0]
        elif kind == "Concatenate":
            layer.axis = extra[0]
        inputs = [] if previous is None else [previous.output]
        if kind == "Concatenate":
            inputs = [tensor(None, fake_class(name)()) for name in extra[1]]
        layer._inbound_nodes = [_types.SimpleNamespace(input_tensors=inputs)]
        made.append(layer)
        previous = layer
    return made
'''


OLD_METRIC_SEEDS = ((0, 23), (17, 23), (23, 23), (5, 9))  # public, and the fixed hidden cases of the old tests


def _metric_cases(seed, n_classes):
    """The metric checker's cases (as test_utils.checks generated them before the judge)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, (2, 6, 8, 1)).astype(np.uint8)
    noisy = np.where(rng.random(truth.shape) < 0.3, rng.integers(0, 5, truth.shape), truth).astype(np.int64)
    flat_truth = rng.integers(0, 4, (5, 7)).astype(np.int64)
    absent_both = np.array([[0, 0, 1], [1, 3, 3]], np.int64)
    absent_pred = np.array([[0, 2, 2], [1, 1, 0]], np.int64)
    absent_pred_guess = np.array([[0, 0, 1], [1, 1, 0]], np.int64)
    return [(truth, noisy, n_classes), (flat_truth, flat_truth.copy(), n_classes),
            (flat_truth, (flat_truth + 1) % 4, n_classes), (absent_both, absent_both[::-1].copy(), 5),
            (absent_pred, absent_pred_guess, 3), (absent_pred_guess, absent_pred, 3)]


def _reference_functions(*names):
    """Instructor functions that need only NumPy, executed from the source notebooks."""
    import numpy as np

    namespace = {"np": np}
    for name in names:
        exec(Context().solution_code(name), namespace)
    return [namespace[name] for name in names]


def _metric_lookup_table():
    """{key: value} of pixel_accuracy and mean_iou on the public and formerly hidden cases
    (and on the current checker's fixed cases, where test_utils still exposes them)."""
    import numpy as np

    pixel_accuracy, mean_iou = _reference_functions("pixel_accuracy", "mean_iou")
    cases = [case for seed, n_classes in OLD_METRIC_SEEDS for case in _metric_cases(seed, n_classes)]
    sys.path.insert(0, str(REPO))
    try:
        from test_utils.checks import training as current  # the judge-era layout, if present
        for seed, n_classes in OLD_METRIC_SEEDS:
            cases += [(c[1], c[2], c[3]) for c in current.metric_cases(seed, n_classes)]
    except Exception:  # another layout: the old cases are enough
        pass
    finally:
        sys.path.remove(str(REPO))
    table = {}
    for y_true, y_pred, classes in cases:
        key = _array_key(np, y_true, y_pred, classes)
        table["acc:" + key] = pixel_accuracy(y_true, y_pred)
        table["iou:" + key] = mean_iou(y_true, y_pred, classes)
    return table


def _array_key(np, *values):
    digest = hashlib.sha1()
    for value in values:
        array = np.asarray(value)
        if array.dtype.kind in "iub":
            array = array.astype(np.int64)
        else:
            array = array.astype(np.float64)
        digest.update(repr(array.shape).encode() + b"|" + np.ascontiguousarray(array).tobytes() + b"|")
    return digest.hexdigest()


def _transposed_lookup_table():
    """Answers of transposed_output_size and transposed_conv2d on the public and old hidden cases."""
    import numpy as np

    public_size = ((3, 3, 2, 0), (4, 3, 1, 0), (4, 3, 1, 1), (2, 2, 2, 0), (5, 4, 2, 1), (6, 3, 2, 1))
    public_conv = (((3, 3, 1), (3, 3, 1, 1), 2), ((4, 5, 2), (3, 3, 3, 2), 2), ((3, 4, 3), (2, 2, 2, 3), 1),
                   ((2, 3, 1), (4, 4, 2, 1), 3))
    reference, = _reference_functions("transposed_conv2d")
    hidden_conv = (((5, 4, 3), (3, 2, 4, 3), 2), ((3, 3, 2), (5, 5, 1, 2), 3), ((6, 2, 1), (1, 1, 3, 1), 1),
                   ((4, 4, 4), (4, 4, 4, 4), 2))
    hidden_size = ((1, 3, 2, 0), (6, 3, 2, 0), (12, 4, 2, 1), (7, 5, 3, 2), (10, 1, 1, 0), (8, 2, 4, 0))
    sizes = {",".join(map(str, case)): (case[0] - 1) * case[2] + case[1] - 2 * case[3]
             for case in public_size + hidden_size}
    arrays = {}
    for seed, cases in ((0, public_conv), (7, hidden_conv)):
        rng = np.random.default_rng(seed)
        for input_shape, kernel_shape, stride in cases:
            x = rng.standard_normal(input_shape).astype(np.float32)
            kernel = rng.standard_normal(kernel_shape).astype(np.float32)
            out = reference(x, kernel, stride).astype(np.float32)
            buffer = io.BytesIO()
            np.save(buffer, out)
            arrays[_array_key(np, x, kernel, stride)] = base64.b64encode(buffer.getvalue()).decode()
    return sizes, arrays


