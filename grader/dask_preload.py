"""Dask preload for grading workers and their nannies: die with the parent process.

    dask worker tcp://scheduler:8786 --nthreads 1 --preload grader.dask_preload

A worker's kernels and judge die with the worker (PR_SET_PDEATHSIG, set by the sandbox);
this makes the worker die with its nanny, and the nanny with the process that started it,
so that `kill -9` of a local batch leaves nothing grading behind. It also spares each worker
jsonschema's 2-second IRI grammar, as `python -m grader` does (grader/cli.py).
"""

import contextlib
import signal


def _die_with_parent():
    import ctypes
    import ctypes.util

    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def dask_setup(worker_or_nanny):
    """Called by Dask in each worker (and nanny) process that preloads this module."""
    from grader.cli import speed_up_imports

    _die_with_parent()
    speed_up_imports()  # before a task imports nbformat (and with it jsonschema)
