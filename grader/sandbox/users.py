"""Sandbox users and slots: one unprivileged user per running kernel, killed as a group.

Each running notebook kernel gets a *slot*: a dedicated user (`<prefix>-<n>`, created on
first use) that no other running kernel shares, so that its processes can be counted,
limited and killed together, and no two students' kernels can see each other.
"""

import contextlib
import dataclasses
import fcntl
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from grader.sandbox.capabilities import SandboxError, capabilities

MAX_SLOTS = 64
RAW_UID_BASE = 64000  # used when users cannot be created (no useradd)


def ensure_user(name, fallback_uid):
    """Return (uid, gid) of user `name`, creating a locked system user if it does not exist."""
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam(name)
        return entry.pw_uid, entry.pw_gid
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    if os.path.exists(useradd):
        result = subprocess.run(
            [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--user-group", name],
            capture_output=True, text=True, check=False)
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        if result.returncode not in (0, 9):  # 9: created meanwhile by another process
            pass
    # No user database entry: a bare uid works for everything the kernel needs.
    return fallback_uid, fallback_uid


@dataclasses.dataclass
class Slot:
    """An exclusive sandbox identity: index, user and the lock that reserves them."""

    index: int
    name: str
    uid: int | None
    gid: int | None
    lock_file: object = None

    def release(self):
        if self.uid is not None:
            kill_user_processes(self.uid)
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None


def _base_dir(settings):
    base = Path(settings.base_dir if capabilities().root else tempfile.gettempdir())
    if not capabilities().root:
        base = base / f"nbgrader-sandbox-{os.getuid()}"
    base.mkdir(parents=True, exist_ok=True)
    # Others may pass through (kernels reach their own folder) but not list the folders.
    os.chmod(base, 0o711 if capabilities().root else 0o700)
    return base


def acquire_slot(settings):
    """Reserve the first free slot (a file lock), kill leftovers of its user, return it."""
    caps = capabilities()
    locks = _base_dir(settings) / "slots"
    locks.mkdir(exist_ok=True)
    os.chmod(locks, 0o700)
    for index in range(MAX_SLOTS):
        handle = open(locks / f"{index}.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        name = f"{settings.user_prefix}-{index}"
        uid = gid = None
        if caps.other_user and settings.mode != "off":
            uid, gid = ensure_user(name, RAW_UID_BASE + index)
            kill_user_processes(uid)  # leftovers of a grader that was killed
        for stale in _base_dir(settings).glob(f"slot{index}-*"):
            shutil.rmtree(stale, ignore_errors=True)  # the folders of a killed grader
        return Slot(index=index, name=name, uid=uid, gid=gid, lock_file=handle)
    raise SandboxError(f"all {MAX_SLOTS} sandbox slots are busy ({locks})")


def leftover_processes(settings):
    """{user: [pids]} of sandbox users whose slot nobody holds (so nothing should run)."""
    locks = _base_dir(settings) / "slots"
    found = {}
    for path in sorted(locks.glob("*.lock")) if locks.is_dir() else []:
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a grader is using this slot right now
            name = f"{settings.user_prefix}-{path.stem}"
            with contextlib.suppress(KeyError):
                pids = _user_pids(pwd.getpwnam(name).pw_uid)
                if pids:
                    found[name] = pids
    return found


def kill_user_processes(uid, attempts=50):
    """SIGKILL every process of `uid`, fork bombs included. Returns how many rounds it took.

    A child process becomes that user and calls kill(-1, SIGKILL), which signals every
    process the user owns in one pass of the kernel; repeated until none is left.
    """
    if uid is None or uid == 0 or uid == os.getuid():
        raise ValueError(f"refusing to kill all processes of uid {uid}")
    for attempt in range(attempts):
        if not _user_pids(uid):
            return attempt
        pid = os.fork()
        if pid == 0:  # pragma: no cover (child)
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.02)
    return attempts


def _user_pids(uid):
    pids = []
    for process in psutil.process_iter(["uids", "status"]):
        try:
            if process.info["uids"].real == uid and process.info["status"] != psutil.STATUS_ZOMBIE:
                pids.append(process.pid)
        except (psutil.Error, AttributeError, TypeError):
            continue
    return pids


def _tree_pids(root_pid):
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(root_pid)
        return [root.pid] + [child.pid for child in root.children(recursive=True)]
    return []
