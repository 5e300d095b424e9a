"""Command line: one subcommand per step, each in its own module.

    python -m grader release                 # student version + gradebook (grader/release.py)
    python -m grader collect DOWNLOAD        # LMS folder or zip -> submitted/
    python -m grader autograde [-j N]        # grade (parallel, resumable)
    python -m grader feedback                # per-student HTML, hidden tests never shown
    python -m grader export --out DIR        # CSV per student, notebook, function
    python -m grader check [NOTEBOOKS]       # self-study: grade my own notebooks
    python -m grader limits                  # the limits and sandbox settings in effect

Exit codes: 0 success; 1 some submissions could not be processed (each is named);
2 usage or configuration error (the message says what to fix); 130 interrupted.
"""

import argparse
import importlib
import sys
from pathlib import Path

SUBCOMMANDS = {
    "release": ("grader.release_step", "generate the student version and the gradebook"),
    "collect": ("grader.collect", "take an LMS download (folder or zip) into submitted/"),
    "autograde": ("grader.autograde", "grade all or named submissions, in parallel, resumably"),
    "feedback": ("grader.feedback", "write per-student HTML feedback without hidden tests"),
    "export": ("grader.export", "write the grades as CSV"),
    "check": ("grader.check", "self-study: grade your own notebooks and explain the score"),
    "limits": ("grader.cli", "print the limits and sandbox settings in effect"),
}


def speed_up_imports():
    """Skip jsonschema's optional IRI checker (rfc3987_syntax builds a grammar for 2 s on import).

    nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (it comes
    with jupyter-events). Notebooks never use the "iri" format, so our own processes (the
    command and its workers, never the kernels) leave it out.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def _add_course_options(parser):
    parser.add_argument("--course-root", metavar="DIR",
                        help="nbgrader course root (default: the grader/ folder, or "
                             "$GRADER_COURSE_ROOT)")
    parser.add_argument("--assignment", metavar="ID",
                        help="assignment id (default: unet, or the only one in source/)")
    parser.add_argument("--workspace", metavar="DIR",
                        help="keep nbgrader's folders (release/, submitted/, autograded/, ...) and "
                             "the gradebook in DIR instead of the course root")
    parser.add_argument("--limit", action="append", metavar="NAME=VALUE",
                        help="override a limit or sandbox setting, e.g. cell_timeout=60 "
                             "(repeatable; see `python -m grader limits`)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m grader", description="Grade nbgrader assignments, safely and in bulk.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _add_course_options(command)
        module = importlib.import_module(module_name) if name != "limits" else sys.modules[__name__]
        if hasattr(module, "add_arguments"):
            module.add_arguments(command)
        command.set_defaults(module=module)
    return parser


def main(argv=None):
    from grader.course import Course, CourseError
    from grader.limits import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "check":
        try:
            args.course = Course(args.course_root, args.assignment, args.limit or ())
            if args.workspace:
                Path(args.workspace).mkdir(parents=True, exist_ok=True)
                args.course.use_workspace(args.workspace)
        except (CourseError, ConfigError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.command == "limits":
        from grader.limits import describe
        from grader.sandbox import capabilities

        print(describe(args.course.limits, args.course.sandbox))
        caps = capabilities()
        print(f"\n# on this machine: {caps.summary(args.course.sandbox)}")
        for note in caps.notes:
            print(f"# {note}")
        return 0
    try:
        return args.module.main(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
