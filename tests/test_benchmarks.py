"""The benchmark scripts: each one starts and explains itself (their figures are not tested)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks_and_a_run_all_that_names_each():
    """Does run_all run every bench_*.py script (both in its full and its quick mode)?"""
    run_all = (REPO / "benchmarks" / "run_all").read_text()
    assert os.access(REPO / "benchmarks" / "run_all", os.X_OK)
    missing = [s.name for s in SCRIPTS if s.name not in run_all and s.name != "bench_learnability.py"]
    assert len(SCRIPTS) >= 5 and not missing, missing


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_each_script_starts_and_prints_its_usage(script):
    """Does `python benchmarks/X.py --help` exit 0 and describe the script (no syntax or import error)?"""
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                            cwd=REPO, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:"), result.stdout
