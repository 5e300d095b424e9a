"""The C library, for the Linux calls Python has no function for (prctl, unshare).

grader/sandbox/launcher.py keeps its own handle: it runs as a script under `python -I`, where
the grader package is not importable.
"""

import contextlib
import ctypes
import ctypes.util
import functools
import signal

PR_SET_PDEATHSIG = 1


@functools.lru_cache(maxsize=1)
def libc():
    """This process's C library (errno kept for ctypes.get_errno)."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def die_with_parent():
    """Have the kernel kill this process (SIGKILL) when its parent dies; never raises.

    Called at a process's start, or as a subprocess's preexec_fn (then in the child)."""
    with contextlib.suppress(Exception):
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
