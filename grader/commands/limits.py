"""`grader limits`: the limits, sandbox and judge settings in effect, and what this machine allows."""

from grader import settings
from grader.sandbox import capabilities


def main(args):
    course = args.course
    print(settings.describe([course.limits, course.sandbox, course.judge, course.course]))
    caps = capabilities()
    print(f"\n# on this machine: {caps.summary(course.sandbox)}")
    for note in caps.notes:
        print(f"# {note}")
    return 0
