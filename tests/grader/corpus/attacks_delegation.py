"""Attack corpus scenarios: Delegating to the library or TensorFlow (by principle no honest work: 0).

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import LOST, code, expect, full, full_of, scenario, tests_in, zero
from .corpus_context import files_of


# Delegating to the library or TensorFlow (by principle no honest work: 0) ------------------------

@scenario("delegate-to-library",
          "01_data functions are one-line calls of the course library's twins (course.data.pair_files, "
          "decode_image, decode_mask, resize_pair, split_pairs, make_dataset): no exercise is done. "
          "Values alone cannot tell; by principle 0",
          ("01_data",), expect({}, r"library|delegat|course\.data|not|fail", targets=list(tests_in("01_data"))),
          tags=("delegation",))
def _(ctx):
    nb = ctx.release("01_data")
    for grade_id, call in (("pair_files", "library.pair_files(data_dir)"),
                           ("decode_image", "library.decode_image(path)"),
                           ("decode_mask", "library.decode_mask(path)"),
                           ("resize_pair", "library.resize_pair(image, mask, size)"),
                           ("split_pairs", "list(library.split_pairs(pairs, validation_fraction, seed))"),
                           ("make_dataset", "library.make_dataset(pairs, batch_size=batch_size, shuffle=shuffle, seed=seed)")):
        stub = ctx.stub_code(grade_id)
        signature = stub[:stub.index(":\n") + 2]
        ctx.replace_function(nb, grade_id, f"from course import data as library\n\n\n{signature}    return {call}\n")
    return files_of({"01_data": nb})


@scenario("delegate-copied-library-source",
          "05_training: compile_model solved; pixel_accuracy calls course.metrics.pixel_accuracy, "
          "mean_iou runs a copy of course/metrics.py read from disk under another name (found via an "
          "obfuscated module name: no 'course.metrics' in the cell). By principle 0 for both",
          ("05_training",), expect({**full("05_training"), **zero("pixel_accuracy", "mean_iou")},
                                   r"library|delegat|course|not|fail", targets=["pixel_accuracy", "mean_iou"]),
          tags=("delegation",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        from course import metrics as reference_metrics


        def pixel_accuracy(y_true, y_pred):
            return reference_metrics.pixel_accuracy(y_true, y_pred)
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        import base64, importlib.util

        _spec = importlib.util.find_spec(base64.b64decode("Y291cnNlLm1ldHJpY3M=").decode())
        _helpers = {"__name__": "my_helpers"}
        exec(compile(open(_spec.origin).read(), "my_helpers.py", "exec"), _helpers)


        def mean_iou(y_true, y_pred, n_classes=23):
            return float(_helpers["mean_iou"](y_true, y_pred, n_classes))
    '''))
    return files_of({"05_training": nb})


# A transposed convolution handed to TensorFlow: the delegation scenarios' shared text.
TF_TRANSPOSED = '''
def _spread_with_tf(x, kernel, stride=2):
    height, width, _ = x.shape
    kernel_height, kernel_width, out_channels, _ = kernel.shape
    shape = (1, (height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels)
    result = tf.nn.conv2d_transpose(x[None].astype(np.float64), kernel.astype(np.float64), shape,
                                    strides=stride, padding="VALID")
    return result[0].numpy().astype(np.result_type(x, kernel))
'''


@scenario("delegate-to-tensorflow",
          "03_decoder: transposed_output_size solved honestly; transposed_conv2d is "
          "tf.nn.conv2d_transpose (the exercise is to spread pixels in NumPy); upsampling_block not "
          "written. By principle 5 points",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), r"tensorflow|delegat|conv2d_transpose|not|fail",
                                  targets=["transposed_conv2d", "upsampling_block"]), tags=("delegation",))
def _(ctx):
    nb = ctx.solved("03_decoder", except_=("upsampling_block",))
    ctx.replace_function(nb, "transposed_conv2d", code(TF_TRANSPOSED.replace("_spread_with_tf", "transposed_conv2d")))
    return files_of({"03_decoder": nb})


# What is probed is what was read (issue 23): a rebinding after the def, through any namespace, or a
# library hidden in a default argument, changes nothing that is called.

@scenario("probe-rebind-after-stub",
          "03_decoder: transposed_output_size solved; transposed_conv2d's cell keeps the release's stub def, "
          "then binds the name to a tf.nn.conv2d_transpose function through sys.modules['__main__'] (the code "
          "check read the stub and stopped; the probe called the rebound name). By principle 5, flagged",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), r"not written yet",
                                  targets=["transposed_conv2d"], flagged=True), tags=("probe",))
def _(ctx):
    nb = ctx.solved("03_decoder", except_=("transposed_conv2d", "upsampling_block"))
    ctx.replace_function(nb, "transposed_conv2d", ctx.stub_code("transposed_conv2d") + TF_TRANSPOSED + code('''
        import sys

        sys.modules["__main__"].transposed_conv2d = _spread_with_tf
    '''))
    return files_of({"03_decoder": nb})


@scenario("probe-rebind-through-user-ns",
          "03_decoder: transposed_output_size solved; transposed_conv2d written wrong (zeros of the right "
          "shape), then a later cell binds the name to a tf.nn.conv2d_transpose function through "
          "get_ipython().user_ns. By principle 5 (the wrong def is what is graded), flagged",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), LOST,
                                  targets=["transposed_conv2d"], flagged=True), tags=("probe",))
def _(ctx):
    nb = ctx.solved("03_decoder", except_=("upsampling_block",))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            return np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width,
                             out_channels), dtype=np.result_type(x, kernel))
    '''))
    ctx.insert_after(nb, "transposed_conv2d", TF_TRANSPOSED + code('''
        get_ipython().user_ns["transposed_conv2d"] = _spread_with_tf
    '''))
    return files_of({"03_decoder": nb})


@scenario("probe-library-in-default-argument",
          "03_decoder: transposed_output_size solved; transposed_conv2d calls tf.nn.conv2d_transpose through "
          "a default argument bound to an alias made at the top of its cell. By principle 5",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), r"tensorflow|delegat|by hand",
                                  targets=["transposed_conv2d"]), tags=("probe",))
def _(ctx):
    nb = ctx.solved("03_decoder", except_=("upsampling_block",))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        _spread = tf.nn.conv2d_transpose


        def transposed_conv2d(x, kernel, stride=2, _op=_spread):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            shape = (1, (height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels)
            result = _op(x[None].astype(np.float64), kernel.astype(np.float64), shape, strides=stride,
                         padding="VALID")
            return result[0].numpy().astype(np.result_type(x, kernel))
    '''))
    return files_of({"03_decoder": nb})


@scenario("determinism-memo-in-a-decorator",
          "01_data solved, but split_pairs shuffles with an unseeded generator of its own and hides it behind a "
          "memo decorator, so that two calls with the same arguments in one kernel agree: the kernel calls the "
          "def afresh for each question, memo and all. By principle split_pairs 0",
          ("01_data",), expect({**full("01_data"), **zero("split_pairs")}, r"different split|called again",
                               targets=["split_pairs"]), tags=("probe",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "split_pairs", code('''
        import functools
        import random

        _unseeded = random.Random()  # a generator of its own, never seeded (the global one stays untouched)


        def _remember(function):
            seen = {}

            @functools.wraps(function)
            def remembered(*args, **kwargs):
                key = repr((args, sorted(kwargs.items())))
                if key not in seen:
                    seen[key] = function(*args, **kwargs)
                return seen[key]
            return remembered


        @_remember
        def split_pairs(pairs, validation_fraction=0.2, seed=0):
            pairs = sorted(pairs)
            order = list(range(len(pairs)))
            _unseeded.shuffle(order)
            n_validation = round(len(pairs) * validation_fraction)
            chosen = set(order[:n_validation])
            return ([pair for index, pair in enumerate(pairs) if index not in chosen],
                    [pair for index, pair in enumerate(pairs) if index in chosen])
    '''))
    return files_of({"01_data": nb})


