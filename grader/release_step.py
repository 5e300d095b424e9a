"""`grader release`: generate the student version of an assignment and its gradebook entries.

    python -m grader release [--course-root DIR] [--assignment ID]

For the U-Net course this is `grader.release.release()` (grader/release.py, which also checks
the notebooks and refreshes notebooks/). For any other course root it is nbgrader's
`generate_assignment` (forced, creating the assignment in the gradebook).
"""

import copy
import sys

from grader.course import DEFAULT_ROOT


def generate_assignment(course):
    """nbgrader generate_assignment for `course`; returns capture_log's dict."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    config = copy.deepcopy(course.config)  # Config.merge would share its sections
    config.CourseDirectory.assignment_id = course.assignment
    coursedir = CourseDirectory(config=config)
    app = GenerateAssignment(coursedir=coursedir, config=config)
    app.force = True
    app.create_assignment = True
    return capture_log(app)


def add_arguments(parser):
    parser.add_argument("--nbgrader-only", action="store_true",
                        help="run nbgrader generate_assignment even for the U-Net course")


def main(args):
    course = args.course
    if course.root == DEFAULT_ROOT and course.workspace == course.root and not args.nbgrader_only:
        try:
            from grader.release import release
        except ImportError:
            release = None
        if release is not None:
            from grader.release import ReleaseError

            try:
                release(assignment=course.assignment)  # prints what changed in notebooks/
            except ReleaseError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            return 0
    outcome = generate_assignment(course)
    if not outcome["success"]:
        print(outcome.get("log", ""), file=sys.stderr)
        print(f"error: nbgrader could not release {course.assignment}", file=sys.stderr)
        return 1
    print(f"released {course.assignment}: {', '.join(course.notebooks())} -> {course.release_dir}")
    return 0
