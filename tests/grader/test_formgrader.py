"""The formgrader: nbgrader's instructor UI on a course, for browsing and manual grading only."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

from tests.grader.cluster import free_port
from tests.grader.support import REPO, download_of, run_grader
from tests.helpers import jupyter_token


def test_the_formgrader_serves_and_its_autograde_is_refused(fresh_course, tmp_path):
    """Does `grader formgrader` serve nbgrader's formgrader, whose Autograde refuses to run student code?"""
    run_grader("collect", download_of(["correct"], tmp_path / "download"), "--course-root", fresh_course)
    port = free_port()
    log = tmp_path / "formgrader.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "grader", "formgrader", "--course-root", str(fresh_course),
                                    "--no-browser", "--port", str(port)], cwd=REPO, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        token = jupyter_token(log, port, process, timeout=180)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/formgrader/api/assignments?token={token}", timeout=60) as response:
            assignments = json.load(response)
        assert [a["name"] for a in assignments] == ["toy"]
        request = urllib.request.Request(f"{base}/formgrader/api/submission/toy/correct/autograde", data=b"",
                                         method="POST", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        assert answer["success"] is False
        assert "python -m grader autograde" in (answer.get("error", "") + answer.get("log", ""))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_plain_nbgrader_autograde_is_refused_too(fresh_course, tmp_path):
    """Does `nbgrader autograde` on the course stop with the message instead of grading outside the sandbox?"""
    run_grader("collect", download_of(["correct"], tmp_path / "download"), "--course-root", fresh_course)
    result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "toy", f"--CourseDirectory.root={fresh_course}"],
                            cwd=fresh_course, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"})
    assert result.returncode != 0
    assert "python -m grader autograde" in result.stdout + result.stderr
    # nbgrader removes the failed assignment's folder (autograded/correct/toy); its student folder may stay, empty
    assert not list((fresh_course / "autograded").rglob("*.ipynb"))
