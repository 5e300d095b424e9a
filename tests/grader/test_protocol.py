"""The protocol holds both sides together: every message each side builds, through its real code, is as declared.

grader/protocol.py declares the messages between the worker, the judge and the kernel's agent
(one TypedDict each) and the names the checkers share with the grader. Here a real judge
process grades test cells while the worker's real code relays its probes to the real agent
(run in this process on a stand-in notebook namespace): every message on the pipes, every
request to the kernel and every answer from it is checked against its declaration, key by key
and type by type.
"""

import ast
import json
import sys
import types
import typing
from types import SimpleNamespace

import nbformat
import pytest

from grader import protocol
from grader.worker.execute import cell_request
from grader.kernel import agent
from grader.worker.judge_client import JudgeProcess
from grader.worker.probe import ProbeOutcome, kernel_request, no_answer, reply_from_outcome
from grader.judge.remote import Remote
from grader.settings import GraderSandbox

STUDENT_CELL = '''
def add(a, b):
    return a + b

def broken(a):
    return helper(a)

def helper(a):
    raise ValueError(f"no {a}")

def unwritten(a):
    raise NotImplementedError()
'''


def problems(value, shape, where="message"):
    """What in `value` differs from `shape` (a TypedDict or a type annotation); [] when it conforms."""
    if typing.is_typeddict(shape):
        if not isinstance(value, dict):
            return [f"{where} is a {type(value).__name__}, not a {shape.__name__}"]
        hints = typing.get_type_hints(shape)
        found = [f"{where} lacks {key!r}" for key in sorted(shape.__required_keys__) if key not in value]
        found += [f"{where} has {key!r}, which {shape.__name__} does not declare" for key in value if key not in hints]
        for key, item in value.items():
            if key in hints:
                found += problems(item, hints[key], f"{where}[{key!r}]")
        return found
    origin, args = typing.get_origin(shape), typing.get_args(shape)
    if origin in (typing.Union, types.UnionType):
        return [] if any(not problems(value, arg, where) for arg in args) else [f"{where} is none of {shape}"]
    if shape is object:
        return []
    if shape is type(None):
        return [] if value is None else [f"{where} is not None"]
    if shape is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where} is not an int"]
    kind = origin or shape
    if not isinstance(value, kind):
        return [f"{where} is a {type(value).__name__}, not a {kind.__name__}"]
    if kind is list and args:
        return [text for index, item in enumerate(value) for text in problems(item, args[0], f"{where}[{index}]")]
    if kind is dict and args:
        return [text for key, item in value.items()
                for text in problems(key, args[0], f"{where} key") + problems(item, args[1], f"{where}[{key!r}]")]
    return []


def message_problems(message):
    """A pipe message checked against the declaration its op names."""
    shape = protocol.MESSAGES.get(message.get("op")) if isinstance(message, dict) else None
    if shape is None:
        return [f"no message of op {message.get('op') if isinstance(message, dict) else message!r}"]
    found = problems(message, shape)
    if shape is protocol.Verdict and message.get("kind") not in protocol.VERDICT_KINDS:
        found.append(f"verdict kind {message.get('kind')!r}")
    return found


class Kernel:
    """The kernel's side, as the worker drives it: the real request, the real agent, the real reply decoder."""

    def __init__(self, source):
        self.namespace = {"__name__": "__main__"}
        exec(compile(source, "<ipython-input-1-protocol>", "exec"), self.namespace)
        self.requests, self.replies, self.answers = [], [], []

    def __call__(self, message, remaining):
        request = kernel_request(message, 2**20)
        self.requests.append(request)
        published = []
        agent.answer(json.loads(json.dumps(request)), self.namespace, published.append)
        (text,) = [data[protocol.MIME] for data in published]
        self.replies.append(json.loads(text))
        reply = reply_from_outcome(ProbeOutcome(text=text, answers=1), message)
        self.answers.append(reply)
        return reply


