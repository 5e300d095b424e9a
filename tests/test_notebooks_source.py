"""The source notebooks (grader/source/unet/): they run headless in fast mode and pass every test.

Each notebook runs in a temporary copy of the source folder, so that notebooks 4 and 5 load
the earlier notebooks' functions from beside them, as a student's do.
"""

import json
import re
import sys

import pytest

from notebook_helpers import (NOTEBOOK_NAMES, SOURCE_DIR, cell_text, copy_notebooks, errors_of, execute_notebook,
                              is_test_cell, nbgrader_meta)

# The layer tables (test_utils/reference_tables.json) and tests/test_comparator.py are built
# from these exact solution texts.
PROTECTED_SOLUTIONS = {"02_encoder": "conv_block", "03_decoder": "upsampling_block", "04_unet": "unet_model"}
FAST_NOTEBOOK_SECONDS = 120  # target < 60 s each on an idle 2-core machine; generous for a busy CI


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory):
    """The source notebooks, copied to a temporary folder."""
    return copy_notebooks(SOURCE_DIR, tmp_path_factory.mktemp("source"))


def _notebook(name):
    return json.loads((SOURCE_DIR / name).read_text(encoding="utf-8"))


def test_there_are_five_numbered_notebooks():
    """Are the five notebooks there, named by their step number?"""
    assert NOTEBOOK_NAMES == ["01_data.ipynb", "02_encoder.ipynb", "03_decoder.ipynb", "04_unet.ipynb",
                              "05_training.ipynb"]


def test_points_add_up_to_one_hundred():
    """Do the graded test cells of the five notebooks carry 100 points in all?"""
    points = {name: sum(nbgrader_meta(cell).get("points", 0) for cell in _notebook(name)["cells"] if is_test_cell(cell))
              for name in NOTEBOOK_NAMES}
    assert sum(points.values()) == 100, points
    assert all(points.values()), points


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_every_solution_has_public_and_hidden_tests(name):
    """Is every graded function followed by a test cell with a public check and hidden tests?"""
    cells = _notebook(name)["cells"]
    solutions = [nbgrader_meta(cell)["grade_id"] for cell in cells if nbgrader_meta(cell).get("solution")]
    assert solutions
    for function in solutions:
        index = next(i for i, cell in enumerate(cells) if nbgrader_meta(cell).get("grade_id") == function)
        tests = []
        for cell in cells[index + 1:]:
            if nbgrader_meta(cell).get("solution"):
                break
            if is_test_cell(cell):
                tests.append(cell_text(cell))
        assert tests, f"{function} has no test cell"
        for text in tests:
            public = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", text, flags=re.DOTALL)
            assert re.search(rf"check_\w+\({function}\b|check_\w+\(\w+, {function}\b", public), \
                f"a test cell of {function} has no public check of it"
        assert any("### BEGIN HIDDEN TESTS" in text for text in tests), f"{function} has no hidden tests"


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_first_code_cell_imports_tensorflow_quietly(name):
    """Does each notebook's first code cell import course.tensorflow_setup, then tensorflow?"""
    first = next(cell for cell in _notebook(name)["cells"] if cell["cell_type"] == "code")
    lines = cell_text(first).splitlines()
    assert lines[0].startswith("import course.tensorflow_setup")
    assert lines[1] == "import tensorflow as tf"


def test_protected_solution_texts_only_in_their_cells():
    """Do the solution lines that other tests patch occur in their solution cell and nowhere else?"""
    for stem, grade_id in PROTECTED_SOLUTIONS.items():
        cells = _notebook(f"{stem}.ipynb")["cells"]
        solution = next(cell_text(c) for c in cells if nbgrader_meta(c).get("grade_id") == grade_id)
        region = solution.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        others = "\n".join(cell_text(c) for c in cells if nbgrader_meta(c).get("grade_id") != grade_id)
        for line in region.splitlines():
            fragment = line.strip()
            if len(fragment) >= 25:
                assert fragment not in others, f"{stem}: {fragment!r} also appears outside {grade_id}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_source_notebook_runs_and_passes_its_tests(source_copy, name):
    """Does the source notebook run headless in fast mode with no error, every test passing?"""
    notebook, seconds = execute_notebook(source_copy / name, allow_errors=True, COURSE_FAST="1")
    errors = [(index, nbgrader_meta(cell).get("grade_id"), f"{output.ename}: {output.evalue}")
              for index, cell, output in errors_of(notebook)]
    assert not errors, f"{name}: {errors}"
    passed = [cell for cell in notebook.cells if is_test_cell(cell)
              and any("✓" in output.get("text", "") for output in cell.outputs)]
    assert len(passed) == sum(is_test_cell(cell) for cell in notebook.cells), "a test cell printed no ✓"
    print(f"{name}: {seconds:.1f} s in fast mode", file=sys.stderr)
    assert seconds < FAST_NOTEBOOK_SECONDS, f"{name} took {seconds:.0f} s in fast mode"
