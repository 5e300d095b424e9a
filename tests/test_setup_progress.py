"""The first ./start-course shows its progress: the install, package by package, and the scenes.

A first run took 490 s on a loaded machine (install 168 s, scenes 306 s) with nothing on the
screen for minutes. The install's pip output becomes one numbered line per package
(tools/venv.sh; uv draws its own progress), and the scene generation says what it draws and
how long it may take before its progress bar.
"""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PIP_OUTPUT = """Collecting numpy==2.1.0
  Downloading numpy-2.1.0.whl (16 MB)
Collecting pillow==11.0
  Using cached pillow-11.0.whl
Installing collected packages: numpy, pillow
Successfully installed numpy-2.1.0 pillow-11.0
"""


def test_a_pip_install_shows_one_numbered_line_per_package(tmp_path):
    """Does the install print [k/N] for each package, N from the requirements, and say when it installs?"""
    python = tmp_path / "venv" / "bin" / "python"  # a stand-in for the environment's pip: prints pip's lines
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\ncat <<'END'\n{PIP_OUTPUT}END\n")
    python.chmod(0o755)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nnumpy==2.1.0\npillow==11.0\n")
    env = {**os.environ, "COURSE_VENV": str(tmp_path / "venv"), "COURSE_INSTALLER": "pip"}
    done = subprocess.run(["bash", "-c", f"source tools/venv.sh && _install -r {requirements}"], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[:2] == ["  [1/2] numpy==2.1.0", "  [2/2] pillow==11.0"], done.stdout
    assert any("installing the 2 packages" in line for line in lines), done.stdout
    assert "Downloading" not in done.stdout and "Successfully installed" in done.stdout


def test_drawing_the_scenes_says_what_and_how_long_then_counts(tmp_path):
    """Does the first scene generation announce itself with a time range, then show a counting bar?"""
    script = ("from course.data_setup import ensure_dataset; "
              f"ensure_dataset(count=3, height=24, width=32, root={str(tmp_path)!r}, progress=True)")
    done = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-c", script], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=300)
    assert "Drawing the course's 3 driving scenes" in done.stderr and "only the first time" in done.stderr, done.stderr
    assert "Drawing scenes" in done.stderr and "3/3" in done.stderr, done.stderr
