"""`grader check`: self-study. Grade my own notebooks, hidden tests included, and explain.

    python -m grader check [NOTEBOOK_FOLDER ...]

Each folder is graded against the assignment whose notebooks it holds (or `--assignment`);
without a folder, the course's student notebooks folder of the default assignment.

No gradebook or course set-up: the assignment is released from the source notebooks into a
scratch folder, your notebooks are graded there exactly as the instructor's autograde would
(same sandbox, same judge, same limits), and the scratch folder is deleted (--workspace DIR
keeps it in DIR, the graded notebooks under autograded/: one subfolder per folder when
several are checked). Prints the score of each graded function and, for each lost point, the
reason.
"""

import contextlib
import sys
import tempfile
from pathlib import Path

from grader.batch import Batch
from grader.courseroot import CourseError
from grader.executors import InProcess
from grader.intake import read_submission, write_files
from grader.nbgrader_run import generate_assignment

STUDENT = "me"


def check(course, folder, quiet=True, seed=None, workspace=None):
    """Grade the notebooks in `folder` against `course`; return the grading record.

    The grading happens in `workspace` (kept) or, without one, in a scratch folder (deleted).
    """
    folder = Path(folder).resolve()
    names = [path.stem for path in course.source_notebooks()]
    if not any((folder / f"{name}.ipynb").exists() for name in names):
        raise CourseError(f"none of the assignment's notebooks ({', '.join(names)}) is in {folder}")
    submission = read_submission(folder.parent, [folder.name])
    with contextlib.ExitStack() as stack:
        scratch = workspace or stack.enter_context(tempfile.TemporaryDirectory(prefix="grader-check-"))
        course.use_workspace(scratch, private_gradebook=True)
        outcome = generate_assignment(course.nbgrader_config())
        if not outcome["success"]:
            raise CourseError("could not release the assignment from its source notebooks:\n" + outcome["tail"])
        files = {name: data for name, data in submission.files.items()
                 if name.endswith(".ipynb") and "/" not in name and name[:-6] in names}
        write_files(files, course.submitted_dir(STUDENT))
        summary = Batch(course, InProcess(), force=True, quiet=quiet, seed=seed).run([STUDENT])
        record = (summary["graded"] or summary["failed"])[0]
        if record["status"] != "graded":  # still a total, with the reason: 0 of the assignment's points
            from grader.gradebook import max_scores

            record["score"] = 0.0
            record["max_score"] = sum(sum(cells.values()) for cells in max_scores(course).values())
        record["isolation"] = summary["isolation"]
        return record


def format_report(record, folder, assignment=None):
    against = f" against {assignment}" if assignment else ""
    lines = [f"Checked {folder}{against} ({record['isolation']})", ""]
    tests = [t for entry in record["notebooks"].values() for t in entry["tests"]]
    counts = {}
    for test in tests:
        counts[test["function"]] = counts.get(test["function"], 0) + 1

    def label(test):  # a function with several test cells: name the cell too
        return f"{test['function']} ({test['cell']})" if counts[test["function"]] > 1 else test["function"]

    width = max([len(label(t)) for t in tests] + [12])
    if record.get("status", "graded") != "graded":
        reason = str(record.get("reason") or record.get("error") or "grading failed").strip()
        lines.append(f"not graded: {reason.splitlines()[0][:400] if reason else 'grading failed'}")
    for note in record.get("notes", []):
        lines.append(f"note: {note}")
    for name, entry in sorted(record["notebooks"].items()):
        lines.append(f"{name:<{width + 4}} {entry.get('score', 0):g}/{entry.get('max_score', 0):g}")
        for note in entry.get("notes", []):
            lines.append(f"    note: {note}")
        for event in entry.get("events", []):
            if event["kind"] in ("died", "hung", "budget", "output", "judge", "forged", "review"):
                lines.append(f"    note: {event['message']}")
        for test in entry["tests"]:
            points = f"{test['score']:g}/{test['max_score']:g}"
            reason = f"   {test['reason']}" if test["score"] < test["max_score"] else ""
            lines.append(f"  {label(test):<{width + 2}} {points}{reason}")
    lines += ["", f"Total: {record['score']:g}/{record['max_score']:g}"]
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("folders", nargs="*", metavar="FOLDER",
                        help="folders with your notebooks, each graded against the assignment whose "
                             "notebooks it holds (default: the course's student notebooks folder, else "
                             "the current folder)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the hidden inputs")


NEEDS_COURSE = False  # which assignment to open depends on the folders


def assignment_of(source, folder, default=None):
    """The assignment (a folder of `source`) whose notebooks `folder` holds most of; ties: `default`."""
    held = {path.name for path in Path(folder).glob("*.ipynb")}
    counts = {candidate.name: len(held & {path.name for path in candidate.glob("*.ipynb")})
              for candidate in sorted(p for p in Path(source).iterdir() if p.is_dir())}
    best = max(counts.values(), default=0)
    if best == 0:
        expected = "; ".join(f"{name}: {', '.join(sorted(p.stem for p in (Path(source) / name).glob('*.ipynb')))}"
                             for name in counts)
        raise CourseError(f"{folder} holds none of the course's notebooks ({expected})")
    winners = [name for name, count in counts.items() if count == best]
    return default if default in winners else winners[0]


def main(args):
    import os

    from grader.cli import open_course
    from grader.courseroot import CourseRoot, find_course_root

    if args.folders and not args.course_root and not os.environ.get("GRADER_COURSE_ROOT"):
        args.course_root = find_course_root(args.folders[0])  # the course the notebooks belong to
    if not args.folders:
        course = open_course(args)
        folders = [course.relative(course.course.student_notebooks[course.assignment])
                   if course.assignment in course.course.student_notebooks else Path.cwd()]
    else:
        folders = [Path(folder) for folder in args.folders]
        for folder in folders:
            if not folder.is_dir():
                raise CourseError(f"{folder} is not a folder")
    status = 0
    for index, folder in enumerate(folders):
        if args.folders:
            if args.assignment:
                course = open_course(args)
            else:
                root = CourseRoot(args.course_root, "", args.limit)  # no assignment chosen yet
                course = CourseRoot(args.course_root, assignment_of(root.source_root(), folder,
                                                                    root.default_assignment()), args.limit)
        workspace = None
        if args.workspace:
            workspace = Path(args.workspace) if len(folders) == 1 else \
                Path(args.workspace) / f"{index + 1}-{folder.resolve().name}"
        try:
            record = check(course, folder, quiet=False, seed=args.seed, workspace=workspace)
        except RuntimeError as error:
            print(f"error: the notebooks in {folder} could not be graded:\n{error}", file=sys.stderr)
            status = 1
            continue
        if index:
            print()
        print(format_report(record, folder, course.assignment if len(folders) > 1 else None))
        if record.get("status") != "graded":
            status = 1
        if workspace:
            print(f"The graded notebooks are kept in {Path(workspace).resolve() / 'autograded'}")
    return status
