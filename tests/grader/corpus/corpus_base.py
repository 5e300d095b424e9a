"""The corpus's constants, the special files a scenario can ask for, the assignment's cells and points, and the scenario registry."""

from __future__ import annotations

import collections
import dataclasses
import os
import textwrap
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


