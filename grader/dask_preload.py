"""Dask preload for grading workers and their nannies: die with the parent process.

    dask worker tcp://scheduler:8786 --nthreads 1 --preload grader.dask_preload

A worker's kernels and judge die with the worker (PR_SET_PDEATHSIG, set by the sandbox);
this makes the worker die with its nanny, and the nanny with the process that started it,
so that `kill -9` of a local batch leaves nothing grading behind. It also spares each worker
jsonschema's 2-second IRI grammar, as `python -m grader` does (grader/cli.py).
"""

from grader.libc import die_with_parent


def dask_setup(worker_or_nanny):
    """Called by Dask in each worker (and nanny) process that preloads this module."""
    from grader.cli import speed_up_imports

    die_with_parent()
    speed_up_imports()  # before a task imports nbformat (and with it jsonschema)
