"""Runs the command line: `python -m course.scenes --out DIR --count N --seed S`."""

import sys

from course.scenes.cli import main

if __name__ == "__main__":
    sys.exit(main())
