"""`grader release`: the student version of an assignment, its gradebook entries, the student bundle.

    python -m grader release [--check]

1. nbgrader's `generate_assignment` removes the solutions and hidden tests from the source
   notebooks into release/<assignment>/ and records the graded cells in the gradebook;
2. when the course names a student notebooks folder (`c.GraderCourse.student_notebooks`),
   the release notebooks are written there with outputs, execution counts and run metadata
   cleared, the same bytes every time;
3. the student bundle, <workspace>/bundle/<assignment>.zip (grader/bundle.py).

`--check` does all of it in a scratch workspace and changes nothing; it exits 1 when the
student notebooks folder is out of date.
"""

import sys
import tempfile
from pathlib import Path

import nbformat

from grader import bundle
from grader.nbgrader_run import generate_assignment


class ReleaseError(RuntimeError):
    """nbgrader could not generate the release; the message holds its log."""


def normalised_text(path):
    """A release notebook as handed out: no outputs, no execution counts, no run metadata."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    text = nbformat.writes(notebook, version=4)
    return text if text.endswith("\n") else text + "\n"


def release(course):
    """Generate the release into the course's workspace; return {file name: normalised text}."""
    outcome = generate_assignment(course.nbgrader_config())
    if not outcome["success"]:
        raise ReleaseError(f"nbgrader generate_assignment failed:\n{outcome['tail']}")
    texts = {path.name: normalised_text(path) for path in sorted(course.release_dir.glob("*.ipynb"))}
    if not texts:
        raise ReleaseError(f"nbgrader generated no notebooks from {course.source_dir}")
    return texts


def differences(texts, folder):
    """Names of the notebooks in `folder` that differ from `texts`, are missing, or are extra."""
    folder = Path(folder)
    changed = [name for name, text in texts.items()
               if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in texts)
    return changed + extra


def write_student_notebooks(texts, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    changed = differences(texts, folder)
    for name in changed:
        if name in texts:
            (folder / name).write_text(texts[name], encoding="utf-8")
        else:
            (folder / name).unlink()
    return changed


def add_arguments(parser):
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the student notebooks are out of date")


def main(args):
    course = args.course
    students_folder = course.relative(course.course.student_notebooks[course.assignment]) \
        if course.assignment in course.course.student_notebooks else None
    try:
        if args.check:
            with tempfile.TemporaryDirectory(prefix="grader-release-check-") as scratch:
                course.use_workspace(scratch, private_gradebook=True)
                texts = release(course)
            changed = differences(texts, students_folder) if students_folder else []
            if changed:
                print(f"{students_folder} is out of date ({', '.join(changed)}): run python -m grader release")
                return 1
            print(f"{students_folder or course.release_dir} is up to date ({len(texts)} notebooks)")
            return 0
        texts = release(course)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"released {course.assignment}: {len(texts)} notebooks in {course.release_dir}")
    if students_folder:
        changed = write_student_notebooks(texts, students_folder)
        print(f"student notebooks in {students_folder}: "
              + (f"{len(changed)} changed ({', '.join(changed)})" if changed else "none changed"))
    if course.course.bundle:
        target = course.workspace / "bundle" / f"{course.assignment}.zip"
        names = bundle.build(course, texts, target)
        print(f"student bundle: {target} ({len(names)} files); hand it out instead of the repository")
    return 0
