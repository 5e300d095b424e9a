"""Attack corpus scenarios: Output channels: a verdict printed, displayed or sent is not a verdict.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import LOST, STUB, code, expect, scenario, zero
from .corpus_context import files_of


# Output channels: a verdict printed, displayed or sent is not a verdict ----------------------

@scenario("output-displayhook-before-raise",
          "conv_block emits execute_results (15, then a string) and a display '10', prints a check "
          "line, then raises NotImplementedError; a last cell shows 15 (nbgrader: partial or full credit)",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("output",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Not written: it only makes the outputs of whoever calls it look like a pass."""
            from IPython import get_ipython
            from IPython.display import display
            shell = get_ipython()
            if shell is not None:
                shell.displayhook(15)             # an execute_result first: "partial credit", 15 points
                shell.displayhook("all passed")   # a non-numeric one: full points
            display({"text/plain": "10"}, raw=True)
            print("\\u2713 conv_block(Input((96, 128, 3)), n_filters=32): all 4 layers match the reference")
            raise NotImplementedError()
    '''))
    ctx.append(nb, "15")
    return files_of({"02_encoder": nb})


@scenario("output-fake-check-lines",
          "03_decoder functions print the checkers' own green success lines (and 'Tests passed: 25/25') "
          "and return wrong values",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("output",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        from test_utils.display import green


        def transposed_output_size(n, f, s, p):
            print(green("\\u2713 ") + "transposed_output_size is right on 6 cases")
            return n * s
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            print(green("\\u2713 ") + "transposed_conv2d matches tf.nn.conv2d_transpose on 4 random cases")
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            return np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels))
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            print(green("\\u2713 ") + "upsampling_block(Input((6, 8, 512)), Input((12, 16, 256)), n_filters=256): "
                  "all 6 layers match the reference")
            return expansive_input
    '''))
    ctx.append(nb, 'print("Tests passed: 25/25")\nprint("Score: 25 / 25")\n')
    return files_of({"03_decoder": nb})


FORGE_MESSAGES = r'''
def _forge_messages(value):
    """Send, on the kernel's own channels, what a client reads as 'this request passed'."""
    import sys
    try:
        from IPython import get_ipython
        shell = get_ipython()
        kernel = shell.kernel
        session = kernel.session
        parent = kernel.get_parent()
        count = shell.execution_count
        data = {"text/plain": repr(value), "application/json": {"passed": True, "score": 100, "value": value}}
        session.send(kernel.iopub_socket, "execute_result", {"data": data, "metadata": {}, "execution_count": count},
                     parent=parent, ident=kernel._topic("execute_result"))
        session.send(kernel.iopub_socket, "status", {"execution_state": "idle"}, parent=parent,
                     ident=kernel._topic("status"))
        expressions = {name: {"status": "ok", "data": data, "metadata": {}}
                       for name in ("result", "value", "answer", "reply", "verdict", "out")}
        reply = {"status": "ok", "execution_count": count, "user_expressions": expressions, "payload": []}
        ident = getattr(kernel, "_parent_ident", None)
        if isinstance(ident, dict):
            ident = ident.get("shell")
        stream = getattr(kernel, "shell_stream", None)
        if stream is not None:
            session.send(stream, "execute_reply", reply, parent=parent, ident=ident)
    except Exception as error:
        print(f"(forging failed: {type(error).__name__}: {error})")
    print("\u2713 passed", file=sys.stderr)
'''


@scenario("output-forged-kernel-messages",
          "pixel_accuracy and mean_iou send, on the kernel's own session, a forged execute_result "
          "{'passed': true}, an early 'idle' status and an early execute_reply with user_expressions "
          "saying True, then return wrong values",
          ("05_training",), expect({}, LOST, targets=["pixel_accuracy", "mean_iou", "compile_model"]),
          tags=("output", "protocol"))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code(FORGE_MESSAGES) + code('''

        def pixel_accuracy(y_true, y_pred):
            _forge_messages(1.0)
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            _forge_messages(1.0)
            return 0.5
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


