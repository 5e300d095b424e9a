"""What isolation this machine gives (root? namespaces?), probed once and said in every report."""

import dataclasses
import functools
import os
import sys


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

    from grader.libc import libc

    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        try:
            ok = libc().unshare(ctypes.c_int(0x00020000 | 0x40000000)) == 0
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
