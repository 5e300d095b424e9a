"""The grader's protocol: what the worker, the judge, the kernel's agent and a course's checkers say.

Four processes meet here, each trusting the next as little as it can:

- the **worker** (grader/worker/) owns the kernel's Jupyter client and the judge's two pipes;
- the **judge** (grader/judge/) runs a test cell and decides; it asks for the student's values;
- the **kernel's agent** (grader/kernel/agent.py), sent into the student's kernel as source text,
  calls the student's function and answers as plain data;
- a course's **checkers** (the U-Net course's test_utils/runner.py) run in the judge while
  grading and in the student's notebook while they work.

Standard library only, and valid on Python 3.10: the worker ships this file's text into the
kernel with the agent's (the kernel needs no grader installed), and a student's copy of the
course carries it (the checkers import it).

Messages are JSON lines between the worker and the judge (`Ready`, `Cell`, `Probe`, `Answer`,
`Verdict`, `Quit`); between the worker and the kernel, a `KernelRequest` in the code the worker
runs and a `KernelReply` published as display data of type `MIME`. Every message of a test cell
carries its `turn`; each probe its `id`.
"""

import ast
import traceback
from typing import TypedDict

# Op names -------------------------------------------------------------------------------------
READY = "ready"  # judge -> worker, once, when it has started and imported its preloads
CELL = "cell"  # worker -> judge: run this test cell
PROBE = "probe"  # judge -> worker: ask the kernel for a value
ANSWER = "answer"  # worker -> judge: the kernel's answer to that probe
VERDICT = "verdict"  # judge -> worker: the test cell's result
QUIT = "quit"  # worker -> judge: stop
OPS = (READY, CELL, PROBE, ANSWER, VERDICT, QUIT)

VERDICT_KINDS = ("pass", "fail", "timeout", "internal")
MIME = "application/x.grader-answer+json"  # the kernel's answer, published as display data

# Environment of the judge's test cell (what the checkers read) --------------------------------
SEED_ENV = "GRADER_SEED"  # the submission's seed for hidden inputs
NOTEBOOK_ENV = "GRADER_NOTEBOOK"  # the notebook's file name
CELL_ENV = "GRADER_CELL"  # the test cell's grade id
SOURCE_DIR_ENV = "GRADER_SOURCE_DIR"  # the assignment's source notebooks: the reference (judge only)
EXECUTION_ENV = "NBGRADER_EXECUTION"  # nbgrader's own: "autograde" while grading

# A handle on the student's kernel (grader/judge/remote.py's Remote), as the checkers see it -----
REMOTE_MARK = "__grader_remote__"  # true on a handle: the checkers run in the judge
PROBE_METHOD = "grader_probe"  # handle.grader_probe("module:function", *args, **kwargs): its answer
SOURCE_METHOD = "grader_source"  # handle.grader_source(): the student's code cells up to the test
FLAG_METHOD = "grader_flag"  # handle.grader_flag(reason): flag the submission for review

# Source file names that mark the student's own frames ------------------------------------------
NOTEBOOK_FILE_MARK = "ipykernel_"  # in a notebook cell's file name (IPython's) ...
NOTEBOOK_FILE_PREFIX = "<ipython-input"  # ... or at its start (older IPython, and DEFINED_FILE)
DEFINED_FILE = "<ipython-input-grader-{name}>"  # the def the checks read, compiled afresh by the agent
LOADED_NOTEBOOK_PREFIX = "<definitions from "  # "<definitions from 02_encoder.ipynb>": an earlier
# notebook's definitions loaded by the course (course/notebook_code.py coins these names)
PLACEHOLDER_LINES = ("raise NotImplementedError()", "raise NotImplementedError")
MAX_FRAMES = 6


def is_remote(function):
    """Is this a handle on the student's kernel (the caller runs in the judge)?"""
    return bool(getattr(function, REMOTE_MARK, False))


def probe_string(probe):
    """The "module:function" text that names a probe function (None for no probe)."""
    return f"{probe.__module__}:{probe.__qualname__}" if probe else None


def parse_probe(text):
    """(module name, function name) of a "module:function" probe string."""
    module_name, _, function_name = text.partition(":")
    return module_name, function_name


def python_lines(source):
    """A code cell's lines as Python reads them: IPython magics (%) and shell escapes (!) blanked,
    so that line numbers stay the cell's own (how the judge and the checks read the student's code)."""
    return ["" if line.lstrip().startswith(("%", "!")) else line for line in str(source).splitlines()]


