"""Helpers of the tests of nbgrader's own entry points: a graded course, the commands, the formgrader.

A graded course is the toy course released, collected, autograded and given feedback by the
grader's real commands, for three students: `correct`, `fails-hidden-test`, and `shows-a-script`,
whose right `add` also displays HTML that runs a script (SCRIPT) where it is shown as a page. What a test looks
for in the files an entry point could write is every line of the source notebooks' hidden-test
regions, found here by reading the markers (not with the grader's own code, which is under test).
"""

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.grader.cluster import free_port
from tests.grader.support import ASSIGNMENT, REPO, copy_course, download_of, run_grader
from tests.helpers import jupyter_token

STUDENTS = ["correct", "fails-hidden-test"]
SCRIPTED = "shows-a-script"
SCRIPT = "document.title = 'run by a student'; window.studentScript = 1"
BIN = Path(sys.executable).parent


def graded_course(released, target):
    """A copy of the released toy course at `target`: three students collected, autograded, with feedback."""
    root = copy_course(released, target)
    download = download_of(STUDENTS, Path(target).parent / "download")
    _scripted_submission(download / "correct", download / SCRIPTED)
    run_grader("collect", download, "--course-root", root)
    run_grader("autograde", "--course-root", root, "--quiet")
    run_grader("feedback", "--course-root", root)
    return root


def _scripted_submission(model, folder):
    """`model` with its `add` cell also displaying HTML whose script and event handler run where it is shown."""
    shutil.copytree(model, folder)
    path = folder / "01_basics.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "add")
    html_text = f'<img src="x" onerror="{SCRIPT}"><script>{SCRIPT}</script>'
    shows = f"\nfrom IPython.display import HTML, display\ndisplay(HTML({html_text!r}))\n"
    cell["source"] = "".join(cell["source"]) + shows
    path.write_text(json.dumps(notebook), encoding="utf-8")


def grader_command(name, course):
    """The start of the command a refusal must name, e.g. `python -m grader feedback --course-root ROOT`."""
    return f"python -m grader {name} --course-root {Path(course).resolve()}"


def nbgrader(course, *args, env=None, timeout=300):
    """`nbgrader ARGS` run in the course root, as an instructor types it; returns the CompletedProcess."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    return subprocess.run([str(BIN / "nbgrader"), *map(str, args)], cwd=course, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def said(process):
    return process.stdout + process.stderr


def hidden_lines(course):
    """The distinctive lines of the hidden-test regions of the course's source notebooks."""
    lines = set()
    for path in sorted((Path(course) / "source" / ASSIGNMENT).glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            inside = False
            for line in source.split("\n"):
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) >= 10 and not line.strip().startswith("#"):
                    lines.add(line.strip())
    assert lines, "the toy course's source notebooks hold no hidden test: nothing to look for"
    return lines


def _readings(path):
    """The texts of a file as a reader would see them: raw, as a page (tags out, entities decoded), as JSON."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    texts = [raw, html.unescape(re.sub(r"<[^>]+>", "", raw))]
    try:
        texts.append("\n".join(_strings(json.loads(raw))))
    except ValueError:
        pass
    return texts


def _strings(value):
    """Every string in a JSON document (a notebook's cell sources and outputs), joined lists included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            yield "".join(value)
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def leaks(folder, secrets):
    """(file, hidden line) for every file under `folder` in which a reader would find a hidden-test line."""
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink()):
        for secret in secrets:
            if any(secret in text for text in _readings(path)):
                found.append((str(path), secret))
    return found


def submission_id(course, student, notebook="01_basics"):
    """The gradebook's id of a student's notebook: the formgrader's page of it is /formgrader/submissions/ID/."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission_notebook(notebook, ASSIGNMENT, student).id


def snapshot(folder):
    """{relative path: bytes} of every file under `folder` (empty when it does not exist)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def formgrader(course, folder):
    """`python -m grader formgrader` on `course`; yields a function post(path) -> the API's JSON answer."""
    port, log = free_port(), Path(folder) / "formgrader.log"
    env = {**os.environ, **{name: str(Path(folder) / name.lower()) for name in  # nothing kept in the home folder
                            ("JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")}}
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "grader", "formgrader", "--course-root", str(course),
                                    "--no-browser", "--port", str(port)], cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        token = jupyter_token(log, port, process, timeout=180)
        base = f"http://127.0.0.1:{port}"

        def post(path):
            """POST to the formgrader's API the request its button sends; return the JSON answer."""
            request = urllib.request.Request(f"{base}/formgrader/api/{path}", data=b"", method="POST",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=180) as response:
                return json.load(response)

        def get(path):
            """GET a page of the server, as the instructor's browser does; return its text."""
            request = urllib.request.Request(f"{base}/{path}", headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.read().decode("utf-8")

        post.base, post.token, post.log, post.get = base, token, log, get
        yield post
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
