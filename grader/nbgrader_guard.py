"""Keep nbgrader's own autograde (the formgrader's Autograde button, `nbgrader autograde`) off.

nbgrader's own autograde runs student code in an ordinary kernel, as the instructor, and
lets that code decide its own score. A course graded with this tool names this preprocessor
in its nbgrader_config.py:

    c.Autograde.autograde_preprocessors = ["grader.nbgrader_guard.UseTheGrader"]

so that those paths stop with a message instead; `python -m grader autograde` sets its own
preprocessors and is not affected.
"""

from nbgrader.preprocessors import NbGraderPreprocessor


class UseTheGrader(NbGraderPreprocessor):
    """Refuse to autograde: say which command to use instead."""

    def preprocess(self, nb, resources):
        raise RuntimeError(
            "Autograding with nbgrader itself is turned off for this course: it would run student code "
            "outside the grader's sandbox and let it decide its own score. Run "
            "`python -m grader autograde` from a terminal instead (see grader/README.md); the "
            "formgrader shows its results and is for browsing and manual grading.")
