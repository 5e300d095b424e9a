"""`grader export`: the grades as CSV, per student, per notebook and per graded function.

    python -m grader export --out grades/

writes three files (scores from nbgrader's gradebook, reasons from the grader's records):

- students.csv: student, score, max_score, late_penalty, status, flagged, reason
- notebooks.csv: student, notebook, score, max_score, notes
- functions.csv: student, notebook, function, cell, score, max_score, reason

Rows are sorted, numbers printed without trailing zeros, so that two exports of the same
grades are byte for byte the same. A student whose submission could not be graded has
status "not graded" and the error as reason.
"""

import csv
import io
import json
import sys
from pathlib import Path

from grader.autograde import read_records
from grader.normalize import graded_functions

STUDENT_FIELDS = ["student", "score", "max_score", "late_penalty", "status", "flagged", "reason"]
NOTEBOOK_FIELDS = ["student", "notebook", "score", "max_score", "notes"]
FUNCTION_FIELDS = ["student", "notebook", "function", "cell", "score", "max_score", "reason"]


def _number(value):
    return "" if value is None else f"{float(value):g}"


def rows(course):
    """Return (students, notebooks, functions): lists of dicts, sorted."""
    from nbgrader.api import Gradebook, MissingEntry

    records = read_records(course)
    templates = {name: json.loads((course.release_dir / f"{name}.ipynb").read_text())
                 for name in course.notebooks()}
    functions_of = {name: graded_functions(t) for name, t in templates.items()}
    students, notebooks, functions = [], [], []
    with Gradebook(course.db_url) as gradebook:
        ids = sorted({s.id for s in gradebook.students} | set(records))
        for student in ids:
            record = records.get(student, {})
            try:
                submission = gradebook.find_submission(course.assignment, student)
            except MissingEntry:
                if record:
                    students.append({"student": student, "score": "", "max_score": "",
                                     "late_penalty": "", "status": "not graded",
                                     "flagged": "", "reason": (record.get("error") or "")
                                     .strip().splitlines()[0] if record.get("error") else ""})
                continue
            status = record.get("status", "graded (not by this tool)")
            students.append({
                "student": student, "score": _number(submission.score),
                "max_score": _number(submission.max_score),
                "late_penalty": _number(submission.late_submission_penalty),
                "status": status, "flagged": "yes" if record.get("tamper") else "",
                "reason": record.get("reason", "")})
            for notebook in sorted(submission.notebooks, key=lambda n: n.name):
                entry = record.get("notebooks", {}).get(notebook.name, {})
                notes = [*entry.get("notes", []), *(e["message"] for e in entry.get("events", []))]
                notebooks.append({"student": student, "notebook": notebook.name,
                                  "score": _number(notebook.score),
                                  "max_score": _number(notebook.max_score),
                                  "notes": "; ".join(notes)})
                reasons = {t["cell"]: t.get("reason", "") for t in entry.get("tests", [])}
                order = {t["cell"]: i for i, t in enumerate(entry.get("tests", []))}
                for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, 99), g.name)):
                    functions.append({
                        "student": student, "notebook": notebook.name,
                        "function": functions_of.get(notebook.name, {}).get(grade.name, grade.name),
                        "cell": grade.name, "score": _number(grade.score),
                        "max_score": _number(grade.max_score),
                        "reason": reasons.get(grade.name, "") if grade.score < grade.max_score
                        else ""})
    return students, notebooks, functions


def to_csv(fields, table):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def export(course, out):
    """Write the three CSV files into `out`; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    students, notebooks, functions = rows(course)
    paths = []
    for name, fields, table in [("students.csv", STUDENT_FIELDS, students),
                                ("notebooks.csv", NOTEBOOK_FIELDS, notebooks),
                                ("functions.csv", FUNCTION_FIELDS, functions)]:
        path = out / name
        path.write_text(to_csv(fields, table), encoding="utf-8")
        paths.append(path)
    return paths


def add_arguments(parser):
    parser.add_argument("--out", default="grades", metavar="DIR",
                        help="folder for students.csv, notebooks.csv, functions.csv "
                             "(default: ./grades)")


def main(args):
    course = args.course
    if not course.db_path.exists():
        print(f"error: no gradebook at {course.db_path}: nothing to export", file=sys.stderr)
        return 2
    for path in export(course, args.out):
        print(f"wrote {path}")
    return 0
