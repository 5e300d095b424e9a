"""The student notebooks (notebooks/): generated, clean, and honest when run unfinished.

- regenerating the release changes nothing in notebooks/;
- notebooks/ holds no outputs, no solution code and no hidden-test text;
- run headless as handed out, every ordinary cell runs, and every graded test fails with an
  CheckFailure (an AssertionError) that names the unfinished function (not a crash elsewhere).
"""

import json
import sys

import pytest

from grader.commands import release as release_module
from tests.goldens import check_or_regenerate
from notebook_helpers import (HIDDEN_REGION, NOTEBOOK_NAMES, NOTEBOOKS_DIR, SOLUTION_REGION, SOURCE_DIR, cell_text,
                              copy_notebooks, errors_of, execute_notebooks, is_test_cell, nbgrader_meta,
                              function_under_test)


def _release_text(name):
    return (NOTEBOOKS_DIR / name).read_text(encoding="utf-8")


def _source_regions(pattern):
    """{notebook name: [text of each region matching `pattern` in its code cells]}."""
    regions = {}
    for name in NOTEBOOK_NAMES:
        cells = json.loads((SOURCE_DIR / name).read_text(encoding="utf-8"))["cells"]
        regions[name] = [match for cell in cells if cell["cell_type"] == "code"
                         for match in pattern.findall(cell_text(cell))]
    return regions


def test_notebooks_folder_holds_exactly_the_release():
    """Does notebooks/ hold one student notebook per source notebook, and nothing else of ours?"""
    assert sorted(path.name for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")) == NOTEBOOK_NAMES


@pytest.mark.slow  # runs nbgrader's release: seconds
def test_regenerating_the_release_changes_nothing(request):
    """Does a fresh nbgrader release, normalised, equal notebooks/ byte for byte?"""
    check_or_regenerate(request, [sys.executable, "-m", "grader", "release", "--course-root",
                                  str(SOURCE_DIR.parent.parent)], cwd=SOURCE_DIR.parents[2], timeout=600)


def test_check_mode_reports_a_hand_edited_notebook(tmp_path, monkeypatch):
    """Does the comparison flag an edited, a missing and an extra notebook?"""
    texts = {name: _release_text(name) for name in NOTEBOOK_NAMES}
    folder = copy_notebooks(NOTEBOOKS_DIR, tmp_path / "notebooks")
    assert release_module.differences(texts, folder) == []
    (folder / NOTEBOOK_NAMES[1]).write_text(texts[NOTEBOOK_NAMES[1]].replace("encoder", "Encoder", 1))
    (folder / NOTEBOOK_NAMES[2]).unlink()
    (folder / "09_extra.ipynb").write_text("{}")
    assert release_module.differences(texts, folder) == [NOTEBOOK_NAMES[1], NOTEBOOK_NAMES[2], "09_extra.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_release_notebook_has_no_outputs(name):
    """Is every code cell of the student notebook without outputs and execution count?"""
    notebook = json.loads(_release_text(name))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        assert "execution" not in cell["metadata"]


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_release_notebook_holds_no_solution_code(name):
    """Is no line of the source's solution regions, nor their markers, in the student notebook?"""
    text = "\n".join(cell_text(cell) for cell in json.loads(_release_text(name))["cells"])
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    regions = _source_regions(SOLUTION_REGION)[name]
    assert regions, f"{name} has no solution region in the source"
    for region in regions:
        for line in region.splitlines():
            fragment = line.strip()
            if len(fragment) >= 20 and not fragment.startswith("#"):
                assert fragment not in text, f"solution line in notebooks/{name}: {fragment!r}"
    code = "\n".join(cell_text(cell) for cell in json.loads(_release_text(name))["cells"] if cell["cell_type"] == "code")
    assert code.count("raise NotImplementedError()") == len(regions)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_release_notebook_holds_no_hidden_tests(name):
    """Is no line of the hidden tests, nor their markers, in the student notebook?"""
    text = _release_text(name)
    assert "HIDDEN TESTS" not in text
    regions = _source_regions(HIDDEN_REGION)[name]
    assert regions, f"{name} has no hidden tests in the source"
    for region in regions:
        for line in region.splitlines():
            fragment = line.strip()
            if len(fragment) >= 12:
                assert json.dumps(fragment)[1:-1] not in text, f"hidden test line in notebooks/{name}: {fragment!r}"


@pytest.fixture(scope="module")
def executed_release(tmp_path_factory):
    """The five student notebooks, run headless in fast mode two at a time, as handed out."""
    folder = copy_notebooks(NOTEBOOKS_DIR, tmp_path_factory.mktemp("student"))
    ran = execute_notebooks([folder / name for name in NOTEBOOK_NAMES], allow_errors=True, COURSE_FAST="1")
    return {path.name: notebook for path, (notebook, _) in ran.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_unfinished_notebook_runs_and_each_test_names_its_function(executed_release, name):
    """Run as handed out, do only the test cells fail, each naming its unfinished function?"""
    notebook = executed_release[name]
    failed = {index for index, _, _ in errors_of(notebook)}
    for index, cell, output in errors_of(notebook):
        assert is_test_cell(cell), (f"{name}: ordinary cell {index} raised {output.ename}: {output.evalue}\n"
                                    f"{cell_text(cell)[:300]}")
        function = function_under_test(notebook.cells, index)
        # test_utils.failure.CheckFailure: an AssertionError shown as its message alone
        assert output.ename == "CheckFailure", f"{name} cell {index}: {output.ename}: {output.evalue}"
        assert f"{function} is not written yet" in output.evalue, f"{name} cell {index}: {output.evalue}"
    tests = {index for index, cell in enumerate(notebook.cells) if is_test_cell(cell)}
    assert tests and failed == tests, f"{name}: test cells {sorted(tests - failed)} did not fail"


def test_test_cells_are_locked_and_solutions_are_not():
    """Are test cells locked (nbgrader restores them) and solution cells editable?"""
    for name in NOTEBOOK_NAMES:
        for cell in json.loads(_release_text(name))["cells"]:
            meta = nbgrader_meta(cell)
            if meta.get("solution"):
                assert not meta.get("locked"), (name, meta["grade_id"])
            elif meta.get("grade"):
                assert meta.get("locked"), (name, meta["grade_id"])
