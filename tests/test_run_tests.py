"""./run-tests: the quick loop spreads over the cores (pytest-xdist); a run with the slow tests does not."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TARGET = "tests/test_gpu_choice.py::test_no_gpu_gets_the_cpu_wheel"  # no TensorFlow: a second


def ran(*args):
    """The output of ./run-tests running TARGET with these arguments."""
    done = subprocess.run([str(REPO / "run-tests"), *args, "-q", "-p", "no:cacheprovider", TARGET],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # four pytest processes, one with workers: about 10 s
def test_only_the_quick_loop_is_spread_over_the_cores():
    """Does `-m "not slow"` start xdist workers, while a plain run, `-n 0` and `-p no:xdist` stay in one process?"""
    assert "bringing up nodes" in ran("-m", "not slow")
    assert "bringing up nodes" not in ran()
    assert "bringing up nodes" not in ran("-m", "not slow", "-n", "0")
    assert "bringing up nodes" not in ran("-m", "not slow", "-p", "no:xdist")  # no -n for a pytest without it
