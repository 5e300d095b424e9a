"""Checks for every graded function: the notebooks' public tests and the hidden tests call these.

Each check takes the student's function as its argument, touches no notebook variable, and
raises AssertionError with a message that names the function, the call, what was expected
and what came back. On success it prints one line per check. The expected values come from
a trusted twin computed live: the reference solution (`course.reference`), the course's
data library (`course.data`), TensorFlow itself or NumPy (`course.metrics`).

Called without options, a check runs its public cases; hidden tests call the same check
with other shapes and arguments.

    from test_utils.checks import check_conv_block
    check_conv_block(conv_block)
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import tempfile
from pathlib import Path

import numpy as np

from test_utils.compare import explain
from test_utils.display import green
from test_utils.layer_table import summary
from test_utils.tables import TABLES, reference_table


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------

def _tf():
    from course.tensorflow_setup import import_tensorflow  # noqa: PLC0415

    return import_tensorflow()


def _passed(text):
    print(green("✓ ") + text)


def _describe(value):
    """A short description of an argument for messages: arrays and tensors by shape."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        shape = tuple(None if dim is None else int(dim) for dim in value.shape)
        if type(value).__name__ == "KerasTensor":
            return f"Input({shape[1:]})"  # as it is written: the batch axis is implied
        return f"array(shape={shape}, dtype={getattr(value.dtype, 'name', value.dtype)})"
    if isinstance(value, list) and len(value) > 4:
        return f"[{len(value)} items]"
    return repr(value)


def call_text(name, *args, **kwargs):
    """`name(arg, key=value)` as it reads in a message."""
    parts = [_describe(arg) for arg in args] + [f"{key}={_describe(value)}" for key, value in kwargs.items()]
    return f"{name}({', '.join(parts)})"


@contextlib.contextmanager
def _unfinished_as_failure(name):
    """Turn a NotImplementedError (a function not written yet) into a clear AssertionError."""
    from course.earlier import describe_unfinished  # noqa: PLC0415

    try:
        yield
    except NotImplementedError as error:
        raise AssertionError(describe_unfinished(error, needed_by=name)) from None


def _call(function, name, *args, **kwargs):
    """Call the student's function; say which call failed if it raises."""
    with _unfinished_as_failure(name):
        try:
            return function(*args, **kwargs)
        except (AssertionError, NotImplementedError):
            raise
        except Exception as error:
            error.add_note(f"(raised inside your {name}, called by the test as {call_text(name, *args, **kwargs)})")
            raise


def _fail(name, call, problem, hint=None):
    message = f"{call}: {problem}"
    if hint:
        message += f"\nHint: {hint}"
    raise AssertionError(message)


