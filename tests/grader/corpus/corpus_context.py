"""What a scenario's build function gets: the notebooks and the editing helpers."""

from __future__ import annotations

import copy
import re
import textwrap
from pathlib import Path

import nbformat

from .corpus_base import CANARY_DIR, FUNCTION_NOTEBOOK, GRADEBOOK, RELEASE, RELEASE_DIR, REPO, SOURCE, SOURCE_DIR, _meta


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


