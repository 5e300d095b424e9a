"""Generate the student notebooks with nbgrader and place them in notebooks/.

    python -m grader.release           # regenerate grader/release/unet/ and notebooks/
    python -m grader.release --check   # change nothing; exit 1 if notebooks/ is out of date

The source notebooks in grader/source/unet/ are the one source of truth. nbgrader's
`generate_assignment` removes the solutions and the hidden tests and records the graded
cells in the gradebook (grader/gradebook.db), which autograding needs. The notebooks then go
to notebooks/ with outputs, execution counts and run metadata cleared, written the same way
every time, so that regenerating an unchanged source changes no byte in notebooks/.

`--check` generates into a temporary copy of the course (its own gradebook), so it touches
neither grader/ nor notebooks/.

Regenerating overwrites notebooks/NN_*.ipynb: it is an instructor's command, never run in a
folder where a student works.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
COURSE_ROOT = REPO_ROOT / "instructor"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
ASSIGNMENT = "unet"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"


class ReleaseError(RuntimeError):
    """nbgrader could not generate the release; the message holds its log."""


def generate(course_root=COURSE_ROOT, assignment=ASSIGNMENT):
    """Run `nbgrader generate_assignment` in `course_root`; return the release folder.

    nbgrader runs as a subprocess of this Python (`python -m nbgrader`), from the course
    root so that it reads the course's nbgrader_config.py. The gradebook of that course
    root gets the assignment and its graded cells.
    """
    course_root = Path(course_root).resolve()
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
               f"--CourseDirectory.root={course_root}", "--log-level=WARN"]
    environment = dict(os.environ)
    # nbgrader runs alembic (the gradebook's migrations) from PATH: use this Python's.
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    result = subprocess.run(command, cwd=course_root, env=environment, capture_output=True, text=True,
                            check=False)
    release_dir = course_root / "release" / assignment
    if result.returncode != 0 or not release_dir.is_dir():
        raise ReleaseError(f"nbgrader generate_assignment failed (exit {result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return release_dir


def normalised_text(notebook_path):
    """A release notebook as committed: no outputs, no execution counts, no run metadata."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    text = nbformat.writes(notebook, version=4)
    return text if text.endswith("\n") else text + "\n"


def release_texts(release_dir):
    """{file name: normalised text} of every notebook of a release folder."""
    return {path.name: normalised_text(path) for path in sorted(Path(release_dir).glob(NOTEBOOK_PATTERN))}


def _differences(texts, notebooks_dir):
    """Names of the notebooks in notebooks_dir that differ from `texts`, are missing, or are extra."""
    notebooks_dir = Path(notebooks_dir)
    changed = []
    for name, text in texts.items():
        path = notebooks_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(name)
    extra = sorted(path.name for path in notebooks_dir.glob(NOTEBOOK_PATTERN) if path.name not in texts)
    return changed + extra


def _generate_in_copy(course_root, assignment):
    """Generate the release in a temporary copy of the course; return the normalised texts."""
    with tempfile.TemporaryDirectory(prefix="unet-release-") as temporary:
        copy = Path(temporary) / "course"
        copy.mkdir()
        shutil.copy2(Path(course_root) / "nbgrader_config.py", copy / "nbgrader_config.py")
        shutil.copytree(Path(course_root) / "source" / assignment, copy / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        return release_texts(generate(copy, assignment))


def release(check=False, course_root=COURSE_ROOT, notebooks_dir=NOTEBOOKS_DIR, assignment=ASSIGNMENT,
            quiet=False):
    """Generate the student notebooks and place them in `notebooks_dir` (or only compare).

    Args:
        check: if True, generate in a temporary copy of the course and change nothing.
        course_root: the nbgrader course root (holds nbgrader_config.py and source/).
        notebooks_dir: where the student notebooks go.
        assignment: the assignment id.
        quiet: print nothing.

    Returns:
        The names of the notebooks that changed (check=False) or would change (check=True):
        new, different, or no longer in the release (those are removed when not checking).
        An empty list means notebooks/ was (or is) up to date.

    Raises:
        ReleaseError: nbgrader failed; the message holds its output.
    """
    say = (lambda *args: None) if quiet else print
    if check:
        texts = _generate_in_copy(course_root, assignment)
        changed = _differences(texts, notebooks_dir)
        if changed:
            say(f"{notebooks_dir} is out of date ({', '.join(changed)}): run python -m grader.release")
        else:
            say(f"{notebooks_dir} is up to date ({len(texts)} notebooks)")
        return changed
    texts = release_texts(generate(course_root, assignment))
    if not texts:
        raise ReleaseError(f"nbgrader generated no notebooks from {Path(course_root) / 'source' / assignment}")
    notebooks_dir = Path(notebooks_dir)
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    changed = _differences(texts, notebooks_dir)
    for name, text in texts.items():
        if name in changed:
            (notebooks_dir / name).write_text(text, encoding="utf-8")
    for name in changed:
        if name not in texts:
            (notebooks_dir / name).unlink()
    say(f"released {assignment}: {len(texts)} notebooks in {notebooks_dir}"
        + (f" ({len(changed)} changed: {', '.join(changed)})" if changed else " (none changed)"))
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader.release", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if notebooks/ differs from a fresh release")
    args = parser.parse_args(argv)
    try:
        changed = release(check=args.check)
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