def _numpy(value, name, call):
    """A returned value as a NumPy array (tensors included)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 (anything that is not array-like)
        _fail(name, call, f"returned {type(value).__name__}, which is not an array or a tensor")


def _as_float(value, name, call):
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        result = float(value)
    except (TypeError, ValueError):
        _fail(name, call, f"returned {value!r} ({type(value).__name__}); expected one number")
    return result


# --------------------------------------------------------------------------------------
# Layer tables: conv_block, upsampling_block, unet_model
# --------------------------------------------------------------------------------------

def _reference(name):
    from course.reference import reference_function  # noqa: PLC0415

    return reference_function(name)


def _block_model(function, name, input_shapes, kwargs):
    """Wrap a block function into a model from fresh Inputs (or call unet_model)."""
    tf = _tf()
    if not input_shapes:
        call = call_text(name, **kwargs)
        model = _call(function, name, **kwargs)
        if not hasattr(model, "layers") or not hasattr(model, "count_params"):
            _fail(name, call, f"returned {type(model).__name__}; expected a keras Model",
                  "end with return tf.keras.Model(inputs=inputs, outputs=...)")
        return model, call
    inputs = [tf.keras.Input(shape) for shape in input_shapes]
    call = call_text(name, *inputs, **kwargs)
    outputs = _call(function, name, *inputs, **kwargs)
    if outputs is None:
        _fail(name, call, "returned None", "did you forget the return statement?")
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else outputs
    try:
        model = tf.keras.Model(inputs=inputs if len(inputs) > 1 else inputs[0], outputs=outputs)
    except Exception as error:  # noqa: BLE001 (Keras raises several types)
        _fail(name, call, f"its result cannot be made into a model from the given inputs ({error})",
              "build every layer on the function's own arguments and return tensors, not layers")
    return model, call


def _expected_rows(name, table, input_shapes, kwargs):
    if table is not None:
        return list(reference_table(table))
    model, _ = _block_model(_reference(name), name, input_shapes, kwargs)
    return summary(model)


def _check_table(function, name, table=None, input_shapes=(), kwargs=None, note=None):
    """Compare the layers `function` builds with the reference, for a table or a custom call."""
    if table is not None:
        _, input_shapes, kwargs = TABLES[table]
    kwargs = dict(kwargs or {})
    expected = _expected_rows(name, table, input_shapes, kwargs)
    model, call = _block_model(function, name, input_shapes, kwargs)
    try:
        received = summary(model)
    except (TypeError, ValueError) as error:
        _fail(name, call, str(error))
    message = explain(expected, received)
    if message is not None:
        text = f"{call} does not build the expected layers.\n{message}"
        if note:
            text += f"\nNote: {note}"
        raise AssertionError(text)
    _passed(f"{call}: all {len(expected)} layers match the reference")
    return model


def check_conv_block(conv_block, input_shape=None, **kwargs):
    """Check conv_block's layers against the reference, layer by layer.

    Args:
        conv_block: the student's function.
        input_shape: (height, width, channels) of the input; with keyword arguments
            (n_filters, dropout_prob, max_pooling) it defines one extra configuration. Without
            both, the three public configurations run: default, with dropout, without pooling.

    Raises:
        AssertionError: at the first layer that differs, with the expected and received rows.
    """
    if input_shape is None and not kwargs:
        for table in ("conv_block", "conv_block_dropout", "conv_block_no_pooling"):
            _check_table(conv_block, "conv_block", table=table)
        return
    _check_table(conv_block, "conv_block", input_shapes=[input_shape or (96, 128, 3)], kwargs=kwargs)


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def _inputs_of(layer):
    nodes = getattr(layer, "_inbound_nodes", ())
    if not nodes:
        return []
    tensors = nodes[0].input_tensors
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _shape(tensor):
    return tuple(None if dim is None else int(dim) for dim in tensor.shape)


def check_conv_block_outputs(conv_block, input_shape=(96, 128, 3), n_filters=32):
    """Check that conv_block returns the right two tensors, with and without pooling and dropout.

    `skip_connection` must be the tensor before pooling (after dropout when there is
    dropout); `next_layer` the pooled skip_connection, or the very same tensor when
    max_pooling is False.
    """
    tf = _tf()
    height, width, _ = input_shape
    for dropout_prob, max_pooling in ((0, True), (0.3, True), (0.3, False), (0, False)):
        inputs = tf.keras.Input(input_shape)
        call = call_text("conv_block", inputs, n_filters=n_filters, dropout_prob=dropout_prob,
                         max_pooling=max_pooling)
        result = _call(conv_block, "conv_block", inputs, n_filters=n_filters, dropout_prob=dropout_prob,
                       max_pooling=max_pooling)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail("conv_block", call, f"returned {type(result).__name__}"
                  f"{'' if not isinstance(result, (tuple, list)) else f' of length {len(result)}'}; "
                  f"expected two tensors (next_layer, skip_connection)",
                  "end with return next_layer, skip_connection")
        next_layer, skip_connection = result
        full = (None, height, width, n_filters)
        pooled = (None, height // 2, width // 2, n_filters)
        if _shape(skip_connection) != full:
            hint = None
            if max_pooling and _shape(skip_connection) == pooled and _shape(next_layer) == full:
                hint = "the two values are swapped: return next_layer first, then skip_connection"
            elif _shape(skip_connection) == pooled:
                hint = "skip_connection must be the tensor before pooling, at full resolution"
            _fail("conv_block", call, f"skip_connection (second value) has shape {_shape(skip_connection)}; "
                  f"expected {full}", hint)
        kind = type(_producer(skip_connection)).__name__
        wanted = "Dropout" if dropout_prob > 0 else "Conv2D"
        if kind != wanted:
            _fail("conv_block", call, f"skip_connection comes from a {kind} layer; expected the output of the "
                  f"{wanted} layer", "with dropout, skip_connection is the tensor after Dropout (and before pooling)"
                  if dropout_prob > 0 else "without dropout, skip_connection is the second convolution's output")
        if max_pooling:
            if _shape(next_layer) != pooled:
                _fail("conv_block", call, f"next_layer (first value) has shape {_shape(next_layer)}; expected "
                      f"{pooled}", "MaxPooling2D(pool_size=2, strides=2) halves the height and width")
            pool = _producer(next_layer)
            if type(pool).__name__ != "MaxPooling2D" or not any(
                    tensor is skip_connection for tensor in _inputs_of(pool)):
                _fail("conv_block", call, "next_layer is not the max pooling of skip_connection",
                      "next_layer = MaxPooling2D(2, strides=2)(skip_connection's tensor)")
        elif next_layer is not skip_connection:
            _fail("conv_block", call, "with max_pooling=False, next_layer must be the very same tensor as "
                  "skip_connection (no pooling, no extra layer)",
                  "in the else branch: next_layer = the tensor you return as skip_connection")
    _passed(f"conv_block returns (next_layer, skip_connection) correctly for input {input_shape}, "
            f"n_filters={n_filters}: with and without dropout and pooling")


def check_upsampling_block(upsampling_block, expansive_shape=None, contractive_shape=None, **kwargs):
    """Check upsampling_block's layers against the reference, layer by layer.

    Without arguments the two public configurations run (the first and the last decoder
    step of the default U-Net); with (expansive_shape, contractive_shape, n_filters=...)
    one other configuration.
    """
    if expansive_shape is None and contractive_shape is None and not kwargs:
        configurations = [(TABLES[table][1], TABLES[table][2], table)
                          for table in ("upsampling_block", "upsampling_block_top")]
    else:
        configurations = [([expansive_shape, contractive_shape], kwargs, None)]
    for shapes, arguments, table in configurations:
        _check_concatenation_order(upsampling_block, shapes, arguments)
        _check_table(upsampling_block, "upsampling_block", table=table, input_shapes=shapes, kwargs=arguments)


def _check_concatenation_order(upsampling_block, shapes, kwargs):
    """The upsampled tensor must come first in the concatenation, the skip connection second.

    In a one-block model a swapped order also reorders the layer table (the skip's Input
    comes first), so the table comparison alone would point at the wrong layer.
    """
    model, call = _block_model(upsampling_block, "upsampling_block", shapes, kwargs)
    for layer in model.layers:
        if type(layer).__name__ != "Concatenate":
            continue
        sources = [type(_producer(tensor)).__name__ for tensor in _inputs_of(layer)]
        if len(sources) == 2 and sources[0] == "InputLayer" and sources[1] != "InputLayer":
            _fail("upsampling_block", call, f"the concatenation joins ({', '.join(sources)}): the skip connection "
                  f"comes first", "the concatenation is in the wrong order: the upsampled tensor comes first, "
                  "then the skip connection: Concatenate(axis=3)([upsampled, contractive_input])")


UNET_NOTE = ("unet_model is built from conv_block and upsampling_block: your own from notebooks 2 "
             "and 3 while you work (make their tests pass first), the reference ones while grading.")


def check_unet_model(unet_model, **kwargs):
    """Check unet_model's layers against the reference, layer by layer.

    Without arguments: the default model against the full reference table (COURSE_SPEC,
    section 3). With keyword arguments (input_size, n_filters, n_classes): that model
    against the reference solution built with the same arguments.
    """
    table = None
    if not kwargs:
        table = "unet_model"
    else:
        for name, (function, shapes, table_kwargs) in TABLES.items():
            if function == "unet_model" and table_kwargs == kwargs:
                table = name
    model = _check_table(unet_model, "unet_model", table=table, kwargs=kwargs, note=UNET_NOTE)
    input_size = tuple(kwargs.get("input_size", (96, 128, 3)))
    n_classes = kwargs.get("n_classes", 23)
    expected = (None, *input_size[:2], n_classes)
    if _shape(model.output) != expected:
        _fail("unet_model", call_text("unet_model", **kwargs),
              f"the model outputs shape {_shape(model.output)}; expected {expected}")
    _passed(f"{call_text('unet_model', **kwargs)}: {model.count_params():,} parameters, "
            f"output {expected} (one logit per class and pixel)")


# --------------------------------------------------------------------------------------
# Transposed convolution (notebook 3)
# --------------------------------------------------------------------------------------

TRANSPOSED_SIZE_CASES = ((3, 3, 2, 0), (4, 3, 1, 0), (4, 3, 1, 1), (2, 2, 2, 0), (5, 4, 2, 1), (6, 3, 2, 1))


def check_transposed_output_size(transposed_output_size, cases=TRANSPOSED_SIZE_CASES):
    """Check the output-size formula of a transposed convolution on (n, f, s, p) cases."""
    for n, f, s, p in cases:
        call = call_text("transposed_output_size", n, f, s, p)
        result = _call(transposed_output_size, "transposed_output_size", n, f, s, p)
        expected = (n - 1) * s + f - 2 * p
        if isinstance(result, bool) or not isinstance(result, numbers.Integral):
            if isinstance(result, numbers.Real) and float(result) == expected:
                _fail("transposed_output_size", call, f"returned {result!r}, a {type(result).__name__}; "
                      f"a size must be an int", "use integer arithmetic (no division)")
            _fail("transposed_output_size", call, f"returned {result!r}; expected the int {expected}")
        if result != expected:
            hint = None
            if result == n * s:
                hint = "n·s is the size with padding='same'; here the padding p is given explicitly"
            elif result == (n - 1) * s + f:
                hint = "the padding p removes p pixels on each side of the output"
            elif result == (n - 1) * s + f - p:
                hint = "p pixels are removed on *each* side: subtract 2p"
            _fail("transposed_output_size", call, f"returned {result}; expected {expected} "
                  f"(input {n}, kernel {f}, stride {s}, padding {p})", hint)
    _passed(f"transposed_output_size is right on {len(cases)} cases")


TRANSPOSED_CONV_CASES = (
    ((3, 3, 1), (3, 3, 1, 1), 2),
    ((4, 5, 2), (3, 3, 3, 2), 2),
    ((3, 4, 3), (2, 2, 2, 3), 1),
    ((2, 3, 1), (4, 4, 2, 1), 3),
)


def reference_transposed_conv2d(x, kernel, stride):
    """TensorFlow's transposed convolution ('valid' padding), the trusted twin, as NumPy."""
    tf = _tf()
    height, width, _ = x.shape
    kernel_height, kernel_width, out_channels, _ = kernel.shape
    output_shape = ((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels)
    result = tf.nn.conv2d_transpose(x[None].astype(np.float64), kernel.astype(np.float64),
                                    output_shape=(1, *output_shape), strides=stride, padding="VALID")
    return result[0].numpy()


def check_transposed_conv2d(transposed_conv2d, cases=TRANSPOSED_CONV_CASES, seed=0):
    """Compare a NumPy transposed convolution with tf.nn.conv2d_transpose on random inputs.

    Args:
        transposed_conv2d: the student's function(x, kernel, stride) with x of shape
            (height, width, in_channels) and kernel of shape (kernel_height, kernel_width,
            out_channels, in_channels), returning the 'valid' output.
        cases: (input shape, kernel shape, stride) triples.
        seed: seed of the random inputs.
    """
    rng = np.random.default_rng(seed)
    for input_shape, kernel_shape, stride in cases:
        x = rng.standard_normal(input_shape).astype(np.float32)
        kernel = rng.standard_normal(kernel_shape).astype(np.float32)
        x_before, kernel_before = x.copy(), kernel.copy()
        call = call_text("transposed_conv2d", x, kernel, stride=stride)
        result = _numpy(_call(transposed_conv2d, "transposed_conv2d", x, kernel, stride=stride),
                        "transposed_conv2d", call)
        if not (np.array_equal(x, x_before) and np.array_equal(kernel, kernel_before)):
            _fail("transposed_conv2d", call, "changed its input arrays", "write into a new output array only")
        expected = reference_transposed_conv2d(x, kernel, stride)
        if result.shape != expected.shape:
            hint = ("the output is (n - 1)·stride + kernel size along each axis, with "
                    "kernel.shape[2] (out_channels) channels")
            if result.shape[:2] == expected.shape[:2] and result.ndim == 3 and result.shape[2] == kernel_shape[3]:
                hint = ("the kernel layout is (height, width, out_channels, in_channels): the output "
                        "has kernel.shape[2] channels")
            _fail("transposed_conv2d", call, f"returned shape {result.shape}; expected {expected.shape}", hint)
        if not np.allclose(result, expected, rtol=1e-4, atol=1e-4):
            error = np.abs(result - expected)
            where = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
            hint = None
            flipped = reference_transposed_conv2d(x, kernel[::-1, ::-1], stride)
            if np.allclose(result, flipped, rtol=1e-4, atol=1e-4):
                hint = ("your result is that of the kernel turned by 180 degrees: when spreading, pixel "
                        "(i, j) adds x[i, j] * kernel[a, b] at output (i·s + a, j·s + b), without flipping")
            elif np.allclose(result, 0):
                hint = "the output is all zeros: add each input pixel's contribution into it"
            _fail("transposed_conv2d", call,
                  f"values differ from tf.nn.conv2d_transpose (padding='VALID'): largest difference "
                  f"{error.max():.4g} at output index {where} (yours {result[where]:.4f}, expected "
                  f"{expected[where]:.4f})", hint)
    _passed(f"transposed_conv2d matches tf.nn.conv2d_transpose on {len(cases)} random cases")


# --------------------------------------------------------------------------------------
# Data (notebook 1)
# --------------------------------------------------------------------------------------

IMAGE_DIR, MASK_DIR = "CameraRGB", "CameraMask"


def _save_png(array, path):
    from PIL import Image  # noqa: PLC0415

    Image.fromarray(array).save(path)


def _pair_folder(root, image_names, mask_names, extras=True):
    root = Path(root)
    (root / IMAGE_DIR).mkdir(parents=True)
    (root / MASK_DIR).mkdir(parents=True)
    tiny = np.zeros((2, 2, 3), np.uint8)
    for name in image_names:
        _save_png(tiny, root / IMAGE_DIR / name)
    for name in mask_names:
        _save_png(tiny, root / MASK_DIR / name)
    if extras:  # what a real folder also holds: notes and Jupyter's checkpoints
        (root / IMAGE_DIR / "README.txt").write_text("not an image\n")
        (root / IMAGE_DIR / ".ipynb_checkpoints").mkdir()
    return root


def _same_path(a, b):
    return os.path.normpath(str(a)) == os.path.normpath(str(b))


PAIR_NAMES = ("street_b.png", "street_a.png", "street_c.png", "01.png")


def check_pair_files(pair_files, names=PAIR_NAMES):
    """Check pair_files on a temporary data folder: sorting, string paths, errors for lone files.

    The folder holds CameraRGB/ and CameraMask/ with the given PNG names (created in this
    order), plus a text file and a .ipynb_checkpoints folder, which must be ignored.
    """
    with tempfile.TemporaryDirectory() as temporary:
        root = _pair_folder(Path(temporary) / "data", names, names)
        call = call_text("pair_files", str(root))
        result = _call(pair_files, "pair_files", str(root))
        if not isinstance(result, list):
            _fail("pair_files", call, f"returned {type(result).__name__}; expected a list of (image_path, "
                  f"mask_path) pairs", "return a list, e.g. built with a list comprehension")
        expected = [(str(root / IMAGE_DIR / name), str(root / MASK_DIR / name)) for name in sorted(names)]
        if len(result) != len(expected):
            _fail("pair_files", call, f"returned {len(result)} pairs; expected {len(expected)} (one per PNG "
                  f"image; other files are ignored)")
        for index, (pair, want) in enumerate(zip(result, expected)):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                _fail("pair_files", call, f"item {index} is {pair!r}; expected a pair (image_path, mask_path)")
            if not all(isinstance(path, str) for path in pair):
                _fail("pair_files", call, f"item {index} holds {type(pair[0]).__name__} paths; expected str",
                      "tf.data needs plain strings: str(path)")
            if not (_same_path(pair[0], want[0]) and _same_path(pair[1], want[1])):
                _fail("pair_files", call, f"item {index} is {tuple(pair)}; expected {want}",
                      "sort the pairs by file name (sorted(...)), and pair each image with the mask "
                      "of the same name")
        for lonely, folder in (("street_z.png", IMAGE_DIR), ("street_y.png", MASK_DIR)):
            _save_png(np.zeros((2, 2, 3), np.uint8), root / folder / lonely)
            try:
                _call(pair_files, "pair_files", str(root))
            except ValueError as error:
                if lonely not in str(error):
                    _fail("pair_files", call, f"raised ValueError({str(error)!r}), which does not name "
                          f"{lonely}", "say which file has no partner")
            else:
                other = "mask" if folder == IMAGE_DIR else "image"
                _fail("pair_files", call, f"with {folder}/{lonely} added (it has no {other}), expected a "
                      f"ValueError naming {lonely}; nothing was raised",
                      "compare the two sets of names and raise ValueError for a name in only one")
            (root / folder / lonely).unlink()
    _passed(f"pair_files pairs and sorts {len(names)} files and rejects an image or mask without partner")


def check_pair_files_like_library(pair_files, data_dir):
    """Compare pair_files with the course library's on a real data folder."""
    from course import data  # noqa: PLC0415

    call = call_text("pair_files", str(data_dir))
    result = _call(pair_files, "pair_files", str(data_dir))
    expected = data.pair_files(data_dir)
    if [tuple(map(os.path.normpath, map(str, pair))) for pair in result] != \
            [tuple(map(os.path.normpath, pair)) for pair in expected]:
        _fail("pair_files", call, f"returned {len(result)} pairs that differ from the expected "
              f"{len(expected)} pairs (first expected: {expected[0]})")
    _passed(f"pair_files agrees with the course library on {len(expected)} pairs")


def _image_files(folder, size, seed):
    rng = np.random.default_rng(seed)
    height, width = size
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    files = {"RGB": Path(folder) / "rgb.png", "RGBA (alpha channel dropped)": Path(folder) / "rgba.png"}
    _save_png(rgb, files["RGB"])
    _save_png(rgba, files["RGBA (alpha channel dropped)"])
    return files, {"RGB": rgb, "RGBA (alpha channel dropped)": rgba[..., :3]}


def _check_in_tf_data(function, name, path, expected):
    """The function must also work on a string tensor inside Dataset.map (graph mode)."""
    tf = _tf()
    call = f"tf.data.Dataset.from_tensor_slices([{str(path)!r}]).map({name})"
    try:
        with _unfinished_as_failure(name):
            value = next(iter(tf.data.Dataset.from_tensor_slices([str(path)]).map(function)))
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001 (graph-mode errors come in many types)
        _fail(name, call, f"fails inside tf.data ({type(error).__name__}: {str(error).splitlines()[0][:200]})",
              "use TensorFlow operations only (tf.io.read_file, tf.io.decode_png, ...): tf.data calls the "
              "function on a string tensor, not on a Python string, so Pillow or NumPy cannot open it")
    if not np.allclose(np.asarray(value), expected, atol=1e-6):
        _fail(name, call, "gives other values inside tf.data than outside")


def check_decode_image(decode_image, size=(5, 7), seed=0):
    """Check decode_image on RGB and RGBA PNG files: float32, (height, width, 3), values in [0, 1]."""
    with tempfile.TemporaryDirectory() as folder:
        files, pixels = _image_files(folder, size, seed)
        for kind, path in files.items():
            call = call_text("decode_image", str(path))
            result = _numpy(_call(decode_image, "decode_image", str(path)), "decode_image", call)
            expected = pixels[kind].astype(np.float32) / 255
            if result.shape != expected.shape:
                hint = ("drop the alpha channel: decode with channels=3" if result.shape[-1:] == (4,)
                        else "decode to 3 channels: tf.io.decode_png(..., channels=3)")
                _fail("decode_image", call, f"{kind} file: shape {result.shape}; expected {expected.shape}", hint)
            if result.dtype != np.float32:
                _fail("decode_image", call, f"{kind} file: dtype {result.dtype}; expected float32",
                      "tf.image.convert_image_dtype(image, tf.float32) converts uint8 0..255 to float 0..1")
            if result.max() > 1.0 + 1e-6:
                _fail("decode_image", call, f"{kind} file: values up to {result.max():.1f}; expected [0, 1]",
                      "divide by 255, or use tf.image.convert_image_dtype(image, tf.float32)")
            if not np.allclose(result, expected, atol=1e-6):
                _fail("decode_image", call, f"{kind} file: the pixel values differ from the file's "
                      f"(largest difference {np.abs(result - expected).max():.3g})")
        _check_in_tf_data(decode_image, "decode_image", files["RGB"], pixels["RGB"].astype(np.float32) / 255)
    _passed(f"decode_image reads RGB and RGBA PNGs of size {size} as float32 in [0, 1], also inside tf.data")


def _mask_files(folder, size, seed):
    rng = np.random.default_rng(seed)
    height, width = size
    ids = rng.integers(0, 23, (height, width), dtype=np.uint8)
    carla = np.zeros((height, width, 3), np.uint8)
    carla[..., 0] = ids  # CARLA: the id in the red channel, green and blue 0
    rgba = np.concatenate([carla, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    files = {
        "CARLA (id in red)": (Path(folder) / "carla.png", carla),
        "single-channel": (Path(folder) / "grey.png", ids),
        "RGBA (alpha ignored)": (Path(folder) / "rgba.png", rgba),
    }
    for path, array in files.values():
        _save_png(array, path)
    return {kind: path for kind, (path, _) in files.items()}, ids


def check_decode_mask(decode_mask, size=(6, 5), seed=1):
    """Check decode_mask on CARLA (RGB), single-channel and RGBA masks: uint8 ids, shape (height, width, 1)."""
    with tempfile.TemporaryDirectory() as folder:
        files, ids = _mask_files(folder, size, seed)
        expected = ids[..., None]
        for kind, path in files.items():
            call = call_text("decode_mask", str(path))
            result = _numpy(_call(decode_mask, "decode_mask", str(path)), "decode_mask", call)
            if result.shape != expected.shape:
                hint = "keep one channel: the maximum over the colour channels, with keepdims=True"
                if result.shape == expected.shape[:2]:
                    hint = "keep the channel axis: shape (height, width, 1) (keepdims=True)"
                _fail("decode_mask", call, f"{kind} mask: shape {result.shape}; expected {expected.shape}", hint)
            if result.dtype != np.uint8:
                _fail("decode_mask", call, f"{kind} mask: dtype {result.dtype}; expected uint8",
                      "class ids are small integers: keep the uint8 that decode_png gives (no float conversion)")
            if not np.array_equal(result, expected):
                hint = None
                if kind.startswith("RGBA") and np.all(result == 255):
                    hint = "the alpha channel (255) won the maximum: decode with channels=3 to drop it"
                _fail("decode_mask", call, f"{kind} mask: {int(np.sum(result != expected))} of {expected.size} "
                      f"class ids differ from the file's", hint)
        _check_in_tf_data(decode_mask, "decode_mask", files["CARLA (id in red)"], expected)
    _passed(f"decode_mask reads CARLA, single-channel and RGBA masks of size {size} as uint8 class ids")


def check_decoders_like_library(decode_image, decode_mask, pairs):
    """Compare decode_image and decode_mask with the course library's on real files."""
    from course import data  # noqa: PLC0415

    for image_path, mask_path in pairs:
        for name, function, twin, path in (("decode_image", decode_image, data.decode_image, image_path),
                                           ("decode_mask", decode_mask, data.decode_mask, mask_path)):
            call = call_text(name, str(path))
            result = _numpy(_call(function, name, str(path)), name, call)
            expected = twin(path).numpy()
            if result.shape != expected.shape or result.dtype != expected.dtype or \
                    not np.allclose(result, expected, atol=1e-6):
                _fail(name, call, f"differs from the course library's {name} (shape {result.shape} "
                      f"{result.dtype}, expected {expected.shape} {expected.dtype})")
    _passed(f"decode_image and decode_mask agree with the course library on {len(pairs)} real pairs")


def check_resize_pair(resize_pair, in_size=(12, 16), size=None, seed=2):
    """Check resize_pair against TensorFlow's nearest-neighbour resize, for the image and the mask.

    Args:
        resize_pair: the student's function(image, mask, size=(96, 128)).
        in_size: (height, width) of the random test image and mask.
        size: the size to ask for; None checks the default (96, 128) and then (6, 8).
    """
    tf = _tf()
    rng = np.random.default_rng(seed)
    image = rng.random((*in_size, 3), dtype=np.float32)
    ids = np.array([0, 7, 10, 13], np.uint8)  # unlabeled, road, vehicle, sky
    mask = ids[rng.integers(0, len(ids), (*in_size, 1))]
    sizes = [None, (6, 8)] if size is None else [size]
    for wanted in sizes:
        target = (96, 128) if wanted is None else tuple(wanted)
        args = (tf.constant(image), tf.constant(mask))
        kwargs = {} if wanted is None else {"size": target}
        call = call_text("resize_pair", *args, **kwargs)
        result = _call(resize_pair, "resize_pair", *args, **kwargs)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail("resize_pair", call, f"returned {type(result).__name__}; expected (image, mask)")
        new_image = _numpy(result[0], "resize_pair", call)
        new_mask = _numpy(result[1], "resize_pair", call)
        expected_image = tf.image.resize(image, target, method="nearest").numpy()
        expected_mask = tf.image.resize(mask, target, method="nearest").numpy()
        if new_image.shape != expected_image.shape or new_mask.shape != expected_mask.shape:
            _fail("resize_pair", call, f"returned shapes {new_image.shape} and {new_mask.shape}; expected "
                  f"{expected_image.shape} and {expected_mask.shape}",
                  None if wanted is not None else "the default size is (96, 128): (height, width)")
        if new_mask.dtype != np.uint8:
            _fail("resize_pair", call, f"the mask comes back as {new_mask.dtype}; expected uint8 (class ids)",
                  "nearest-neighbour resizing keeps the dtype; bilinear turns it into float32")
        invented = sorted(set(np.unique(new_mask).tolist()) - set(ids.tolist()))
        if invented:
            _fail("resize_pair", call, f"the mask holds ids {invented} that are not in the input mask "
                  f"({sorted(ids.tolist())})", "interpolation between ids invents classes: use method='nearest'")
        if not np.array_equal(new_mask, expected_mask):
            _fail("resize_pair", call, "the mask differs from tf.image.resize(mask, size, method='nearest')")
        if new_image.dtype != np.float32 or not np.allclose(new_image, expected_image, atol=1e-6):
            _fail("resize_pair", call, "the image differs from tf.image.resize(image, size, method='nearest')",
                  "resize the image with nearest-neighbour too, so that each kept image pixel is the one "
                  "whose label the mask keeps")
    _passed("resize_pair resizes image and mask with nearest-neighbour"
            + (" to the default (96, 128) and to (6, 8)" if size is None else f" to {tuple(size)}"))


def _pairs(count):
    return [(f"CameraRGB/{index:04d}.png", f"CameraMask/{index:04d}.png") for index in range(count)]


def check_split_pairs(split_pairs, count=50, validation_fraction=0.2, seed=0):
    """Check split_pairs: a deterministic, shuffled split of the right size, whatever the input order."""
    pairs = _pairs(count)
    given = list(pairs)
    call = call_text("split_pairs", pairs, validation_fraction=validation_fraction, seed=seed)

    def split(items, chosen_seed=seed):
        result = _call(split_pairs, "split_pairs", items, validation_fraction=validation_fraction, seed=chosen_seed)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            _fail("split_pairs", call, f"returned {type(result).__name__}; expected (train_pairs, validation_pairs)")
        train, validation = result
        return [tuple(pair) for pair in train], [tuple(pair) for pair in validation]

    train, validation = split(given)
    if given != pairs:
        _fail("split_pairs", call, "changed the list it was given", "work on a copy: sorted(pairs) makes one")
    n_validation = int(round(count * validation_fraction))
    if len(validation) != n_validation or len(train) != count - n_validation:
        _fail("split_pairs", call, f"gave {len(train)} training and {len(validation)} validation pairs; expected "
              f"{count - n_validation} and {n_validation}", "validation size = round(len(pairs) * validation_fraction)")
    if set(train) & set(validation):
        _fail("split_pairs", call, f"{len(set(train) & set(validation))} pairs are in both sets")
    if set(train) | set(validation) != set(pairs):
        _fail("split_pairs", call, "the two sets together do not hold every pair exactly once")
    if split(list(pairs)) != (train, validation):
        _fail("split_pairs", call, "gave a different split when called again with the same arguments",
              "use a random generator created from `seed` inside the function (random.Random(seed) or "
              "np.random.default_rng(seed)), not the global one")
    shuffled = list(pairs)
    np.random.default_rng(123).shuffle(shuffled)
    train_2, validation_2 = split(shuffled)
    if set(validation_2) != set(validation):
        _fail("split_pairs", call, "the validation pairs change when the same pairs come in another order",
              "sort the pairs first: the order a folder is listed in differs between computers")
    if n_validation and 0 < n_validation < count:
        ordered = sorted(pairs)
        if set(validation) in (set(ordered[:n_validation]), set(ordered[-n_validation:])):
            _fail("split_pairs", call, "the validation pairs are simply the first or last ones",
                  "shuffle (with the seed) before cutting, so that validation is a random sample")
        if set(split(list(pairs), seed + 1)[1]) == set(validation):
            _fail("split_pairs", call, f"seed={seed + 1} gives the same validation pairs as seed={seed}",
                  "the seed must drive the shuffle")
    _passed(f"split_pairs splits {count} pairs into {count - n_validation} + {n_validation}, deterministically "
            f"and whatever their order")


def _number_loader():
    """A loader for pairs named by numbers: image and mask filled with that number (no files)."""
    tf = _tf()

    def loader(image_path, mask_path):
        number = tf.strings.to_number(tf.strings.regex_replace(tf.strings.split(image_path, "/")[-1], "[^0-9]", ""),
                                      tf.int32)
        image = tf.fill([4, 6, 3], tf.cast(number, tf.float32))
        mask = tf.fill([4, 6, 1], tf.cast(number, tf.uint8))
        return image, mask

    return loader


def _pipeline_steps(dataset):
    """Class names of a dataset's transformations, outermost first (e.g. _PrefetchDataset)."""
    steps = []
    while dataset is not None:
        steps.append(type(dataset).__name__.lstrip("_").replace("Dataset", "").lower())
        dataset = getattr(dataset, "_input_dataset", None)
    return steps


def _batches(dataset, name, call):
    images, masks = [], []
    try:
        for image_batch, mask_batch in dataset:
            images.append(image_batch.numpy())
            masks.append(mask_batch.numpy())
    except (TypeError, ValueError) as error:
        _fail(name, call, f"its dataset does not yield (images, masks) batches ({error})")
    return images, masks


def check_make_dataset(make_dataset, count=10, batch_size=4, seed=0):
    """Check make_dataset's tf.data pipeline with a stand-in loader (no files needed).

    Pair number k is loaded as an image and a mask filled with k, so the order and the
    batching of the pipeline can be read off its output.
    """
    tf = _tf()
    pairs = _pairs(count)
    loader = _number_loader()
    call = call_text("make_dataset", pairs, "loader", batch_size=batch_size, shuffle=False)
    dataset = _call(make_dataset, "make_dataset", pairs, loader, batch_size=batch_size, shuffle=False)
    if not isinstance(dataset, tf.data.Dataset):
        _fail("make_dataset", call, f"returned {type(dataset).__name__}; expected a tf.data.Dataset")
    images, masks = _batches(dataset, "make_dataset", call)
    sizes = [len(batch) for batch in images]
    expected_sizes = [batch_size] * (count // batch_size) + ([count % batch_size] if count % batch_size else [])
    if sizes != expected_sizes:
        _fail("make_dataset", call, f"gives batches of sizes {sizes}; expected {expected_sizes}",
              "batch with dataset.batch(batch_size), after map (and shuffle)")
    order = [int(batch[k, 0, 0, 0]) for batch in masks for k in range(len(batch))]
    if order != list(range(count)):
        _fail("make_dataset", call, f"with shuffle=False the pairs come in the order {order}; expected "
              f"{list(range(count))}", "only shuffle when shuffle is True")
    if images[0].shape[1:] != (4, 6, 3) or masks[0].shape[1:] != (4, 6, 1) or masks[0].dtype != np.uint8:
        _fail("make_dataset", call, f"batches have shapes {images[0].shape} / {masks[0].shape}; expected "
              f"(batch, 4, 6, 3) / (batch, 4, 6, 1) as the loader gives them", "map the loader over the pairs")
    steps = _pipeline_steps(dataset)
    for step, hint in (("cache", "add .cache() after map, so that files are decoded once, not every epoch"),
                       ("prefetch", "end with .prefetch(tf.data.AUTOTUNE), so that loading overlaps training")):
        if step not in steps:
            _fail("make_dataset", call, f"the pipeline has no {step} step (it is: "
                  f"{' <- '.join(steps)})", hint)
    if steps[0] != "prefetch":
        _fail("make_dataset", call, f"prefetch should be the last step (the pipeline is {' <- '.join(steps)})")

    call = call_text("make_dataset", pairs, "loader", batch_size=batch_size, shuffle=True, seed=seed)
    dataset = _call(make_dataset, "make_dataset", pairs, loader, batch_size=batch_size, shuffle=True, seed=seed)
    epochs = []
    for _ in range(2):
        _, masks = _batches(dataset, "make_dataset", call)
        epochs.append([int(batch[k, 0, 0, 0]) for batch in masks for k in range(len(batch))])
    if sorted(epochs[0]) != list(range(count)):
        _fail("make_dataset", call, f"with shuffle=True an epoch holds {sorted(epochs[0])}; expected every pair "
              f"exactly once", "shuffle with a buffer as large as the number of pairs")
    if epochs[0] == list(range(count)):
        _fail("make_dataset", call, "with shuffle=True the pairs still come in their original order")
    steps = _pipeline_steps(dataset)
    if "shuffle" in steps and "batch" in steps and steps.index("shuffle") < steps.index("batch"):
        _fail("make_dataset", call, "the pipeline shuffles whole batches (shuffle after batch)",
              "shuffle the pairs, then batch them")
    if epochs[0] == epochs[1]:
        hint = "put .cache() before .shuffle(): a cache after the shuffle freezes the first epoch's order"
        _fail("make_dataset", call, "two epochs come in the same order; each epoch should be shuffled anew", hint)
    _passed(f"make_dataset batches {count} pairs by {batch_size}, keeps the order without shuffle, reshuffles "
            f"every epoch, caches and prefetches")


def check_make_dataset_like_library(make_dataset, load_pair, pairs, batch_size=8):
    """Compare make_dataset (fed the library's loader) with the library's pipeline, unshuffled."""
    from course import data  # noqa: PLC0415

    call = call_text("make_dataset", pairs, "course.data.load_pair", batch_size=batch_size, shuffle=False)
    dataset = _call(make_dataset, "make_dataset", pairs, load_pair, batch_size=batch_size, shuffle=False)
    images, masks = _batches(dataset, "make_dataset", call)
    expected = data.make_dataset(pairs, batch_size=batch_size, shuffle=False)
    want_images, want_masks = _batches(expected, "course.data.make_dataset", "library")
    if len(images) != len(want_images) or any(
            a.shape != b.shape or not np.allclose(a, b) for a, b in zip(images + masks, want_images + want_masks)):
        _fail("make_dataset", call, "gives other batches than the course library's make_dataset")
    _passed(f"make_dataset agrees with the course library on {len(pairs)} real pairs")


# --------------------------------------------------------------------------------------
# Training and metrics (notebook 5)
# --------------------------------------------------------------------------------------

def _tiny_model(n_classes=5):
    tf = _tf()
    inputs = tf.keras.Input((8, 8, 3))
    return tf.keras.Model(inputs, tf.keras.layers.Conv2D(n_classes, 1)(inputs))


def check_compile_model(compile_model, learning_rate=None):
    """Check compile_model's loss, optimizer, learning rate and metric on a tiny model.

    Args:
        compile_model: the student's function(model, learning_rate=0.001) that compiles
            and returns the model.
        learning_rate: the rate to pass; None calls compile_model(model) and expects 0.001.
    """
    tf = _tf()
    model = _tiny_model()
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    wanted_rate = 1e-3 if learning_rate is None else learning_rate
    call = call_text("compile_model", "model", **kwargs)
    returned = _call(compile_model, "compile_model", model, **kwargs)
    if returned is not model:
        _fail("compile_model", call, f"returned {type(returned).__name__}; expected the model it was given",
              "end with `return model`")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        _fail("compile_model", call, "the model is not compiled", "call model.compile(optimizer=..., loss=..., metrics=...)")
    loss = model.loss
    losses = tf.keras.losses
    if isinstance(loss, str) or callable(loss) and not isinstance(loss, losses.Loss):
        name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
        _fail("compile_model", call, f"the loss is {name!r}, which treats the outputs as probabilities "
              f"(from_logits=False)", "the model outputs logits: loss=tf.keras.losses."
              "SparseCategoricalCrossentropy(from_logits=True)")
    if isinstance(loss, losses.CategoricalCrossentropy):
        _fail("compile_model", call, "the loss is CategoricalCrossentropy, which expects one-hot targets",
              "the masks hold class ids: use SparseCategoricalCrossentropy(from_logits=True)")
    if not isinstance(loss, losses.SparseCategoricalCrossentropy):
        _fail("compile_model", call, f"the loss is {type(loss).__name__}; expected SparseCategoricalCrossentropy")
    if not loss.get_config().get("from_logits"):
        _fail("compile_model", call, "the loss has from_logits=False",
              "the model's last layer has no softmax, so its outputs are logits: from_logits=True")
    if type(model.optimizer).__name__ != "Adam":
        _fail("compile_model", call, f"the optimizer is {type(model.optimizer).__name__}; expected Adam",
              "optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate)")
    rate = float(np.asarray(model.optimizer.learning_rate))
    if not math.isclose(rate, wanted_rate, rel_tol=1e-5):
        _fail("compile_model", call, f"Adam's learning rate is {rate:g}; expected {wanted_rate:g}",
              "pass the learning_rate argument on to Adam (do not write a number there)")
    metrics = model.get_compile_config().get("metrics") or []
    names = []
    for metric in metrics if isinstance(metrics, (list, tuple)) else [metrics]:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict):
            names.append(metric.get("class_name", ""))
    if not {"accuracy", "acc", "SparseCategoricalAccuracy"} & set(names):
        _fail("compile_model", call, f"the metrics are {names}; expected pixel accuracy", "metrics=['accuracy']")
    _passed(f"{call}: SparseCategoricalCrossentropy(from_logits=True), Adam({wanted_rate:g}), accuracy")


def _toy_segmentation(count=4, height=32, width=48, seed=0):
    """Images of sky, road and two kinds of box, with their masks (4 classes), and a little noise."""
    rng = np.random.default_rng(seed)
    colours = np.array([[0.45, 0.65, 0.9], [0.4, 0.4, 0.42], [0.85, 0.2, 0.15], [0.1, 0.2, 0.7]], np.float32)
    masks = np.zeros((count, height, width), np.uint8)
    masks[:, height // 2:] = 1
    for k in range(count):
        for class_id in (2, 3):
            top, left = rng.integers(2, height - 12), rng.integers(2, width - 14)
            masks[k, top:top + rng.integers(6, 11), left:left + rng.integers(6, 13)] = class_id
    images = colours[masks] + rng.normal(0, 0.04, (count, height, width, 3)).astype(np.float32)
    return np.clip(images, 0, 1), masks[..., None]


def check_training_learns(compile_model, unet_model, steps=50, learning_rate=3e-3, seed=0):
    """Does the student's training setup learn? Train a small U-Net on one batch and watch the loss.

    A small unet_model(input_size=(32, 48, 3), n_filters=8, n_classes=4), compiled with
    compile_model, takes `steps` steps (one model.fit epoch) on one batch of four toy scenes;
    its loss on that batch (sparse categorical cross-entropy of the logits) must at least
    halve (a working setup gets it to a tenth or less). While grading, unet_model is the
    reference one (see course.earlier), so only compile_model is tested here.
    """
    tf = _tf()
    from course.training import build_optimizer  # noqa: PLC0415

    # compile_model first, on its own: if it is not written yet, that is what the message names.
    _call(compile_model, "compile_model", _tiny_model(), learning_rate=learning_rate)
    images, masks = _toy_segmentation(seed=seed)
    model = _call(unet_model, "unet_model", input_size=(32, 48, 3), n_filters=8, n_classes=4)
    call = call_text("compile_model", "unet_model(input_size=(32, 48, 3), n_filters=8, n_classes=4)",
                     learning_rate=learning_rate)
    model = _call(compile_model, "compile_model", model, learning_rate=learning_rate) or model
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    first = float(loss(masks, model(images, training=False)))
    build_optimizer(model)  # outside the traced step: seconds faster, same training
    batches = tf.data.Dataset.from_tensors((images, masks)).repeat()
    model.fit(batches, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)  # no warning on stderr
    last = float(loss(masks, model(images, training=False)))
    if not math.isfinite(last):
        _fail("compile_model", call, f"after {steps} training steps the loss is {last}",
              "a loss of NaN usually means from_logits=False on logits, or a far too large learning rate")
    if not last <= 0.5 * first:
        _fail("compile_model", call, f"after {steps} training steps on one batch the loss went from {first:.3f} "
              f"to {last:.3f}; a working setup at least halves it",
              "check the loss (SparseCategoricalCrossentropy(from_logits=True)), the optimizer (Adam) and that "
              "learning_rate reaches it")
    _passed(f"training learns: on one small batch the loss fell from {first:.3f} to {last:.3f} in {steps} steps")


def _metric_cases(seed, n_classes):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, (2, 6, 8, 1)).astype(np.uint8)
    noisy = np.where(rng.random(truth.shape) < 0.3, rng.integers(0, 5, truth.shape), truth).astype(np.int64)
    flat_truth = rng.integers(0, 4, (5, 7)).astype(np.int64)
    absent_both = np.array([[0, 0, 1], [1, 3, 3]], np.int64)  # classes 2 and 4 appear nowhere
    absent_pred = np.array([[0, 2, 2], [1, 1, 0]], np.int64)  # class 2 only in the truth
    absent_pred_guess = np.array([[0, 0, 1], [1, 1, 0]], np.int64)
    return [
        ("random masks (2, 6, 8, 1), 30% of pixels wrong", truth, noisy, n_classes),
        ("a perfect prediction", flat_truth, flat_truth.copy(), n_classes),
        ("every pixel wrong", flat_truth, (flat_truth + 1) % 4, n_classes),
        ("classes 2 and 4 absent from both (left out of the mean)", absent_both, absent_both[::-1].copy(), 5),
        ("class 2 only in y_true (its IoU is 0 and counts)", absent_pred, absent_pred_guess, 3),
        ("class 2 only in y_pred (its IoU is 0 and counts)", absent_pred_guess, absent_pred, 3),
    ]


def check_pixel_accuracy(pixel_accuracy, seed=0):
    """Compare pixel_accuracy with the NumPy reference on random masks and edge cases."""
    from course import metrics  # noqa: PLC0415

    for label, y_true, y_pred, _ in _metric_cases(seed, 23):
        before = (y_true.copy(), y_pred.copy())
        call = call_text("pixel_accuracy", y_true, y_pred)
        result = _as_float(_call(pixel_accuracy, "pixel_accuracy", y_true, y_pred), "pixel_accuracy", call)
        expected = metrics.pixel_accuracy(y_true, y_pred)
        if not (np.array_equal(y_true, before[0]) and np.array_equal(y_pred, before[1])):
            _fail("pixel_accuracy", call, "changed its input arrays")
        if not math.isclose(result, expected, abs_tol=1e-6):
            hint = None
            if math.isclose(result, expected * 100, abs_tol=1e-4):
                hint = "return a fraction in [0, 1], not a percentage"
            _fail("pixel_accuracy", call, f"{label}: returned {result:.6f}; expected {expected:.6f}", hint)
    _passed("pixel_accuracy agrees with the NumPy reference on random masks and edge cases")


def check_mean_iou(mean_iou, seed=0, n_classes=23):
    """Compare mean_iou with the NumPy reference, including classes absent from one or both arrays."""
    from course import metrics  # noqa: PLC0415

    for label, y_true, y_pred, classes in _metric_cases(seed, n_classes):
        before = (y_true.copy(), y_pred.copy())
        kwargs = {} if classes == 23 else {"n_classes": classes}
        call = call_text("mean_iou", y_true, y_pred, **kwargs)
        result = _as_float(_call(mean_iou, "mean_iou", y_true, y_pred, **kwargs), "mean_iou", call)
        if not (np.array_equal(y_true, before[0]) and np.array_equal(y_pred, before[1])):
            _fail("mean_iou", call, "changed its input arrays")
        expected = metrics.mean_iou(y_true, y_pred, classes)
        if math.isclose(result, expected, abs_tol=1e-6):
            continue
        ious = metrics.per_class_iou(y_true, y_pred, classes)
        hint = None
        if math.isclose(result, float(np.nan_to_num(ious, nan=0.0).mean()), abs_tol=1e-6):
            hint = "classes absent from both arrays have no IoU: leave them out of the mean, do not count them as 0"
        elif math.isclose(result, float(np.nan_to_num(ious, nan=1.0).mean()), abs_tol=1e-6):
            hint = "classes absent from both arrays have no IoU: leave them out of the mean, do not count them as 1"
        else:
            in_both = [c for c in range(classes) if (y_true == c).any() and (y_pred == c).any()]
            if in_both and math.isclose(result, float(np.mean(ious[in_both])), abs_tol=1e-6):
                hint = "a class present in only one of the arrays has IoU 0 and must count in the mean"
        _fail("mean_iou", call, f"{label}: returned {result:.6f}; expected {expected:.6f}", hint)
    _passed("mean_iou agrees with the NumPy reference, absent classes included")
