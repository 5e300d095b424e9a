"""The sandbox of one submission's kernels, and the kernel manager that starts them in it.

The kernel is started through `grader/sandbox/launcher.py`, which builds a private file
system and network namespace, sets resource limits and drops to the slot's user before it
execs the kernel. The grading worker watches the slot's memory and kills everything the slot
user runs when the notebook ends.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager

from grader import protocol
from grader.sandbox.capabilities import capabilities
from grader.sandbox.memory import MemoryWatch
from grader.sandbox.users import _base_dir, _tree_pids, kill_user_processes

LAUNCHER = Path(__file__).resolve().with_name("launcher.py")
SYSTEM_PATHS = ("usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32", "etc")


def write_launch_spec(path, *, uid, gid, cwd, env, rlimits, namespaces, block_network, new_root,
                      readable, writable, tmp_mb, connection_file=None):
    """Write the spec grader/sandbox/launcher.py reads (kernels and the judge use it); return `path`."""
    spec = {
        "uid": uid, "gid": gid, "cwd": str(cwd), "env": env, "rlimits": rlimits,
        "private_filesystem": bool(namespaces), "block_network": bool(namespaces and block_network),
        "new_root": str(new_root), "system_paths": list(SYSTEM_PATHS),
        "readable_paths": sorted(str(p) for p in readable), "writable_paths": [str(p) for p in writable],
        "tmp_mb": tmp_mb, "connection_file": str(connection_file) if connection_file else None,
        "parent_pid": os.getpid(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(spec, file)
    return Path(path)


# What a kernel may read of the grader: its protocol (names and the student-error type, no
# secret), which a course's checkers import in the kernel, and the package file above it.
PROTOCOL_FILES = tuple(os.path.realpath(Path(protocol.__file__).with_name(name))
                       for name in ("__init__.py", "protocol.py"))


class SandboxJob:
    """The sandbox of one submission: a slot, a working folder, the kernel's settings.

    Args:
        slot: from acquire_slot().
        limits, settings: grader.settings.GraderLimits and GraderSandbox.
        course_root: the course folder (for relative `readable` paths).

    `earlier` is a read-only folder the kernel may read (the definitions of earlier
    notebooks, when the course asks for them); `work` is the kernel's working folder.
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
        self.earlier = self.dir / "earlier"
        for folder in (self.work, self.home, self.tmp, self.kernel_dir):
            folder.mkdir(mode=0o700)
            if self.isolated:
                os.chown(folder, slot.uid, slot.gid)
        self.earlier.mkdir(mode=0o755)
        self._populated = False
        self.watch = None
        self.kernel_pid = None

    # Paths -----------------------------------------------------------------------------
    def readable_paths(self):
        paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), *PROTOCOL_FILES}
        for entry in (*self.settings.readable, *self.settings.pythonpath):
            paths.add(str((self.course_root / entry).resolve()))
        paths.add(str(self.earlier))
        return sorted(paths)

    def pythonpath(self):
        return [str((self.course_root / entry).resolve()) for entry in self.settings.pythonpath]

    def populate(self, submission_dir):
        """Copy the submission's files (not its notebooks) into the kernel's working folder.

        `submission_dir` is the worker's private copy, written from grader.intake's data (so
        it holds no links or special files); links are skipped here all the same.
        """
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
        env.update(self.settings.set_env)
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
        return write_launch_spec(
            self.dir / "spec.json", uid=self.slot.uid if self.isolated else None,
            gid=self.slot.gid if self.isolated else None, cwd=self.work,
            env=self.environment(extra_env), rlimits=self.rlimits(), namespaces=self.namespaces,
            block_network=self.settings.block_network, new_root=self.dir / "root",
            readable=self.readable_paths(),
            writable=[self.work, self.home, self.tmp, self.kernel_dir], tmp_mb=self.limits.tmp_mb,
            connection_file=self.kernel_dir / "connection.json")

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

    `sandbox_job` must be set before the kernel starts (grader.worker.execute does it). With the
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
            log = open(self.sandbox_job.log_path, "ab")  # closed below
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
