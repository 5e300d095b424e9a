"""Test helpers: a Dask cluster of separate processes, and a PostgreSQL server, started for a test.

Both use real programs: `dask scheduler` and `dask worker` from the virtual environment, and
Debian's PostgreSQL server (package `postgresql`; `.ci/run` installs it). A helper that cannot
start fails with what to install, never skips.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spawn(arguments, log):
    return subprocess.Popen([sys.executable, "-m", *arguments], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


@contextlib.contextmanager
def dask_cluster(folder, workers=2):
    """A scheduler and `workers` single-thread workers, each its own process; yields the address."""
    from distributed import Client

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(folder / "cluster.log", "ab")  # closed below
    processes = [_spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                         "--dashboard-address", ":0", "--no-show"], log)]
    try:
        for _ in range(workers):
            processes.append(_spawn(["distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1",
                                     "--memory-limit", "0", "--no-dashboard", "--preload", "grader.dask_preload",
                                     "--death-timeout", "120"], log))
        deadline = time.monotonic() + 120
        with Client(address, timeout=60) as client:
            while len(client.scheduler_info()["workers"]) < workers:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the Dask workers did not join:\n{(folder / 'cluster.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield address
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def worker_processes(address):
    """The worker processes (not the nannies) of a cluster, from the scheduler's own list."""
    from distributed import Client

    with Client(address, timeout=60) as client:
        info = client.scheduler_info()["workers"]
        pids = client.run(os.getpid)
    return [psutil.Process(pid) for worker, pid in pids.items() if worker in info]


def _postgres_bin():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    path = shutil.which("initdb")
    if path and shutil.which("pg_ctl"):
        return Path(path).parent
    pytest.fail("no PostgreSQL server here: install Debian's `postgresql` package "
                "(apt-get install -y postgresql), which .ci/run does")


@contextlib.contextmanager
def postgres_server(folder):
    """A private PostgreSQL server on 127.0.0.1; yields a URL prefix: postgresql://user@host:port/."""
    binaries = _postgres_bin()
    own_folder = os.geteuid() == 0
    if own_folder:  # the server runs as `postgres`, which cannot enter pytest's folders (mode 700, root's)
        folder = Path(tempfile.mkdtemp(prefix="grader-postgres-"))
    folder = Path(folder)
    data = folder / "pgdata"
    folder.mkdir(parents=True, exist_ok=True)
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    as_user = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chmod(folder, 0o700)
    port = free_port()
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    started = subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                              "-w", "-o", f"-h 127.0.0.1 -p {port} -k {folder}", "start"], capture_output=True, text=True)
    if started.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log[-2000:]}")
    try:
        yield f"postgresql://{user}@127.0.0.1:{port}/"
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


def create_database(prefix, name):
    import psycopg2

    connection = psycopg2.connect(prefix + "postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the course installs psycopg2
    return prefix.replace("postgresql://", "postgresql+psycopg2://", 1) + name
