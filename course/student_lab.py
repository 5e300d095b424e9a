"""The student's JupyterLab server extension: Validate with short messages, and the course's CSS.

nbgrader's Validate server extension sends the whole Python traceback to the browser when
validation itself fails (a kernel that starts slowly, a cell that outlasts the time limit
while the machine is busy, a notebook that does not read). The student's JupyterLab loads
this extension instead (tools/jupyter-student/jupyter_server_config.py): the same routes
and the same validation, and when nbgrader's answer is a traceback, one short message that
says what happened and what to do. The traceback still goes to the server's log.

The time limits Validate runs under are set in tools/jupyter-student/nbgrader_config.py,
for a slow laptop whose first TensorFlow import takes a while.

The extension also puts tools/jupyter-student/custom/ first among the folders JupyterLab serves
custom.css from (JupyterLab loads it: `LabApp.custom_css`); that folder is otherwise only
settable through JUPYTER_CONFIG_DIR, which would move the learner's own Lab settings.
Extensions load in alphabetical order, so this one changes the list before `jupyterlab` reads it.
"""

import re
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment import handlers as nbgrader_handlers

CUSTOM_CSS_FOLDER = Path(__file__).resolve().parents[1] / "tools" / "jupyter-student" / "custom"
_LAST_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Interrupt|Exit))(?::\s*(.*))?$")
_TIMEOUTS = ("CellTimeoutError", "TimeoutError", "Empty", "CancelledError")
_AGAIN = ("Nothing in your notebook is wrong for that: click Validate again, or run the whole notebook "
          "with Kernel > Restart Kernel and Run All Cells to see each cell's result.")


def short_message(traceback_text):
    """One short message for a traceback that nbgrader's Validate would have shown."""
    name, detail = "an error", ""
    lines = str(traceback_text).splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    for line in lines[starts[-1] + 1 if starts else 0:]:  # the exception's line is the first one not indented
        found = line[:1].strip() and _LAST_ERROR.match(line.strip())
        if found:
            name, detail = found.group(1), (found.group(2) or "").strip()
            break
    if name in _TIMEOUTS or "timeout" in detail.lower() or "timed out" in detail.lower():
        return ("Validate stopped waiting for the notebook's kernel: this computer was too busy or too slow "
                "to answer in time (the first TensorFlow import can take a minute). " + _AGAIN)
    if name == "DeadKernelError":
        return ("The notebook's kernel stopped while Validate ran it (out of memory?). Close other programs, "
                "then click Validate again.")
    if name == "RuntimeError" and "kernel" in detail.lower():
        return "Validate could not start a kernel for this notebook (" + detail[:200] + "). " + _AGAIN
    if detail:
        detail = f" ({detail[:200]})"
    return (f"Validate could not run this notebook: {name}{detail}. Run the whole notebook with Kernel > Restart "
            "Kernel and Run All Cells to see which cell fails, then click Validate again.")


class ShortValidateHandler(nbgrader_handlers.ValidateAssignmentHandler):
    """nbgrader's handler; a traceback in its answer becomes `short_message`."""

    def validate_notebook(self, path):
        result = super().validate_notebook(path)
        value = result.get("value")
        if not result.get("success") and isinstance(value, str) and "Traceback (most recent call last)" in value:
            result = {"success": False, "value": short_message(value)}
        return result


HANDLERS = [(r"/assignments/validate", ShortValidateHandler),
            (r"/nbgrader_version", nbgrader_handlers.NbGraderVersionHandler)]


def _load_jupyter_server_extension(serverapp):
    """Register the two routes of nbgrader's Validate extension, with the short answers; serve the CSS."""
    webapp = serverapp.web_app
    webapp.settings["root_dir"] = serverapp.root_dir
    base_url = webapp.settings["base_url"]
    webapp.add_handlers(".*$", [(url_path_join(base_url, pattern), handler) for pattern, handler in HANDLERS])
    custom = webapp.settings.get("static_custom_path")
    if isinstance(custom, list) and str(CUSTOM_CSS_FOLDER) not in custom:
        custom.insert(0, str(CUSTOM_CSS_FOLDER))
    serverapp.log.info("course.student_lab: Validate answers with short messages; custom.css from %s",
                       CUSTOM_CSS_FOLDER)


def _jupyter_server_extension_points():
    return [{"module": "course.student_lab"}]
