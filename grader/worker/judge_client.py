"""The worker's end of the judge: start it, hand it test cells, relay its probes to the kernel.

One judge process serves a grading worker for many submissions (importing a course's
checkers, TensorFlow say, takes seconds). It runs outside the sandbox; when the grader is
root it runs as its own unprivileged user (`<sandbox prefix>-judge`), so that even a flaw in
how it reads answers would not hand a student the grader's rights. It dies with its worker.
"""

import contextlib
import json
import os
import secrets
import select
import subprocess
import sys
import tempfile
import time

from grader import protocol
from grader.libc import die_with_parent
from grader.sandbox.capabilities import capabilities
from grader.sandbox.users import ensure_user

JUDGE_UID_OFFSET = 999  # a bare uid past the slots', when users cannot be created


class JudgeUnavailable(RuntimeError):
    """The judge process could not be started or stopped answering."""


class ProtocolError(RuntimeError):
    """A message out of turn, of the wrong kind or unreadable: the judge is stopped and started anew."""


class JudgeProcess:
    """A judge subprocess for one worker.

    Args:
        paths: folders put first on the judge's sys.path (the course's checkers).
        readable: what the judge may read besides Python (the checkers, the course's source
            notebooks, its data); with the full sandbox it sees nothing else.
        preload: modules imported as soon as it starts (e.g. "tensorflow").
        env: variables set in the judge's environment (besides a minimal PATH and HOME).
        sandbox: grader.settings.GraderSandbox (its user prefix names the judge's user).
    """

    def __init__(self, paths=(), readable=(), preload=(), env=None, sandbox=None):
        self.paths = [str(p) for p in paths]
        self.readable = [str(p) for p in (*paths, *readable)]
        self.preload = list(preload)
        self.env = dict(env or {})
        self.sandbox = sandbox
        self.process = None
        self.log = None
        self.isolation = "not started"

    def start(self):
        if self.process is not None and self.process.poll() is None:
            return
        from grader.sandbox.job import LAUNCHER, write_launch_spec

        self.home = tempfile.mkdtemp(prefix="grader-judge-")
        os.chmod(self.home, 0o711)
        work = os.path.join(self.home, "work")
        os.mkdir(work, 0o700)
        to_judge_read, to_judge_write = os.pipe()
        from_judge_read, from_judge_write = os.pipe()
        env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
               "HOME": work, "TMPDIR": work, "MPLCONFIGDIR": work, "MPLBACKEND": "Agg",
               "PYTHONDONTWRITEBYTECODE": "1", **self.env}
        command = [sys.executable, "-I", "-m", "grader.judge.server",
                   "--in", str(to_judge_read), "--out", str(from_judge_write)]
        for path in self.paths:
            command += ["--path", path]
        for module in self.preload:
            command += ["--preload", module]
        caps = capabilities()
        if caps.root and caps.namespaces and self.sandbox is not None and self.sandbox.mode != "off":
            # Its own user and a private, read-only view of Python and the course: it can read
            # the reference, and nothing of the gradebook, the submissions or the grader's secrets.
            uid, gid = ensure_user(f"{self.sandbox.user_prefix}-judge", 64000 + JUDGE_UID_OFFSET)
            os.chown(work, uid, gid)
            package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            readable = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), package,
                        *self.readable}
            spec = write_launch_spec(
                os.path.join(self.home, "spec.json"), uid=uid, gid=gid, cwd=work, env=env,
                rlimits={"CORE": 0}, namespaces=True, block_network=True,
                new_root=os.path.join(self.home, "root"), readable=readable, writable=[work],
                tmp_mb=1024)
            command = [sys.executable, "-I", str(LAUNCHER), str(spec), "--", *command]
            self.isolation = "own user, private read-only file system, no network"
            env = {"PATH": env["PATH"]}
        else:
            self.isolation = "the grader's own user (no sandbox for the judge on this machine)"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            pass_fds=(to_judge_read, from_judge_write), preexec_fn=die_with_parent)
        os.close(to_judge_read)
        os.close(from_judge_write)
        self._write = os.fdopen(to_judge_write, "w", encoding="utf-8", buffering=1)
        self._read_fd = from_judge_read
        self._buffer = b""

    def _readline(self, deadline):
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._read_fd], [], [], min(remaining, 5.0))
            if not ready:
                if self.process.poll() is not None:
                    raise JudgeUnavailable(f"the judge stopped (exit {self.process.returncode}): {self.log_tail()}")
                continue
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise JudgeUnavailable(f"the judge closed its pipe: {self.log_tail()}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except (ValueError, RecursionError):
            raise ProtocolError("a message from the judge that is not readable") from None

    def _send(self, message):
        self._write.write(json.dumps(message) + "\n")
        self._write.flush()

    def wait_ready(self, timeout=300):
        """Block until the judge has started and imported its preloads."""
        self.start()
        if getattr(self, "_ready", None) == self.process.pid:
            return
        message = self._readline(time.monotonic() + timeout)
        if message.get("op") != protocol.READY:
            raise JudgeUnavailable(f"the judge did not start: {message}")
        self._ready = self.process.pid

    def grade_cell(self, request, answer_probe, timeout):
        """Run one test cell in the judge; relay its probes through `answer_probe(message)`.

        Every message of the cell carries its turn (a fresh random id) and each probe its
        number, in order: anything else from the judge, or any failure while relaying (an
        answer that cannot be read, say), stops the judge, and the next cell starts a new one,
        so that no answer of this cell can ever be read as part of another cell's, or another
        student's. Returns the verdict dict; a judge that fails or passes `timeout` seconds
        gives an internal-error verdict.
        """
        deadline = time.monotonic() + timeout
        turn = secrets.token_hex(8)
        try:
            self.wait_ready()
            self._send({"op": protocol.CELL, **request, "turn": turn})
            expected_probe = 1
            while True:
                message = self._readline(deadline)
                if not isinstance(message, dict) or message.get("turn") != turn:
                    raise ProtocolError("a message from the judge that belongs to no current test")
                if message.get("op") == protocol.VERDICT:
                    verdict = {key: message.get(key) for key in ("op", "passed", "output", "message", "kind")}
                    flags = message.get("flags") if isinstance(message.get("flags"), list) else []
                    return {**verdict, "flags": [str(flag)[:300] for flag in flags[:20]]}
                if message.get("op") != protocol.PROBE or message.get("id") != expected_probe:
                    raise ProtocolError(f"an unexpected {str(message.get('op'))[:20]!r} message from the judge")
                remaining = max(1.0, deadline - time.monotonic())
                try:
                    reply = answer_probe(message, remaining)
                except Exception as error:  # the kernel's answer, whatever it was, is no answer
                    reply = {"ok": False, "error": protocol.error_shape(
                        "NoAnswer", f"the kernel's answer could not be read ({type(error).__name__})")}
                self._send({"op": protocol.ANSWER, "id": expected_probe, "turn": turn, **reply})
                expected_probe += 1
        except TimeoutError:
            self.stop()
            return {"op": protocol.VERDICT, "passed": False, "kind": "timeout", "output": "",
                    "message": f"the test did not finish within {timeout:.0f} s and was stopped"}
        except Exception as error:  # the judge, the pipe or the protocol: never another cell's
            self.stop()
            return {"op": protocol.VERDICT, "passed": False, "kind": "internal", "output": "",
                    "message": f"the grader's judge failed ({type(error).__name__}: {str(error)[:300]})"}

    def log_tail(self, size=3000):
        if self.log is None:
            return ""
        with contextlib.suppress(OSError):
            self.log.seek(0, os.SEEK_END)
            length = self.log.tell()
            self.log.seek(max(0, length - size))
            return self.log.read().decode("utf-8", "replace")
        return ""

    def stop(self):
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(Exception):
                self.process.wait(timeout=10)
            with contextlib.suppress(OSError):
                self._write.close()
            with contextlib.suppress(OSError):
                os.close(self._read_fd)
            self.process = None
            self._ready = None
        if getattr(self, "home", None):
            import shutil

            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None
