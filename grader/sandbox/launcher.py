"""Start a notebook kernel inside the grading sandbox (run as root, then exec the kernel).

    python grader/sandbox_kernel.py SPEC.json -- python -m ipykernel_launcher -f CONN.json

jupyter_client starts this launcher in place of the kernel (see `grader.sandbox`). It reads
the spec written by the grading worker, builds the sandbox, drops its rights and replaces
itself with the kernel (same process id, so interrupts and kills reach the kernel). In order:

1. copy the connection file where the kernel user can read it;
2. new mount and network namespaces (root only): the kernel gets a private root file system
   made of read-only views of the system, Python and the course library, a read-write view of
   its own working folder, an empty /tmp and /dev/shm, and a /proc that shows only its own
   processes; no network interface but an unconfigured loopback;
3. resource limits (processes, file size, data segment, core dumps, open files, CPU time);
4. drop to the sandbox user (no supplementary groups, no new privileges), die with its parent;
5. a clean environment, the working folder as cwd, then exec the kernel.

Only the standard library is used: the launcher runs before anything else is trusted, and it
must start fast. Every failure is printed on stderr with the step that failed and exits 97,
which the worker reports as "the sandbox could not be set up".
"""

import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import signal
import sys

EXIT_SETUP_FAILED = 97

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
SYS_PIVOT_ROOT = 155  # x86-64; other architectures use the generic table below

_PIVOT_ROOT_BY_MACHINE = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "ppc64le": 203}

_RLIMITS = {
    "NPROC": resource.RLIMIT_NPROC,
    "FSIZE": resource.RLIMIT_FSIZE,
    "DATA": resource.RLIMIT_DATA,
    "AS": resource.RLIMIT_AS,
    "CORE": resource.RLIMIT_CORE,
    "NOFILE": resource.RLIMIT_NOFILE,
    "CPU": resource.RLIMIT_CPU,
}

_libc = None


class SetupError(RuntimeError):
    """A sandbox step failed; the message names the step."""


def _libc_call(name, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    result = getattr(_libc, name)(*args)
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}{args!r}: {os.strerror(errno)}")
    return result


def _mount(source, target, fstype, flags, data=None):
    _libc_call(
        "mount",
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )


def _bind(source, target, writable=False):
    """Bind `source` onto `target` (created as needed), read-only unless `writable`."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    if not writable:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _private_root(spec, new_root):
    """Build the kernel's file system under `new_root` and pivot into it."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(new_root, exist_ok=True)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")

    def inside(path):
        return os.path.join(new_root, path.lstrip("/"))

    # Empty, size-limited scratch space first: the views below may lie inside these folders.
    tmp_size = f"size={spec['tmp_mb']}m,mode=1777"
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):
        os.makedirs(inside(tmp), exist_ok=True)
        _mount("tmpfs", inside(tmp), "tmpfs", MS_NOSUID | MS_NODEV, tmp_size)
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        if os.path.exists("/dev/" + node):
            _bind("/dev/" + node, inside("/dev/" + node), writable=True)
    os.symlink("/proc/self/fd", inside("/dev/fd"))
    for index, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{index}", inside("/dev/" + name))

    # Top-level links such as /bin -> usr/bin are recreated as links, not followed.
    for name in spec["system_paths"]:
        path = "/" + name.strip("/")
        if os.path.islink(path):
            os.symlink(os.readlink(path), inside(path))
        elif os.path.exists(path):
            _bind(path, inside(path))
    # Shorter paths first, so that a view inside another one is mounted on top of it.
    views = [(path, False) for path in spec["readable_paths"]]
    views += [(path, True) for path in spec["writable_paths"]]
    for path, writable in sorted(views, key=lambda view: view[0].count("/")):
        if os.path.exists(path):
            _bind(path, inside(path), writable=writable)

    os.makedirs(inside("/proc"), exist_ok=True)
    try:
        # A proc of its own: the kernel user sees only its own processes.
        _mount("proc", inside("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    except OSError:
        _mount("proc", inside("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if os.path.isdir("/sys"):
        _bind("/sys", inside("/sys"))

    old_root = inside("/.old-root")
    os.makedirs(old_root, exist_ok=True)
    number = _PIVOT_ROOT_BY_MACHINE.get(os.uname().machine, SYS_PIVOT_ROOT)
    _libc_call("syscall", ctypes.c_long(number), new_root.encode(), old_root.encode())
    os.chdir("/")
    _libc_call("umount2", b"/.old-root", ctypes.c_int(MNT_DETACH))
    os.rmdir("/.old-root")
    # The new root itself becomes read-only: nothing outside the writable views can change.
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _set_limits(limits):
    for name, value in limits.items():
        if value is None:
            continue
        which = _RLIMITS[name]
        soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        resource.setrlimit(which, (value, value))


def _drop_privileges(uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SetupError("the user change did not take effect")


def launch(spec, kernel_argv):
    """Set the sandbox up as `spec` says and exec `kernel_argv` (never returns)."""
    step = "reading the connection file"
    try:
        # 1. The connection file lives in the grader's private runtime folder.
        argv = list(kernel_argv)
        if "-f" in argv:
            index = argv.index("-f") + 1
            private_copy = spec["connection_file"]
            shutil.copyfile(argv[index], private_copy)
            if spec.get("uid") is not None:
                os.chown(private_copy, spec["uid"], spec["gid"])
            os.chmod(private_copy, 0o600)
            argv[index] = private_copy

        # 2. Namespaces (root only; the worker decided what is possible here).
        flags = 0
        if spec.get("private_filesystem"):
            flags |= CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
        if spec.get("block_network"):
            flags |= CLONE_NEWNET
        if flags:
            step = "creating namespaces"
            _libc_call("unshare", ctypes.c_int(flags))
        if spec.get("private_filesystem"):
            step = "building the private file system"
            _private_root(spec, spec["new_root"])

        # 3. Resource limits, set while still root (the hard limits then cannot be raised).
        step = "setting resource limits"
        _set_limits(spec.get("rlimits", {}))

        # 4. The unprivileged user.
        if spec.get("uid") is not None:
            step = f"changing to user {spec['uid']}"
            _drop_privileges(spec["uid"], spec["gid"])
        step = "setting process flags"
        _libc_call("prctl", ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1),
                   ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        # Set after the user change, which clears it: the kernel dies with the worker.
        _libc_call("prctl", ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL),
                   ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        if os.getppid() != spec.get("parent_pid", os.getppid()):
            raise SetupError("the grading worker is gone")

        # 5. Clean environment and working folder, then become the kernel.
        step = "entering the working folder"
        os.chdir(spec["cwd"])
        os.umask(0o077)
        step = "starting the kernel"
        os.execve(argv[0], argv, spec["env"])
    except Exception as error:  # every failure must reach the worker's log
        print(f"grader sandbox: failed while {step}: {error}", file=sys.stderr, flush=True)
        os._exit(EXIT_SETUP_FAILED)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        print("usage: sandbox_kernel.py SPEC.json -- KERNEL_COMMAND...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as file:
        spec = json.load(file)
    launch(spec, argv[2:])
    return EXIT_SETUP_FAILED  # not reached: launch() execs or exits


if __name__ == "__main__":
    sys.exit(main())
