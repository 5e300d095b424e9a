"""Beyond one machine: the Dask scheduler's overhead, the gradebook writer's pace, a cost model.

    .venv/bin/python benchmarks/bench_cluster.py                   # U-Net course, 500 tasks
    .venv/bin/python benchmarks/bench_cluster.py -n 100 --course-root tests/grader/files/course

Throughput with 1 and 2 Dask workers (seconds and CPU seconds per submission) is measured by
benchmarks/bench_grading.py; this script measures what a cluster adds around it and reads
that script's figures (benchmarks/results/grading-<assignment>.json) for the cost model:

1. one real submission (the instructor's solution, built by tests/grader/corpus/build_corpus.py,
   or the toy course's correct one) graded by `grader autograde`, as the shape of a result;
2. the scheduler alone: N tasks that return at once, each carrying a submission's files, on a
   local cluster of 2 worker processes (milliseconds of overhead per task);
3. the client/writer path: N students whose tasks return that graded result unchanged, through
   the same Batch and DaskExecutor as `grader autograde` (reading each submission, shipping the
   executed notebooks back, saving into the SQLite gradebook, writing the record), so the
   writer's seconds per submission show how many grading cores one client can keep up with;
4. on paper: 10,000 submissions on N nodes, from the measured CPU seconds per submission.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.common import RESULTS, correct_submission, print_table
from benchmarks.bench_grading import ONE, TWO
from grader.executors import DaskExecutor



def grader(*args, root, workspace, check=True):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args), "--course-root", str(root),
                           "--workspace", str(workspace)], cwd=REPO, env=env, capture_output=True,
                          text=True, check=check)


def place(workspace, assignment, submission, students):
    for index in range(students):
        target = workspace / "submitted" / f"s{index:04d}" / assignment
        target.mkdir(parents=True)
        for path in submission.glob("*"):
            if path.is_file():
                shutil.copyfile(path, target / path.name)


def graded_result(workspace, assignment):
    """The result `grade_task` returned for the one graded student, rebuilt from what was saved."""
    student = next(p.name for p in (workspace / "submitted").iterdir())
    record = json.loads((workspace / "autograde-results" / assignment / f"{student}.json").read_text())
    executed = workspace / "autograded" / student / assignment
    notebooks = {}
    for name, entry in record["notebooks"].items():
        path = executed / f"{name}.ipynb"
        notebooks[name] = {**entry, "executed": path.read_text(encoding="utf-8") if path.exists() else None}
    return {**{k: v for k, v in record.items() if k not in ("notebooks", "fingerprint", "score", "max_score")},
            "notebooks": notebooks, "status": "graded"}


def canned_task(task, template, path):
    """Stands for grading on a worker: a real grading's result (read from `path`), for this student."""
    return {**json.loads(Path(path).read_text(encoding="utf-8")), "student": task["student"]}


class Canned(DaskExecutor):
    """The real executor, its worker function replaced by `canned_task`."""

    def __init__(self, path, **kwargs):
        super().__init__(**kwargs)
        import functools

        self.task = functools.partial(canned_task, path=str(path))


def scheduler_overhead(count, payload):
    """Milliseconds per task for `count` tasks that return at once, each carrying `payload`."""
    from distributed import as_completed

    executor = DaskExecutor(workers=2)
    with executor.client() as client:
        client.submit(len, b"warm-up").result()
        started = time.perf_counter()
        futures = [client.submit(len, payload, pure=False) for _ in range(count)]
        for future in as_completed(futures, loop=client.loop):
            future.result()
        return (time.perf_counter() - started) * 1000 / count


class OneAtATime:
    """The same executor as the batch sees it before batched saving: one result handed over at a time."""

    def __init__(self, executor):
        self.executor = executor

    def grade(self, tasks, template):
        return self.executor.grade(tasks, template)


