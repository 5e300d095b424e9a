"""Tests of `python -m grader check`: self-study grading with no gradebook set-up."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.grader.support import FILES, SUBMISSIONS, copy_course, grader_env, run_grader

COURSE = FILES / "course"


def course_files():
    return sorted(p.relative_to(COURSE) for p in COURSE.rglob("*") if "__pycache__" not in p.parts)


# Every kind of outcome: full marks, a hidden test failed, one function wrong, missing or broken notebooks,
# an edited or deleted test cell, a forged pass, a crash. GRADER_FULL_CORPUS=1 compares them all.
AGREEMENT = ["correct", "fails-hidden-test", "missing-notebook", "syntax-error", "edited-test-cell",
             "prints-a-pass", "os-exit", "answers-nested-too-deep"]
COMPARED = sorted(p.name for p in SUBMISSIONS.iterdir()) if os.environ.get("GRADER_FULL_CORPUS") else AGREEMENT
CHECKED = [*COMPARED, *(["untouched-release"] if "untouched-release" not in COMPARED else [])]


@pytest.fixture(scope="module")
def checked():
    """One `grader check` of every scenario folder the tests below read, as a learner with several folders
    would run it: {scenario: its report}, plus the process and whether the course folder was left as it was."""
    before = course_files()
    process = run_grader("check", *[SUBMISSIONS / name for name in CHECKED], "--course-root", COURSE, check=False)
    reports = {}
    for part in ("\n" + process.stdout).split("\nChecked ")[1:]:
        for name in CHECKED:
            if part.startswith(f"{SUBMISSIONS / name} "):
                reports[name] = "Checked " + part
    return {"process": process, "reports": reports, "course_unchanged": course_files() == before}


def report_of(checked, scenario):
    if scenario not in checked["reports"]:
        pytest.fail(f"`grader check` printed no report for {scenario}:\n{checked['process'].stderr[-3000:]}")
    return checked["reports"][scenario]


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_check_on_solved_notebooks_gives_full_marks(checked):
    """Does a solved set score 10/10, each function at full marks, with nothing to explain?"""
    out = report_of(checked, "correct")
    assert "Total: 10/10" in out
    assert re.search(r"^  add\s+2/2$", out, re.MULTILINE)
    assert re.search(r"^  mean\s+3/3$", out, re.MULTILINE)
    assert re.search(r"^  running_total\s+5/5$", out, re.MULTILINE)
    assert checked["course_unchanged"]  # nothing was written into the course


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_check_on_blank_notebooks_explains_every_lost_point(checked):
    """Does the untouched release score 0 with the reason for each function?"""
    out = report_of(checked, "untouched-release")
    assert "Total: 0/10" in out
    for function, points in [("add", 2), ("mean", 3), ("running_total", 5)]:
        assert re.search(rf"^  {function}\s+0/{points}\s+{function} is not written yet", out, re.MULTILINE)


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_check_reports_a_hidden_test_failure_by_its_message(checked):
    """Is a function that passes the visible tests but not the hidden one explained?"""
    out = report_of(checked, "fails-hidden-test")
    assert re.search(r"^  add\s+0/2\s+add\(-2, -3\) should be -5", out, re.MULTILINE)
    assert "Total: 8/10" in out


def test_check_without_notebooks_says_which_are_expected(tmp_path):
    """Pointed at a folder without the assignment's notebooks, does it exit 2 and say so?"""
    process = run_grader("check", tmp_path, "--course-root", COURSE, check=False)
    assert process.returncode == 2
    assert "01_basics" in process.stderr


def _scores_printed(out):
    """{function: (score, max)} from a check report's function lines."""
    return {m.group(1): (float(m.group(2)), float(m.group(3)))
            for m in re.finditer(r"^  (\S+)\s+([\d.]+)/([\d.]+)", out, re.MULTILINE)}


