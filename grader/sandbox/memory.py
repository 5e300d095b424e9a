"""The memory watch: kill a notebook's processes when their memory together passes a limit."""

import contextlib
import os
import signal
import threading

import psutil

from grader.sandbox.users import _tree_pids, _user_pids, kill_user_processes


def _proportional_memory(pid):
    """Proportional set size of a process in bytes (shared pages split between sharers).

    Resident size would count the pages a forked child shares with its parent once per
    process, so fifty idle forks of a kernel would look like fifty kernels.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as file:
            for line in file:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).memory_info().rss
    return 0


def _resident_memory(pid):
    """Resident set size of a process in bytes (0 once it is gone): cheap to read."""
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).memory_info().rss
    return 0


class MemoryWatch:
    """Kill the kernel's processes when their memory together passes a limit.

    Each sample sums the resident sizes (cheap: a few microseconds a process). Only when
    that sum passes the limit does it sum the proportional sizes, which split pages shared
    between forks and decide: reading those costs about 7 ms for a TensorFlow kernel, too
    much to pay ten times a second while nothing is near the limit. `peak` is the largest
    such sum (resident, or proportional when above the limit).
    """

    def __init__(self, limit_mb, uid=None, root_pid=None, interval=0.1):
        self.limit = limit_mb * 1024 * 1024
        self.uid = uid
        self.root_pid = root_pid
        self.interval = interval
        self.peak = 0
        self.tripped = None  # a message once the limit was passed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def _pids(self):
        if self.uid is not None:
            return _user_pids(self.uid)
        return _tree_pids(self.root_pid) if self.root_pid else []

    def _run(self):
        while not self._stop.wait(self.interval):
            pids = self._pids()
            total = sum(_resident_memory(pid) for pid in pids)
            if total > self.limit:  # resident size counts pages shared by forks once per process
                total = sum(_proportional_memory(pid) for pid in pids)
            self.peak = max(self.peak, total)
            if total > self.limit and self.tripped is None:
                self.tripped = (f"memory limit exceeded: the notebook's processes used "
                                f"{total / 2**20:.0f} MiB (limit {self.limit / 2**20:.0f} MiB)")
                if self.uid is not None:
                    kill_user_processes(self.uid)
                else:
                    for pid in pids:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
