"""A grader for nbgrader courses: one command per step, safe in bulk (see grader/README.md).

    python -m grader release | collect | autograde | feedback | export | check | formgrader | limits

The tool knows no course: it is pointed at a course root (a folder with nbgrader_config.py
and source/<assignment>/), whose configuration also holds the grader's own settings
(grader/settings.py).
"""
