"""Tests of the batch client (grader/batch.py): what it saves, and what it gives up."""

from grader import records
from grader.batch import MAX_ATTEMPTS, Batch
from grader.courseroot import CourseRoot
from tests.grader.support import download_of, run_grader


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
