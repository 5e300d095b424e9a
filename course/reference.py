"""The instructor's reference solution, loaded from the nbgrader source notebooks.

The source notebooks in instructor/source/<assignment>/ are the only place the solutions are
written. This module loads those of the main assignment, instructor/source/unet/
(COURSE_SOURCE_DIR overrides, for tests), for the course's tests and benchmarks that need a
correct implementation. The reference tables and public answers (`python -m test_utils.generate`)
and the grader's judge load the source notebooks themselves, through test_utils.runner.
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


def notebooks_in(folder):
    """The source notebooks of `folder` in course order (their names start with the step number)."""
    notebooks = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no source notebooks (NN_name.ipynb) in {folder}")
    return notebooks


def source_notebooks():
    """The source notebooks of the main assignment, in course order."""
    return notebooks_in(source_dir())


@functools.lru_cache(maxsize=None)
def definitions(folder):
    """Every definition of the source notebooks in `folder`, loaded once per folder and process.

    The one loader of reference solutions: `reference_function` here (the course's tests and
    benchmarks, COURSE_SOURCE_DIR) and `test_utils.runner.reference` (the judge, GRADER_SOURCE_DIR)
    both read through it.
    """
    return load_definitions(notebooks_in(folder))


def reference_function(name):
    """Return the reference implementation of a graded function, e.g. "unet_model"."""
    namespace = definitions(str(source_dir()))
    if not callable(namespace.get(name)):
        raise KeyError(f"the source notebooks in {source_dir()} define no function {name!r}")
    return namespace[name]
