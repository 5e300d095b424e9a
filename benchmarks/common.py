"""Shared by the benchmark scripts: machine description, medians, plain tables."""

import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"  # git-ignored: what the scripts write besides their output


def machine_line():
    """One line saying what the figures were measured on, GPU included when TensorFlow sees one."""
    import course.tensorflow_setup
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    accelerator = f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}" if gpus else "no GPU"
    return (f"{platform.node()}: {os.cpu_count()} CPU cores, {accelerator}, "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}")


def median(values):
    return statistics.median(values)


def print_table(header, rows):
    """Print rows as an aligned plain-text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        print("  ".join(cell.rjust(widths[i]) if i else cell.ljust(widths[i])
                        for i, cell in enumerate(row)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def run_worker(script, args, env_changes=None, timeout=1800):
    """Run `script` in a fresh Python (TensorFlow settings need a fresh process); return stdout."""
    env = {**os.environ, **(env_changes or {})}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def correct_submission(course_root, scratch):
    """A folder holding one correct submission of `course_root`'s default assignment.

    The toy course of the tests has one on file; for the U-Net course it is built from the
    instructor's solution by tests/grader/corpus/build_corpus.py (scenario baseline-solution),
    since a source notebook itself, solution markers and all, is not accepted as an answer.
    """
    toy = REPO / "tests" / "grader" / "files"
    if Path(course_root).resolve() == (toy / "course").resolve():
        return toy / "submissions" / "correct"
    out = Path(scratch) / "corpus"
    subprocess.run([sys.executable, str(REPO / "tests" / "grader" / "corpus" / "build_corpus.py"),
                    "--out", str(out), "baseline-solution"], cwd=REPO, check=True, capture_output=True)
    return sorted(path.parent for path in out.rglob("*.ipynb"))[0]
