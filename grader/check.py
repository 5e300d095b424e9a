"""`grader check`: self-study. Grade my own notebooks, hidden tests included, and explain.

    python -m grader check [NOTEBOOK_FOLDER]      # default: notebooks/

No gradebook or course set-up: the assignment is released from the source notebooks into a
scratch folder, your notebooks are graded there exactly as the instructor's autograde would
(same sandbox, same limits), and the scratch folder is deleted. Prints the score of each
graded function and, for each lost point, the reason.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from grader.autograde import Batch
from grader.course import Course, CourseError
from grader.limits import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
STUDENT = "me"


def check(course, folder, quiet=True):
    """Grade the notebooks in `folder` against `course`; return the grading record."""
    from grader.release_step import generate_assignment

    folder = Path(folder)
    names = sorted(p.stem for p in course.source_dir.glob("*.ipynb"))
    found = [name for name in names if (folder / f"{name}.ipynb").exists()]
    if not found:
        raise CourseError(f"none of the assignment's notebooks ({', '.join(names)}) is in {folder}")
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        course.use_workspace(scratch)
        outcome = generate_assignment(course)
        if not outcome["success"]:
            raise CourseError("could not release the assignment from its source notebooks:\n"
                              + (outcome.get("log") or "")[-2000:])
        target = course.submitted_dir(STUDENT)
        target.mkdir(parents=True)
        for name in found:
            shutil.copyfile(folder / f"{name}.ipynb", target / f"{name}.ipynb")
        summary = Batch(course, force=True, quiet=quiet).run([STUDENT])
        if summary["failed"]:
            raise RuntimeError(summary["failed"][0]["error"])
        record = summary["graded"][0]
        record["isolation"] = summary["isolation"]
        return record


def format_report(record, folder):
    lines = [f"Checked {folder} ({record['isolation']})", ""]
    counts = {}
    for entry in record["notebooks"].values():
        for test in entry["tests"]:
            counts[test["function"]] = counts.get(test["function"], 0) + 1

    def label(test):  # a function with several test cells: name the cell too
        if counts[test["function"]] > 1:
            return f"{test['function']} ({test['cell']})"
        return test["function"]

    width = max([len(label(t)) for e in record["notebooks"].values() for t in e["tests"]] + [12])
    for name, entry in sorted(record["notebooks"].items()):
        score = f"{entry.get('score', 0):g}/{entry.get('max_score', 0):g}"
        lines.append(f"{name:<{width + 4}} {score}")
        for note in entry.get("notes", []):
            lines.append(f"    note: {note}")
        for event in entry.get("events", []):
            if event["kind"] in ("died", "hung", "budget", "output", "tamper"):
                lines.append(f"    note: {event['message']}")
        for test in entry["tests"]:
            points = f"{test['score']:g}/{test['max_score']:g}"
            reason = f"   {test['reason']}" if test["score"] < test["max_score"] else ""
            lines.append(f"  {label(test):<{width + 2}} {points}{reason}")
    for warning in record.get("tamper", []):
        lines.append(f"warning: {warning} (an instructor's grader flags this for review)")
    lines += ["", f"Total: {record['score']:g}/{record['max_score']:g}"]
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("folder", nargs="?", default=str(REPO_ROOT / "notebooks"),
                        help="folder with your notebooks (default: notebooks/)")


def main(args):
    try:
        course = Course(args.course_root, args.assignment, args.limit or ())
        record = check(course, args.folder, quiet=False)
    except (CourseError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"error: your notebooks could not be graded:\n{error}", file=sys.stderr)
        return 1
    print(format_report(record, args.folder))
    return 0
