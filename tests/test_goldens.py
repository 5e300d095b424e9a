"""The one golden convention (tests/goldens.py), and the toy course's fixtures kept up to date by it."""

import sys
from pathlib import Path

import pytest

from tests.goldens import OPTION, check_or_regenerate, compare_or_update

REPO = Path(__file__).resolve().parents[1]


class Request:
    """What the helpers read of pytest's request: the value of --update-goldens."""

    def __init__(self, update):
        self.config = type("Config", (), {"getoption": staticmethod(lambda name: update if name == OPTION else None)})


def test_a_stale_file_fails_and_names_the_flag_and_the_flag_rewrites_it(tmp_path):
    """Does a stale golden fail with the flag's name, and does the flag rewrite it so the next check passes?"""
    golden = tmp_path / "table.csv"
    golden.write_text("old\n")
    with pytest.raises(AssertionError, match=r"table.csv is stale: run ./run-tests --update-goldens"):
        compare_or_update(Request(False), golden, "new\n")
    compare_or_update(Request(True), golden, "new\n")
    assert golden.read_text() == "new\n"
    compare_or_update(Request(False), golden, "new\n")


def test_a_command_runs_with_check_unless_updating(tmp_path):
    """Is --check added without the flag (and a failure reported with the flag's name), and left out with it?"""
    script = tmp_path / "make.py"
    script.write_text("import sys\nsys.exit(1 if '--check' in sys.argv else 0)\n")
    with pytest.raises(AssertionError, match=r"--check failed \(run ./run-tests --update-goldens"):
        check_or_regenerate(Request(False), [sys.executable, str(script)])
    assert check_or_regenerate(Request(True), [sys.executable, str(script)]).returncode == 0


def test_the_toy_course_fixtures_are_what_their_builder_makes(request):
    """Do tests/grader/files/course and submissions equal what build_fixtures.py writes?"""
    check_or_regenerate(request, [sys.executable, str(REPO / "tests" / "grader" / "files" / "build_fixtures.py")],
                        cwd=REPO, timeout=300)
