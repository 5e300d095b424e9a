"""`grader formgrader`: nbgrader's formgrader on the course, for browsing and manual grading.

    python -m grader formgrader [--port 8888] [--no-browser]

Starts JupyterLab in the course root (or the workspace) with nbgrader's instructor
extensions on: the formgrader lists assignments, submissions and the autograded notebooks
with their grades, and takes manual grades and comments. Its Autograde, Generate Feedback,
Release Feedback and Collect buttons refuse and name the grader's command (the course's
configuration names grader.nbgrader_guard): grading runs through `python -m grader autograde`,
in the sandbox and with the judge, feedback through `python -m grader feedback`. Run it on the
instructor's machine only.
"""

import os
import shutil
import sys


def add_arguments(parser):
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    parser.add_argument("--print-command", action="store_true", help="print the command and exit")


def command(course, port=8888, no_browser=False):
    folder = course.workspace
    args = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", f"--port={port}",
            f"--CourseDirectory.root={folder}", f"--CourseDirectory.source_directory={course.source_dir.parent}",
            f"--CourseDirectory.db_url={course.db_url}"]
    if no_browser:
        args.append("--no-browser")
    if os.geteuid() == 0:
        args.append("--allow-root")
    return args


def main(args):
    course = args.course
    if not (course.workspace / "nbgrader_config.py").exists() and course.workspace != course.root:
        shutil.copyfile(course.root / "nbgrader_config.py", course.workspace / "nbgrader_config.py")
    cmd = command(course, args.port, args.no_browser)
    if args.print_command:
        print(" ".join(cmd))
        return 0
    env = {key: value for key, value in os.environ.items() if key != "JUPYTER_CONFIG_PATH"}
    print(f"formgrader for {course.root} (assignment {course.assignment}): open the Nbgrader menu > Formgrader")
    os.chdir(course.workspace)
    os.execve(sys.executable, cmd, env)
    return 0
