"""Run nbgrader's own converters in-process, with their log captured for our reports."""

from nbgrader.coursedir import CourseDirectory


def _run(app_class, config, **flags):
    from nbgrader.utils import capture_log

    coursedir = CourseDirectory(config=config)
    app = app_class(coursedir=coursedir, config=config)
    for name, value in flags.items():
        setattr(app, name, value)
    outcome = capture_log(app)
    text = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    outcome["tail"] = "\n".join(text.strip().splitlines()[-40:])
    return outcome


def run_autograde(config):
    """nbgrader's Autograde converter, forced, creating the student; returns capture_log's dict."""
    from nbgrader.converters import Autograde

    return _run(Autograde, config, force=True, create_student=True)


def generate_assignment(config):
    """nbgrader generate_assignment, forced, creating the assignment in the gradebook."""
    from nbgrader.converters import GenerateAssignment

    return _run(GenerateAssignment, config, force=True, create_assignment=True)


def generate_feedback(config):
    from nbgrader.converters import GenerateFeedback

    return _run(GenerateFeedback, config, force=True)
