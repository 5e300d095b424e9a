"""Helpers for the tests that run, release and grade the course notebooks (plain functions)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from course.notebook_code import is_test_cell as is_test_cell  # the course's one test-cell predicate, for the tests
from course.notebook_code import load_definitions
from course.reference import source_notebooks

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "instructor" / "source" / "unet"
NOTEBOOKS_DIR = REPO / "notebooks"
NOTEBOOK_NAMES = [path.name for path in sorted(SOURCE_DIR.glob("[0-9][0-9]_*.ipynb"))]

SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cell_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def function_under_test(cells, index):
    """The graded function a test cell tests: the nearest solution cell above it."""
    for cell in reversed(cells[:index]):
        if nbgrader_meta(cell).get("solution"):
            return nbgrader_meta(cell)["grade_id"]
    raise AssertionError(f"test cell {index} has no solution cell above it")


def kernel_environment(**changes):
    """os.environ for a notebook kernel: the repository importable, plus `changes`."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment.setdefault("NO_COLOR", "1")
    environment.update(changes)
    return environment


def execute_notebooks(paths, allow_errors, jobs=2, timeout=600, **environment):
    """Execute notebooks, each in its own folder and kernel, `jobs` at a time, started in the order given
    (put the longest first); return {path: (notebook, seconds)}.

    Each kernel gets os.environ with `environment` added (e.g. COURSE_FAST="1"); the test process's own
    environment is left alone. Several kernels at once use both cores while one of them imports TensorFlow.
    """
    import asyncio

    from nbclient import NotebookClient

    paths = [Path(path) for path in paths]
    env = kernel_environment(**environment)

    async def run_all():
        gate = asyncio.Semaphore(jobs)

        async def run_one(path):
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                    resources={"metadata": {"path": str(path.parent)}})
            async with gate:
                start = time.perf_counter()
                await client.async_execute(env=env)
                return notebook, time.perf_counter() - start

        return await asyncio.gather(*(run_one(path) for path in paths))

    return dict(zip(paths, asyncio.run(run_all())))


def errors_of(notebook):
    """[(cell index, cell, error output)] for every cell that raised."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append((index, cell, output))
    return found


def copy_notebooks(source_dir, target_dir):
    """Copy the NN_*.ipynb notebooks of a folder; return the target folder."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source_dir).glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(path, target_dir / path.name)
    return target_dir


def patch_solution(notebook, grade_id, old, new):
    """Replace `old` by `new` in the solution cell `grade_id` of a notebook dict (old must occur)."""
    for cell in notebook["cells"]:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            text = cell_text(cell)
            assert old in text, f"patch text not in solution cell {grade_id}: {old!r}"
            cell["source"] = text.replace(old, new, 1)
            return notebook
    raise AssertionError(f"no cell {grade_id}")


def patched_definitions(folder, patch, names):
    """The reference solution edited: a deliberately wrong student (the one place that builds one).

    Writes every source notebook into `folder`, each first handed to `patch(path, notebook dict)`
    to edit in place, and loads `names` from them all (so one copy of the solution serves).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in source_notebooks():
        notebook = json.loads(source.read_text(encoding="utf-8"))
        patch(source, notebook)
        target = folder / source.name
        target.write_text(json.dumps(notebook), encoding="utf-8")
        paths.append(target)
    return load_definitions(paths, names=names)


def wrong_solution(tmp_path, grade_id, old, new, name=None):
    """The reference solution with one edit in the solution cell `grade_id`: a wrong student.

    Returns the function `name` (default: grade_id), loaded with every source notebook's
    definitions, the patched one included.
    """
    def patch(source, notebook):
        if any(nbgrader_meta(cell).get("grade_id") == grade_id for cell in notebook["cells"]):
            patch_solution(notebook, grade_id, old, new)

    name = name or grade_id
    return patched_definitions(Path(tmp_path) / f"wrong-{grade_id}", patch, [name])[name]


def solved_submission(release_dir, source_dir, target_dir, patches=()):
    """Release notebooks with the source's solution cells put back: a student who solved everything.

    `patches` are (grade_id, old, new) edits applied to the solution cells afterwards, to
    make a deliberately wrong submission.
    """
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    for release in sorted(Path(release_dir).glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(release.read_text(encoding="utf-8"))
        source = json.loads((Path(source_dir) / release.name).read_text(encoding="utf-8"))
        solutions = {nbgrader_meta(cell)["grade_id"]: cell_text(cell)
                     for cell in source["cells"] if nbgrader_meta(cell).get("solution")}
        for cell in notebook["cells"]:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id in solutions:
                cell["source"] = solutions[grade_id]
        for grade_id, old, new in patches:
            if grade_id in solutions:
                patch_solution(notebook, grade_id, old, new)
        (target_dir / release.name).write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return target_dir


def run_nbgrader(course_root, *arguments, timeout=3600):
    """Run `python -m nbgrader ...` in a course root; return the CompletedProcess (checked)."""
    environment = kernel_environment()
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    result = subprocess.run([sys.executable, "-m", "nbgrader", *arguments, f"--CourseDirectory.root={course_root}"],
                            cwd=course_root, env=environment, capture_output=True, text=True, timeout=timeout,
                            check=False)
    assert result.returncode == 0, f"nbgrader {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
    return result
