"""Command line: one subcommand per step, each in its own module of grader/commands/.

    python -m grader release      # student version, gradebook entries, student bundle
    python -m grader collect DOWNLOAD
    python -m grader autograde [-j N | --scheduler ADDRESS]
    python -m grader feedback
    python -m grader export --out DIR
    python -m grader check [NOTEBOOKS]
    python -m grader formgrader   # nbgrader's formgrader, for browsing and manual grading
    python -m grader limits

Every subcommand takes --course-root DIR (default $GRADER_COURSE_ROOT, else the course root
nearest the current folder: it, a folder above it, or a child of one), --assignment ID,
--workspace DIR and --limit NAME=VALUE.

Exit codes: 0 success; 1 some submissions or files could not be processed (each is named);
2 usage or configuration error (the message says what to fix); 130 interrupted.
"""

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "release": "generate the student version, its gradebook entries and the student bundle",
    "collect": "take an LMS download (folder or zip) into submitted/",
    "autograde": "grade all or named submissions on a Dask cluster, resumably",
    "feedback": "write per-student HTML feedback without hidden tests",
    "export": "write the grades as CSV",
    "check": "self-study: grade your own notebooks and explain the score",
    "formgrader": "open nbgrader's formgrader on the course (browse, manual grading)",
    "limits": "print the limits, sandbox and judge settings in effect",
}


def speed_up_imports():
    """Skip jsonschema's optional IRI checker (rfc3987_syntax builds a grammar for 2 s on import)."""
    sys.modules.setdefault("rfc3987_syntax", None)


def _add_course_options(parser):
    parser.add_argument("--course-root", metavar="DIR",
                        help="nbgrader course root (default: $GRADER_COURSE_ROOT, else the nearest folder holding "
                             "nbgrader_config.py and source/: the current one, a parent, or one subfolder of them)")
    parser.add_argument("--assignment", metavar="ID", help="assignment id (default: the only one in source/)")
    parser.add_argument("--workspace", metavar="DIR",
                        help="keep nbgrader's folders (release/, submitted/, ...) and the gradebook in DIR")
    parser.add_argument("--limit", action="append", metavar="NAME=VALUE", default=[],
                        help="set a limit, sandbox or judge setting for this run, e.g. cell_timeout=60 "
                             "(repeatable; see `python -m grader limits`)")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m grader",
                                     description="Grade nbgrader assignments, safely and in bulk.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for name, help_text in SUBCOMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _add_course_options(command)
        module = importlib.import_module(f"grader.commands.{name}")
        if hasattr(module, "add_arguments"):
            module.add_arguments(command)
        command.set_defaults(module=module)
    return parser


def open_course(args):
    """The CourseRoot the options name (raises CourseError or ConfigError)."""
    from grader.courseroot import CourseRoot

    course = CourseRoot(args.course_root, args.assignment, args.limit)
    if args.workspace:
        course.use_workspace(args.workspace)
    return course


def main(argv=None):
    from grader.courseroot import CourseError
    from grader.settings import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args.module, "NEEDS_COURSE", True):
            args.course = open_course(args)
        return args.module.main(args)
    except (CourseError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
