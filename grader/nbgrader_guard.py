"""nbgrader's own entry points, as a course graded with this tool configures them: safe, or refused.

An instructor can reach nbgrader's commands (`nbgrader autograde`, ...) and the formgrader's
buttons, which call the same code. Left as they are, they would run student code outside the
sandbox, hand out the hidden tests, or read what students hand in without the grader's checks.
The course's nbgrader_config.py names the classes below (SETTINGS lists them; the toy course's and
the U-Net course's configurations set them all, and the tests check that):

entry point (command; formgrader button)         what it does now
autograde; Autograde                             refused before it touches anything; `grader autograde`
generate_feedback, feedback; Generate Feedback   refused unless the grader's HideHiddenTests runs in it
                                                 (i.e. unless `grader feedback` runs it); `grader feedback`
release_feedback; Release Feedback               refused: it hands out whatever lies in feedback/
collect; Collect, and zip_collect                refused: it reads submissions without the grader's
                                                 intake (links followed, no caps); `grader collect`
export                                           refused; `grader export` (the grader's reasons too)
generate_solution                                nbgrader's, with its ClearHiddenTests added
generate_assignment, assign; Generate            nbgrader's, as `grader release` runs it (no solution,
                                                 no hidden test); the bundle needs `grader release`
release_assignment, list; Release, Unrelease     nbgrader's exchange: the student version only
a submission's page (Manual Grading)             nbgrader's, with HTML sanitized (HTMLExporter): what a
                                                 student's cell displayed runs no script in the
                                                 instructor's browser, which holds the server's keys

A refusal is a short message in the log (the formgrader shows it under "Log Output"): why, then the
grader's command with the course root on a line of its own. The grader's own commands run these
converters with their own steps (SandboxedExecute, HideHiddenTests), which pass.
"""

import shlex
import textwrap
from pathlib import Path

from nbconvert.exporters import HTMLExporter, NotebookExporter
from nbgrader.converters.base import NbGraderException
from nbgrader.exchange.default import ExchangeCollect, ExchangeReleaseFeedback
from nbgrader.plugins import ExportPlugin, ExtractorPlugin
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets.utils.importstring import import_item

GUARD = "grader.nbgrader_guard."
SOLUTION_STEPS = ["nbgrader.preprocessors.IncludeHeaderFooter", "nbgrader.preprocessors.LockCells",
                  "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.ClearMarkScheme",
                  "nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.Execute"]
# What a course's nbgrader_config.py sets, as `c.<section>.<name> = <value>`.
SETTINGS = {
    ("Autograde", "autograde_preprocessors"): [GUARD + "UseTheGrader"],
    ("Autograde", "exporter_class"): GUARD + "AutogradeByTheGrader",
    ("GenerateFeedback", "exporter_class"): GUARD + "FeedbackByTheGrader",
    ("ExchangeFactory", "release_feedback"): GUARD + "NoReleaseFeedback",
    ("ExchangeFactory", "collect"): GUARD + "NoCollect",
    ("ZipCollectApp", "extractor_plugin"): GUARD + "NoZipCollect",
    ("ExportApp", "plugin_class"): GUARD + "NoExport",
    ("GenerateSolution", "preprocessors"): SOLUTION_STEPS,
    ("HTMLExporter", "sanitize_html"): True,
}

AUTOGRADE = ("nbgrader's autograde is off for this course: it would run the students' code outside the "
             "grader's sandbox and let it decide its own score.")
FEEDBACK = ("nbgrader's feedback is off for this course: its HTML would show the hidden tests and the "
            "outputs of the students' cells.")
RELEASE_FEEDBACK = ("nbgrader's release_feedback is off for this course: it would hand out whatever lies in "
                    "feedback/, nbgrader's own HTML with the hidden tests included.")
COLLECT = ("nbgrader's collect is off for this course: it copies what students hand in without the grader's "
           "checks (it follows links, for one).")
ZIP_COLLECT = ("nbgrader's zip_collect is off for this course: it unpacks what students hand in without the "
               "grader's checks (no cap on size or count, for one).")
DOWNLOAD = "Instead, run this (DOWNLOAD: the zip or folder of submissions from your LMS):"
EXPORT = ("nbgrader's export is off for this course: it has the gradebook's scores but not the grader's "
          "statuses and reasons.")


