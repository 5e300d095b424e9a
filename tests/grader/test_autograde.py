"""End-to-end tests of `python -m grader autograde` on the toy course (10 points).

Points: add 2 (one hidden test), mean 3, running_total 5 (notebook 02, which is graded with
the reference `add`, so a wrong `add` costs its 2 points only).
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.grader.support import (ASSIGNMENT, FILES, REPO, SUBMISSIONS, corpus_scenarios,
                                  download_of, fully_isolated, grader_env, gradebook_scores,
                                  records, run_grader)

# scenario -> (expected score out of 10, regex or regexes that the record's reason and notes
# must all match; r"^$": the grader has nothing to say)
EXPECTED = {
    "correct": (10, r"^$"),
    "untouched-release": (0, r"add: add is not written yet.*mean: mean is not written yet"
                             r".*running_total: running_total is not written yet"),
    "one-function-wrong": (8, r"add: add\(1, 2\) returned -1, expected 3"),
    "fails-hidden-test": (8, r"add: add\(-2, -3\) should be -5"),
    "syntax-error": (7, r"mean: mean is not defined in the notebook.*defines it failed with SyntaxError"),
    "import-time-exception": (8, r"add: add is not defined in the notebook.*failed with ModuleNotFoundError"),
    "infinite-loop": (7, r"did not return within 4 s"),
    "sleep-past-budget": (7, r"ignored the interrupt; the kernel was stopped"),
    "memory-bomb": (7, r"memory limit exceeded"),
    "os-exit": (7, r"the kernel exited with code 1"),
    "segfault": (7, r"the kernel crashed \(SIGSEGV"),
    "fork-bomb": (10, r"^$|BlockingIOError|did not finish within 4 s and was interrupted"),
    "huge-output": (10, r"output truncated by the grader"),
    "deleted-test-cell": (10, r"test cell 'test_add' was deleted: restored from the release"),
    "deleted-solution-cell": (7, [r"solution cell 'mean' was deleted", r"mean is not defined in the notebook"]),
    "edited-test-cell": (7, r"mean: mean\(\[1, 2, 3\]\) returned 0"),
    "cell-type-changed": (8, [r"'test_add' was changed from code to markdown", r"add: add\(1, 2\) returned"]),
    "duplicated-cells": (10, [r"cell 'mean' appears 2 times", r"cell 'test_add' appears 2 times"]),
    "cells-reordered": (10, r"cells were moved: the graded cells were put back"),
    "renamed-notebook": (10, r"graded '01_basics-Copy1.ipynb' as 01_basics.ipynb"),
    "missing-notebook": (5, r"02_more: 02_more.ipynb is missing from the submission"),
    "extra-notebooks": (10, [r"extra notebook 'Untitled.ipynb'", r"extra notebook 'scratch.ipynb'"]),
    "corrupt-json": (5, r"01_basics: 01_basics.ipynb is not a readable notebook"),
    "empty-file": (5, r"01_basics: 01_basics.ipynb is empty \(0 bytes\)"),
    "redefines-checks": (2, [r"mean: mean\(\[1, 2, 3\]\) returned 0", r"running_total: running_total"]),
    "reads-secrets": (10, r"^$"),
    "writes-outside": (10, r"^$"),
    "network": (10, r"^$"),
    "all-notebooks-unreadable": (0, [r"01_basics: 01_basics.ipynb is empty",
                                     r"02_more: 02_more.ipynb is not a readable notebook"]),
    "output-execute-result": (8, r"add: add raised ValueError: no idea"),
    "right-but-warns-on-stderr": (10, r"^$"),
    "prints-a-pass": (8, r"add: add\(1, 2\) returned 0, expected 3"),
    "answers-nested-too-deep": (5, [r"add: the kernel's answer is nested more than 64 levels deep",
                                    r"mean: the kernel's answer is nested",
                                    r"flagged for review: 01_basics: a call of add"]),
}

# A few hard cases, graded again serially, killed and resumed.
SUBSET = ["correct", "one-function-wrong", "segfault", "memory-bomb", "corrupt-json"]


def explanation(record):
    """Everything the grader said about a submission, in one string."""
    parts = [record.get("reason", "")]
    parts += record.get("notes", [])
    for name, entry in sorted(record.get("notebooks", {}).items()):
        parts += entry.get("notes", [])
        parts += [event["message"] for event in entry.get("events", [])]
    return " | ".join(part for part in parts if part)


def cell_output(root, student, notebook, marker):
    """The JSON printed after `marker` by the last cell of an autograded notebook."""
    path = Path(root) / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb"
    for cell in reversed(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if text.startswith(marker):
                return json.loads(text[len(marker):])
    raise AssertionError(f"no {marker} output in {path}")


def test_every_scenario_has_a_fixture_and_an_expectation():
    """Is every fixture submission in the expectations table, and the other way round?"""
    assert sorted(p.name for p in SUBMISSIONS.iterdir()) == sorted(EXPECTED)


def test_the_batch_grades_every_submission(corpus):
    """Does one batch with every bad submission in it finish and grade all of them?"""
    assert corpus.process.returncode == 0, corpus.process.stderr[-3000:]
    assert sorted(corpus.records) == corpus_scenarios()
    assert all(record["status"] == "graded" for record in corpus.records.values())
    graded = len(corpus_scenarios())
    assert f"graded {graded}, already up to date 0, could not grade 0" in corpus.process.stdout


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_submission_gets_its_expected_score_and_reason(corpus, scenario):
    """Does each scenario get the score it deserves, with a reason that says why?"""
    if scenario not in corpus.records:
        pytest.skip("this machine cannot sandbox this scenario (see tests/grader/support.py)")
    score, patterns = EXPECTED[scenario]
    record = corpus.records[scenario]
    assert record["score"] == score, explanation(record)
    assert record["max_score"] == 10
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        assert re.search(pattern, explanation(record)), explanation(record)


def test_the_gradebook_agrees_with_the_records(corpus):
    """Are the scores in nbgrader's gradebook the ones the records report?"""
    for student, record in corpus.records.items():
        total = sum(score for (who, _, _), score in corpus.scores.items() if who == student)
        assert total == record["score"], student


