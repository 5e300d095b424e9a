"""How the tests share the cores when pytest-xdist spreads them (./run-tests does; `-n 0` does not).

The tests of tests/grader/ share session fixtures too costly to make twice (the graded toy corpus),
and most of them start kernels, judges and Dask workers under the toy course's time limits, which
assume the cores are theirs (4 s a call: a memory bomb must reach its limit within that). So, under
xdist:

- tests/grader/ is one unit of work, given to one worker, its session fixtures made once;
- each of its tests runs alone: every other worker waits while it runs. The other tests run side
  by side. This is a readers-writer lock across the workers of one run (`flock` on two files in the
  run's temporary folder), held for a test's setup, call and teardown: shared by the others,
  exclusive by a test that runs alone. A turnstile stops a stream of others from starving it.
- The U-Net attack corpus (test_corpus.py) is graded under the U-Net course's limits (a minute a
  cell, two minutes an answer) and shares the cores: its minutes of grading need not stop the
  others. It stays in the unit (it needs none of its fixtures): on a worker of its own it would run
  while a toy-course test waits to be alone, and hold both workers up.

Is the lock still needed? Measured on 2026-12-07 (2 vCPUs, AMD EPYC with AVX-512): the grader's
tests without the corpus, beside the TensorFlow-heavy checks (tests/test_checks.py, test_training,
test_predictions, test_original), 568 tests, passed with `runs_alone` returning False in 232.8 s,
and with the lock in 290.5 s; the toy corpus's 51 autograde tests passed beside two busy loops
(118 s, against 106 s idle). One run each: too few to rule out a limit that trips one run in
twenty, and a timing failure in CI costs a landing, so the lock stays until repeated runs say
otherwise.

tests/conftest.py imports the two hooks below.
"""

import fcntl
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

GRADER_TESTS = "tests/grader/"  # node ids under this folder: one unit of work, each test alone but...
SHARING = ("tests/grader/test_corpus.py",)  # ...these, whose time limits are minutes


def runs_alone(nodeid):
    return nodeid.startswith(GRADER_TESTS) and not nodeid.startswith(SHARING)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, with tests/grader/ as one unit (other modes: xdist's own scheduler)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # only with xdist

    class GraderTogether(LoadFileScheduling):
        def _split_scope(self, nodeid):
            return GRADER_TESTS if nodeid.startswith(GRADER_TESTS) else super()._split_scope(nodeid)

    return GraderTogether(config, log)


@contextmanager
def _locked(path, operation):
    with open(path, "a") as handle:
        fcntl.flock(handle, operation)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def cores_for(nodeid, folder):
    """Hold the cores for one test: alone (most of tests/grader/) or shared (the others)."""
    alone = runs_alone(nodeid)
    room = folder / "cores.lock"
    with ExitStack() as held:
        with _locked(folder / "cores-turnstile.lock", fcntl.LOCK_EX):
            if alone:  # wait for the room holding the turnstile: no other test gets in ahead
                held.enter_context(_locked(room, fcntl.LOCK_EX))
        if not alone:
            held.enter_context(_locked(room, fcntl.LOCK_SH))
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not hasattr(item.config, "workerinput"):  # not an xdist worker: the cores are ours
        return (yield)
    # xdist gives each worker <the run's temporary folder>/<worker id>: the parent is the run's own
    with cores_for(item.nodeid, Path(item.config.option.basetemp).parent):
        return (yield)
