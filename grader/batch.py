"""A grading batch: plan, hand each submission to a worker, save the results one at a time.

    batch = Batch(course, executor)      # grader.executors: Dask (autograde) or in-process (check)
    summary = batch.run(students)

The batch's client is the only writer of the gradebook. It reads each submission as data
(grader.intake), sends it to a worker as a task, and saves the results as they come back, all
those that are back at that moment in one nbgrader run (grader.gradebook.save_many), then
writes each student's record. Killed at any
moment (even kill -9), it leaves at most students without a record, and the next run grades
exactly those, or those whose files changed since (the record holds a fingerprint).
"""

import contextlib
import datetime
import fcntl
import re
import sys
import tempfile
from pathlib import Path

from grader import gradebook, records
from grader.intake import read_submission

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?[A-Z]{1,5}| ?[+-]\d\d:?\d\d)?\s*$")


# What happened in a notebook that a person should look at: the judge's own failure, and answers
# that did not come from the grader's agent (several answers to one call, unreadable, another
# question's): a student's attempt on the grader, or a bug of ours; and what a check could not read
# with certainty (code that reaches around the notebook's names: sys.modules, get_ipython(), ...).
FLAGGED_EVENTS = ("judge", "forged", "review")
MAX_ATTEMPTS = 3  # runs that could not grade an unchanged submission before it is given up
SAVE_AT_ONCE = 100  # results saved by one nbgrader run, at most


class AutogradeError(RuntimeError):
    """The batch cannot start (another run holds the course, or the course is not ready)."""


