"""The instructor's reference solution, loaded from the nbgrader source notebooks.

The source notebooks in instructor/source/<assignment>/ are the only place the solutions are
written. Everything else that needs a correct implementation (reference layer tables,
benchmarks, tests of the checkers) gets it from here.
"""

import functools
import os
from pathlib import Path

from course.notebook_code import load_definitions

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "unet"


def source_dir():
    """Folder of the source notebooks (COURSE_SOURCE_DIR overrides, for tests)."""
    override = os.environ.get("COURSE_SOURCE_DIR")
    return Path(override) if override else REPO_ROOT / "instructor" / "source" / ASSIGNMENT


def source_notebooks():
    """The source notebooks in course order (their names start with the step number)."""
    notebooks = sorted(source_dir().glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no source notebooks (NN_name.ipynb) in {source_dir()}")
    return notebooks


@functools.lru_cache(maxsize=None)
def _reference_namespace(folder):
    return load_definitions(source_notebooks())


def reference_function(name):
    """Return the reference implementation of a graded function, e.g. "unet_model"."""
    namespace = _reference_namespace(str(source_dir()))
    if not callable(namespace.get(name)):
        raise KeyError(f"the source notebooks in {source_dir()} define no function {name!r}")
    return namespace[name]
