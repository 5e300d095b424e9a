"""Who runs this notebook: a student working, nbgrader grading, or the course's tests.

One predicate each, used everywhere in the course:

- `grading()`: nbgrader runs the notebook (it sets NBGRADER_EXECUTION for autograde and for
  the Validate button);
- `fast_mode()`: grading, or COURSE_FAST set by the course's tests: long work is shortened
  (a few training steps on the small generated set);
- `earlier_folder()`: the folder of the earlier notebooks' reference definitions that the
  grader gives a graded kernel (COURSE_EARLIER_DIR), or None.

A variable counts as set when it is non-empty and not "0", "false", "no" or "off".
"""

import os

GRADING_ENV = "NBGRADER_EXECUTION"
FAST_ENV = "COURSE_FAST"
EARLIER_ENV = "COURSE_EARLIER_DIR"


def is_set(name):
    value = os.environ.get(name, "")
    return bool(value.strip()) and value.strip().lower() not in ("0", "false", "no", "off")


def grading():
    """Is nbgrader running this notebook (autograde, or the Validate button)?"""
    return is_set(GRADING_ENV)


def fast_mode():
    """Shorten long work: while grading, or in the course's own tests (COURSE_FAST)."""
    return grading() or is_set(FAST_ENV)


def earlier_folder():
    """The grader's folder of earlier notebooks' reference definitions, or None."""
    folder = os.environ.get(EARLIER_ENV, "").strip()
    return folder or None
