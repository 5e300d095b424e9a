"""Tests of grader.normalize: a submission put back in the released shape, with notes."""

import copy

import nbformat
import pytest

from grader import notebooks as nb
from grader.intake import read_submission
from grader.normalize import normalize_submission, restructure
from tests.grader.support import SUBMISSIONS

RELEASE = nbformat.read(SUBMISSIONS / "untouched-release" / "01_basics.ipynb", as_version=4)
TEMPLATES = {name: nbformat.read(SUBMISSIONS / "untouched-release" / f"{name}.ipynb", as_version=4)
             for name in ("01_basics", "02_more")}


def ids(cells):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]


def free(source):
    return nbformat.v4.new_code_cell(source)


def cell(grade_id):
    return copy.deepcopy(next(c for c in RELEASE.cells if ids([c]) == [grade_id]))


def test_an_untouched_notebook_is_left_alone():
    """Does the released notebook itself come back unchanged and without notes?"""
    cells, notes = restructure(RELEASE.cells, RELEASE.cells)
    assert cells == RELEASE.cells and notes == []


def test_moved_cells_go_back_to_the_released_order_with_their_followers():
    """Is a test cell moved above its function put back, the student's own cells kept in place?"""
    mine = free("print('my check')")
    moved = [cell("setup_basics"), cell("add"), mine, cell("test_mean"), cell("test_add"), cell("mean")]
    cells, notes = restructure(moved, RELEASE.cells)
    assert ids(cells) == ["setup_basics", "add", None, "test_add", "mean", "test_mean"]
    assert cells[2].source == mine.source  # still right after the cell it followed
    assert notes == ["cells were moved: the graded cells were put back in the released order"]


def test_a_deleted_test_cell_comes_back_but_not_a_deleted_solution():
    """Is a deleted test cell restored from the release, and a deleted answer only noted?"""
    kept = [c for c in RELEASE.cells if ids([c])[0] not in ("test_add", "mean")]
    cells, notes = restructure(kept, RELEASE.cells)
    assert "test_add" in ids(cells) and "mean" not in ids(cells)
    assert ids(cells).index("test_add") == ids(cells).index("add") + 1
    assert any("test cell 'test_add' was deleted: restored" in n for n in notes)
    assert any("solution cell 'mean' was deleted" in n for n in notes)


def test_of_two_copies_the_last_is_graded():
    """With a cell duplicated, is the last copy graded and the first an ordinary cell?"""
    first, last = cell("mean"), cell("mean")
    first.source, last.source = "def mean(values):\n    return 1\n", "def mean(values):\n    return 2\n"
    cells, notes = restructure([cell("setup_basics"), cell("add"), cell("test_add"), first, last,
                                cell("test_mean")], RELEASE.cells)
    graded = [c for c in cells if ids([c]) == ["mean"]]
    assert len(graded) == 1 and graded[0].source.endswith("return 2\n")
    assert notes == ["cell 'mean' appears 2 times: the last copy is graded, the others run as ordinary cells"]


def test_a_changed_cell_type_and_forged_points_are_reset():
    """Is a test cell turned into markdown, with its points raised to 100, put back as released?"""
    changed = cell("test_add")
    changed = nbformat.v4.new_markdown_cell(changed.source, metadata=changed.metadata)
    changed.metadata["nbgrader"]["points"] = 100
    cells, notes = restructure([cell("setup_basics"), cell("add"), changed], RELEASE.cells)
    restored = cells[ids(cells).index("test_add")]
    assert restored.cell_type == "code" and restored.outputs == []
    assert restored.metadata["nbgrader"]["points"] == 2
    assert "changed from code to markdown" in notes[0]


def test_a_forged_graded_cell_with_an_unknown_id_earns_nothing():
    """Is a student's own cell marked as a 1000-point test made an ordinary cell?"""
    forged = free("print('✓ passed')")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 1000, "solution": False,
                                   "locked": True, "schema_version": 3}
    cells, notes = restructure(RELEASE.cells + [forged], RELEASE.cells)
    assert "nbgrader" not in cells[-1].metadata
    assert notes == ["a cell carries the unknown nbgrader id 'bonus': graded as an ordinary cell"]


@pytest.mark.parametrize("scenario, name, expected", [
    ("corrupt-json", "01_basics", "not graded: 01_basics.ipynb is not a readable notebook"),
    ("empty-file", "01_basics", "not graded: 01_basics.ipynb is empty (0 bytes)"),
    ("missing-notebook", "02_more", "not graded: 02_more.ipynb is missing from the submission"),
    ("renamed-notebook", "01_basics", "graded '01_basics-Copy1.ipynb' as 01_basics.ipynb"),
])
def test_submission_level_repairs(scenario, name, expected):
    """Are unreadable, missing and renamed notebooks reported (and renamed ones found)?"""
    files = read_submission(SUBMISSIONS, [scenario]).files
    notebooks, notes = normalize_submission(files, TEMPLATES, 2**20)
    assert any(note.startswith(expected) for note in notes[name]), notes
    assert sorted(notebooks) == sorted(n for n in TEMPLATES if not any(
        note.startswith("not graded") for note in notes[n]))


def test_a_notebook_over_the_size_limit_is_not_parsed():
    """Is a notebook larger than the limit refused before it is read as JSON?"""
    notebooks, notes = normalize_submission({"01_basics.ipynb": b"{" + b" " * 5000 + b"}"}, TEMPLATES, 1000)
    assert "01_basics" not in notebooks and "is too large to grade" in notes["01_basics"][0]


def test_the_kernel_is_always_the_released_one():
    """Does a notebook that names another kernel (e.g. bash) get the release's kernelspec back?"""
    student = copy.deepcopy(TEMPLATES["01_basics"])
    student.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    notebooks, _ = normalize_submission({"01_basics.ipynb": nb.to_bytes(student)}, TEMPLATES, 2**20)
    assert notebooks["01_basics"].metadata["kernelspec"] == TEMPLATES["01_basics"].metadata["kernelspec"]


def test_graded_functions_are_named_by_the_solution_above_each_test():
    """Is each test cell mapped to the function its exercise defines?"""
    assert nb.graded_functions(RELEASE) == {"test_add": "add", "test_mean": "mean"}


def test_broken_nbgrader_metadata_is_removed():
    """Is a cell marked as graded but without an id made ordinary (nbgrader would reject it)?"""
    broken = free("x = 1")
    broken.metadata["nbgrader"] = {"grade": True, "points": 50}
    cells, notes = restructure(RELEASE.cells + [broken], RELEASE.cells)
    assert "nbgrader" not in cells[-1].metadata
    assert notes == ["a cell had incomplete nbgrader metadata: graded as an ordinary cell"]