def test_the_gradebook_is_intact_and_has_no_duplicates(corpus):
    """Is the gradebook a sound sqlite file with one submission and 3 grades per student?"""
    database = corpus.root / "gradebook.db"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        submissions = connection.execute(
            "SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
        grades = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT notebook_id || cell_id) FROM grade").fetchone()
    students = corpus_scenarios()
    assert sorted(submissions) == [(s, 1) for s in students]
    assert grades == (3 * len(students), 3 * len(students))
    assert len(corpus.scores) == 3 * len(students)


def test_no_sandbox_process_survives_the_batch(corpus):
    """After the batch (fork bomb included), does any sandbox user whose slot is free still run?"""
    from grader.sandbox import leftover_processes
    from grader.settings import GraderSandbox

    assert leftover_processes(GraderSandbox()) == {}


@pytest.mark.skipif(not fully_isolated(), reason="this machine gives no private file system")
def test_student_code_cannot_read_sources_gradebook_or_other_submissions(corpus):
    """Does the snooping submission find no hidden test, solution or gradebook anywhere?"""
    snoop = cell_output(corpus.root, "reads-secrets", "02_more", "SNOOP ")
    assert snoop["readable_secrets"] == []
    assert snoop["visited"] > 100  # it did look around


@pytest.mark.skipif(not fully_isolated(), reason="this machine gives no private file system")
def test_student_code_cannot_write_outside_its_own_folder(corpus):
    """Are the gradebook, the checkers and the course untouched by the writing submission?"""
    writes = cell_output(corpus.root, "writes-outside", "02_more", "WRITES ")
    blocked = " ".join(writes["blocked"])
    for target in ("gradebook.db", "pwned.txt", "toy_utils.py", "/work/pwned.txt"):
        assert target in blocked
    assert not (corpus.root / "pwned.txt").exists()
    assert not Path("/work/pwned.txt").exists()
    assert "student was here" not in (corpus.root / "lib" / "toy_utils.py").read_text()
    assert b"student was here" not in (corpus.root / "gradebook.db").read_bytes()
    # What did succeed went to the kernel's private, discarded folders.
    assert all(p.startswith(("/tmp/", "/var/tmp/")) for p in writes["succeeded"])
    assert not Path("/var/tmp/pwned.txt").exists()