@pytest.fixture(scope="module")
def recorded():
    """A real judge grading test cells of every outcome; all that went over its pipes, both ways."""
    judge = JudgeProcess(sandbox=GraderSandbox())
    sent, received = [], []
    send, readline = judge._send, judge._readline
    judge._send = lambda message: (sent.append(json.loads(json.dumps(message))), send(message))[1]
    judge._readline = lambda deadline: received.append(readline(deadline)) or received[-1]
    context = SimpleNamespace(seed=7, source_dir="/nowhere", templates={}, modules=["HELPER = 1"])
    kernel = Kernel(STUDENT_CELL)
    cells = {
        "passes": "assert add(2, 3) == 5\nprint('fine')",
        "probe": "assert add.grader_probe('operator:call', 2, 3) == 5\nadd.grader_flag('look at this')",
        "student-raises": "broken(1)",
        "placeholder": "unwritten(1)",
        "not-defined": "nowhere(1)",
        "internal": "import math\nmath.no_such_function()",
    }
    verdicts = {}
    try:
        for grade_id, source in cells.items():
            cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
                "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": grade_id}})
            request = cell_request(context, "01.ipynb", cell, [STUDENT_CELL])
            verdicts[grade_id] = judge.grade_cell(request, kernel, timeout=60)
        verdicts["no-answer"] = judge.grade_cell(
            {"cell": "t", "source": "add(1, 2)", "setup": [], "code": [], "env": {}},
            lambda message, remaining: 1 / 0, timeout=60)
        verdicts["timeout"] = judge.grade_cell(
            {"cell": "t", "source": "while True: pass", "setup": [], "code": [], "env": {}}, kernel, timeout=3)
    finally:
        judge.stop()
    return SimpleNamespace(sent=sent, received=received, kernel=kernel, verdicts=verdicts)


def test_the_judge_was_asked_and_answered_every_kind_of_message(recorded):
    """Did the recorded conversation hold each op and each verdict kind (so the checks below saw them all)?"""
    ops = {message.get("op") for message in recorded.sent + recorded.received}
    assert ops == {protocol.READY, protocol.CELL, protocol.PROBE, protocol.ANSWER, protocol.VERDICT}
    kinds = {name: verdict["kind"] for name, verdict in recorded.verdicts.items()}
    assert kinds == {"passes": "pass", "probe": "pass", "student-raises": "fail", "placeholder": "fail",
                     "not-defined": "fail", "internal": "internal", "no-answer": "fail", "timeout": "timeout"}
    assert recorded.verdicts["probe"]["flags"] == ["add: look at this"]


def test_every_message_the_worker_sends_the_judge_is_as_declared(recorded):
    """Are the worker's cell and answer messages exactly their TypedDicts (keys and types)?"""
    assert [problem for message in recorded.sent for problem in message_problems(message)] == []


def test_every_message_the_judge_sends_the_worker_is_as_declared(recorded):
    """Are the judge's ready, probe and verdict messages exactly their TypedDicts?"""
    assert [problem for message in recorded.received for problem in message_problems(message)] == []


def test_every_verdict_the_worker_hands_back_is_as_declared(recorded):
    """Is what grade_cell returns (the judge's verdict, or the worker's own timeout and internal ones) a Verdict?"""
    for name, verdict in recorded.verdicts.items():
        assert message_problems(verdict) == [], name


def test_every_request_to_the_kernel_and_its_reply_is_as_declared(recorded):
    """Are the worker's requests KernelRequests, the agent's replies KernelReplies, and their errors ErrorShapes?"""
    kernel = recorded.kernel
    assert {request["probe"] for request in kernel.requests} == {None, "operator:call"}
    assert [problem for request in kernel.requests for problem in problems(request, protocol.KernelRequest)] == []
    assert [problem for reply in kernel.replies for problem in problems(reply, protocol.KernelReply)] == []
    errors = [reply["error"] for reply in kernel.replies if not reply["ok"]]
    assert {error["type"] for error in errors} == {"ValueError", "NotImplementedError", "NotDefined"}
    assert [frame["function"] for error in errors if error["type"] == "ValueError" for frame in error["frames"]] \
        == ["broken", "helper"]


def test_the_workers_own_replies_are_answers_as_declared(recorded):
    """Do the worker's relayed replies and its no-answer replies make Answer messages as declared?"""
    replies = [*recorded.kernel.answers, no_answer("no answer: the kernel died"), no_answer("two answers", forged=True)]
    for reply in replies:
        reply = {key: value for key, value in reply.items() if key != "forged"}  # the worker's own mark, popped
        assert problems({"op": protocol.ANSWER, "id": 1, "turn": "t", **reply}, protocol.Answer) == []