def parse_cell(source):
    """An ast.Module of a code cell's Python (`python_lines`), or None if it does not parse."""
    try:
        return ast.parse("\n".join(python_lines(source)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# Messages ---------------------------------------------------------------------------------------
class Frame(TypedDict):
    """One of the student's own frames, innermost last. `line` is an int from the kernel; the
    worker relays every field as text."""

    function: str
    where: str  # "your notebook", or the earlier notebook's file name
    line: int | str
    code: str


class ErrorShape(TypedDict):
    """What went wrong in the student's function or the kernel (see `StudentError`)."""

    type: str  # the exception's class name, or "NoAnswer", "NotDefined", "AnswerTooLarge"
    message: str
    frames: list[Frame]
    placeholder: bool  # the innermost frame is the release's `raise NotImplementedError()`


class Ready(TypedDict):
    op: str
    pid: int
    turn: str | None  # the judge's every message carries the current turn (None before the first cell)


class Cell(TypedDict):
    op: str
    cell: str  # the grade id
    source: str  # the test cell, hidden tests included
    env: dict[str, str]  # the *_ENV names above
    setup: list[str]  # the released notebook's read-only import statements (the checkers)
    code: list[str]  # the student's code (modules, then cells up to the test), as text
    turn: str


class Probe(TypedDict):
    op: str
    id: int  # 1, 2, ... within the cell
    target: str | None  # the student's name
    probe: str | None  # "module:function", or None for a plain call
    define: str | None  # the student's def as the checks read it, called afresh
    args: list  # the agent's plain-data encoding
    kwargs: dict
    turn: str


class _AnswerHead(TypedDict):
    op: str
    id: int
    turn: str
    ok: bool


class Answer(_AnswerHead, total=False):
    """ok: `value` (plain-data encoding); not ok: `error`."""

    value: object
    error: ErrorShape


class _VerdictHead(TypedDict):
    op: str
    passed: bool
    output: str  # what the test cell printed
    message: str
    kind: str  # one of VERDICT_KINDS


class Verdict(_VerdictHead, total=False):
    flags: list[str]  # reasons a check asks a person to review the submission
    turn: str  # on the pipe; the worker's own verdicts (timeout, internal) carry none


class Quit(TypedDict):
    op: str


class KernelRequest(TypedDict):
    """What the worker asks the kernel's agent (one probe)."""

    id: int
    target: str | None
    probe: str | None
    define: str | None
    args: list
    kwargs: dict
    max_bytes: int


class _KernelReplyHead(TypedDict):
    id: int
    ok: bool


class KernelReply(_KernelReplyHead, total=False):
    """The agent's answer, published as display data of type MIME."""

    value: object
    error: ErrorShape


MESSAGES = {READY: Ready, CELL: Cell, PROBE: Probe, ANSWER: Answer, VERDICT: Verdict, QUIT: Quit}


# The student's error ------------------------------------------------------------------------------
class StudentError(Exception):
    """The student's function (or the kernel) failed to answer: name, kind, message, their frames."""

    def __init__(self, name, kind, message, frames=(), placeholder=False):
        self.name = name
        self.kind = kind
        self.message = message
        self.frames = list(frames)
        self.placeholder = placeholder
        super().__init__(self.describe())

    def describe(self):
        if self.kind in ("NoAnswer", "NotDefined"):
            return self.message
        text = f"{self.name} raised {self.kind}: {self.message}".rstrip(": ")
        for frame in self.frames:
            text += (f"\n  {frame.get('function')}, line {frame.get('line')} of "
                     f"{frame.get('where')}: {frame.get('code')}")
        return text


def error_shape(kind, message, frames=(), placeholder=False):
    """An `ErrorShape` dict."""
    return {"type": kind, "message": message, "frames": list(frames), "placeholder": placeholder}


def student_frames(error, code_limit=None):
    """The student's own frames of `error`'s traceback (notebook cells, loaded notebooks), innermost last.

    Returns (frames, placeholder): at most MAX_FRAMES `Frame` dicts (their code cut to
    `code_limit` characters when given), and whether the innermost one is the release's
    `raise NotImplementedError()` line.
    """
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        name = frame.filename
        if NOTEBOOK_FILE_MARK in name or name.startswith(NOTEBOOK_FILE_PREFIX):
            where = "your notebook"
        elif name.startswith(LOADED_NOTEBOOK_PREFIX):
            where = name[len(LOADED_NOTEBOOK_PREFIX):-1]
        else:
            continue
        code = (frame.line or "").strip()
        frames.append({"function": frame.name, "where": where, "line": frame.lineno,
                       "code": code if code_limit is None else code[:code_limit]})
    placeholder = bool(frames) and frames[-1]["code"] in PLACEHOLDER_LINES
    return frames[-MAX_FRAMES:], placeholder
