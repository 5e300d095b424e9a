"""`grader export`: the grades as CSV, per student, per notebook and per graded function.

    python -m grader export --out grades/

writes three files (scores from nbgrader's gradebook, reasons from the grader's records):

- students.csv: student, score, max_score, late_penalty, status, flagged, reason
- notebooks.csv: student, notebook, score, max_score, notes
- functions.csv: student, notebook, function, cell, score, max_score, reason

Every student the gradebook or the records know, and every student folder in submitted/,
appears in all three files: one that could not be graded gets status "not graded", zero
points on every row, and the reason. Rows are sorted and numbers printed without trailing
zeros, so two exports of the same grades are the same bytes.
"""

import csv
import io
import sys
from pathlib import Path

from grader import gradebook
from grader import notebooks as nb
from grader.records import read_records

STUDENT_FIELDS = ["student", "score", "max_score", "late_penalty", "status", "flagged", "reason"]
NOTEBOOK_FIELDS = ["student", "notebook", "score", "max_score", "notes"]
FUNCTION_FIELDS = ["student", "notebook", "function", "cell", "score", "max_score", "reason"]


def _number(value):
    return "" if value is None else f"{float(value):g}"


def rows(course):
    """Return (students, notebooks, functions): lists of dicts, sorted."""
    from nbgrader.api import MissingEntry

    records = read_records(course)
    maxima = gradebook.max_scores(course)
    templates = {name: nb.read(course.release_dir / f"{name}.ipynb")[0] for name in course.notebooks()}
    functions_of = {name: nb.graded_functions(t) if t else {} for name, t in templates.items()}
    order = {name: {cell: nb.position(t, cell) if t else 0 for cell in maxima.get(name, {})}
             for name, t in templates.items()}
    everyone = sorted(set(gradebook.students(course)) | set(records) | set(course.students()))
    students, notebooks, functions = [], [], []
    for student in everyone:
        record = records.get(student, {})
        try:
            saved = gradebook.scores(course, student)
        except MissingEntry:
            saved = None
        graded = saved is not None and record.get("status", "graded") == "graded"
        if saved is None or not graded:
            why = record.get("reason") or record.get("error") or (
                "not graded yet: run `python -m grader autograde`" if not record else "not graded")
            why = str(why).strip().splitlines()[0][:400] if str(why).strip() else "not graded"
            students.append({"student": student, "score": "0", "max_score": _number(sum(
                sum(cells.values()) for cells in maxima.values())), "late_penalty": "",
                "status": "not graded", "flagged": "", "reason": why})
            for name in sorted(maxima):
                notebooks.append({"student": student, "notebook": name, "score": "0",
                                  "max_score": _number(sum(maxima[name].values())), "notes": why})
                for cell in sorted(maxima[name], key=lambda c: order[name].get(c, 0)):
                    functions.append({"student": student, "notebook": name,
                                      "function": functions_of[name].get(cell, cell), "cell": cell, "score": "0",
                                      "max_score": _number(maxima[name][cell]), "reason": why})
            continue
        students.append({"student": student, "score": _number(saved["score"]),
                         "max_score": _number(saved["max_score"]), "late_penalty": _number(saved["late_penalty"]),
                         "status": record.get("status", "graded (not by this tool)"),
                         "flagged": "yes" if record.get("flags") else "", "reason": record.get("reason", "")})
        for name in sorted(maxima):
            entry = record.get("notebooks", {}).get(name, {})
            found = saved["notebooks"].get(name, {"score": 0.0, "max_score": sum(maxima[name].values()), "grades": {}})
            notes = [*entry.get("notes", []), *(event["message"] for event in entry.get("events", []))]
            notebooks.append({"student": student, "notebook": name, "score": _number(found["score"]),
                              "max_score": _number(found["max_score"]), "notes": "; ".join(notes)})
            reasons = {test["cell"]: test.get("reason", "") for test in entry.get("tests", [])}
            for cell in sorted(maxima[name], key=lambda c: order[name].get(c, 0)):
                score, top = found["grades"].get(cell, (0.0, maxima[name][cell]))
                functions.append({"student": student, "notebook": name,
                                  "function": functions_of[name].get(cell, cell), "cell": cell,
                                  "score": _number(score), "max_score": _number(top),
                                  "reason": reasons.get(cell, "not graded") if score < top else ""})
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
                        help="folder for students.csv, notebooks.csv, functions.csv (default: ./grades)")


def main(args):
    course = args.course
    if not gradebook.has_assignment(course):
        print(f"error: the gradebook ({course.db_url}) has no assignment {course.assignment!r}: "
              f"nothing to export", file=sys.stderr)
        return 2
    for path in export(course, args.out):
        print(f"wrote {path}")
    return 0
