"""The judge: a trusted process that runs each test cell and decides whether it passed.

    python -I -m grader.judge.server --in FD --out FD [--path DIR ...] [--preload MODULE ...]

Started by the grading worker, outside the sandbox, with its own working folder and no
access to the student's kernel except through the worker. For each test cell the worker
sends {"op": "cell", "source", "setup", "code", "env"}; the judge

1. runs the `setup` import statements (from the released notebook's read-only cells: the
   course's checkers and helpers) in a fresh namespace;
2. binds every other name the test cell reads to a `Remote` handle on the student's kernel;
3. runs the test cell's source (restored from the gradebook, hidden tests included) with its
   printed output captured; each call of a Remote is a probe the worker relays to the kernel
   ({"op": "probe"} out, {"op": "answer"} back, plain data only);
4. answers {"op": "verdict", "passed", "output", "message", "kind"}: "fail" for a failed check
   or an error of the student's function, "internal" when the judge's own code broke.

Expected values are computed here, from the course's reference (the worker passes the source
folder as GRADER_SOURCE_DIR in `env`), never in the student's process.
"""

import argparse
import ast
import builtins
import contextlib
import io
import json
import os
import sys
import traceback

from grader import protocol
from grader.kernel import agent
from grader.judge.remote import Remote
from grader.protocol import StudentError

HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


class OutOfTurn(BaseException):
    """The worker sent something other than this probe's answer: this judge stops at once.

    A BaseException, so that no check's `except Exception` can swallow it: after it, nothing
    this process holds can be matched to a cell any more, and the worker starts a new judge.
    """


class Channel:
    """The judge's end of the worker's pipes: probes out, answers in, each tied to its cell's turn."""

    def __init__(self, read_fd, write_fd):
        self.reader = os.fdopen(read_fd, "r", encoding="utf-8")
        self.writer = os.fdopen(write_fd, "w", encoding="utf-8", buffering=1)
        self.turn = None  # the current cell's turn, from its "cell" message
        self.next_id = 0
        self.flags = []

    def begin(self, turn):
        self.turn, self.next_id, self.flags = turn, 0, []

    def flag(self, reason):
        """A check asks for a person's review of this submission (see Remote.grader_flag)."""
        if reason not in self.flags and len(self.flags) < 20:
            self.flags.append(str(reason)[:300])

    def send(self, message):
        self.writer.write(json.dumps({**message, "turn": self.turn}) + "\n")
        self.writer.flush()

    def receive(self):
        line = self.reader.readline()
        if not line:
            raise EOFError("the grading worker closed the judge's pipe")
        return json.loads(line)

    def ask(self, target, probe, args, kwargs, define=None):
        self.next_id += 1
        self.send({"op": protocol.PROBE, "id": self.next_id, "target": target, "probe": probe, "define": define,
                   "args": agent.encode(list(args)), "kwargs": agent.encode(dict(kwargs))["__dict__"]})
        reply = self.receive()
        if not isinstance(reply, dict) or reply.get("op") != protocol.ANSWER or reply.get("id") != self.next_id \
                or reply.get("turn") != self.turn:
            raise OutOfTurn("the worker's message is not the answer to this probe")
        if not reply.get("ok"):
            error = reply.get("error") or {}
            frames = [{key: str(frame.get(key, ""))[:200] for key in ("function", "where", "line", "code")}
                      for frame in error.get("frames", []) if isinstance(frame, dict)][:8]
            raise StudentError(target, str(error.get("type", "Error")), str(error.get("message", "")),
                              frames, bool(error.get("placeholder")))
        try:
            return agent.decode(reply.get("value"))
        except (agent.DecodeError, ValueError, TypeError, RecursionError) as error:
            raise StudentError(target, "NoAnswer", f"its answer is not plain data ({error})") from None