@pytest.mark.parametrize("scenario", COMPARED)
def test_check_gives_what_autograde_gives(corpus, checked, scenario):
    """Does a learner's `grader check` give each function the points the instructor's autograde gave it?"""
    if scenario not in corpus.records:
        pytest.fail(f"{scenario} was not graded by the corpus batch on this machine")
    out = report_of(checked, scenario)
    graded = {}
    for entry in corpus.records[scenario]["notebooks"].values():
        for test in entry["tests"]:
            score, most = graded.get(test["function"], (0.0, 0.0))
            graded[test["function"]] = (score + test["score"], most + test["max_score"])
    assert _scores_printed(out) == graded, out
    assert f"Total: {corpus.records[scenario]['score']:g}/10" in out


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_check_grades_each_folder_against_its_own_assignment(tmp_path):
    """With two assignments in the course, does one call grade each folder against the assignment it holds,
    keeping each folder's grading in its own part of --workspace?"""
    root = copy_course(COURSE, tmp_path / "course")
    (root / "source" / "extra").mkdir()
    shutil.copyfile(root / "source" / "toy" / "01_basics.ipynb", root / "source" / "extra" / "03_extra.ipynb")
    extra = tmp_path / "extension"
    extra.mkdir()
    shutil.copyfile(SUBMISSIONS / "correct" / "01_basics.ipynb", extra / "03_extra.ipynb")
    process = run_grader("check", SUBMISSIONS / "fails-hidden-test", extra, "--course-root", root,
                         "--workspace", tmp_path / "kept")
    first, second = process.stdout.split("\nChecked ")
    assert "against toy" in first and "Total: 8/10" in first
    assert "against extra" in second and "Total: 5/5" in second
    assert _scores_printed(second) == {"add": (2.0, 2.0), "mean": (3.0, 3.0)}
    for part, kept in ((first, "1-fails-hidden-test/autograded/me/toy/01_basics.ipynb"),
                       (second, "2-extension/autograded/me/extra/03_extra.ipynb")):
        assert (tmp_path / "kept" / kept).is_file(), sorted((tmp_path / "kept").rglob("*.ipynb"))
        assert f"kept in {(tmp_path / 'kept' / kept).parents[2]}" in part, part


def test_check_names_the_notebooks_of_every_assignment_when_a_folder_holds_none(tmp_path):
    """Pointed at a folder of unrelated notebooks, does it exit 2 and list what each assignment expects?"""
    (tmp_path / "mine.ipynb").write_text("{}")
    process = run_grader("check", tmp_path, tmp_path, "--course-root", COURSE, check=False)
    assert process.returncode == 2
    assert "toy: 01_basics, 02_more" in process.stderr


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_check_finds_the_course_root_from_the_notebooks_folder(tmp_path):
    """In a repository that keeps its course root in a subfolder, does a plain `grader check` find it?"""
    repository = tmp_path / "repository"
    copy_course(COURSE, repository / "instructor")
    shutil.copytree(SUBMISSIONS / "correct", repository / "notebooks")
    env = {**grader_env(), "GRADER_COURSE_ROOT": ""}
    for cwd, arguments in ((repository / "notebooks", ["."]), (tmp_path, [repository / "notebooks"])):
        process = subprocess.run([sys.executable, "-m", "grader", "check", *map(str, arguments)], cwd=cwd, env=env,
                                 capture_output=True, text=True, timeout=600)
        assert "Total: 10/10" in process.stdout, (cwd, process.stderr[-2000:])


def test_a_submission_that_could_not_be_graded_still_gets_a_total_and_a_reason():
    """Is a record the batch could not grade reported with its reason and a total of 0, not a traceback?"""
    from grader.commands.check import format_report

    record = {"status": "not graded", "reason": "given up after 3 runs that could not grade it: the judge failed",
              "notebooks": {}, "notes": [], "score": 0.0, "max_score": 10.0, "isolation": "full"}
    out = format_report(record, "notebooks")
    assert "not graded: given up after 3 runs" in out
    assert out.rstrip().endswith("Total: 0/10")