@pytest.mark.skipif(not fully_isolated(), reason="this machine gives no network namespace")
def test_student_code_cannot_reach_the_network(corpus):
    """Does every connection attempt of the network submission fail?"""
    network = cell_output(corpus.root, "network", "02_more", "NETWORK ")
    assert network and all(value.startswith("blocked") for value in network.values())


def test_huge_output_is_capped(corpus):
    """Is a cell that prints 25 MB kept small in the autograded notebook?"""
    path = corpus.root / "autograded" / "huge-output" / ASSIGNMENT / "02_more.ipynb"
    assert path.stat().st_size < 200_000


def test_a_second_run_grades_nothing(corpus):
    """Does running autograde again skip every submission that is already graded?"""
    process = run_grader("autograde", "--course-root", corpus.root, "--quiet")
    graded = len(corpus_scenarios())
    assert f"graded 0, already up to date {graded}, could not grade 0" in process.stdout
    assert gradebook_scores(corpus.root) == corpus.scores


def test_a_killed_serial_batch_resumes_to_the_grades_of_the_parallel_one(corpus, fresh_course, tmp_path):
    """Killed with SIGKILL halfway and run again, both times on one worker, are the grades, cell by cell,
    those of the uninterrupted 2-worker batch?"""
    run_grader("collect", download_of(SUBSET, tmp_path / "download"), "--course-root", fresh_course)
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "autograde", "--course-root", str(fresh_course),
         "--workers", "1", "--quiet"], cwd=REPO, env=grader_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(records(fresh_course)) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the batch ended before it could be killed"
        time.sleep(0.2)
    children = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = set(records(fresh_course))
    assert 2 <= len(done_before) < len(SUBSET)
    # The workers and their kernels die with the batch.
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == []

    resumed = run_grader("autograde", "--course-root", fresh_course, "--workers", 1, "--quiet")
    assert f"already up to date {len(done_before)}" in resumed.stdout
    expected = {key: score for key, score in corpus.scores.items() if key[0] in SUBSET}
    assert gradebook_scores(fresh_course) == expected and len(expected) == 3 * len(SUBSET)
    with sqlite3.connect(fresh_course / "gradebook.db") as connection:
        count = connection.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
    assert count == len(SUBSET)


def test_a_changed_submission_is_graded_again(fresh_course, tmp_path):
    """After a student's notebook changes (collected again), is only that student regraded?"""
    run_grader("collect", download_of(["corrupt-json"], tmp_path / "one"),
               "--course-root", fresh_course)
    run_grader("autograde", "--course-root", fresh_course, "--quiet")
    assert records(fresh_course)["corrupt-json"]["score"] == 5
    fixed = tmp_path / "two" / "corrupt-json"
    shutil.copytree(SUBMISSIONS / "correct", fixed)  # the student fixed the notebook
    run_grader("collect", fixed.parent, "--course-root", fresh_course)
    process = run_grader("autograde", "--course-root", fresh_course, "--quiet")
    assert "graded 1, already up to date 0" in process.stdout
    assert records(fresh_course)["corrupt-json"]["score"] == 10


def test_an_unknown_student_is_a_usage_error(fresh_course):
    """Does naming a student without a submission exit 2 and say so?"""
    process = run_grader("autograde", "nobody", "--course-root", fresh_course, "--quiet",
                         check=False)
    assert process.returncode == 2
    assert "no submission for 'nobody'" in process.stdout


def test_autograde_before_release_says_what_to_do(tmp_path):
    """Without a released assignment, does autograde exit 2 and name the command to run?"""
    root = shutil.copytree(FILES / "course", tmp_path / "course")
    process = run_grader("autograde", "--course-root", root, check=False)
    assert process.returncode == 2
    assert "python -m grader release" in process.stderr


