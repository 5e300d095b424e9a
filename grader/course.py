"""An nbgrader course on disk: its folders, configuration, limits and notebooks.

Every subcommand starts from a `Course`: the course root (the folder holding
nbgrader_config.py; default: this package's folder, the course root of the U-Net course),
the assignment id, and the limits in grader.toml. Paths are nbgrader's own
(`CourseDirectory.format_path`), so the tool grades any nbgrader course the same way.
"""

import json
import os
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grader import limits as limits_module

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "instructor"
DEFAULT_ASSIGNMENT = "unet"
STATE_DIR = "autograde-results"  # per-student grading records, beside nbgrader's folders


def ensure_tools_on_path():
    """Put this Python's bin folder on PATH: nbgrader runs `alembic` from PATH."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


ensure_tools_on_path()
# nbgrader's gradebook triggers SQLAlchemy "not in session" warnings on every merge; they
# are about nbgrader's own ORM use and say nothing the instructor can act on.
warnings.filterwarnings("ignore", message=".*not in session.*")


class CourseError(ValueError):
    """The course folder is not usable as given; the message says what to do."""


class Course:
    """One assignment of an nbgrader course.

    Args:
        root: the course root (holds nbgrader_config.py, source/, submitted/, ...).
        assignment: the assignment id (a folder of source/).
        overrides: "NAME=VALUE" limit or sandbox settings (see grader.limits).
    """

    def __init__(self, root=None, assignment=None, overrides=()):
        self.root = Path(root or os.environ.get("GRADER_COURSE_ROOT") or DEFAULT_ROOT).resolve()
        if not self.root.is_dir():
            raise CourseError(f"course root {self.root} is not a folder")
        self.config = self._load_config()
        self.assignment = assignment or self._default_assignment()
        self.workspace = self.root
        self.overrides = tuple(overrides)
        self.limits, self.sandbox = limits_module.load(self.root, self.overrides)
        self.coursedir = CourseDirectory(config=self.config)

    def prepare(self):
        """Run grader.toml's [prepare] command once, outside the sandbox, before grading.

        Kernels may read the course's data but not write it, so whatever they need (the U-Net
        course: its generated scenes) must exist before the first kernel starts.
        """
        path = self.root / "grader.toml"
        if not path.exists():
            return
        command = tomllib.loads(path.read_text(encoding="utf-8")).get("prepare", {}).get("command")
        if not command:
            return
        command = [sys.executable if part == "{python}" else part for part in command]
        # From the folder holding the course root: inside it, grader/course.py would shadow
        # the `course` package of a command like `python -m course.data_setup`.
        result = subprocess.run(command, cwd=self.root.parent, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise CourseError(f"the [prepare] command of {path} failed ({' '.join(command)}):\n"
                              f"{(result.stderr or result.stdout)[-2000:]}")

    def _load_config(self):
        config = Config()
        path = self.root / "nbgrader_config.py"
        if path.exists():
            config.merge(PyFileConfigLoader(path.name, path=str(self.root)).load_config())
        config.CourseDirectory.root = str(self.root)
        # Logs go to our own reports; nbgrader's file log would need the course root writable.
        config.NbGrader.logfile = ""
        return config

    def _default_assignment(self):
        source = self.root / "source"
        folders = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
        if DEFAULT_ASSIGNMENT in folders or not folders:
            return DEFAULT_ASSIGNMENT
        if len(folders) == 1:
            return folders[0]
        raise CourseError(f"{source} holds several assignments ({', '.join(folders)}); "
                          f"name one with --assignment")

    def use_workspace(self, folder):
        """Keep nbgrader's working folders and gradebook in `folder` (source stays here).

        `grader check` grades in a scratch folder this way: the course's configuration,
        limits and source notebooks are used, nothing is written into the course.
        """
        folder = Path(folder).resolve()
        source = Path(self.coursedir.format_path(self.coursedir.source_directory, ".", ".")).resolve()
        self.config.CourseDirectory.root = str(folder)
        self.config.CourseDirectory.source_directory = str(source)
        self.config.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}"
        self.coursedir = CourseDirectory(config=self.config)
        self.workspace = folder
        return self

    # Paths ---------------------------------------------------------------------------------
    def path(self, step, student="."):
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"),
                                               student, self.assignment))

    @property
    def source_dir(self):
        return self.path("source")

    @property
    def release_dir(self):
        return self.path("release")

    def submitted_dir(self, student):
        return self.path("submitted", student)

    def autograded_dir(self, student):
        return self.path("autograded", student)

    def feedback_dir(self, student):
        return self.path("feedback", student)

    @property
    def db_url(self):
        return self.coursedir.db_url

    @property
    def db_path(self):
        url = self.db_url
        if not url.startswith("sqlite:///"):
            raise CourseError(f"only sqlite gradebooks are supported, got {url}")
        return Path(url[len("sqlite:///"):].split("?")[0])

    @property
    def state_dir(self):
        return self.workspace / STATE_DIR / self.assignment

    def notebooks(self):
        """Names (without .ipynb) of the assignment's notebooks, in order."""
        folder = self.release_dir if self.release_dir.is_dir() else self.source_dir
        names = sorted(p.stem for p in folder.glob("*.ipynb"))
        if not names:
            raise CourseError(f"no notebooks in {folder}; run `python -m grader release` first")
        return names

    def source_notebooks(self):
        return sorted(self.source_dir.glob("*.ipynb"))

    def require_release(self):
        """Raise CourseError unless the assignment was released into the gradebook."""
        if not self.release_dir.is_dir() or not any(self.release_dir.glob("*.ipynb")):
            raise CourseError(f"{self.release_dir} has no notebooks: run "
                              f"`python -m grader release --course-root {self.root}` first")
        if not self.db_path.exists():
            raise CourseError(f"no gradebook at {self.db_path}: run `python -m grader release` first")

    def students(self):
        """Students with a submission for this assignment (folder names in submitted/)."""
        submitted = self.workspace / self.coursedir.submitted_directory
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir()
                      if (p / self.assignment).is_dir() and not p.name.startswith("."))


def read_notebook_json(path):
    """Parse a notebook file; return (dict or None, error message or None)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text ({error.reason} at byte {error.start})"
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    if not text.strip():
        return None, "is empty (0 bytes)" if not text else "is empty (only whitespace)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "is JSON but not a notebook (no list of cells)"
    return data, None
