"""Peak resident memory: the training notebook's run, and one grading worker with its kernels.

    .venv/bin/python benchmarks/bench_memory.py [--epochs N] [--skip-notebook] [--skip-grading]

1. Training notebook: runs notebook 5 (the instructor's source, so its functions are filled in)
   headless with the student's settings, not fast mode, on the default scene set, and reports
   the kernel's peak resident set (the kernel's own high-water mark, read in an extra last
   cell) and the run's wall time. --epochs N trains fewer epochs than the notebook's default
   (the peak is reached in the first epoch, when the cache fills); the default runs it all.
2. Grading worker: grades one copy of the solution with `python -m grader autograde`
   (one worker, sandbox and limits as configured) while sampling, every 0.1 s, the resident
   memory of the worker process plus the kernel it is running (PSS would be lower: shared
   libraries are counted in full in each process). Also prints the grader's own per-notebook
   kernel peaks (its memory watchdog's figures).

Targets (issue 6): training under 3 GiB, a grading worker under 2 GiB.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, machine_line, print_table

SOURCE = REPO / "instructor" / "source" / "unet"
TRAINING = SOURCE / "05_training.ipynb"
GIB = 2**30
PEAK_CELL = ("import resource\n"
             "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


class TreeSampler(threading.Thread):
    """Samples the summed resident memory of a process tree; keeps the peak per group.

    `group(process)` names the group a process belongs to (None = not counted).
    """

    def __init__(self, root_pid, group, interval=0.1):
        super().__init__(daemon=True)
        self.root_pid, self.group, self.interval = root_pid, group, interval
        self.peaks = {}
        self.stopped = threading.Event()

    def run(self):
        import psutil

        try:
            root = psutil.Process(self.root_pid)
        except psutil.Error:
            return
        while not self.stopped.is_set():
            totals = {}
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                try:
                    name = self.group(process)
                    if name is not None:
                        totals[name] = totals.get(name, 0) + process.memory_info().rss
                except psutil.Error:
                    continue
            for name, total in totals.items():
                self.peaks[name] = max(self.peaks.get(name, 0), total)
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.join()


def training_notebook(epochs):
    """(peak kernel RSS in bytes, sampled peak of the kernel tree, wall seconds, settings line)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(TRAINING, as_version=4)
    if epochs is not None:
        cell = next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("run = settings()"))
        cell.source = cell.source.replace("run = settings()", f"run = settings(epochs={epochs})", 1)
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    for name in ("NBGRADER_EXECUTION", "COURSE_FAST"):
        os.environ.pop(name, None)
    client = NotebookClient(notebook, timeout=3600, kernel_name="python3",
                            resources={"metadata": {"path": str(SOURCE)}})
    started = time.perf_counter()
    with client.setup_kernel():
        sampler = TreeSampler(client.km.provisioner.process.pid, lambda process: "kernel")
        sampler.start()
        try:
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
        finally:
            sampler.stop()
    seconds = time.perf_counter() - started
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    peak_kb = int(printed.split("PEAK_RSS_KB", 1)[1].split()[0])
    settings_cell = next(c for c in notebook.cells if c.cell_type == "code" and "run = settings(" in c.source)
    settings_line = "".join(o.get("text", "") for o in settings_cell.outputs).strip().splitlines()[0]
    return peak_kb * 1024, sampler.peaks.get("kernel", 0), seconds, settings_line


def grading_worker():
    """(sampled peak of worker + kernel in bytes, the grader's per-notebook kernel peaks, seconds)."""
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        workspace = Path(scratch) / "workspace"
        subprocess.run([python, "-m", "grader", "release", "--nbgrader-only", "--course-root", "grader",
                        "--workspace", str(workspace)], cwd=REPO, env=env, check=True, capture_output=True)
        target = workspace / "submitted" / "student00" / "unet"
        target.mkdir(parents=True)
        for notebook in SOURCE.glob("*.ipynb"):
            shutil.copyfile(notebook, target / notebook.name)
        started = time.perf_counter()
        process = subprocess.Popen([python, "-m", "grader", "autograde", "--workers", "1", "--quiet",
                                    "--course-root", "grader", "--workspace", str(workspace)],
                                   cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def worker_group(member):
            """The grader's child that `member` descends from: a worker (or the prepare step)."""
            if member.pid == process.pid:
                return None
            for ancestor in [member, *member.parents()]:
                if ancestor.ppid() == process.pid:
                    return ancestor.pid
            return None

        sampler = TreeSampler(process.pid, worker_group)
        sampler.start()
        output, _ = process.communicate()
        sampler.stop()
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"grader autograde failed:\n{output[-3000:]}")
        record = next((workspace / "autograde-results").rglob("*.json"), None) if \
            (workspace / "autograde-results").exists() else None
        peaks = {}
        if record is not None:
            data = json.loads(record.read_text())
            peaks = {name: entry.get("peak_memory_mb") for name, entry in data.get("notebooks", {}).items()}
    return max(sampler.peaks.values(), default=0), peaks, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None,
                        help="train this many epochs in the notebook (default: the notebook's own)")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--skip-grading", action="store_true")
    args = parser.parse_args(argv)
    print(machine_line(), flush=True)
    rows = []
    if not args.skip_notebook:
        peak, sampled, seconds, settings_line = training_notebook(args.epochs)
        print(f"  training notebook: {settings_line}; run all took {seconds:.0f} s", flush=True)
        rows.append(["training notebook (kernel)", f"{peak / GIB:.2f}", f"{sampled / GIB:.2f}", "3.00",
                     "met" if peak < 3 * GIB else "MISSED"])
    if not args.skip_grading:
        sampled, peaks, seconds = grading_worker()
        print(f"  grading one solved submission took {seconds:.0f} s; the grader's kernel peaks (MB): "
              f"{peaks or 'not recorded'}", flush=True)
        rows.append(["one grading worker (worker + kernel)", "", f"{sampled / GIB:.2f}", "2.00",
                     "met" if sampled < 2 * GIB else "MISSED"])
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"  (this script's own peak: {me / GIB:.2f} GiB)\n")
    print_table(["process", "peak RSS GiB (own high-water mark)", "peak RSS GiB (sampled)", "target GiB",
                 "target"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
