"""./run-tests spreads the tests over the cores (pytest-xdist) unless told not to."""

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


@pytest.mark.slow  # four pytest processes, two with workers: about 10 s
def test_runs_are_spread_over_the_cores_unless_told_not_to():
    """Do a plain run and the quick loop start xdist workers, while `-n 0` and `-p no:xdist` stay in one process?"""
    assert "bringing up nodes" in ran("-m", "not slow")
    assert "bringing up nodes" in ran()
    assert "bringing up nodes" not in ran("-m", "not slow", "-n", "0")
    assert "bringing up nodes" not in ran("-p", "no:xdist")  # no -n for a pytest without it
