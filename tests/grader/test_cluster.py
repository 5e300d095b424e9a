"""Grading on a Dask cluster and into a PostgreSQL gradebook (the toy course).

The cluster is real: a scheduler and two workers, each its own process, started by the test
(tests/grader/cluster.py); so is the PostgreSQL server. Grades must be those of the one-machine
batch, every submission graded exactly once whatever dies, and the exports the same bytes.
"""

import os
import signal
import sqlite3
import sys
import textwrap
import time

import psutil
import pytest

from tests.grader.cluster import create_database, dask_cluster, postgres_server, worker_processes
from tests.grader.support import download_of, gradebook_scores, records, run_grader
from tests.grader.test_export import stable

SUBSET = ["correct", "one-function-wrong", "segfault", "memory-bomb", "corrupt-json"]
SLOW = ["correct", "infinite-loop", "one-function-wrong", "segfault"]  # infinite-loop: a worker busy for seconds


def expected_scores(corpus, students):
    return {key: score for key, score in corpus.scores.items() if key[0] in students}


def same_scores_as_the_batch(course, corpus, students):
    """Are the gradebook's scores those of the one-machine batch? On a difference, the message names each
    differing cell and both runs' reasons for that student (to tell a flaky outcome from a wrong one)."""
    got, expected = gradebook_scores(course), expected_scores(corpus, students)
    if got == expected:
        return True
    here = records(course)
    lines = [f"{key}: {got.get(key)} here, {expected.get(key)} in the batch" for key in sorted(set(got) | set(expected))
             if got.get(key) != expected.get(key)]
    for student in sorted({key[0] for key in got.keys() ^ expected.keys()} |
                          {key[0] for key in got if got.get(key) != expected.get(key)}):
        lines.append(f"{student} here: {here.get(student, {}).get('reason')!r}; "
                     f"in the batch: {corpus.records.get(student, {}).get('reason')!r}")
    raise AssertionError("\n".join(lines))


def kernels_under(process):
    """The kernel processes under `process`, leaving out those that end (or linger as zombies) while we look."""
    try:
        children = process.children(recursive=True)
    except psutil.Error:  # the process itself is gone
        return []
    found = []
    for child in children:
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # psutil.ZombieProcess once failed this test in CI
            continue
    return found


def test_a_worker_killed_mid_batch_costs_a_retry_never_a_grade(corpus, fresh_course, tmp_path):
    """On a scheduler and two workers of their own (separate processes), with one worker killed (-9) while it
    grades, is every submission graded exactly once, with the grades of the one-machine batch?"""
    run_grader("collect", download_of(SLOW, tmp_path / "download"), "--course-root", fresh_course)
    with dask_cluster(tmp_path / "cluster") as address:
        batch = psutil.Popen([sys.executable, "-m", "grader", "autograde", "--course-root", str(fresh_course),
                              "--scheduler", address, "--quiet"], stdout=open(tmp_path / "out", "w"),
                             stderr=open(tmp_path / "err", "w"), env={**os.environ})
        killed = None
        deadline = time.monotonic() + 300
        while killed is None and time.monotonic() < deadline and batch.poll() is None:
            for worker in worker_processes(address):
                if kernels_under(worker):  # grading right now
                    worker.send_signal(signal.SIGKILL)
                    killed = worker.pid
                    break
            time.sleep(0.2)
        assert killed, "no worker was caught grading"
        assert batch.wait(timeout=600) == 0, (tmp_path / "err").read_text()[-3000:]
    assert f"graded on: Dask scheduler {address}" in (tmp_path / "out").read_text()
    assert sorted(records(fresh_course)) == sorted(SLOW)
    assert same_scores_as_the_batch(fresh_course, corpus, SLOW)
    with sqlite3.connect(fresh_course / "gradebook.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] == len(SLOW)
        grades = connection.execute("SELECT COUNT(*), COUNT(DISTINCT notebook_id || cell_id) FROM grade").fetchone()
    assert grades == (3 * len(SLOW), 3 * len(SLOW))


KILLER = '''
import os


def grade_task(task, template):  # stands for a submission that kills the process grading it
    os.kill(os.getpid(), 9)
'''


def test_a_submission_that_keeps_killing_workers_is_given_up_with_a_reason(tmp_path, monkeypatch):
    """Does a task that kills every worker it runs on end, after the set number of deaths, with a reason?"""
    from grader import executors

    (tmp_path / "worker_killer.py").write_text(textwrap.dedent(KILLER))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    import worker_killer

    monkeypatch.setattr(executors.DaskExecutor, "task", staticmethod(worker_killer.grade_task))
    started = time.monotonic()
    results = list(executors.DaskExecutor(workers=1, max_worker_deaths=2).grade([{"student": "mallory"}], b""))
    assert results == [("mallory", {"student": "mallory", "status": "error", "error":
                        "grading this submission stopped 2 grading workers (killed, out of memory or crashed); given up"})]
    assert time.monotonic() - started < 240


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    with postgres_server(tmp_path_factory.mktemp("postgres")) as prefix:
        yield prefix


def test_a_postgresql_gradebook_gives_the_same_exports(corpus, released_course, postgres, tmp_path):
    """With the gradebook in PostgreSQL (db_url), are the three CSV exports those of sqlite, row for row?"""
    import shutil

    root = shutil.copytree(released_course, tmp_path / "course")
    (root / "gradebook.db").unlink()
    url = create_database(postgres, "toy_grades")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    run_grader("release", "--course-root", root)
    run_grader("collect", download_of(SUBSET, tmp_path / "download"), "--course-root", root)
    run_grader("autograde", "--course-root", root, "--workers", 2, "--quiet")
    run_grader("export", "--course-root", root, "--out", tmp_path / "pg")
    assert not (root / "gradebook.db").exists()  # everything went to PostgreSQL

    # The same submissions in sqlite: the corpus batch graded them (with others) on one machine.
    run_grader("export", "--course-root", corpus.root, "--out", tmp_path / "sqlite")
    for name in ("students.csv", "notebooks.csv", "functions.csv"):  # measured sizes and times blanked
        ours = _rows(tmp_path / "pg" / name)
        assert ours == [row for row in _rows(tmp_path / "sqlite" / name) if row[0] in SUBSET + ["student"]], name
    assert len(_rows(tmp_path / "pg" / "functions.csv")) == 1 + 3 * len(SUBSET)


def _rows(path):
    """The rows of an exported CSV file, header first, with what changes from run to run blanked."""
    import csv
    import io

    return list(csv.reader(io.StringIO(stable(path.read_text()))))