class Batch:
    """One grading run over a course's submissions."""

    def __init__(self, course, executor, force=False, quiet=False, seed=None, log=None):
        self.course = course
        self.executor = executor
        self.force = force
        self.quiet = quiet
        self.seed = seed
        self.log = log or (lambda message: print(message, file=sys.stderr))

    def read(self, student):
        limits = self.course.limits
        return read_submission(self.course.submitted_root, [student, self.course.assignment],
                               max_files=limits.submission_files, max_total_mb=limits.submission_mb,
                               max_file_mb=limits.notebook_file_mb, max_depth=limits.submission_depth)

    def plan(self, students=None):
        """Return (to_grade [(student, Submission)], up_to_date, unknown)."""
        available = self.course.students()
        unknown = [s for s in students or () if s not in available]
        if students:
            available = [s for s in available if s in set(students)]
        to_grade, done = [], []
        self.given_up = []
        for student in available:
            submission = self.read(student)
            record = records.read_record(self.course, student)
            if not self.force and records.is_current(record, submission.fingerprint()):
                done.append(student)
            elif not self.force and records.attempts(record, submission.fingerprint()) >= MAX_ATTEMPTS:
                self.given_up.append(record)  # it failed every time: a person looks, or --force
            else:
                to_grade.append((student, submission))
        return to_grade, done, unknown

    def run(self, students=None):
        """Grade; return a summary dict (graded, skipped, failed, unknown, isolation, notes)."""
        from grader.sandbox import check_mode

        course = self.course
        course.require_release()
        caps = check_mode(course.sandbox)
        course.state_dir.mkdir(parents=True, exist_ok=True)
        lock = open(course.state_dir / ".lock", "a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise AutogradeError(f"another autograde run is grading {course.workspace} (it holds "
                                 f"{course.state_dir / '.lock'}); wait for it or stop it") from None
        try:
            to_grade, done, unknown = self.plan(students)
            summary = {"graded": [], "skipped": done, "failed": list(self.given_up), "unknown": unknown,
                       "isolation": caps.summary(course.sandbox), "notes": list(caps.notes)}
            if to_grade:
                course.prepare()
                self._grade_all(to_grade, summary)
            return summary
        finally:
            lock.close()

    def _grade_all(self, to_grade, summary):
        from tqdm import tqdm

        with tempfile.TemporaryDirectory(prefix="grader-template-") as scratch:
            template = gradebook.write_template(self.course, Path(scratch) / "template.db").read_bytes()
        submissions = dict(to_grade)
        tasks = [self._task(student, submission) for student, submission in to_grade]
        bar = tqdm(total=len(tasks), unit="submission", disable=self.quiet, file=sys.stderr,
                   desc=f"autograde {self.course.assignment}")
        try:
            for ready in self._ready_batches(tasks, template):
                for start in range(0, len(ready), SAVE_AT_ONCE):
                    for record in self._save_batch(ready[start:start + SAVE_AT_ONCE], submissions):
                        student = record["student"]
                        (summary["graded"] if record["status"] == "graded" else summary["failed"]).append(record)
                        if record["status"] == "graded":
                            bar.set_postfix_str(f"{student}: {record['score']:g}/{record['max_score']:g}")
                        else:
                            self.log(f"could not grade {student}: {record['error'].splitlines()[0]}")
                        bar.update(1)
        finally:
            bar.close()

    def _ready_batches(self, tasks, template):
        """Lists of (student, result) as the executor hands them back (one at a time if it cannot say more)."""
        if hasattr(self.executor, "grade_batches"):
            yield from self.executor.grade_batches(tasks, template)
        else:
            for item in self.executor.grade(tasks, template):
                yield [item]

    def _task(self, student, submission):
        return {"root": str(self.course.root), "workspace": str(self.course.workspace),
                "assignment": self.course.assignment,
                "overrides": list(self.course.overrides), "student": student,
                "files": submission.files, "seed": self.seed, "fingerprint": submission.fingerprint()}

    # Saving --------------------------------------------------------------------------------
    def _save_batch(self, ready, submissions):
        """Save every result of `ready` ([(student, result)]) with one nbgrader run; their records, in order."""
        course = self.course
        records_by_student, graded = {}, []
        for student, result in ready:
            if result.get("status") != "graded":
                records_by_student[student] = self._not_graded(
                    student, submissions[student], result.get("error") or "grading failed", result)
            else:
                graded.append((student, result))
        errors = {}
        with gradebook.batched_writes(course), tempfile.TemporaryDirectory(prefix="grader-save-") as scratch:
            with_notebooks = []
            for student, result in graded:
                folder = Path(scratch) / student / course.assignment
                if self._write_executed(folder, submissions[student], result):
                    with_notebooks.append((student, folder))
                else:
                    try:
                        gradebook.save_empty(course, student)
                    except Exception as error:  # one student's failure, not the batch's
                        errors[student] = error
            try:
                if with_notebooks:
                    gradebook.save_many(course, scratch)
            except Exception:  # find out whose: one by one, as before batching
                for student, folder in with_notebooks:
                    try:
                        gradebook.save(course, student, folder)
                    except Exception as error:
                        errors[student] = error
            saved = {}
            try:
                saved = gradebook.scores_of(course, [s for s, _ in graded if s not in errors])
            except Exception:  # read them one by one below
                pass
        for student, result in graded:
            try:
                if student in errors:
                    raise errors[student]
                scores = saved.get(student) or gradebook.scores(course, student)
                records_by_student[student] = self._record(student, submissions[student], result, scores)
            except Exception as error:  # one student's failure, not the batch's
                records_by_student[student] = self._not_graded(
                    student, submissions[student], f"saving into the gradebook failed: {error}")
        return [records_by_student[student] for student, _ in ready]

    def _write_executed(self, folder, submission, result):
        """Write the executed notebooks of `result` (and a valid timestamp) into `folder`; were there any?"""
        graded = {name: entry for name, entry in result["notebooks"].items() if entry.get("executed")}
        if not graded:
            return False
        folder.mkdir(parents=True)
        for name, entry in graded.items():
            (folder / f"{name}.ipynb").write_text(entry["executed"], encoding="utf-8")
        stamp = submission.files.get("timestamp.txt", b"").decode("utf-8", "replace")
        if TIMESTAMP.match(stamp):
            (folder / "timestamp.txt").write_text(stamp.strip(), encoding="utf-8")
        return True

    def _record(self, student, submission, result, saved):
        """The student's record from the worker's result and the scores the gradebook now holds."""
        record = {key: value for key, value in result.items() if key != "notebooks"}
        record["notebooks"] = {name: {k: v for k, v in entry.items() if k != "executed"}
                               for name, entry in result["notebooks"].items()}
        record["notes"] = submission.notes() + list(result.get("notes", []))
        record.update(score=saved["score"], max_score=saved["max_score"], late_penalty=saved["late_penalty"])
        for name, entry in record["notebooks"].items():
            found = saved["notebooks"].get(name, {})
            entry["score"], entry["max_score"] = found.get("score", 0.0), found.get("max_score", 0.0)
            if not entry.get("tests"):
                entry["tests"] = self._tests_not_run(name, found, entry)
            for test in entry["tests"]:
                test["score"] = found.get("grades", {}).get(test["cell"], (test["score"],))[0]
        record["flags"] = [f"{name}: {event['message']}" for name, entry in record["notebooks"].items()
                           for event in entry.get("events", []) if event["kind"] in FLAGGED_EVENTS]
        return self._write_record(student, submission, record)

    def _tests_not_run(self, name, found, entry):
        from grader import notebooks as nb

        template, _ = nb.read(self.course.release_dir / f"{name}.ipynb")
        functions = nb.graded_functions(template) if template else {}
        why = next((n for n in entry.get("notes", []) if n.startswith("not graded")), "not graded")
        maxima = gradebook.max_scores(self.course).get(name, {})
        return [{"cell": cell, "function": functions.get(cell, cell), "score": 0.0,
                 "max_score": maxima[cell], "reason": why}
                for cell in sorted(maxima, key=lambda c: nb.position(template, c) if template else 0)]

    def _not_graded(self, student, submission, error, result=None):
        """A student the batch could not grade: still in the gradebook and every export."""
        with contextlib.suppress(Exception):
            gradebook.save_empty(self.course, student)
        attempts = records.attempts(records.read_record(self.course, student), submission.fingerprint()) + 1
        if attempts >= MAX_ATTEMPTS:
            error = (f"given up after {attempts} runs that could not grade it (run autograde with --force "
                     f"to try again): {error}")
        record = {"student": student, "assignment": self.course.assignment, "status": "not graded",
                  "error": str(error), "notes": submission.notes() + list((result or {}).get("notes", [])),
                  "notebooks": {}, "seed": (result or {}).get("seed"), "attempts": attempts}
        return self._write_record(student, submission, record)

    def _write_record(self, student, submission, record):
        record["fingerprint"] = submission.fingerprint()
        record["grader_version"] = records.GRADER_VERSION
        record["graded_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        record["reason"] = records.summary_reason(record) if record["status"] == "graded" else \
            str(record.get("error", "")).strip().splitlines()[0][:400] if record.get("error") else ""
        records.write_atomic(records.record_path(self.course, student), record)
        return record

