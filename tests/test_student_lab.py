"""The student's JupyterLab settings (tools/jupyter-student/) and its Validate button's answers.

nbgrader's Validate showed a raw traceback when a slow or busy laptop missed nbgrader's
default time limits (4 s for a cell's output). The student's Lab runs Validate with longer
limits, and course/student_lab.py turns any traceback into one short message. The
real-browser test (tests/test_browser.py) clicks the button; these check the pieces quickly.
"""

import json
import traceback
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbclient.exceptions import CellTimeoutError
from traitlets.config.loader import PyFileConfigLoader

from course.student_lab import CUSTOM_CSS_FOLDER, ShortValidateHandler, short_message

REPO = Path(__file__).resolve().parents[1]
STUDENT = REPO / "tools" / "jupyter-student"


def _timeout_traceback():
    cell = nbformat.v4.new_code_cell("import tensorflow as tf")
    try:
        raise CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for IOPub output", 4, cell)
    except CellTimeoutError:
        return traceback.format_exc()


def test_a_timeout_becomes_a_short_message():
    """Does nbgrader's CellTimeoutError traceback become a few lines that say to click again, no traceback?"""
    message = short_message(_timeout_traceback())
    assert "Traceback" not in message and "nbclient" not in message and "File " not in message, message
    assert "busy" in message and "click Validate again" in message, message
    assert len(message) < 400, message


def test_any_other_error_is_named_in_one_line():
    """Does another error keep its name and first line, and say how to find the failing cell?"""
    text = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: bad notebook\n  detail'
    message = short_message(text)
    assert "ValueError (bad notebook)" in message and "Run All Cells" in message, message
    assert "x.py" not in message and "detail" not in message, message


def _handler(root):
    """The student's Validate handler, without a web server around it."""
    handler = object.__new__(ShortValidateHandler)
    handler.application = SimpleNamespace(settings={"root_dir": str(root)})
    return handler


def test_an_output_that_comes_too_late_gets_a_short_answer(tmp_path, monkeypatch):
    """When a cell's output misses its time limit (the issue's IOPub timeout), is the answer short, no traceback?"""
    config = tmp_path / "config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.iopub_timeout = 0\n")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(config))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\nfor _ in range(5):\n    print(1, flush=True)\n    time.sleep(0.1)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "work.ipynb")
    monkeypatch.chdir(tmp_path)
    answer = _handler(tmp_path).validate_notebook("work.ipynb")
    assert answer["success"] is False, answer
    assert "Traceback" not in answer["value"] and "File " not in answer["value"], answer["value"]
    assert "Validate" in answer["value"] and len(answer["value"]) < 600, answer["value"]


def _student_config(name):
    return PyFileConfigLoader(name, path=str(STUDENT)).load_config()


def test_validate_has_time_limits_for_a_slow_laptop():
    """Does the student's Validate wait minutes, not nbgrader's seconds, for the kernel, a cell and its output?"""
    execute = _student_config("nbgrader_config.py").Execute
    assert execute.timeout >= 300 and execute.startup_timeout >= 120 and execute.iopub_timeout >= 60, execute
    assert execute.raise_on_iopub_timeout is False


def test_the_lab_loads_the_short_validate_and_not_nbgraders():
    """Does the student's server load course.student_lab in place of nbgrader's Validate handler?"""
    extensions = _student_config("jupyter_server_config.py").ServerApp.jpserver_extensions
    assert extensions["course.student_lab"] is True
    assert extensions["nbgrader.server_extensions.validate_assignment"] is False


def test_the_news_pop_up_is_switched_off():
    """Is JupyterLab's announcements plugin (the "official Jupyter news" pop-up) disabled for the student?"""
    page = json.loads((STUDENT / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"].get("@jupyterlab/apputils-extension:announcements") is True


def test_output_lines_wrap_between_words():
    """Is the student's custom CSS switched on, and does it stop output lines breaking inside words?

    That the server really serves it: tests/test_start_course.py; that the browser applies it:
    tests/test_browser.py."""
    server = _student_config("jupyter_server_config.py")
    assert server.LabApp.custom_css is True
    css = (CUSTOM_CSS_FOLDER / "custom.css").read_text()
    assert "word-break: normal" in css and "body .jp-OutputArea-output pre" in css
