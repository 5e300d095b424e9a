"""Per-student grading records: written atomically, read back for resuming, feedback and export.

A record (autograde-results/<assignment>/<student>.json) is written only after the student's
grades are in the gradebook, so a batch killed at any moment leaves at most students without
a record, and the next run grades exactly those. Every student the batch saw gets a record,
graded or not, so that every export names every student.
"""

import contextlib
import json
import os
import tempfile
from pathlib import Path

GRADER_VERSION = 2  # records of another version are graded again


def write_atomic(path, data):
    """Write JSON to `path` via a temporary file, fsync and rename (all or nothing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def record_path(course, student):
    return course.state_dir / f"{student}.json"


def read_record(course, student):
    try:
        return json.loads(record_path(course, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_records(course):
    """{student: record} of every record of the assignment."""
    return read_records_in(course.state_dir)


def read_records_in(folder, students=None):
    """{student: record} of the records in a records folder (all, or those of `students`)."""
    records, folder = {}, Path(folder)
    if folder.is_dir():
        paths = sorted(folder.glob("*.json")) if students is None else [folder / f"{s}.json" for s in students]
        for path in paths:
            with contextlib.suppress(OSError, ValueError):
                records[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return records


def is_current(record, fingerprint):
    """Was this submission graded, unchanged since, by this version of the grader?"""
    return bool(record) and record.get("status") == "graded" and \
        record.get("fingerprint") == fingerprint and record.get("grader_version") == GRADER_VERSION


def attempts(record, fingerprint):
    """How many runs in a row could not grade this very submission (0: none, or it changed since)."""
    if not record or record.get("status") != "not graded" or record.get("fingerprint") != fingerprint \
            or record.get("grader_version") != GRADER_VERSION:
        return 0
    return int(record.get("attempts", 1))


def summary_reason(record):
    """One line on why points were lost (empty for full marks without notes)."""
    parts = []
    for note in record.get("notes", []):
        parts.append(note)
    for name, entry in sorted(record.get("notebooks", {}).items()):
        notgraded = [n for n in entry.get("notes", []) if n.startswith("not graded")]
        if notgraded:
            parts.append(f"{name}: {notgraded[0][len('not graded: '):]}")
            continue
        for event in entry.get("events", []):
            if event["kind"] in ("died", "hung", "budget", "judge"):
                parts.append(f"{name}: {event['message']}")
        for test in entry.get("tests", []):
            if test["score"] < test["max_score"]:
                parts.append(f"{test['function']}: {test['reason'] or 'failed'}")
    if record.get("flags"):
        parts.append("flagged for review: " + "; ".join(record["flags"]))
    return " | ".join(dict.fromkeys(parts))
