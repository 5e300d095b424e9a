"""Tests of grader.limits: defaults, grader.toml and --limit overrides."""

import pytest

from grader.limits import ConfigError, Limits, describe, load


def test_defaults_suit_tensorflow_on_a_cpu():
    """Do the defaults leave room for TensorFlow (minutes per cell, GBs of memory)?"""
    limits, sandbox = load()
    assert limits.cell_timeout >= 300 and limits.memory_mb >= 4096 and limits.processes >= 256
    assert sandbox.mode == "auto" and sandbox.block_network


def test_the_course_file_and_overrides_apply_in_order(tmp_path):
    """Does --limit win over grader.toml, which wins over the defaults?"""
    (tmp_path / "grader.toml").write_text("[limits]\ncell_timeout = 30\nmemory_mb = 100\n"
                                          "[sandbox]\nreadable = ['lib']\n")
    limits, sandbox = load(tmp_path, ["memory_mb=200", "block_network=false"])
    assert (limits.cell_timeout, limits.memory_mb) == (30.0, 200)
    assert sandbox.readable == ("lib",) and sandbox.block_network is False


@pytest.mark.parametrize("override, message", [
    ("cell_timout=3", "unknown setting 'cell_timout'"),
    ("memory_mb=lots", "memory_mb must be a int"),
    ("memory_mb", "expected NAME=VALUE"),
    ("mode=maybe", "mode must be auto, strict or off"),
])
def test_bad_settings_are_named(override, message):
    """Is a misspelt or mistyped setting refused with a message that names it?"""
    with pytest.raises(ConfigError, match=message):
        load(None, [override])


def test_a_bad_table_in_the_file_is_named(tmp_path):
    """Is an unknown table in grader.toml reported with the file's path?"""
    (tmp_path / "grader.toml").write_text("[limit]\ncell_timeout = 3\n")
    with pytest.raises(ConfigError, match="grader.toml: unknown table"):
        load(tmp_path)


def test_the_submission_limit_covers_every_notebook():
    """Is the per-submission wall limit at least the notebooks' budgets together?"""
    limits = Limits(notebook_timeout=100, startup_timeout=10)
    assert limits.submission_timeout(5) >= 5 * 110
    assert Limits(grading_timeout=42).submission_timeout(5) == 42
    assert "cell_timeout = 600.0" in describe(*load())