def test_two_batches_cannot_grade_one_course_at_once(fresh_course):
    """While one autograde holds the course, is a second one refused with a clear error?"""
    import fcntl

    state = fresh_course / "autograde-results" / ASSIGNMENT
    state.mkdir(parents=True)
    with open(state / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        process = run_grader("autograde", "--course-root", fresh_course, check=False)
    assert process.returncode == 2
    assert "another autograde run" in process.stderr


def test_a_notebook_nbgrader_cannot_grade_scores_0_and_the_rest_is_graded(fresh_course, tmp_path,
                                                                           monkeypatch):
    """If nbgrader itself fails on one notebook, is that one scored 0 and the others graded?"""
    from grader import gradebook, nbgrader_run
    from grader.courseroot import CourseRoot
    from grader.worker.grade import grade_submission
    from grader.intake import read_submission

    real = nbgrader_run.run_autograde

    def failing_on_02(config):  # stands for an nbgrader bug triggered by one notebook
        notebook = config.CourseDirectory.get("notebook_id", "*")
        submitted = Path(config.CourseDirectory.root) / "submitted" / "correct" / ASSIGNMENT
        if (submitted / "02_more.ipynb").exists() and notebook in ("*", "02_more"):
            return {"success": False, "tail": "[ERROR] ValueError: nbgrader tripped on 02_more"}
        return real(config)

    monkeypatch.setattr(nbgrader_run, "run_autograde", failing_on_02)
    course = CourseRoot(fresh_course)
    submission = read_submission(SUBMISSIONS, ["correct"])
    template = gradebook.write_template(course, tmp_path / "template.db").read_bytes()
    result = grade_submission({"root": str(fresh_course), "assignment": ASSIGNMENT, "student": "correct",
                               "files": submission.files, "gradebook": template, "seed": 1})
    assert result["status"] == "graded"
    assert [t["score"] for t in result["notebooks"]["01_basics"]["tests"]] == [2, 3]
    assert result["notebooks"]["02_more"]["notes"] == [
        "not graded: nbgrader could not grade 02_more.ipynb ([ERROR] ValueError: nbgrader tripped on 02_more)"]


def test_without_root_the_same_submissions_get_the_same_grades(corpus, fresh_course, tmp_path):
    """Degraded to what a non-root user gets, does the batch still grade hard cases the same?"""
    subset = ["correct", "segfault", "memory-bomb", "infinite-loop", "corrupt-json"]
    run_grader("collect", download_of(subset, tmp_path / "download"), "--course-root", fresh_course)
    env = dict(grader_env(), GRADER_ASSUME_UNPRIVILEGED="1")
    process = subprocess.run([sys.executable, "-m", "grader", "autograde", "--course-root",
                              str(fresh_course), "--quiet", "--workers", "2"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    assert "reduced isolation (not root)" in process.stdout
    expected = {key: score for key, score in corpus.scores.items() if key[0] in subset}
    assert gradebook_scores(fresh_course) == expected


def test_a_test_cell_shows_the_judges_verdict_not_the_students_output(corpus):
    """Does the autograded test cell hold exactly what the judge wrote, whatever the function printed?"""
    path = corpus.root / "autograded" / "output-execute-result" / ASSIGNMENT / "01_basics.ipynb"
    cells = {cell["metadata"].get("nbgrader", {}).get("grade_id"): cell
             for cell in json.loads(path.read_text())["cells"]}
    outputs = cells["test_add"]["outputs"]
    assert [output["output_type"] for output in outputs] == ["error"]
    assert outputs[0]["ename"] == "TestFailed" and "add raised ValueError" in outputs[0]["evalue"]
    path = corpus.root / "autograded" / "right-but-warns-on-stderr" / ASSIGNMENT / "01_basics.ipynb"
    cells = {cell["metadata"].get("nbgrader", {}).get("grade_id"): cell
             for cell in json.loads(path.read_text())["cells"]}
    assert [output.get("name") for output in cells["test_mean"]["outputs"]] == ["stdout"]
