"""Tests of `python -m grader check`: self-study grading with no gradebook set-up."""

import re

from tests.grader.support import FILES, SUBMISSIONS, run_grader

COURSE = FILES / "course"


def course_files():
    return sorted(p.relative_to(COURSE) for p in COURSE.rglob("*") if "__pycache__" not in p.parts)


def test_check_on_solved_notebooks_gives_full_marks():
    """Does a solved set score 10/10, each function at full marks, with nothing to explain?"""
    before = course_files()
    process = run_grader("check", SUBMISSIONS / "correct", "--course-root", COURSE)
    out = process.stdout
    assert "Total: 10/10" in out
    assert re.search(r"^  add\s+2/2$", out, re.MULTILINE)
    assert re.search(r"^  mean\s+3/3$", out, re.MULTILINE)
    assert re.search(r"^  running_total\s+5/5$", out, re.MULTILINE)
    assert course_files() == before  # nothing was written into the course


def test_check_on_blank_notebooks_explains_every_lost_point():
    """Does the untouched release score 0 with the reason for each function?"""
    process = run_grader("check", SUBMISSIONS / "untouched-release", "--course-root", COURSE)
    out = process.stdout
    assert "Total: 0/10" in out
    for function, points in [("add", 2), ("mean", 3), ("running_total", 5)]:
        assert re.search(rf"^  {function}\s+0/{points}\s+{function} is not written yet", out, re.MULTILINE)


def test_check_reports_a_hidden_test_failure_by_its_message():
    """Is a function that passes the visible tests but not the hidden one explained?"""
    process = run_grader("check", SUBMISSIONS / "fails-hidden-test", "--course-root", COURSE)
    assert re.search(r"^  add\s+0/2\s+add\(-2, -3\) should be -5",
                     process.stdout, re.MULTILINE)
    assert "Total: 8/10" in process.stdout


def test_check_without_notebooks_says_which_are_expected(tmp_path):
    """Pointed at a folder without the assignment's notebooks, does it exit 2 and say so?"""
    process = run_grader("check", tmp_path, "--course-root", COURSE, check=False)
    assert process.returncode == 2
    assert "01_basics" in process.stderr
