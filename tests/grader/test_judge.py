"""Tests of the judge (grader/judge/): test cells run outside, answers are plain data only."""

import json

import numpy as np
import pytest

from grader import notebooks as nb
from grader.notebooks import write_earlier
from grader.kernel import agent
from grader.worker.judge_client import JudgeProcess
from grader.judge.server import free_names
from grader.settings import GraderSandbox
from tests.grader.support import FILES

SOURCE = sorted((FILES / "course" / "source" / "toy").glob("*.ipynb"))


@pytest.fixture(scope="module")
def judge():
    process = JudgeProcess(sandbox=GraderSandbox())
    yield process
    process.stop()


def answering(values):
    """A stand-in for the kernel: answers each probe from `values` (a function of the call)."""
    def answer(message, remaining):
        args = agent.decode(message["args"])
        try:
            return {"ok": True, "value": agent.encode(values(message["target"], *args))}
        except Exception as error:
            return {"ok": False, "error": {"type": type(error).__name__, "message": str(error),
                                           "frames": [], "placeholder": False}}
    return answer


def test_a_passing_cell_keeps_only_the_judges_output(judge):
    """Does a cell whose checks hold pass, with what the judge printed as its output?"""
    verdict = judge.grade_cell({"source": "assert add(2, 3) == 5\nprint('fine')", "setup": [], "cell": "t"},
                               answering(lambda name, a, b: a + b), timeout=60)
    assert verdict["passed"] and verdict["output"] == "fine\n"


def test_a_failing_hidden_line_is_not_quoted(judge):
    """Is a bare assert that fails in the hidden part reported without showing its code?"""
    source = "assert add(2, 3) == 5\n### BEGIN HIDDEN TESTS\nassert add(-2, -3) == -4\n### END HIDDEN TESTS"
    verdict = judge.grade_cell({"source": source, "setup": [], "cell": "t"},
                               answering(lambda name, a, b: a + b), timeout=60)
    assert not verdict["passed"] and verdict["message"] == "a hidden test failed"
    assert "-4" not in json.dumps(verdict)


def test_the_students_exception_is_named_and_the_placeholder_is_not_written_yet(judge):
    """Is an error of the student's function a failure naming it, and the release's placeholder 'not written yet'?"""
    def raising(message, remaining):
        return {"ok": False, "error": {"type": "NotImplementedError", "message": "", "placeholder": True,
                                       "frames": [{"function": "add", "where": "your notebook", "line": 3,
                                                   "code": "raise NotImplementedError()"}]}}
    verdict = judge.grade_cell({"source": "add(1, 2)", "setup": [], "cell": "t"}, raising, timeout=60)
    assert verdict["kind"] == "fail" and verdict["message"].startswith("add is not written yet")


def test_the_judge_decides_whatever_the_kernel_claims(judge):
    """Does a forged answer that is not plain data fail, instead of fooling an equality?"""
    def forged(message, remaining):
        return {"ok": True, "value": {"__object__": "AlwaysEqual"}}
    verdict = judge.grade_cell({"source": "assert add(2, 3) == 5", "setup": [], "cell": "t"}, forged, timeout=60)
    assert not verdict["passed"]


def test_an_error_in_the_judges_own_code_is_an_internal_error(judge):
    """Is a broken check reported as the grader's failure, not the student's?"""
    verdict = judge.grade_cell({"source": "import math\nmath.no_such_function()", "setup": [], "cell": "t"},
                               answering(lambda *a: 0), timeout=60)
    assert verdict["kind"] == "internal" and "could not check" in verdict["message"]


def test_a_judge_that_does_not_answer_in_time_is_stopped(judge):
    """Is a test cell that runs past its time stopped, with a reason, and the judge started again?"""
    verdict = judge.grade_cell({"source": "while True: pass", "setup": [], "cell": "t"},
                               answering(lambda *a: 0), timeout=3)
    assert verdict["kind"] == "timeout" and not verdict["passed"]
    again = judge.grade_cell({"source": "assert 1 == 1", "setup": [], "cell": "t"}, answering(lambda *a: 0), 60)
    assert again["passed"]


def test_free_names_are_what_the_cell_reads_and_never_binds():
    """Are the names a test cell takes from the notebook found, and its own names left out?"""
    import ast

    tree = ast.parse("import math\nx = 2\ncheck(f, lambda p: g(p) + x)\nfor i in range(3): h(i)")
    assert sorted(free_names(tree)) == ["check", "f", "g", "h", "range"]


@pytest.mark.parametrize("value", [3, 2.5, float("nan"), "text", b"\x00\xff", None, True, [1, [2]], (1, (2,)),
                                   {"a": [1.0]}, np.arange(6, dtype=np.int16).reshape(2, 3), np.float32(1.5)])
def test_plain_data_survives_the_trip(value):
    """Does every kind of plain data come back from the kernel's encoding as it was?"""
    back = agent.decode(json.loads(json.dumps(agent.encode(value))))
    if isinstance(value, float) and value != value:
        assert back != back
    elif isinstance(value, np.ndarray) or isinstance(value, np.generic):
        assert np.array_equal(back, value) and np.asarray(back).dtype == np.asarray(value).dtype
    else:
        assert back == value and type(back) is type(value)


@pytest.mark.parametrize("forged", [
    {"__ndarray__": {"dtype": "|O", "shape": [1], "data": ""}},         # an object array: pickles
    {"__ndarray__": {"dtype": "<f8", "shape": [4], "data": "AAAA"}},    # data of the wrong size
    {"__evil__": 1}, {"a": 1, "b": 2}, {"__dict__": {"k": {"__float__": "1e999"}}},
])
def test_answers_that_are_not_plain_data_are_refused(forged):
    """Are object arrays, mis-sized data and unknown tags refused when the judge decodes?"""
    with pytest.raises(agent.DecodeError):
        agent.decode(forged)


def test_objects_are_sent_by_type_name_only():
    """Is an object the kernel cannot send as data reduced to its type name?"""
    class Liar:
        def __eq__(self, other):
            return True
    assert agent.encode(Liar()) == {"__object__": "Liar"}
    assert repr(agent.decode({"__object__": "Liar"})) == "<Liar>"


def test_earlier_notebooks_only_and_never_a_test(tmp_path):
    """Does notebook 02's kernel get 01's code only, 01's none, and never a test cell?"""
    assert write_earlier(tmp_path, SOURCE, "02_more") == ["01_basics.ipynb"]
    text = (tmp_path / "01_basics.ipynb").read_text()
    assert "def add" in text and "HIDDEN TESTS" not in text and "check_add(add)" not in text
    assert write_earlier(tmp_path, SOURCE, "01_basics") == []
    assert list(tmp_path.glob("*.ipynb")) == []


def test_setup_imports_come_from_locked_cells_only():
    """Does the judge take its imports from the release's read-only cells, never from a student's cell?"""
    notebook, _ = nb.read(SOURCE[0])
    assert nb.import_statements(notebook) == ["from toy_utils import check_add, check_mean"]