def test_the_shipped_agent_answers_with_the_shipped_protocol(monkeypatch):
    """Does the text the worker runs in the kernel work with no grader importable, and reply as declared?"""
    namespace = {}
    exec(compile(STUDENT_CELL, "<ipython-input-2-protocol>", "exec"), namespace)
    published = []
    import IPython
    import IPython.display

    monkeypatch.setattr(IPython, "get_ipython", lambda: SimpleNamespace(user_ns=namespace))
    monkeypatch.setattr(IPython.display, "publish_display_data", published.append)
    monkeypatch.setitem(sys.modules, "grader", None)  # the kernel has no grader to import
    monkeypatch.setitem(sys.modules, "grader.protocol", None)
    for probe in ({"target": "add", "args": [2, 3]}, {"target": "broken", "args": [1]}):
        request = {"id": 4, "probe": None, "define": None, "kwargs": {}, "max_bytes": 2**20, **probe}
        exec(compile(agent.kernel_code(request), "<probe>", "exec"), {})
    replies = [json.loads(data[protocol.MIME]) for data in published]
    assert [problem for reply in replies for problem in problems(reply, protocol.KernelReply)] == []
    assert replies[0] == {"id": 4, "ok": True, "value": 5}
    assert replies[1]["error"]["type"] == "ValueError" and replies[1]["error"]["frames"][-1]["function"] == "helper"


def test_the_checkers_and_the_grader_use_the_protocols_names():
    """Do the judge's handle, the checkers' runner and the course's loader use the names the protocol declares?"""
    from course import notebook_code
    from test_utils import runner

    handle = Remote("add", channel=None)
    assert protocol.is_remote(handle) and runner.is_remote(handle)
    for method in (protocol.PROBE_METHOD, protocol.SOURCE_METHOD, protocol.FLAG_METHOD):
        assert callable(getattr(handle, method)), method
    assert runner.StudentError is protocol.StudentError
    assert runner.SOURCE_ENV == protocol.SOURCE_DIR_ENV
    assert runner.probe_name(protocol.parse_probe) == "grader.protocol:parse_probe"
    assert protocol.parse_probe("test_utils.probes.blocks:layer_table") == ("test_utils.probes.blocks", "layer_table")
    assert notebook_code.LOADED_NOTEBOOK_PREFIX == protocol.LOADED_NOTEBOOK_PREFIX


def test_frames_of_a_loaded_notebook_name_that_notebook(tmp_path):
    """Does the one frames filter name the notebook the course's loader read a failing function from?"""
    from course.notebook_code import load_definitions

    source = "def late(a):\n    raise NotImplementedError()\n"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbformat.write(notebook, tmp_path / "02_encoder.ipynb")
    late = load_definitions([tmp_path / "02_encoder.ipynb"])["late"]
    with pytest.raises(NotImplementedError) as raised:
        late(1)
    frames, placeholder = protocol.student_frames(raised.value)
    assert frames == [{"function": "late", "where": "02_encoder.ipynb", "line": 2,
                       "code": "raise NotImplementedError()"}] and placeholder
    assert problems(protocol.error_shape("NotImplementedError", "", frames, placeholder), protocol.ErrorShape) == []


def test_the_protocol_needs_only_the_standard_library_of_python_3_10():
    """Does grader/protocol.py import nothing but the standard library, in syntax Python 3.10 reads?"""
    tree = ast.parse(open(protocol.__file__, encoding="utf-8").read(), feature_version=(3, 10))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names)


def test_the_validator_finds_a_message_that_is_not_as_declared():
    """Would a missing key, an undeclared key, a wrong type or a wrong verdict kind be found?"""
    good = {"op": "verdict", "passed": True, "output": "", "message": "", "kind": "pass"}
    assert message_problems(good) == []
    assert message_problems({key: value for key, value in good.items() if key != "kind"}) == \
        ["message lacks 'kind'", "verdict kind None"]
    assert message_problems({**good, "extra": 1}) == ["message has 'extra', which Verdict does not declare"]
    assert message_problems({**good, "passed": "yes"}) == ["message['passed'] is a str, not a bool"]
    assert message_problems({**good, "kind": "maybe"}) == ["verdict kind 'maybe'"]
    frame = {"function": "f", "where": "your notebook", "line": True, "code": ""}
    assert problems({"type": "E", "message": "", "frames": [frame], "placeholder": False}, protocol.ErrorShape) \
        == ["message['frames'][0]['line'] is none of int | str"]
