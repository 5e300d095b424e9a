"""nbgrader's gradebook revision read in-process (grader/alembic_head.py) is the `alembic heads` answer."""

import sqlite3
import subprocess

import nbgrader.api
import pytest

from grader import alembic_head
from grader import courseroot  # noqa: F401 (installs the in-process revision, as every subcommand does)


@pytest.mark.slow  # runs the `alembic` command: seconds
def test_the_in_process_head_is_what_the_alembic_command_says():
    assert alembic_head.alembic_head() == alembic_head.NBGRADER_OWN()


def test_a_new_gradebook_is_stamped_without_running_a_command(tmp_path, monkeypatch):
    """Is a new gradebook stamped with the head revision while no subprocess may run?"""
    def no_command(*args, **kwargs):
        raise AssertionError(f"a command ran: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_command)
    monkeypatch.setattr(subprocess, "Popen", no_command)
    path = tmp_path / "gradebook.db"
    with nbgrader.api.Gradebook(f"sqlite:///{path}"):
        pass
    with sqlite3.connect(path) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == alembic_head.alembic_head()


def test_without_the_install_nbgrader_would_run_the_command(monkeypatch):
    """The other way round: is the patched function the one nbgrader's Gradebook calls?"""
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: pytest.fail("nbgrader's own lookup ran"))
    with pytest.raises(pytest.fail.Exception):
        nbgrader.api.Gradebook("sqlite://")  # a new (in-memory) gradebook asks for the revision
