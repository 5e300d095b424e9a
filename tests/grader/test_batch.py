"""Tests of the batch client (grader/batch.py): what it saves, and what it gives up."""

import shutil

import pytest

from grader import records
from grader.batch import MAX_ATTEMPTS, Batch
from grader.courseroot import CourseRoot
from tests.grader.support import download_of, gradebook_scores, run_grader


class AlwaysFailing:
    """An executor on which grading this submission fails every time (it kills its judge, say)."""

    description = "a stand-in executor"

    def __init__(self):
        self.graded = []

    def grade(self, tasks, template):
        for task in tasks:
            self.graded.append(task["student"])
            yield task["student"], {"student": task["student"], "status": "error",
                                    "error": "the grader's judge failed (desynchronised)"}


def test_a_submission_that_never_grades_is_given_up_after_a_bounded_number_of_runs(fresh_course, tmp_path):
    """Is a submission that fails every run retried at most MAX_ATTEMPTS times, with a reason, until --force?"""
    run_grader("collect", download_of(["correct"], tmp_path / "download"), "--course-root", fresh_course)
    course = CourseRoot(fresh_course)
    executor = AlwaysFailing()
    for run in range(1, MAX_ATTEMPTS + 1):
        summary = Batch(course, executor, quiet=True).run()
        assert [r["student"] for r in summary["failed"]] == ["correct"]
        assert records.read_record(course, "correct")["attempts"] == run
    assert executor.graded == ["correct"] * MAX_ATTEMPTS
    record = records.read_record(course, "correct")
    assert record["reason"].startswith(f"given up after {MAX_ATTEMPTS} runs")
    assert "desynchronised" in record["reason"]

    summary = Batch(course, executor, quiet=True).run()  # not tried again: it is reported as it was
    assert executor.graded == ["correct"] * MAX_ATTEMPTS
    assert [r["reason"] for r in summary["failed"]] == [record["reason"]]

    Batch(course, executor, quiet=True, force=True).run()  # --force tries again
    assert executor.graded == ["correct"] * (MAX_ATTEMPTS + 1)


# The batched writer: every result that came back at once is saved by one nbgrader run ---------------

@pytest.fixture(scope="module")
def canned_result(released_course, tmp_path_factory):
    """A real graded result of the toy course's correct submission (what a worker sends back)."""
    from grader import gradebook
    from grader.worker.grade import grade_submission
    from grader.intake import read_submission
    from tests.grader.support import ASSIGNMENT, SUBMISSIONS, copy_course

    root = copy_course(released_course, tmp_path_factory.mktemp("canned") / "course")
    template = gradebook.write_template(CourseRoot(root), root / "template.db").read_bytes()
    files = read_submission(SUBMISSIONS, ["correct"]).files
    result = grade_submission({"root": str(root), "assignment": ASSIGNMENT, "student": "correct",
                               "files": files, "gradebook": template, "seed": 5})
    assert result["status"] == "graded"
    return result


class Canned:
    """An executor whose workers all send back `result` at once, in batches of the given sizes."""

    description = "canned results"

    def __init__(self, result, sizes):
        self.result, self.sizes = result, list(sizes)

    def grade_batches(self, tasks, template):
        tasks = list(tasks)
        for size in self.sizes:
            batch, tasks = tasks[:size], tasks[size:]
            yield [(task["student"], {**self.result, "student": task["student"]}) for task in batch]


def _class_of(course_root, tmp_path, count):
    from tests.grader.support import SUBMISSIONS

    download = tmp_path / "download"
    for index in range(count):
        shutil.copytree(SUBMISSIONS / "correct", download / f"s{index:02d}")
    run_grader("collect", download, "--course-root", course_root)
    return CourseRoot(course_root)


def test_results_back_at_once_are_saved_by_one_nbgrader_run(fresh_course, tmp_path, canned_result, monkeypatch):
    """Are six results that came back together saved with one nbgrader run, each with its full grade?"""
    from grader import gradebook

    course = _class_of(fresh_course, tmp_path, 6)
    calls = {"many": 0, "one": 0}
    real_many, real_one = gradebook.save_many, gradebook.save
    monkeypatch.setattr(gradebook, "save_many", lambda *a: (calls.__setitem__("many", calls["many"] + 1),
                                                            real_many(*a))[1])
    monkeypatch.setattr(gradebook, "save", lambda *a: (calls.__setitem__("one", calls["one"] + 1), real_one(*a))[1])
    summary = Batch(course, Canned(canned_result, [6]), quiet=True).run()
    assert calls == {"many": 1, "one": 0}
    assert sorted((r["student"], r["score"]) for r in summary["graded"]) == [(f"s{i:02d}", 10.0) for i in range(6)]
    assert {student for (student, _, _) in gradebook_scores(fresh_course)} == {f"s{i:02d}" for i in range(6)}


def test_a_batch_that_nbgrader_cannot_save_is_saved_one_by_one(fresh_course, tmp_path, canned_result, monkeypatch):
    """When the one nbgrader run fails, is each student saved alone, so one bad result costs only its own?"""
    from grader import gradebook

    course = _class_of(fresh_course, tmp_path, 3)

    def failing(*args):
        raise RuntimeError("nbgrader could not save the grades")

    monkeypatch.setattr(gradebook, "save_many", failing)
    summary = Batch(course, Canned(canned_result, [3]), quiet=True).run()
    assert sorted(r["score"] for r in summary["graded"]) == [10.0, 10.0, 10.0]


KILLED_BETWEEN_SAVES = r"""
import json, os, signal, sys
sys.path[:0] = [sys.argv[3]]
from grader.batch import Batch
from grader.courseroot import CourseRoot
from tests.grader.test_batch import Canned

result = json.loads(open(sys.argv[2]).read())
executor = Canned(result, [2, 3])
batches = executor.grade_batches


def killed_after_first(tasks, template):
    for index, batch in enumerate(batches(tasks, template)):
        if index == 1:
            os.kill(os.getpid(), signal.SIGKILL)  # the client dies between two saves
        yield batch


executor.grade_batches = killed_after_first
Batch(CourseRoot(sys.argv[1]), executor, quiet=True).run()
"""


def test_a_client_killed_between_two_saves_resumes_with_identical_grades(fresh_course, tmp_path, canned_result):
    """Killed (-9) after saving one batch, does the next run grade exactly the rest, with the same grades?"""
    import json
    import subprocess
    import sys

    from tests.grader.support import REPO, grader_env, records

    course = _class_of(fresh_course, tmp_path, 5)
    canned = tmp_path / "result.json"
    canned.write_text(json.dumps(canned_result))
    process = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_SAVES, str(fresh_course), str(canned), str(REPO)],
                             env=grader_env(), capture_output=True, text=True, timeout=300)
    assert process.returncode == -9, process.stderr[-2000:]
    assert sorted(records(fresh_course)) == ["s00", "s01"]  # the first batch, saved and recorded
    executor = Canned(canned_result, [5])
    summary = Batch(course, executor, quiet=True).run()
    assert sorted(summary["skipped"]) == ["s00", "s01"]
    assert sorted(r["student"] for r in summary["graded"]) == ["s02", "s03", "s04"]
    scores = gradebook_scores(fresh_course)
    assert sorted(scores) == sorted((f"s{i:02d}", notebook, cell) for i in range(5)
                                    for notebook, cell in [("01_basics", "test_add"), ("01_basics", "test_mean"),
                                                           ("02_more", "test_running_total")])
    assert set(scores.values()) == {2.0, 3.0, 5.0} and sum(scores.values()) == 50.0
