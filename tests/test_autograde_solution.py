"""nbgrader autograde, end to end: the solution scores 100, the blank release 0, one wrong function
loses only its own points.

One temporary course (a copy of grader/'s configuration and source) is released once and
grades three students in one `nbgrader autograde` run, to share the set-up:

- `solved`: the release with every solution put back;
- `blank`: the release, untouched;
- `wrong-conv-block`: solved, except that conv_block pools with a 3x3 window. unet_model
  (notebook 4) calls conv_block, yet keeps its points: while grading, notebook 4 gets the
  reference conv_block (course.earlier).
"""

import shutil

import pytest

from grader.release import generate
from notebook_helpers import NOTEBOOK_NAMES, SOURCE_DIR, REPO, run_nbgrader, solved_submission

ASSIGNMENT = "unet"
WRONG_POOLING = ("conv_block", "MaxPooling2D(pool_size=2, strides=2)", "MaxPooling2D(pool_size=3, strides=3)")
WRONG_FUNCTION_CELLS = {"test_conv_block", "test_conv_block_outputs"}  # conv_block's two test cells


def _scores(course_root, student):
    """{grade cell name: (score, max score)} and the total, from the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        cells = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells[grade.name] = (grade.score, grade.max_score)
        return cells, submission.score, submission.max_score


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A temporary course with three graded submissions: solved, blank, wrong-conv-block."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "grader" / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SOURCE_DIR, root / "source" / ASSIGNMENT)
    release_dir = generate(root, ASSIGNMENT)
    submitted = root / "submitted"
    solved_submission(release_dir, SOURCE_DIR, submitted / "solved" / ASSIGNMENT)
    shutil.copytree(release_dir, submitted / "blank" / ASSIGNMENT)
    solved_submission(release_dir, SOURCE_DIR, submitted / "wrong-conv-block" / ASSIGNMENT, patches=[WRONG_POOLING])
    run_nbgrader(root, "autograde", ASSIGNMENT, "--force")
    return root


@pytest.mark.slow
def test_solution_scores_full_marks(graded_course):
    """Does autograding the solution give every graded cell its full points, 100 in all?"""
    cells, score, max_score = _scores(graded_course, "solved")
    lost = {name: points for name, points in cells.items() if points[0] != points[1]}
    assert not lost, f"the solution loses points in: {lost}"
    assert (score, max_score) == (100, 100)


@pytest.mark.slow
def test_blank_release_scores_zero(graded_course):
    """Does autograding the untouched release give 0 points out of 100?"""
    cells, score, max_score = _scores(graded_course, "blank")
    earned = {name: points for name, points in cells.items() if points[0]}
    assert not earned, f"the blank release earns points in: {earned}"
    assert (score, max_score) == (0, 100)


@pytest.mark.slow
def test_one_wrong_function_loses_only_its_own_points(graded_course):
    """Does a wrong conv_block lose conv_block's points only, even though unet_model uses it?"""
    cells, score, _ = _scores(graded_course, "wrong-conv-block")
    lost = {name for name, (earned, possible) in cells.items() if earned != possible}
    assert lost == WRONG_FUNCTION_CELLS, f"points lost in {sorted(lost)}"
    conv_block_points = sum(cells[name][1] for name in WRONG_FUNCTION_CELLS)
    assert score == 100 - conv_block_points
    assert cells["test_unet_model"][0] == cells["test_unet_model"][1]


@pytest.mark.slow
def test_every_notebook_is_graded(graded_course):
    """Are all five notebooks of every submission autograded (none skipped)?"""
    for student in ("solved", "blank", "wrong-conv-block"):
        folder = graded_course / "autograded" / student / ASSIGNMENT
        assert sorted(path.name for path in folder.glob("*.ipynb")) == NOTEBOOK_NAMES, student