class Refused(NbGraderException):
    """One of nbgrader's entry points, refused; the message names the grader's command."""


def grader_command(coursedir, command, arguments=""):
    """`python -m grader COMMAND --course-root ROOT [--workspace W] [--assignment A]ARGUMENTS`.

    The formgrader runs in the workspace with an absolute source folder; a command in the course
    root has source_directory relative to it: either way the course root holds the source folder.
    """
    words = ["python", "-m", "grader", command]
    if coursedir is not None:
        workspace = Path(coursedir.root).resolve()
        root = (workspace / coursedir.source_directory).resolve().parent
        words += ["--course-root", str(root)] + (["--workspace", str(workspace)] if workspace != root else [])
        assignment = coursedir.assignment_id
        if assignment and not any(char in assignment for char in "*?["):
            words += ["--assignment", assignment]
    return " ".join(shlex.quote(word) for word in words) + arguments


def refuse(owner, why, command, arguments="", run="Instead, run:"):
    """Log why and the grader's command on `owner` (a converter, an exchange step, an app), and stop."""
    message = message_for(getattr(owner, "coursedir", None), why, command, arguments, run)
    fail = getattr(owner, "fail", None)  # an app exits with 1; an exchange step raises what its app catches
    if callable(fail):
        fail(message)
    owner.log.error(message)
    raise Refused(message)


def message_for(coursedir, why, command, arguments="", run="Instead, run:"):
    """Lines short enough for the formgrader's dialog, the command on a line of its own."""
    return f"{textwrap.fill(why, 64)}\n{textwrap.fill(run, 64)}\n    {grader_command(coursedir, command, arguments)}"


def _steps(converter, name):
    """The preprocessor classes a converter lists under `name` (classes or import strings)."""
    return [import_item(step) if isinstance(step, str) else step for step in getattr(converter, name, None) or []]


class UseTheGrader(NbGraderPreprocessor):
    """nbgrader's only autograde step: refuse (a second line of defence behind AutogradeByTheGrader)."""

    def preprocess(self, nb, resources):
        converter = getattr(self.parent, "parent", None)
        raise Refused(message_for(getattr(converter, "coursedir", None), AUTOGRADE, "autograde"))


class AutogradeByTheGrader(NotebookExporter):
    """Autograde's exporter, made when it starts: it refuses before a folder is removed or a grade
    touched, unless every step is the grader's (a sandboxed execution, or the gradebook's saving)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from grader.worker.execute import SandboxedExecute

        for step in _steps(self.parent, "autograde_preprocessors"):
            if issubclass(step, UseTheGrader) or (issubclass(step, Execute) and not issubclass(step, SandboxedExecute)):
                refuse(self.parent, AUTOGRADE, "autograde")


class FeedbackByTheGrader(HTMLExporter):
    """GenerateFeedback's exporter: it refuses before the old feedback is removed, unless the grader's
    HideHiddenTests is one of the steps (it is when `python -m grader feedback` runs the converter)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from grader.commands.feedback import HideHiddenTests

        if not any(issubclass(step, HideHiddenTests) for step in _steps(self.parent, "preprocessors")):
            refuse(self.parent, FEEDBACK, "feedback")


class NoReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's exchange release of feedback/: refused (the grader's feedback files are handed out as files)."""

    def start(self):
        root = Path(self.coursedir.root).resolve() / self.coursedir.feedback_directory
        refuse(self, RELEASE_FEEDBACK, "feedback",
               run=f"Instead, run this, and hand out the files it writes in {root}:")


class NoCollect(ExchangeCollect):
    """nbgrader's exchange collect: refused before it reads a submission."""

    def start(self):
        refuse(self, COLLECT, "collect", " DOWNLOAD", run=DOWNLOAD)


class NoZipCollect(ExtractorPlugin):
    """zip_collect's extractor, made before it extracts anything: refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        refuse(self.parent, ZIP_COLLECT, "collect", " DOWNLOAD", run=DOWNLOAD)


class NoExport(ExportPlugin):
    """nbgrader export's plugin, made before it writes anything: refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        refuse(self.parent, EXPORT, "export")
