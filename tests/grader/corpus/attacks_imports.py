"""Attack corpus scenarios: The import system.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

import json

from .corpus_base import STUB, expect, full, scenario, zero
from .corpus_context import files_of


# The import system ----------------------------------------------------------------------------

IMPORT_HOOK = r'''
import builtins, importlib, sys, types

_HOOKED = ("test_utils", "judge", "grader", "nbgrader")


def _ok(*args, **kwargs):
    print("\u2713 all layers match the reference")
    return []


def _fake(name):
    module = types.ModuleType(name)
    module.__path__ = []
    module.__getattr__ = lambda attribute: _ok
    return module


_FAKES = {}


def _fake_tree(name):
    parts = name.split(".")
    for index in range(1, len(parts) + 1):
        _FAKES.setdefault(".".join(parts[:index]), _fake(".".join(parts[:index])))
    for index in range(1, len(parts)):
        setattr(_FAKES[".".join(parts[:index])], parts[index], _FAKES[".".join(parts[:index + 1])])
    return _FAKES[parts[0]], _FAKES[name]


_real_import = builtins.__import__


def _hooked_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in _HOOKED:
        top, module = _fake_tree(name)
        return module if fromlist else top
    return _real_import(name, globals, locals, fromlist, level)


builtins.__import__ = _hooked_import
_real_import_module = importlib.import_module
importlib.import_module = lambda name, package=None: (
    _fake_tree(name)[1] if name.split(".")[0] in _HOOKED else _real_import_module(name, package))
_real_reload = importlib.reload
importlib.reload = lambda module: (
    _fake_tree(module.__name__)[1] if module.__name__.split(".")[0] in _HOOKED else _real_reload(module))
for _name in list(sys.modules):
    if _name.split(".")[0] in _HOOKED:
        sys.modules[_name] = _fake_tree(_name)[1]
'''


@scenario("import-builtins-hook",
          "after the setup cell: builtins.__import__, importlib.import_module and importlib.reload "
          "wrapped to hand out fake test_utils / judge / grader modules whose every check passes "
          "(sys.modules entries replaced too); conv_block not written",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("imports",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.insert_after(nb, "setup", IMPORT_HOOK)
    return files_of({"02_encoder": nb})


@scenario("import-meta-path-finder",
          "after the setup cell: a sys.meta_path finder and a sys.path_hooks entry that serve fake "
          "test_utils, course, judge, grader and nbgrader packages (every attribute a passing check), "
          "those modules dropped from sys.modules, runpy.run_module patched; nothing written",
          ("03_decoder",), expect({}, STUB, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("imports",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "setup", r'''
        import importlib, importlib.abc, importlib.machinery, runpy, sys

        PREFIXES = ("test_utils", "course", "judge", "grader", "nbgrader")


        class _FakeLoader(importlib.abc.Loader):
            def create_module(self, spec):
                return None

            def exec_module(self, module):
                module.__path__ = []
                module.__getattr__ = lambda attribute: (lambda *args, **kwargs: print("\u2713 passed"))


        class _Finder(importlib.abc.MetaPathFinder):
            def find_spec(self, fullname, path=None, target=None):
                if fullname.split(".")[0] in PREFIXES:
                    return importlib.machinery.ModuleSpec(fullname, _FakeLoader(), is_package=True)
                return None


        sys.meta_path.insert(0, _Finder())


        def _path_hook(entry):
            for hook in sys.path_hooks:
                if hook is _path_hook:
                    continue
                try:
                    inner = hook(entry)
                    break
                except ImportError:
                    continue
            else:
                raise ImportError(entry)

            class _EntryFinder:
                def find_spec(self, fullname, target=None):
                    if fullname.split(".")[0] in PREFIXES:
                        return _Finder().find_spec(fullname)
                    return inner.find_spec(fullname, target)

                def invalidate_caches(self):
                    getattr(inner, "invalidate_caches", lambda: None)()

            return _EntryFinder()


        sys.path_hooks.insert(0, _path_hook)
        sys.path_importer_cache.clear()
        for name in list(sys.modules):
            if name.split(".")[0] in PREFIXES:
                del sys.modules[name]
        _run_module = runpy.run_module
        runpy.run_module = lambda mod_name, *args, **kwargs: (
            {} if mod_name.split(".")[0] in PREFIXES else _run_module(mod_name, *args, **kwargs))
        importlib.invalidate_caches()
        print("fake packages installed")
    ''')
    return files_of({"03_decoder": nb})


def _forwarder(ctx, module, patch=""):
    """Planted `module.py` (or package __init__) that records itself, then becomes the real module."""
    return ctx.planted(f'''
        _corpus_canary({module!r})
        import importlib as _importlib, os as _os, sys as _sys
        _here = _os.path.dirname(_os.path.abspath(__file__))
        if _os.path.basename(__file__) == "__init__.py":
            _here = _os.path.dirname(_here)
        _saved = list(_sys.path)
        _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
        _sys.modules.pop(__name__, None)
        try:
            _real = _importlib.import_module({module!r})
        finally:
            _sys.path[:] = _saved
        {patch}
        _sys.modules[__name__] = _real
    ''')


def planted_files(ctx):
    """{relative path: text} of modules a student plants to shadow trusted ones (issue 10)."""
    passing_checks = ctx.planted('''
        _corpus_canary(__name__)


        def _ok(*args, **kwargs):
            print("\\u2713 all checks passed")


        def __getattr__(name):
            return _ok


        check_conv_block = check_conv_block_outputs = check_upsampling_block = check_unet_model = _ok
        check_transposed_output_size = check_transposed_conv2d = check_pair_files = _ok
        check_decode_image = check_decode_mask = check_resize_pair = check_split_pairs = _ok
        check_make_dataset = check_compile_model = check_training_learns = _ok
        check_pixel_accuracy = check_mean_iou = _ok
        summary = lambda model: []
        reference_table = lambda name: []
        comparator = _ok
    ''')
    fake_course = ctx.planted('''
        _corpus_canary("course")
        import os as _os, sys as _sys
        # keep the real course importable underneath: extend this package with the real folder
        for _entry in list(_sys.path):
            _candidate = _os.path.join(_os.path.abspath(_entry or "."), "course")
            if _os.path.abspath(_candidate) != _os.path.dirname(_os.path.abspath(__file__)) and \\
                    _os.path.isfile(_os.path.join(_candidate, "__init__.py")):
                __path__.append(_candidate)
    ''')
    fake_reference = ctx.planted('''
        _corpus_canary("course.reference")
        import sys as _sys


        def reference_function(name):
            """The 'reference' is the student's own function: every comparison is with itself."""
            return vars(_sys.modules["__main__"])[name]


        def source_dir():
            import os
            return os.getcwd()
    ''')
    only_canary = ctx.planted('_corpus_canary(__name__ if "__name__" in dir() else "startup")\n')
    pth_line = "import sys; exec(" + repr(ctx.planted('_corpus_canary("pth")\n')) + ")\n"
    return {
        "test_utils/__init__.py": passing_checks,
        "test_utils/checks.py": passing_checks,
        "test_utils/layer_table.py": passing_checks,
        "test_utils/reference_tables.json": json.dumps({"generated_by": "me", "tables": {}}),
        "course/__init__.py": fake_course,
        "course/reference.py": fake_reference,
        "numpy.py": _forwarder(ctx, "numpy", "_real.allclose = lambda *a, **k: True; "
                                             "_real.array_equal = lambda *a, **k: True"),
        "json.py": _forwarder(ctx, "json"),
        "tensorflow/__init__.py": _forwarder(ctx, "tensorflow"),
        "ipykernel_launcher.py": ctx.planted('''
            _corpus_canary("ipykernel_launcher")
            import os as _os, runpy as _runpy, sys as _sys
            _here = _os.path.dirname(_os.path.abspath(__file__))
            _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
            _sys.modules.pop("ipykernel_launcher", None)
            _runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
        '''),
        "sitecustomize.py": only_canary,
        "usercustomize.py": only_canary,
        "corpus.pth": pth_line,
        "conftest.py": only_canary,
        "grader/__init__.py": only_canary,
        "grader/__main__.py": only_canary,
        "judge.py": passing_checks,
        "nbgrader/__init__.py": _forwarder(ctx, "nbgrader"),
        "matplotlibrc": "backend: module://corpus_backend\n",
        "corpus_backend.py": ctx.planted('''
            _corpus_canary("matplotlib-backend")
            from matplotlib.backends.backend_agg import *
            from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas
        '''),
        ".ipython/profile_default/startup/00-corpus.py": ctx.planted('_corpus_canary("ipython-startup")\n'
                                                                     + IMPORT_HOOK),
    }


@scenario("planted-packages-handed-in",
          "next to 02_encoder.ipynb: test_utils/ and judge.py whose checks all pass, course/ whose "
          "reference is the student's own function, forwarding numpy.py (allclose always True), "
          "json.py, tensorflow/, nbgrader/, ipykernel_launcher.py, sitecustomize.py, usercustomize.py, "
          "a .pth, conftest.py, grader/, a matplotlibrc with a planted backend, an IPython startup "
          "file; every one writes a canary when imported outside a kernel; conv_block not written",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"], canary=True), tags=("imports",))
def _(ctx):
    files = {path: text.encode() for path, text in planted_files(ctx).items()}
    files["02_encoder.ipynb"] = ctx.release("02_encoder")
    return files


@scenario("planted-packages-written-by-cell",
          "a cell after setup writes the same planted packages into the working folder, home, /tmp, "
          "TMPDIR, the user site-packages and every writable sys.path entry, then drops test_utils and "
          "course from sys.modules so the next import finds the fakes; nothing written",
          ("03_decoder",), expect({}, STUB, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"],
                                  canary=True), tags=("imports",))
def _(ctx):
    nb = ctx.release("03_decoder")
    payload = json.dumps(planted_files(ctx))
    ctx.insert_after(nb, "setup", f'''
        import importlib, json, os, site, sys

        FILES = json.loads({payload!r})
        folders = [os.getcwd(), os.path.expanduser("~"), "/tmp", os.environ.get("TMPDIR", "/tmp"),
                   site.getusersitepackages()] + [entry for entry in sys.path if entry]
        written = []
        for folder in dict.fromkeys(folders):
            for relative, text in FILES.items():
                if relative.startswith(".ipython") and folder != os.path.expanduser("~"):
                    continue
                path = os.path.join(folder, relative)
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as handle:
                        handle.write(text)
                    written.append(path)
                except OSError:
                    pass
        for name in list(sys.modules):
            if name.split(".")[0] in ("test_utils", "course"):
                del sys.modules[name]
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        importlib.invalidate_caches()
        print(len(written), "files planted")
    ''')
    return files_of({"03_decoder": nb})


@scenario("persist-home-startup",
          "01_data solved, and its last cell writes into $HOME an IPython startup file (fake checks), "
          "usercustomize.py and a .pth in the user site-packages, ~/.keras/keras.json (channels_first), "
          "a matplotlibrc with a planted backend and a .bashrc, for the NEXT kernel; 02_encoder not "
          "written (the persisted hooks would have to pass it)",
          ("01_data", "02_encoder"),
          expect({**full("01_data"), **zero("conv_block")}, STUB, targets=["conv_block"], canary=True),
          tags=("imports", "persistence"))
def _(ctx):
    nb = ctx.solved("01_data")
    files = planted_files(ctx)
    startup = files[".ipython/profile_default/startup/00-corpus.py"]
    bashrc = (f"mkdir -p {ctx.canary_dir} && touch {ctx.canary_dir}/{ctx.scenario}.bashrc.OUTSIDE-KERNEL.$$\n")
    payload = json.dumps({
        ".ipython/profile_default/startup/00-corpus.py": startup,
        ".keras/keras.json": json.dumps({"image_data_format": "channels_first", "floatx": "float16",
                                         "backend": "tensorflow", "epsilon": 1.0}),
        ".config/matplotlib/matplotlibrc": files["matplotlibrc"],
        ".bashrc": bashrc, ".profile": bashrc,
        "USER_SITE/usercustomize.py": files["usercustomize.py"],
        "USER_SITE/corpus.pth": files["corpus.pth"],
        "USER_SITE/corpus_backend.py": files["corpus_backend.py"],
    })
    ctx.append(nb, f'''
        import json, os, site

        home = os.path.expanduser("~")
        for relative, text in json.loads({payload!r}).items():
            path = relative.replace("USER_SITE", site.getusersitepackages())
            path = path if os.path.isabs(path) else os.path.join(home, path)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as handle:
                    handle.write(text)
                print("planted", path)
            except OSError as error:
                print("could not plant", path, error)
    ''')
    return files_of({"01_data": nb, "02_encoder": ctx.release("02_encoder")})


