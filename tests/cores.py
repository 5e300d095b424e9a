"""How the tests share the cores when pytest-xdist spreads them (./run-tests does; `-n 0` does not).

The tests of tests/grader/ start kernels, judges and Dask workers under time limits that assume the
cores are theirs (4 s a call for the toy course: a memory bomb must reach its limit within that), and
share session fixtures too costly to make twice (the graded toy corpus). So, under xdist:

- tests/grader/ is one unit of work, given to one worker, its session fixtures made once;
- each of its tests runs alone: every other worker waits while it runs. The other tests run side
  by side. This is a readers-writer lock across the workers of one run (`flock` on two files in the
  run's temporary folder), held for a test's setup, call and teardown: shared by the others,
  exclusive by a test of tests/grader/. A turnstile stops a stream of others from starving it.

tests/conftest.py imports the two hooks below.
"""

import fcntl
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

ALONE = "tests/grader/"  # node ids under this folder: one unit of work, each test alone


def runs_alone(nodeid):
    return nodeid.startswith(ALONE)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, with tests/grader/ as one unit (other modes: xdist's own scheduler)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # noqa: PLC0415 (only with xdist)

    class GraderTogether(LoadFileScheduling):
        def _split_scope(self, nodeid):
            return ALONE if runs_alone(nodeid) else super()._split_scope(nodeid)

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
    """Hold the cores for one test: alone for tests/grader/, shared for the others."""
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
