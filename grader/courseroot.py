"""An nbgrader course on disk: its folders, its one configuration file, its notebooks.

Every subcommand starts from a `CourseRoot`: the folder that holds `nbgrader_config.py` and
`source/<assignment>/`, given with `--course-root` (or `$GRADER_COURSE_ROOT`, or found from the
current folder: `find_course_root`). The configuration is read once, with traitlets (nbgrader's own loader), and holds
nbgrader's settings and the grader's (grader/settings.py). Paths are nbgrader's own
(`CourseDirectory.format_path`): the tool knows no course by name.
"""

import copy
import os
import subprocess
import sys
import warnings
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grader import alembic_head
from grader import settings as settings_module

STATE_DIR = "autograde-results"  # per-student grading records, beside nbgrader's folders
CONFIG_NAME = "nbgrader_config.py"

# nbgrader's gradebook triggers SQLAlchemy "not in session" warnings on every merge; they
# are about nbgrader's own ORM use and say nothing the instructor can act on.
warnings.filterwarnings("ignore", message=".*not in session.*")


def ensure_tools_on_path():
    """Put this Python's bin folder on PATH: nbgrader runs `alembic` from PATH (to upgrade a gradebook)."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


ensure_tools_on_path()
alembic_head.install()  # a new gradebook without a 3-second `alembic heads` process


class CourseError(ValueError):
    """The course folder is not usable as given; the message says what to do."""


def _is_course_root(folder):
    return (folder / CONFIG_NAME).is_file() and (folder / "source").is_dir()


def find_course_root(start=None):
    """The course root nearest `start` (default: the current folder), or None.

    The folder itself or one of its parents, or else exactly one direct subfolder of one of
    them, holding nbgrader_config.py and source/: `python -m grader check` then works from a
    repository that keeps its course root in a subfolder, and from the notebooks' folder.
    """
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if _is_course_root(folder):
            return folder
        try:
            children = [child for child in folder.iterdir() if child.is_dir() and _is_course_root(child)]
        except OSError:
            children = []
        if len(children) == 1:
            return children[0]
    return None


def place(config, root, source=None):
    """Put nbgrader's folders under `root` (c.CourseDirectory.root), the source notebooks at `source`
    when given: the one place the grader sets nbgrader's root (the course root, a workspace, a
    worker's private folder)."""
    config.CourseDirectory.root = str(root)
    if source is not None:
        config.CourseDirectory.source_directory = str(source)
    return config


class CourseRoot:
    """One assignment of an nbgrader course.

    Args:
        root: the course root (holds nbgrader_config.py and source/); default
            $GRADER_COURSE_ROOT, else the nearest one (find_course_root).
        assignment: the assignment id (a folder of source/); default the only one there.
        overrides: "NAME=VALUE" settings for this run (see grader.settings).
    """

    def __init__(self, root=None, assignment=None, overrides=()):
        root = root or os.environ.get("GRADER_COURSE_ROOT") or find_course_root() or "."
        self.root = Path(root).resolve()
        if not (self.root / CONFIG_NAME).is_file():
            raise CourseError(f"{self.root} is not an nbgrader course root (no {CONFIG_NAME}); "
                              f"pass --course-root DIR or set GRADER_COURSE_ROOT")
        self.overrides = tuple(overrides)
        self.config = self._load_config()
        self.limits, self.sandbox, self.judge, self.course = settings_module.load(self.config)
        self.coursedir = CourseDirectory(config=self.config)
        self.assignment = self._default_assignment() if assignment is None else assignment
        self.workspace = self.root

    def _load_config(self):
        config = Config()
        try:
            config.merge(PyFileConfigLoader(CONFIG_NAME, path=str(self.root)).load_config())
        except Exception as error:  # a broken config file: say which and why
            raise CourseError(f"{self.root / CONFIG_NAME} could not be read: {error}") from None
        place(config, self.root)
        # Logs go to our own reports; nbgrader's file log would need the course root writable.
        config.NbGrader.logfile = ""
        settings_module.apply_overrides(config, self.overrides)
        return config

    def source_root(self):
        """The folder holding one source folder per assignment."""
        return Path(self.coursedir.format_path(self.coursedir.source_directory, ".", "."))

    def default_assignment(self):
        """The course's configured default (c.CourseDirectory.assignment_id), if it exists, else None."""
        configured = self.config.CourseDirectory.get("assignment_id")
        return configured if configured and (self.source_root() / configured).is_dir() else None

    def _default_assignment(self):
        source = self.source_root()
        folders = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
        configured = self.config.CourseDirectory.get("assignment_id")
        if configured and configured in folders:
            return configured  # the course's default (c.CourseDirectory.assignment_id)
        if len(folders) == 1:
            return folders[0]
        if not folders:
            raise CourseError(f"{source} holds no assignment folder")
        raise CourseError(f"{source} holds several assignments ({', '.join(folders)}); "
                          f"name one with --assignment")

    def nbgrader_config(self):
        """A private copy of the configuration (Config.merge would share its sections)."""
        config = copy.deepcopy(self.config)
        config.CourseDirectory.assignment_id = self.assignment
        return config

    def use_workspace(self, folder, private_gradebook=False):
        """Keep nbgrader's working folders in `folder` (source stays here).

        The gradebook goes there too (sqlite), unless the configuration names one (db_url)
        and `private_gradebook` is False: `grader check` always grades into a private one.
        """
        folder = Path(folder).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        source = self.path("source").parent.resolve()
        place(self.config, folder, source)
        if private_gradebook or "db_url" not in self.config.CourseDirectory:
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

    @property
    def submitted_root(self):
        return self.workspace / self.coursedir.submitted_directory

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
    def sqlite_path(self):
        """The gradebook file for sqlite gradebooks, else None (e.g. PostgreSQL)."""
        url = self.db_url
        return Path(url[len("sqlite:///"):].split("?")[0]) if url.startswith("sqlite:///") else None

    @property
    def state_dir(self):
        return self.workspace / STATE_DIR / self.assignment

    def relative(self, entry):
        """A path of the configuration, relative to the course root, made absolute."""
        return (self.root / entry).resolve()

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
        from grader.gradebook import has_assignment

        if not has_assignment(self):
            raise CourseError(f"the gradebook ({self.db_url}) has no assignment "
                              f"{self.assignment!r}: run `python -m grader release` first")

    def students(self):
        """Students with a submission folder for this assignment (links are not followed)."""
        root = self.submitted_root
        if not root.is_dir() or root.is_symlink():
            return []
        found = []
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            if os.path.lexists(os.path.join(entry.path, self.assignment)):
                found.append(entry.name)
        return found

    def prepare(self):
        """Run the course's `prepare` command once, outside the sandbox, before grading."""
        command = list(self.course.prepare)
        if not command:
            return
        command = [sys.executable if part == "{python}" else part for part in command]
        result = subprocess.run(command, cwd=self.root.parent, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise CourseError(f"the prepare command of {self.root / CONFIG_NAME} failed "
                              f"({' '.join(command)}):\n{(result.stderr or result.stdout)[-2000:]}")
