"""Tests of grader/notebooks.py: the one notebook reader, nbgrader's cell kinds, what the judge and kernels get."""

import json

import nbformat
import pytest

from grader import notebooks as nb


def cell(source, grade_id=None, grade=False, solution=False, locked=False, points=0):
    meta = {}
    if grade_id:
        meta = {"nbgrader": {"grade_id": grade_id, "grade": grade, "solution": solution, "locked": locked,
                             "points": points, "schema_version": 3}}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def notebook():
    return nbformat.v4.new_notebook(cells=[
        cell("%matplotlib inline\nimport math\nfrom lib import checks as c\nx = 1", "setup", locked=True),
        cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION", "add", solution=True),
        cell("c.check_add(add)", "test_add", grade=True, locked=True, points=2),
        cell("import os  # the student's own, not locked"),
        nbformat.v4.new_markdown_cell("text"),
        cell("assert add(1, 1) == 2", "test_add_again", grade=True, locked=True, points=1),
    ])


@pytest.mark.parametrize("data, reason", [
    (b"", "is empty (0 bytes)"),
    (b"  \n", "is empty (only whitespace)"),
    (b"\xff\xfe{}", "is not UTF-8 text"),
    (b"{not json", "is not a readable notebook"),
    (b'{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "is not a readable notebook"),
    (b"x" * 2048, "is too large to grade"),
])
def test_what_cannot_be_read_says_why(data, reason):
    """Is every unreadable notebook refused with its own reason, never an exception?"""
    read, why = nb.reads(data, max_bytes=1024)
    assert read is None and why.startswith(reason)


def test_json_that_is_no_notebook_is_said_so():
    """Is a notebook without a list of cells, or one nbformat finds invalid, given a reason?"""
    assert nb.validate(nbformat.from_dict({"cells": 5})) == "is JSON but not a notebook (no list of cells)"
    broken = notebook()
    broken.cells[0].cell_type = "bogus"
    assert nb.validate(broken).startswith("is not a valid notebook")
    assert nb.validate(notebook()) is None


def test_a_notebook_reads_back_the_same_and_is_written_the_same_every_time():
    """Does a written notebook read back equal, with one trailing newline, as bytes too?"""
    text = nb.writes(notebook())
    read, why = nb.reads(text.encode())
    assert why is None and nb.writes(read) == text and text.endswith("\n") and not text.endswith("\n\n")
    assert nb.to_bytes(read) == text.encode()
    assert json.loads(text)["cells"][2]["metadata"]["nbgrader"]["grade_id"] == "test_add"


def test_the_kinds_of_cells_are_nbgraders():
    """Are tests graded cells that are not solutions, and grade ids read only from nbgrader's cells?"""
    cells = notebook().cells
    assert [nb.is_test(c) for c in cells] == [False, False, True, False, False, True]
    assert [nb.is_solution(c) for c in cells] == [False, True, False, False, False, False]
    assert [nb.grade_id(c) for c in cells] == ["setup", "add", "test_add", None, None, "test_add_again"]
    assert nb.position(notebook(), "test_add") == 2 and nb.position(notebook(), "absent") == 6


def test_each_test_grades_the_function_of_the_solution_above_it():
    """Does graded_functions map each test cell to the function defined by the nearest solution cell above?"""
    assert nb.graded_functions(notebook()) == {"test_add": "add", "test_add_again": "add"}
    alone = nbformat.v4.new_notebook(cells=[cell("assert True", "test_alone", grade=True, locked=True)])
    assert nb.graded_functions(alone) == {"test_alone": "test_alone"}


def test_the_judge_gets_the_imports_of_locked_cells_only():
    """Are the judge's set-up statements the imports of the locked non-test cells, magics blanked?"""
    assert nb.import_statements(notebook()) == ["import math", "from lib import checks as c"]
    assert nb.defined_functions("%time\ndef f(): pass\nclass K: pass\nx = 1") == ["f", "K"]
    assert nb.defined_functions("def broken(:") == []


def test_a_kernel_gets_the_earlier_notebooks_only_and_without_tests(tmp_path):
    """Does write_earlier write only the notebooks before this one, without test cells or solution markers?"""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("01_first", "02_second", "03_third"):
        (source / f"{name}.ipynb").write_text(nb.writes(notebook()))
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "stale.ipynb").write_text("{}")
    assert nb.write_earlier(earlier, list(source.glob("*.ipynb")), "02_second") == ["01_first.ipynb"]
    assert sorted(path.name for path in earlier.iterdir()) == ["01_first.ipynb"]
    written, why = nb.read(earlier / "01_first.ipynb")
    assert why is None
    text = "\n".join(c.source for c in written.cells)
    assert "check_add" not in text and "assert add" not in text and "SOLUTION" not in text
    assert "return a + b" in text


def test_captured_text_is_cut_with_a_marker():
    """Is text over the limit cut to the limit, ending with a marker, and shorter text kept?"""
    assert nb.capture_text("abcdef", 6) == "abcdef"
    assert nb.capture_text("abcdefgh", 6) == "abc..."


def test_the_grader_and_the_course_agree_on_which_cells_are_tests():
    """Do grader.notebooks.is_test (nbgrader's) and the course's own predicate pick the same cells of every
    source notebook (the U-Net course's and the toy course's) and of every kind of cell?"""
    from course.notebook_code import is_test_cell
    from tests.grader.support import FILES, REPO

    paths = [*sorted((REPO / "instructor" / "source").glob("*/*.ipynb")),
             *sorted((FILES / "course" / "source").glob("*/*.ipynb"))]
    cells = [c for path in paths for c in nbformat.read(path, as_version=4).cells] + notebook().cells
    cells.append(cell("x = 1  # a graded answer, marked by hand", "manual", grade=True, solution=True, points=1))
    assert len(paths) >= 9 and sum(map(nb.is_test, cells)) >= 20
    assert [nb.is_test(c) for c in cells] == [is_test_cell(c) for c in cells]
