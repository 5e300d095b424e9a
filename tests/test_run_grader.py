"""./run-grader: the instructor's first command in a fresh clone creates the environment, then grades."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a fresh Python with nbgrader: seconds
def test_it_runs_the_grader_from_any_folder(tmp_path):
    """Does `./run-grader --help`, run from another folder, print the grader's commands?"""
    done = subprocess.run([str(REPO / "run-grader"), "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for command in ("release", "collect", "autograde", "feedback", "export", "check"):
        assert command in done.stdout


def test_without_an_environment_it_creates_one_first(tmp_path):
    """With no virtual environment yet (a fresh clone), does it create one before anything else?"""
    venv = tmp_path / "venv"
    env = {**os.environ, "COURSE_VENV": str(venv), "COURSE_VENV_DRY_RUN": "1"}  # create it, install nothing
    done = subprocess.run([str(REPO / "run-grader"), "--help"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert f"Creating the virtual environment in {venv}" in done.stdout, done.stdout + done.stderr
    assert (venv / "bin" / "python").exists()