def free_names(tree):
    """Names the cell reads that it never assigns itself (the roots of what it uses)."""
    assigned, loaded = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.append(node.id)
            else:
                assigned.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            assigned.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            assigned.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            assigned.add(node.arg)
    return [name for name in dict.fromkeys(loaded) if name not in assigned]


def _hidden_lines(source):
    lines, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if HIDDEN_BEGIN in line:
            inside = True
        elif HIDDEN_END in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _failed_line(error, filename, source):
    """(line number, text) of the test cell's own line where `error` surfaced."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    if not frames:
        return None, ""
    number = frames[-1].lineno
    lines = source.split("\n")
    return number, lines[number - 1].strip() if 0 < number <= len(lines) else ""


def run_cell(message, channel):
    """Run one test cell; return the verdict message (see the module docstring)."""
    os.environ.update({str(k): str(v) for k, v in (message.get("env") or {}).items()})
    source = message["source"]
    filename = f"<test cell {message.get('cell', '')}>"
    namespace = {"__name__": "__judge__", "__builtins__": builtins}
    output = io.StringIO()
    try:
        for statement in message.get("setup", []):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(statement, "<setup>", "exec"), namespace)  # the course's own imports
        tree = ast.parse(source, filename)
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return {"op": protocol.VERDICT, "passed": False, "kind": "internal", "output": "",
                "message": f"the grader could not prepare this test ({type(error).__name__}: {error})"}
    for name in free_names(tree):
        if name not in namespace and not hasattr(builtins, name):
            namespace[name] = Remote(name, channel, message.get("code", ""))
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(tree, filename, "exec"), namespace)  # the instructor's test cell
    except AssertionError as error:
        text = str(error).strip()
        if not text:
            number, line = _failed_line(error, filename, source)
            text = "a hidden test failed" if number in _hidden_lines(source) else f"failed: {line}"
        return {"op": protocol.VERDICT, "passed": False, "kind": "fail", "output": output.getvalue(), "message": text}
    except StudentError as error:
        text = error.describe()
        if error.placeholder:
            text = (f"{error.name} is not written yet: its cell still says `raise NotImplementedError()`; "
                    f"replace that line with your code")
        return {"op": protocol.VERDICT, "passed": False, "kind": "fail", "output": output.getvalue(), "message": text}
    except (EOFError, BrokenPipeError, OutOfTurn):
        raise
    except Exception as error:  # the judge's own code, or an answer it could not handle
        traceback.print_exc(file=sys.stderr)
        return {"op": protocol.VERDICT, "passed": False, "kind": "internal", "output": output.getvalue(),
                "message": f"the grader could not check this answer ({type(error).__name__}: "
                           f"{str(error)[:300]})"}
    return {"op": protocol.VERDICT, "passed": True, "kind": "pass", "output": output.getvalue(), "message": ""}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader.judge.server")
    parser.add_argument("--in", dest="read_fd", type=int, required=True)
    parser.add_argument("--out", dest="write_fd", type=int, required=True)
    parser.add_argument("--path", action="append", default=[], help="put DIR first on sys.path")
    parser.add_argument("--preload", action="append", default=[], help="import MODULE at start")
    args = parser.parse_args(argv)
    sys.path[:0] = args.path
    channel = Channel(args.read_fd, args.write_fd)
    for module in args.preload:
        try:
            __import__(module)
        except Exception:  # reported when a cell needs it
            traceback.print_exc(file=sys.stderr)
    channel.send({"op": protocol.READY, "pid": os.getpid()})
    while True:
        try:
            message = channel.receive()
        except EOFError:
            return 0
        if message.get("op") == protocol.QUIT:
            return 0
        if message.get("op") == protocol.CELL:
            channel.begin(message.get("turn"))
            try:
                verdict = run_cell(message, channel)
            except OutOfTurn:
                return 3  # the worker sees the pipe close, and starts a new judge
            channel.send({**verdict, "flags": list(channel.flags)})


if __name__ == "__main__":
    sys.exit(main())
