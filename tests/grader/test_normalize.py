"""Tests of grader.normalize: a submission put back in the released shape, with notes."""

import json
import shutil

import pytest

from grader.normalize import (graded_functions, normalize_submission, restructure,
                              tamper_warnings)
from tests.grader.support import SUBMISSIONS

RELEASE = json.loads((SUBMISSIONS / "untouched-release" / "01_basics.ipynb").read_text())


def ids(cells):
    return [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]


def free(source):
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def cell(grade_id):
    return next(c for c in RELEASE["cells"] if ids([c]) == [grade_id])


def test_an_untouched_notebook_is_left_alone():
    """Does the released notebook itself come back unchanged and without notes?"""
    cells, notes = restructure(RELEASE["cells"], RELEASE["cells"])
    assert cells == RELEASE["cells"] and notes == []


def test_moved_cells_go_back_to_the_released_order_with_their_followers():
    """Is a test cell moved above its function put back, the student's own cells kept in place?"""
    mine = free("print('my check')")
    moved = [cell("setup_basics"), cell("add"), mine, cell("test_mean"), cell("test_add"),
             cell("mean")]
    cells, notes = restructure(moved, RELEASE["cells"])
    assert ids(cells) == ["setup_basics", "add", None, "test_add", "mean", "test_mean"]
    assert cells[2]["source"] == mine["source"]  # still right after the cell it followed
    assert notes == ["cells were moved: the graded cells were put back in the released order"]


def test_a_deleted_test_cell_comes_back_but_not_a_deleted_solution():
    """Is a deleted test cell restored from the release, and a deleted answer only noted?"""
    kept = [c for c in RELEASE["cells"] if ids([c])[0] not in ("test_add", "mean")]
    cells, notes = restructure(kept, RELEASE["cells"])
    assert "test_add" in ids(cells) and "mean" not in ids(cells)
    assert ids(cells).index("test_add") == ids(cells).index("add") + 1
    assert any("test cell 'test_add' was deleted: restored" in n for n in notes)
    assert any("solution cell 'mean' was deleted" in n for n in notes)


def test_of_two_copies_the_last_is_graded():
    """With a cell duplicated, is the last copy graded and the first an ordinary cell?"""
    first = dict(cell("mean"), source="def mean(values):\n    return 1\n")
    last = dict(cell("mean"), source="def mean(values):\n    return 2\n")
    cells, notes = restructure([cell("setup_basics"), cell("add"), cell("test_add"), first, last,
                                cell("test_mean")], RELEASE["cells"])
    graded = [c for c in cells if ids([c]) == ["mean"]]
    assert len(graded) == 1 and graded[0]["source"].endswith("return 2\n")
    assert notes == ["cell 'mean' appears 2 times: the last copy is graded, the others run as "
                     "ordinary cells"]


def test_a_changed_cell_type_and_edited_metadata_are_reset():
    """Is a test cell turned into markdown, with its points raised, put back as released?"""
    changed = json.loads(json.dumps(cell("test_add")))
    changed["cell_type"] = "markdown"
    del changed["outputs"], changed["execution_count"]
    changed["metadata"]["nbgrader"]["points"] = 100
    cells, notes = restructure([cell("setup_basics"), cell("add"), changed], RELEASE["cells"])
    restored = cells[ids(cells).index("test_add")]
    assert restored["cell_type"] == "code" and restored["outputs"] == []
    assert restored["metadata"]["nbgrader"]["points"] == 2
    assert "changed from code to markdown" in notes[0]


@pytest.mark.parametrize("scenario, name, expected", [
    ("corrupt-json", "01_basics", "not graded: 01_basics.ipynb is not valid JSON"),
    ("empty-file", "01_basics", "not graded: 01_basics.ipynb is empty (0 bytes)"),
    ("missing-notebook", "02_more", "not graded: 02_more.ipynb is missing from the submission"),
    ("renamed-notebook", "01_basics", "graded '01_basics-Copy1.ipynb' as 01_basics.ipynb"),
])
def test_submission_level_repairs(tmp_path, released_course, scenario, name, expected):
    """Are unreadable, missing and renamed notebooks reported (and renamed ones found)?"""
    folder = shutil.copytree(SUBMISSIONS / scenario, tmp_path / scenario)
    notes = normalize_submission(folder, released_course / "release" / "toy",
                                 ["01_basics", "02_more"])
    assert any(note.startswith(expected) for note in notes[name]), notes
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(
        f"{n}.ipynb" for n in ["01_basics", "02_more"]
        if not any(note.startswith("not graded") for note in notes[n]))


def test_graded_functions_are_named_by_the_solution_above_each_test():
    """Is each test cell mapped to the function its exercise defines?"""
    assert graded_functions(RELEASE) == {"test_add": "add", "test_mean": "mean"}


def test_tampering_is_flagged_and_honest_code_is_not():
    """Are a redefined checker and a use of the grading environment flagged, plain code not?"""
    tampered = json.loads((SUBMISSIONS / "redefines-checks" / "01_basics.ipynb").read_text())
    assert tamper_warnings(tampered, RELEASE) == ["redefines the checker 'check_mean'"]
    honest = json.loads((SUBMISSIONS / "correct" / "01_basics.ipynb").read_text())
    assert tamper_warnings(honest, RELEASE) == []
    sneaky = json.loads(json.dumps(honest))
    sneaky["cells"].append(free("import os\nif os.environ.get('NBGRADER_EXECUTION'):\n    pass"))
    assert tamper_warnings(sneaky, RELEASE, ("NBGRADER_EXECUTION",)) == [
        "uses NBGRADER_EXECUTION (the reference solution or the grading environment) in its "
        "own code"]


def test_broken_nbgrader_metadata_is_removed():
    """Is a cell marked as graded but without an id made ordinary (nbgrader would reject it)?"""
    broken = free("x = 1")
    broken["metadata"]["nbgrader"] = {"grade": True, "points": 50}
    cells, notes = restructure(RELEASE["cells"] + [broken], RELEASE["cells"])
    assert "nbgrader" not in cells[-1]["metadata"]
    assert notes == ["a cell had broken nbgrader metadata: graded as an ordinary cell"]
