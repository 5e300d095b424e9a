"""./start-course: the README's first command sets up and serves JupyterLab on a copy of notebooks/."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_start_course_serves_jupyterlab_without_a_browser(tmp_path):
    """Does `./start-course --no-browser` prepare the data, copy the notebooks and serve JupyterLab on the copy?"""
    port = _free_port()
    log = tmp_path / "start.log"
    work = tmp_path / "my-notebooks"  # where a learner's copy goes (my-notebooks/ by default)
    env = {**os.environ, "COURSE_DATA_PRESET": "fast", "COURSE_NO_BROWSER": "1", "COURSE_NOTEBOOK_DIR": str(work),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    with open(log, "w") as out:
        process = subprocess.Popen([str(REPO / "start-course"), f"--port={port}"], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=\w+", log.read_text())
            if match:
                url = match.group(0)
                break
            time.sleep(1)
        text = log.read_text()
        assert url, f"no JupyterLab URL within 180 s; output:\n{text[-3000:]}"
        assert "Course data:" in text and "Your notebooks:" in text
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            assert "JupyterLab" in response.read().decode("utf-8", "replace")
        api = url.replace("/lab?token=", "/api/contents?token=")
        with urllib.request.urlopen(api, timeout=30) as response:
            served = {item["name"] for item in json.load(response)["content"]}
        released = {p.name for p in (REPO / "notebooks").iterdir()
                    if not p.name.startswith(".") and (p.suffix == ".ipynb" or p.is_dir())}
        assert served == released  # the server's root is the copy, with every notebook
        assert {p.name for p in (work / "extension").iterdir()} == \
            {p.name for p in (REPO / "notebooks" / "extension").glob("*.ipynb")}
        css = url.replace("/lab?token=", "/custom/custom.css?token=")
        with urllib.request.urlopen(css, timeout=30) as response:  # the student's CSS (course/student_lab.py)
            assert "word-break: normal" in response.read().decode("utf-8")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
