"""The source notebooks (instructor/source/unet/): their shape. That they run headless in fast mode,
every public test passing, is tested from the student bundle (tests/test_bundle.py); that the
judge gives them 100 with every hidden test, by the attack corpus (its baseline-solution)."""

import json
import re

import pytest

from notebook_helpers import (NOTEBOOK_NAMES, SOURCE_DIR, cell_text, copy_notebooks, is_test_cell, nbgrader_meta)

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


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_every_graded_test_cell_draws_fresh_hidden_inputs(name):
    """Does every test cell with points have hidden calls with random_cases (a lookup table is worthless)?"""
    for cell in _notebook(name)["cells"]:
        if is_test_cell(cell) and nbgrader_meta(cell).get("points"):
            hidden = cell_text(cell).split("### BEGIN HIDDEN TESTS")[-1]
            if "check_training_learns" in cell_text(cell):  # it trains in the judge: nothing to look up
                continue
            assert "random_cases=" in hidden, f"{name}: {nbgrader_meta(cell)['grade_id']} has no fresh hidden inputs"
