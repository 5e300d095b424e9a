"""Seconds per submission: plain `nbgrader autograde`, ours on 1 and on 2 Dask workers, floor.

    .venv/bin/python benchmarks/bench_grading.py                       # toy course, 6 students
    .venv/bin/python benchmarks/bench_grading.py --course-root instructor -n 4   # the U-Net course

Every contender grades the same batch: N students who all handed in a copy of one
submission (default: a correct one, see benchmarks/common.py), each in a fresh workspace (nbgrader's
folders and gradebook) released once from the course's source; the scores each contender
wrote into its gradebook are printed too, so that a fast but wrong run shows. The floor is
what no grader can avoid: for each notebook of the submission, starting a kernel and running
its first code cell (the imports), one notebook after the other.

Besides wall time per submission it prints the CPU seconds each contender spent (its whole
process tree: workers and kernels) and how many cores that kept busy on average: on a small
machine the CPU work, not the waiting, decides what a second worker can add.

Prints a table, the slowest cells of one graded submission and the two targets of issue 6;
also writes benchmarks/results/grading-<assignment>.json.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TOY = REPO / "tests" / "grader" / "files" / "course"
RESULTS = REPO / "benchmarks" / "results"


def env_for(course_root):
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [str(course_root / p) for p in ("lib",) if (course_root / p).is_dir()])
    return env


def grader(*args, course_root, workspace, check=True):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args),
                           "--course-root", str(course_root), "--workspace", str(workspace)],
                          cwd=REPO, env=env_for(course_root), capture_output=True, text=True,
                          check=check)


def prepare(base, assignment, submission, students, workspace):
    """A copy of the released workspace `base` with `students` copies of `submission`."""
    shutil.copytree(base, workspace)
    for index in range(students):
        target = workspace / "submitted" / f"student{index:02d}" / assignment
        target.mkdir(parents=True)
        for notebook in Path(submission).glob("*.ipynb"):
            shutil.copyfile(notebook, target / notebook.name)
    return workspace


FLOOR = "floor (kernel start + imports)"
ONE, TWO = "ours, 1 Dask worker", "ours, 2 Dask workers"


def children_cpu():
    """CPU seconds (user + system) of this process's finished children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def slowest_cells(autograded, count=8):
    """[seconds, notebook, first line] of the slowest code cells of one graded submission.

    nbclient records when each cell started and finished in the cell's metadata.
    """
    from datetime import datetime

    def moment(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    student = min(path for path in autograded.iterdir() if path.is_dir())
    cells = []
    for path in sorted(student.rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            timing = cell.get("metadata", {}).get("execution", {})
            if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
                seconds = moment(timing["shell.execute_reply"]) - moment(timing["iopub.execute_input"])
                source = "".join(cell["source"]).strip().splitlines()
                cells.append([f"{seconds:.1f}", path.stem, (source[0] if source else "")[:70]])
    return sorted(cells, key=lambda row: -float(row[0]))[:count]


def timed(function):
    started = time.monotonic()
    result = function()
    return time.monotonic() - started, result


def total_scores(workspace, assignment):
    """Each student's total from the gradebook (to check that every contender really graded)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gradebook:
        return sorted(s.score for s in gradebook.assignment_submissions(assignment))


def plain_nbgrader(course_root, workspace, assignment):
    """`nbgrader autograde ASSIGNMENT` as its users run it (no sandbox, one process)."""
    env = env_for(course_root)
    env.setdefault("COURSE_SOURCE_DIR", str(course_root / "source" / assignment))
    command = [str(Path(sys.executable).parent / "nbgrader"), "autograde", assignment, "--force",
               f"--CourseDirectory.root={workspace}",
               f"--CourseDirectory.source_directory={course_root / 'source'}",
               f"--NbGrader.logfile={workspace / '.nbgrader.log'}"]
    process = subprocess.run(command, cwd=course_root, env=env, capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"nbgrader autograde failed:\n{process.stderr[-3000:]}")


def floor(course_root, workspace, assignment):
    """Seconds to start one kernel per notebook and run its first code cell (the imports)."""
    import nbformat
    from nbclient import NotebookClient

    total = 0.0
    release = workspace / "release" / assignment
    env_backup = dict(os.environ)
    os.environ.update(env_for(course_root))
    try:
        for path in sorted(release.glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            first = next(c for c in notebook.cells if c.cell_type == "code")
            single = nbformat.v4.new_notebook(cells=[first], metadata=notebook.metadata)
            seconds, _ = timed(lambda: NotebookClient(
                single, timeout=600, kernel_name="python3", allow_errors=True,
                resources={"metadata": {"path": str(release)}}).execute())
            total += seconds
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-root", type=Path, default=TOY)
    parser.add_argument("--assignment", default=None)
    parser.add_argument("--submission", type=Path, default=None,
                        help="folder of one submission to replicate (default: a correct one)")
    parser.add_argument("-n", "--students", type=int, default=6)
    parser.add_argument("--skip-plain", action="store_true", help="do not run plain nbgrader")
    parser.add_argument("--floor-repeats", type=int, default=3, help="measurements of the floor (median)")
    args = parser.parse_args(argv)
    course_root = args.course_root.resolve()
    from benchmarks.common import correct_submission, machine_line, print_table
    from grader.courseroot import CourseRoot

    assignment = args.assignment or CourseRoot(course_root).assignment
    n = args.students

    print(machine_line(), flush=True)
    rows, cpu, scores = {}, {}, {}
    serial, parallel = ONE, TWO
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        scratch = Path(scratch)
        submission = args.submission or correct_submission(course_root, scratch)
        base = scratch / "base"
        grader("release", course_root=course_root, workspace=base)
        print(f"batch: {n} copies of {submission} ({assignment}, "
              f"{len(list(Path(submission).glob('*.ipynb')))} notebooks)", flush=True)
        floors = [floor(course_root, base, assignment) for _ in range(args.floor_repeats)]
        rows[FLOOR] = statistics.median(floors)
        print(f"  floor: {rows[FLOOR]:.2f} s per submission (median of "
              f"{', '.join(f'{f:.1f}' for f in floors)})", flush=True)
        contenders = [] if args.skip_plain else [("plain nbgrader autograde", None)]
        contenders += [(serial, 1), (parallel, 2)]
        for label, workers in contenders:
            workspace = prepare(base, assignment, submission, n, scratch / f"run{len(rows)}")
            def run(workers=workers, workspace=workspace):
                if workers is None:
                    return plain_nbgrader(course_root, workspace, assignment)
                return grader("autograde", "--workers", workers, "--quiet", course_root=course_root,
                              workspace=workspace)
            before = children_cpu()
            seconds, _ = timed(run)
            rows[label] = seconds / n
            cpu[label] = (children_cpu() - before) / n
            scores[label] = total_scores(workspace, assignment)
            print(f"  {label}: {seconds / n:.2f} s per submission, scores {scores[label]}", flush=True)
            if label == serial:
                slowest = slowest_cells(workspace / "autograded")
    if len({tuple(v) for v in scores.values()}) > 1:
        print(f"WARNING: the contenders disagree on the scores: {scores}")

    load = os.getloadavg()
    report = {"course": str(course_root), "assignment": assignment, "students": n,
              "machine": machine_line(),
              "load_average": [round(x, 2) for x in load],
              "seconds_per_submission": {k: round(v, 2) for k, v in rows.items()},
              "cpu_seconds_per_submission": {k: round(v, 2) for k, v in cpu.items()},
              "scores": scores}
    print(f"\n{n} submissions each; load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    table = []
    for label, value in rows.items():
        used = cpu.get(label)
        table.append([label, f"{value:.1f}", f"{value / rows[FLOOR]:.2f}",
                      f"{rows[serial] / value:.2f}" if label != FLOOR else "",
                      f"{used:.1f}" if used is not None else "", f"{used / value:.2f}" if used else ""])
    print_table(["", "s per submission", "x floor", "throughput vs serial", "CPU s per submission",
                 "cores busy"], table)
    print("\nSlowest cells of one submission graded serially (from the executed notebooks):")
    for seconds, notebook, first_line in slowest:
        print(f"  {seconds:>5} s  {notebook:<14} {first_line}")
    ratio, speedup = rows[serial] / rows[FLOOR], rows[serial] / rows[parallel]
    print(f"\nTarget: serial within 1.3x the floor: {ratio:.2f}x, {'met' if ratio <= 1.3 else 'MISSED'}")
    print(f"Target: 2 workers at least 1.7x serial throughput: {speedup:.2f}x, "
          f"{'met' if speedup >= 1.7 else 'MISSED'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"grading-{assignment}.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