def writer_path(root, assignment, base, submission, result, count, scratch, batched=True):
    """Seconds per submission through Batch + DaskExecutor + gradebook with canned results.

    `batched`: every result back at a moment is saved by one nbgrader run (today's client);
    without, one nbgrader run per submission (the client before it), for the side-by-side figure.
    """
    from grader.batch import Batch
    from grader.courseroot import CourseRoot

    workspace = scratch / ("writer" if batched else "writer-one-at-a-time")
    shutil.copytree(base, workspace, ignore=shutil.ignore_patterns("submitted", "autograded", "autograde-results"))
    place(workspace, assignment, submission, count)
    course = CourseRoot(root, assignment)
    course.use_workspace(workspace)
    canned = scratch / "result.json"
    canned.write_text(json.dumps(result), encoding="utf-8")
    executor = Canned(canned, workers=2)
    batch = Batch(course, executor if batched else OneAtATime(executor), quiet=True)
    started = time.perf_counter()
    summary = batch.run()
    seconds = time.perf_counter() - started
    scores = {r["score"] for r in summary["graded"]}
    return seconds / count, len(summary["graded"]), len(summary["failed"]), scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-root", type=Path, default=REPO / "instructor")
    parser.add_argument("--assignment", default=None, help="default: the course's own default")
    parser.add_argument("-n", "--tasks", type=int, default=500)
    parser.add_argument("--submissions", type=int, default=10_000, help="the cost model's batch")
    args = parser.parse_args(argv)
    root = args.course_root.resolve()
    from grader.courseroot import CourseRoot

    assignment = args.assignment or CourseRoot(root).assignment
    print(f"{os.cpu_count()} CPU cores; course {root.relative_to(REPO)}, assignment {assignment}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
        scratch = Path(scratch)
        base = scratch / "base"
        grader("release", root=root, workspace=base)
        submission = correct_submission(root, scratch)
        files_bytes = sum(p.stat().st_size for p in submission.glob("*") if p.is_file())
        one = scratch / "one"
        shutil.copytree(base, one)
        place(one, assignment, submission, 1)
        started = time.perf_counter()
        grader("autograde", "--quiet", root=root, workspace=one)
        one_seconds = time.perf_counter() - started
        result = graded_result(one, assignment)
        result_bytes = len(json.dumps(result))
        print(f"1. one submission graded in {one_seconds:.1f} s (whole command, cluster start included); "
              f"{files_bytes / 1024:.0f} kB handed in, {result_bytes / 1024:.0f} kB of result", flush=True)

        overhead_ms = scheduler_overhead(args.tasks, os.urandom(files_bytes))
        print(f"2. scheduler: {overhead_ms:.1f} ms per task ({args.tasks} tasks of {files_bytes / 1024:.0f} kB, "
              f"2 local workers)", flush=True)

        one_s, graded_one, failed_one, scores_one = writer_path(root, assignment, base, submission, result,
                                                                args.tasks, scratch, batched=False)
        writer_s, graded, failed, scores = writer_path(root, assignment, base, submission, result, args.tasks, scratch)
        print(f"3. client/writer path: {writer_s * 1000:.0f} ms per submission, {1 / writer_s:.1f} submissions/s "
              f"({graded} graded, {failed} failed, scores {sorted(scores)}); one nbgrader run per submission "
              f"instead: {one_s * 1000:.0f} ms ({graded_one} graded, {failed_one} failed, scores "
              f"{sorted(scores_one)}): batched saving is {one_s / writer_s:.1f}x faster", flush=True)

    measured = RESULTS / f"grading-{assignment}.json"
    if not measured.exists():
        print(f"\n4. no cost model: run benchmarks/bench_grading.py --course-root {root.relative_to(REPO)} "
              f"first (it writes {measured.relative_to(REPO)})")
        return 0
    figures = json.loads(measured.read_text())
    cpu = figures["cpu_seconds_per_submission"][TWO]
    per_sub = figures["seconds_per_submission"]
    efficiency = per_sub[ONE] / per_sub[TWO] / 2
    writer_rate = 1 / writer_s
    print(f"\n4. cost model for {args.submissions:,} submissions: {cpu:.1f} CPU s per submission "
          f"(bench_grading, 2 workers), parallel efficiency {efficiency:.2f} per core measured on 2 cores; "
          f"one writer saves {writer_rate:.1f} submissions/s")
    rows = []
    for nodes, cores in [(1, 2), (1, 16), (10, 16), (50, 16), (100, 16), (400, 16)]:
        grading_rate = nodes * cores * efficiency / cpu
        rate = min(grading_rate, writer_rate)
        hours = args.submissions / rate / 3600
        rows.append([f"{nodes} x {cores} cores", f"{grading_rate:.2f}", f"{hours:.1f}",
                     "writer" if writer_rate < grading_rate else "CPU (kernels + TensorFlow)"])
    print_table(["cluster", "graded/s", "hours", "bottleneck"], rows)
    handed_in, results = args.submissions * files_bytes / 2**30, args.submissions * result_bytes / 2**30
    print(f"CPU total: {args.submissions * cpu / 3600:.0f} CPU-hours; data: {handed_in:.1f} GiB handed in, "
          f"{results:.1f} GiB of results to the client")
    return 0


if __name__ == "__main__":
    sys.exit(main())
