"""Tests of grader.settings: one traitlets configuration per course, and --limit overrides."""

import pytest

from grader.courseroot import CourseError, CourseRoot
from grader.settings import ConfigError, GraderLimits, GraderSandbox, apply_overrides, describe, empty_config
from tests.grader.support import FILES


def test_defaults_suit_tensorflow_on_a_cpu():
    """Do the defaults leave room for TensorFlow (minutes per cell, GBs of memory)?"""
    limits, sandbox = GraderLimits(), GraderSandbox()
    assert limits.cell_timeout >= 300 and limits.memory_mb >= 4096 and limits.processes >= 256
    assert sandbox.mode == "auto" and sandbox.block_network


def test_the_course_file_and_overrides_apply_in_order():
    """Does --limit win over the course's nbgrader_config.py, which wins over the defaults?"""
    course = CourseRoot(FILES / "course", overrides=["memory_mb=200", "block_network=false"])
    assert (course.limits.cell_timeout, course.limits.memory_mb) == (4.0, 200)
    assert course.sandbox.pythonpath == ["lib"] and course.sandbox.block_network is False


@pytest.mark.parametrize("override, message", [
    ("cell_timout=3", "unknown setting 'cell_timout'"),
    ("memory_mb=lots", "memory_mb=lots"),
    ("memory_mb", "expected NAME=VALUE"),
    ("mode=maybe", "mode=maybe"),
    ("GraderSandbox.readable=a,b", None),
    ("readable=a,b", "write Class.readable"),
])
def test_bad_settings_are_named(override, message):
    """Is a misspelt or mistyped setting refused with a message that names it?"""
    if message is None:
        assert apply_overrides(empty_config(), [override]).GraderSandbox.readable == ["a", "b"]
        return
    with pytest.raises(ConfigError, match=message):
        apply_overrides(empty_config(), [override])


def test_a_folder_without_configuration_is_not_a_course(tmp_path):
    """Is a folder without nbgrader_config.py refused with what to do?"""
    with pytest.raises(CourseError, match="not an nbgrader course root"):
        CourseRoot(tmp_path)


def test_the_submission_limit_covers_every_notebook():
    """Is the per-submission wall limit at least the notebooks' budgets together?"""
    limits = GraderLimits(notebook_timeout=100, startup_timeout=10)
    assert limits.submission_timeout(5) >= 5 * 110
    assert GraderLimits(grading_timeout=42).submission_timeout(5) == 42
    assert "cell_timeout = 600.0" in describe([GraderLimits()])
