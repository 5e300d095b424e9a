"""Isolation of student code: who the kernel runs as, what it sees, what it may use.

Each running notebook kernel gets a *slot*: a dedicated unprivileged user
(`nbgrader-sandbox-<n>`, created on first use) that no other running kernel shares, so
that its processes can be counted, limited and killed as a group, and no two students'
kernels can see each other. The kernel is started through `grader/sandbox_kernel.py`,
which builds a private file system and network namespace, sets resource limits and drops
to the slot's user before it execs the kernel. The grading worker watches the slot's
memory and kills everything the slot user runs when the notebook ends.

What this machine allows decides how much of that applies (`capabilities()`); the result is
stated in every grading report. grader/README.md lists exactly what is and is not isolated.
"""

import contextlib
import dataclasses
import fcntl
import functools
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager

LAUNCHER = Path(__file__).resolve().with_name("sandbox_kernel.py")
HARNESS = Path(__file__).resolve().with_name("harness.py")
SYSTEM_PATHS = ("usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32", "etc")
MAX_SLOTS = 64
RAW_UID_BASE = 64000  # used when users cannot be created (no useradd)


class SandboxError(RuntimeError):
    """The sandbox could not be set up the way the settings require."""


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What isolation this machine gives, and why not more."""

    root: bool
    namespaces: bool
    notes: tuple
    separate_user: bool = None  # None: same as root

    @property
    def other_user(self):
        return self.root if self.separate_user is None else self.separate_user

    def summary(self, settings):
        """One line for reports: the isolation actually applied under `settings`."""
        if settings.mode == "off":
            return "sandbox off: student code runs as you, with time and output limits only"
        if not self.other_user:
            who = "not root" if not self.root else "the sandbox user cannot run this Python"
            return (f"reduced isolation ({who}): student code runs as you, with resource "
                    "limits, time, memory and output limits; no separate user, file system "
                    "or network isolation")
        parts = ["separate user per kernel", "resource limits"]
        if self.namespaces:
            parts.append("private file system")
            if settings.block_network:
                parts.append("no network")
        return "isolated: " + ", ".join(parts)


def _try_namespaces():
    """Can a child process create mount and network namespaces here? (checked in a fork)."""
    import ctypes
    import ctypes.util

    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            ok = libc.unshare(ctypes.c_int(0x00020000 | 0x40000000)) == 0
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@functools.lru_cache(maxsize=1)
def capabilities():
    """Probe once: root? namespaces? Returns a Capabilities with notes on what is missing."""
    notes = []
    # GRADER_ASSUME_UNPRIVILEGED=1: behave as a non-root user would (tests of the fallback).
    root = os.geteuid() == 0 and not os.environ.get("GRADER_ASSUME_UNPRIVILEGED")
    namespaces = False
    if not root:
        notes.append("not root: no separate user, no private file system, no network isolation")
    elif sys.platform != "linux":
        notes.append("not Linux: no namespaces")
    else:
        namespaces = _try_namespaces()
        if not namespaces:
            notes.append("unshare(CLONE_NEWNS|CLONE_NEWNET) is refused here (a container "
                         "without CAP_SYS_ADMIN?): no private file system, no network isolation")
    separate_user = root
    if root and not namespaces and not _nobody_can_run_python():
        separate_user = False
        notes.append(f"without a private file system another user cannot run this Python "
                     f"({os.path.realpath(sys.executable)} is not readable for them): kernels "
                     f"run as the grader's user")
    return Capabilities(root=root, namespaces=namespaces, notes=tuple(notes),
                        separate_user=separate_user)


def _nobody_can_run_python():
    """Can an unprivileged user execute this Python and read its packages? (checked in a fork)."""
    import sysconfig

    paths = [os.path.realpath(sys.executable), sysconfig.get_paths()["purelib"], sys.base_prefix]
    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            ok = os.access(paths[0], os.X_OK) and all(os.access(p, os.R_OK | os.X_OK)
                                                      for p in paths[1:])
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def check_mode(settings):
    """Raise SandboxError if `settings.mode` is "strict" and the machine cannot comply."""
    caps = capabilities()
    if settings.mode == "strict" and not (caps.root and caps.namespaces):
        raise SandboxError("sandbox mode is strict but " + "; ".join(caps.notes)
                           + ". Run as root on Linux, or set mode = \"auto\".")
    return caps


# ---------------------------------------------------------------------------- users and slots

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


# ------------------------------------------------------------------------------- memory watch

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


# ------------------------------------------------------------------------------- sandbox jobs

class SandboxJob:
    """The sandbox of one submission: a slot, a working folder, the kernel's settings.

    Args:
        slot: from acquire_slot().
        limits, settings: grader.limits.Limits and SandboxSettings.
        course_root: the course folder (for relative `readable` paths).
    """

    def __init__(self, slot, limits, settings, course_root):
        self.slot = slot
        self.limits = limits
        self.settings = settings
        self.course_root = Path(course_root).resolve()
        self.caps = capabilities()
        self.enabled = settings.mode != "off"
        self.isolated = self.enabled and self.caps.other_user
        self.namespaces = self.isolated and self.caps.namespaces
        self.dir = _base_dir(settings) / f"slot{slot.index}-{uuid.uuid4().hex}"
        self.dir.mkdir(mode=0o711)
        self.work = self.dir / "work"
        self.home = self.dir / "home"
        self.tmp = self.dir / "tmp"
        self.kernel_dir = self.dir / "kernel"
        self.reference = self.dir / "reference"
        for folder in (self.work, self.home, self.tmp, self.kernel_dir):
            folder.mkdir(mode=0o700)
            if self.isolated:
                os.chown(folder, slot.uid, slot.gid)
        self.reference.mkdir(mode=0o755)
        shutil.copyfile(HARNESS, self.kernel_dir / "grader_harness.py")
        if self.isolated:
            os.chown(self.kernel_dir / "grader_harness.py", slot.uid, slot.gid)
        self._populated = False
        self.watch = None
        self.kernel_pid = None

    # Paths -----------------------------------------------------------------------------
    def readable_paths(self):
        paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
        for entry in (*self.settings.readable, *self.settings.pythonpath):
            paths.add(str((self.course_root / entry).resolve()))
        paths.add(str(self.reference))
        return sorted(paths)

    def pythonpath(self):
        return [str((self.course_root / entry).resolve()) for entry in self.settings.pythonpath]

    @property
    def harness_path(self):
        return str(self.kernel_dir / "grader_harness.py")

    def populate(self, submission_dir):
        """Copy the submission's files (not its notebooks) into the kernel's working folder."""
        if self._populated:
            return
        self._populated = True
        source = Path(submission_dir)
        for path in source.rglob("*"):
            relative = path.relative_to(source)
            if path.suffix == ".ipynb" or path.is_symlink() or relative.parts[0].startswith("."):
                continue
            target = self.work / relative
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif path.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        if self.isolated:
            for path in [self.work, *self.work.rglob("*")]:
                os.lchown(path, self.slot.uid, self.slot.gid)

    def environment(self, extra=None):
        """The kernel's whole environment: an allow-list, never the grader's own variables."""
        if not self.enabled:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                self.pythonpath() + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
            env.update(extra or {})
            return env
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin",
                                     "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "USER": self.slot.name,
            "LOGNAME": self.slot.name,
            "MPLCONFIGDIR": str(self.home / ".config" / "matplotlib"),
            "PYTHONPATH": os.pathsep.join(self.pythonpath()),
            "PYTHONDONTWRITEBYTECODE": "1",
            "JUPYTER_RUNTIME_DIR": str(self.home / ".local" / "share" / "jupyter" / "runtime"),
        }
        for name in ("NBGRADER_EXECUTION", *self.settings.env):
            if name in os.environ:
                env[name] = os.environ[name]
        for item in self.settings.set_env:
            name, _, value = item.partition("=")
            env[name] = value
        env.update(extra or {})
        return env

    def rlimits(self):
        if not self.enabled:
            return {}
        mib = 1024 * 1024
        limits = {
            "FSIZE": self.limits.file_size_mb * mib,
            "DATA": self.limits.data_mb * mib if self.limits.data_mb else None,
            "CORE": 0,
            "NOFILE": self.limits.open_files,
            "CPU": self.limits.cpu_seconds or None,
        }
        if self.isolated:
            # Counts the slot user's processes and threads only (each slot has its own user).
            limits["NPROC"] = self.limits.processes
        else:
            # Same user as the grader: count what it already runs, or it could not start.
            mine = sum(1 for p in psutil.process_iter(["uids"])
                       if p.info["uids"] and p.info["uids"].real == os.getuid())
            limits["NPROC"] = mine + self.limits.processes
        return limits

    def write_spec(self, extra_env=None):
        """Write the launcher's spec for the next kernel; return its path."""
        spec = {
            "uid": self.slot.uid if self.isolated else None,
            "gid": self.slot.gid if self.isolated else None,
            "cwd": str(self.work),
            "env": self.environment(extra_env),
            "rlimits": self.rlimits(),
            "private_filesystem": self.namespaces,
            "block_network": self.namespaces and self.settings.block_network,
            "new_root": str(self.dir / "root"),
            "system_paths": list(SYSTEM_PATHS),
            "readable_paths": self.readable_paths(),
            "writable_paths": [str(self.work), str(self.home), str(self.tmp),
                               str(self.kernel_dir)],
            "tmp_mb": self.limits.tmp_mb,
            "connection_file": str(self.kernel_dir / "connection.json"),
            "parent_pid": os.getpid(),
        }
        path = self.dir / "spec.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(spec, file)
        return path

    # Life cycle ------------------------------------------------------------------------
    def kernel_started(self, pid):
        self.kernel_pid = pid
        if not self.enabled:
            return
        self.watch = MemoryWatch(self.limits.memory_mb,
                                 uid=self.slot.uid if self.isolated else None,
                                 root_pid=pid).start()

    def kernel_stopped(self):
        """Stop watching; kill whatever the notebook left running. Returns the watch's verdict."""
        verdict = None
        if self.watch is not None:
            self.watch.stop()
            verdict = self.watch.tripped
            self.watch = None
        if self.isolated:
            kill_user_processes(self.slot.uid)
        elif self.kernel_pid:
            # Same user as the grader: the kernel's descendants are all we can find.
            for pid in reversed(_tree_pids(self.kernel_pid)):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        self.kernel_pid = None
        return verdict

    @property
    def log_path(self):
        return self.dir / "kernel.log"

    def log_tail(self, lines=15):
        """The last lines the launcher and kernel wrote outside of cells."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def memory_verdict(self):
        return self.watch.tripped if self.watch is not None else None

    def cleanup(self):
        self.kernel_stopped()
        root = self.dir / "root"
        if root.exists():
            # The launcher's mounts lived in the kernel's namespace; here it is a plain folder.
            with contextlib.suppress(OSError):
                root.rmdir()
        shutil.rmtree(self.dir, ignore_errors=True)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts kernels through the sandbox launcher.

    `sandbox_job` must be set before the kernel starts (grader.execute does it). With the
    network namespace the kernel cannot reach TCP ports on the grader's loopback, so the
    connection uses Unix sockets in the kernel's own folder (ZeroMQ's ipc transport).
    """

    sandbox_job = None
    sandbox_extra_env = None

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.sandbox_job is None:
            return cmd
        spec = self.sandbox_job.write_spec(self.sandbox_extra_env)
        return [sys.executable, "-I", str(LAUNCHER), str(spec), "--", *cmd]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.sandbox_job is not None:
            kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # launcher replaces it
            # The launcher's and the kernel's own output (not the cells'): for error reports.
            log = open(self.sandbox_job.log_path, "ab")  # noqa: SIM115 (closed below)
            kw["stdout"], kw["stderr"] = log, subprocess.STDOUT
            try:
                await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                log.close()  # the kernel has its own copy; a worker grades thousands
        else:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.sandbox_job is not None:
            self.sandbox_job.kernel_started(self.provisioner.pid)

    def use_sandbox(self, job, extra_env=None):
        """Attach `job`; switch to Unix-socket transport when the kernel has its own network."""
        self.sandbox_job = job
        self.sandbox_extra_env = extra_env
        if job.namespaces:
            self.transport = "ipc"
            self.ip = str(job.kernel_dir / "zmq")
