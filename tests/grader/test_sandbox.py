"""Tests of the sandbox: what a kernel started by the grader can and cannot do, on this machine.

A probe runs inside a real kernel started the grader's way and reports what it sees. The same
probe run without the sandbox must see what the sandbox hides, or the probe proves nothing.
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader import sandbox
from grader.sandbox import job as job_module
from grader.sandbox import memory as memory_module
from grader.sandbox import users
from grader.settings import GraderLimits as Limits
from grader.settings import GraderSandbox as SandboxSettings
from grader.sandbox import (MemoryWatch, SandboxError, SandboxJob, SandboxKernelManager,
                            acquire_slot, capabilities, kill_user_processes)
from tests.grader.support import fully_isolated

capabilities_module = importlib.import_module("grader.sandbox.capabilities")  # the module, not the function

needs_user = pytest.mark.skipif(not capabilities().other_user,
                                reason="kernels cannot run as another user here (needs root)")
needs_isolation = pytest.mark.skipif(not fully_isolated(),
                                     reason="this machine gives no private file system")

PROBE = r'''
import json, os, resource, socket, pathlib
report = {"uid": os.getuid(), "home": os.environ.get("HOME"), "cwd": os.getcwd()}
report["env_secret"] = os.environ.get("GRADER_TEST_SECRET")
try:
    report["secret_file"] = pathlib.Path(SECRET).read_text()
except OSError as error:
    report["secret_file"] = type(error).__name__
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    report["network"] = "connected"
except OSError as error:
    report["network"] = type(error).__name__
try:
    pathlib.Path(REPO, "sandbox-probe.txt").write_text("x")
    report["repo_write"] = "written"
except OSError as error:
    report["repo_write"] = type(error).__name__
report["visible_pids"] = len([p for p in os.listdir("/proc") if p.isdigit()])
report["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
report["fsize"] = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
report["root_listing"] = sorted(os.listdir("/"))
report["root_home"] = sorted(os.listdir("/root")) if os.path.isdir("/root") else []
print("PROBE " + json.dumps(report))
'''


def run_in_sandbox(code, settings, limits=None, course_root=None, timeout=60):
    """Execute `code` in a kernel started by the grader's sandbox; return its stdout."""
    limits = limits or Limits(cell_timeout=timeout)
    slot = acquire_slot(settings)
    job = SandboxJob(slot, limits, settings, course_root or Path.cwd())
    try:
        km = SandboxKernelManager()
        km.use_sandbox(job)
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(notebook, km=km, timeout=timeout, allow_errors=True,
                                startup_timeout=120)
        client.execute()
        outputs = notebook.cells[0].outputs
        return "".join(o.get("text", "") for o in outputs if o.output_type == "stream") + \
            "".join(f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error")
    finally:
        job.cleanup()
        slot.release()
        if slot.uid is not None:
            assert users._user_pids(slot.uid) == [], "the kernel's user still runs processes"


@pytest.fixture
def secret(monkeypatch):
    """A world-readable file outside the kernel's folder, and a secret environment variable."""
    path = Path("/var/tmp") / f"grader-test-secret-{uuid.uuid4().hex}"
    path.write_text("top secret")
    path.chmod(0o644)
    monkeypatch.setenv("GRADER_TEST_SECRET", "hunter2")
    yield path
    path.unlink()


def probe(secret_path, settings):
    code = f"SECRET = {str(secret_path)!r}\nREPO = {str(Path.cwd())!r}\n" + PROBE
    out = run_in_sandbox(code, settings)
    line = next(line for line in out.splitlines() if line.startswith("PROBE "))
    return json.loads(line[len("PROBE "):])


@needs_isolation
def test_a_sandboxed_kernel_sees_only_what_it_needs(secret):
    """In the sandbox: another user, no secrets, no network, no writes, only its processes?"""
    report = probe(secret, SandboxSettings())
    assert report["uid"] not in (0, os.getuid())
    assert report["env_secret"] is None
    assert report["secret_file"] == "FileNotFoundError"  # /var/tmp is its own, empty
    assert report["network"] != "connected"
    assert report["repo_write"] in ("OSError", "PermissionError")
    assert not (Path.cwd() / "sandbox-probe.txt").exists()
    assert report["visible_pids"] <= 5
    assert report["nproc"] == Limits().processes
    assert report["fsize"] == Limits().file_size_mb * 2**20
    assert report["home"].startswith(SandboxSettings().base_dir)
    assert "home" not in report["root_listing"] and "srv" not in report["root_listing"]
    # /root holds only the way to Python, when Python is installed there (pyenv).
    python_home = [Path(sys.base_prefix).resolve().relative_to("/root").parts[0]] \
        if str(Path(sys.base_prefix).resolve()).startswith("/root/") else []
    assert report["root_home"] == python_home


def test_without_the_sandbox_the_probe_sees_everything(secret):
    """With the sandbox off, does the same probe find the secrets (so the probe can fail)?"""
    report = probe(secret, SandboxSettings(mode="off"))
    assert report["uid"] == os.getuid()
    assert report["env_secret"] == "hunter2"
    assert report["secret_file"] == "top secret"
    assert report["visible_pids"] > 5
    (Path.cwd() / "sandbox-probe.txt").unlink(missing_ok=True)


def test_an_allocation_beyond_the_data_limit_fails_inside_the_kernel():
    """Does a huge allocation raise MemoryError in the kernel instead of exhausting the machine?"""
    code = ("try:\n    hoard = bytearray(900 * 2**20)\n    print('allocated')\n"
            "except MemoryError:\n    print('MemoryError')")
    out = run_in_sandbox(code, SandboxSettings(), Limits(data_mb=500, memory_mb=4000))
    assert out.strip() == "MemoryError"


@needs_user
def test_every_process_of_a_sandbox_user_is_killed(tmp_path):
    """Does kill_user_processes stop a user's processes, forks that forked included?"""
    slot = acquire_slot(SandboxSettings())
    try:
        uid = slot.uid

        def become():
            os.setgroups([])
            os.setresgid(slot.gid, slot.gid, slot.gid)
            os.setresuid(uid, uid, uid)

        # Twenty sleepers, each in a session of its own, plus their parent.
        spawner = "for i in $(seq 20); do setsid sleep 600 & done; sleep 600"
        subprocess.Popen(["/bin/sh", "-c", spawner], preexec_fn=become, start_new_session=True,
                         cwd="/")
        deadline = time.monotonic() + 20
        while len(users._user_pids(uid)) < 21 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(users._user_pids(uid)) >= 21
        kill_user_processes(uid)
        assert users._user_pids(uid) == []
    finally:
        slot.release()


def test_refuses_to_kill_root_or_itself():
    """Is kill_user_processes unusable on root or on the grader's own user?"""
    with pytest.raises(ValueError):
        kill_user_processes(0)
    with pytest.raises(ValueError):
        kill_user_processes(os.getuid())


def test_memory_watch_kills_a_process_tree_over_the_limit():
    """Does the watch kill a process that grows past the limit, and say so?"""
    hog = subprocess.Popen([sys.executable, "-c",
                            "import time\nx = []\nwhile True:\n    x.append(b'x' * 2**24)\n"
                            "    time.sleep(0.01)"])
    watch = MemoryWatch(100, root_pid=hog.pid, interval=0.05).start()
    try:
        assert hog.wait(timeout=30) == -signal.SIGKILL
        assert "memory limit exceeded" in watch.tripped
    finally:
        watch.stop()
        if hog.poll() is None:
            hog.kill()


def test_strict_mode_refuses_a_machine_without_isolation(monkeypatch):
    """With mode strict and no root, does the grader refuse to run instead of degrading?"""
    monkeypatch.setattr(capabilities_module, "capabilities", lambda: sandbox.Capabilities(
        root=False, namespaces=False, notes=("not root: no separate user",)))
    with pytest.raises(SandboxError, match="strict"):
        capabilities_module.check_mode(SandboxSettings(mode="strict"))
    assert capabilities_module.check_mode(SandboxSettings(mode="auto")).root is False


def test_the_isolation_summary_says_what_is_missing():
    """Does the one-line summary name the isolation in effect for each case?"""
    full = sandbox.Capabilities(root=True, namespaces=True, notes=())
    assert "private file system" in full.summary(SandboxSettings())
    assert "no network" in full.summary(SandboxSettings())
    reduced = sandbox.Capabilities(root=False, namespaces=False, notes=())
    assert "reduced isolation (not root)" in reduced.summary(SandboxSettings())
    assert "sandbox off" in full.summary(SandboxSettings(mode="off"))


def test_the_launcher_reports_a_failed_setup(tmp_path):
    """When the sandbox cannot be built, does the launcher exit 97 and name the step?"""
    spec = {"uid": None, "gid": None, "cwd": str(tmp_path / "missing"), "env": {},
            "rlimits": {}, "private_filesystem": False, "block_network": False,
            "connection_file": str(tmp_path / "c.json"), "parent_pid": os.getpid()}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    process = subprocess.run([sys.executable, str(job_module.LAUNCHER), str(tmp_path / "spec.json"),
                              "--", sys.executable, "-c", "print('kernel')"],
                             capture_output=True, text=True, timeout=30)
    assert process.returncode == 97
    assert "failed while entering the working folder" in process.stderr


def test_memory_watch_does_not_count_pages_that_forks_share(monkeypatch):
    """Over the limit by resident size but not by proportional size (forks sharing pages): no kill."""
    monkeypatch.setattr(memory_module, "_resident_memory", lambda pid: 80 * 2**20)
    monkeypatch.setattr(memory_module, "_proportional_memory", lambda pid: 20 * 2**20)
    forks = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) for _ in range(2)]
    watch = MemoryWatch(100, interval=0.02)
    watch._pids = lambda: [p.pid for p in forks]
    watch.start()
    try:
        time.sleep(0.5)
        assert watch.tripped is None and all(p.poll() is None for p in forks)
        assert watch.peak == 40 * 2**20  # 2 x 80 MiB resident is over 100: decided on 2 x 20 MiB
        monkeypatch.setattr(memory_module, "_proportional_memory", lambda pid: 60 * 2**20)
        assert forks[0].wait(timeout=10) == -signal.SIGKILL and "memory limit exceeded" in watch.tripped
    finally:
        watch.stop()
        for p in forks:
            if p.poll() is None:
                p.kill()
