"""Fixtures of the grader tests: the toy course, released once, and the graded corpus.

The corpus is every scenario submission of files/submissions/, collected and autograded
ONCE per session by the real command (`python -m grader ...` in a subprocess) with two
workers; the autograde, feedback and export tests all read that one batch.

Golden files (files/golden/) are rewritten by running the tests with --update-goldens (tests/goldens.py).
"""

import time
from types import SimpleNamespace

import pytest

from tests.grader.support import (FILES, copy_course, corpus_scenarios, download_of,
                                  gradebook_scores, records, run_grader)


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """The toy course with its assignment released (gradebook created); copy before use."""
    root = copy_course(FILES / "course", tmp_path_factory.mktemp("released") / "course")
    run_grader("release", "--course-root", root)
    return root


@pytest.fixture
def fresh_course(released_course, tmp_path):
    """A private, released copy of the toy course."""
    return copy_course(released_course, tmp_path / "course")


@pytest.fixture(scope="session")
def corpus(released_course, tmp_path_factory):
    """Every scenario submission, collected and autograded in one batch with 2 workers."""
    root = copy_course(released_course, tmp_path_factory.mktemp("corpus") / "course")
    gradebook_before = (root / "gradebook.db").stat().st_size
    download = download_of(corpus_scenarios(), tmp_path_factory.mktemp("download"))
    run_grader("collect", download, "--course-root", root)
    started = time.monotonic()
    process = run_grader("autograde", "--course-root", root, "--workers", 2, "--quiet",
                         check=False)
    return SimpleNamespace(root=root, process=process, seconds=time.monotonic() - started,
                           records=records(root), scores=gradebook_scores(root),
                           gradebook_before=gradebook_before)
