"""The worker ↔ judge protocol cannot be desynchronised: one student's answer never reaches another's cell.

Attack (issue 23): an answer of 200,000 open brackets made the worker's JSON decoder raise
RecursionError, the judge was left waiting for its answer, and took the next student's first
test cell for it: that student failed a test they had passed, and their feedback showed the
other student's call and a hidden test's first line.
"""

import json
import random
import time

import pytest

from grader.kernel import agent
from grader.worker.judge_client import JudgeProcess, JudgeUnavailable
from grader.worker.probe import ProbeOutcome, reply_from_outcome
from grader.settings import GraderSandbox

GOOD_CELL = {"source": "assert add(2, 3) == 5\nprint('fine')", "setup": [], "cell": "test_add"}


@pytest.fixture(scope="module")
def judge():
    process = JudgeProcess(sandbox=GraderSandbox())
    yield process
    process.stop()


def honest(message, remaining):
    """A kernel that answers every call of add correctly."""
    args = agent.decode(message["args"])
    return {"ok": True, "value": agent.encode(args[0] + args[1])}


def from_text(text, answers=1):
    """A kernel whose answer to every call is `text` (what reached the worker's IOPub)."""
    def answer(message, remaining):
        return reply_from_outcome(ProbeOutcome(text=text, answers=answers), message)
    return answer


def fuzzed_texts(count, seed=23):
    """Answers a hostile kernel may publish: deep nesting, huge strings, NaN, bad UTF-8, wrong types."""
    rng = random.Random(seed)
    texts = ["[" * 200_000, "{\"a\":" * 100_000, "[" * 500 + "]" * 500, "\"" + "x" * 5_000_000 + "\"",
             "NaN", "[NaN, Infinity, -Infinity]", "\"\\ud800\"", "\udcff\udcfe", "null", "true", "17",
             "\"a string\"", "[]", "{}", "{\"id\": true, \"ok\": true}", "{\"id\": 1.0, \"ok\": true}",
             "{\"id\": 1, \"ok\": true, \"value\": " + "[" * 60 + "]" * 60 + "}",
             "{\"id\": 1, \"ok\": \"yes\", \"value\": 5}", "{\"id\": 1, \"ok\": false, \"error\": 7}",
             "{\"id\": 1, \"ok\": false, \"error\": {\"frames\": 5, \"type\": [1], \"message\": {}}}",
             "{\"id\": 1, \"ok\": true, \"value\": {\"__ndarray__\": {\"dtype\": \"O\", \"shape\": [1]}}}",
             "{\"id\": 1, \"ok\": true, \"value\": {\"__dict__\": {\"a\": {\"__float__\": \"1e999\"}}}}"]
    alphabet = "[]{}\":,0123456789.eE-+ntrufalsNI\\u"
    while len(texts) < count:
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400))))
    return texts


def test_every_malformed_answer_becomes_a_reply_the_judge_can_be_given():
    """Does the worker's answer decoder turn any text into a reply, never raising, that travels as JSON?"""
    for text in fuzzed_texts(400):
        for answers in (1, 2):
            reply = reply_from_outcome(ProbeOutcome(text=text, answers=answers), {"id": 1, "target": "add"})
            assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), text[:80]
            json.loads(json.dumps({k: v for k, v in reply.items() if k != "forged"}))
            if answers == 2 or text.startswith(("[[[[", "{\"a\":{")):
                assert reply["ok"] is False and reply.get("forged"), text[:80]


def test_a_deep_answer_fails_that_call_with_a_reason_and_a_flag():
    """Is an answer of 200,000 open brackets refused as too deep, flagged as not the grader's agent's?"""
    reply = reply_from_outcome(ProbeOutcome(text="[" * 200_000, answers=1), {"id": 1, "target": "add"})
    assert reply["ok"] is False and reply["forged"] is True
    assert "nested more than 64 levels deep" in reply["error"]["message"]


def test_after_any_malformed_answer_the_next_cell_is_judged_as_if_alone(judge):
    """After each fuzzed answer fails its own cell, does the next (honest) cell still pass, unharmed?"""
    for text in fuzzed_texts(60):
        verdict = judge.grade_cell(dict(GOOD_CELL), from_text(text), timeout=60)
        assert verdict["passed"] is False, text[:80]
        assert "'op'" not in verdict["message"] and "source" not in verdict["message"]  # no message quoted
        after = judge.grade_cell(dict(GOOD_CELL), honest, timeout=60)
        assert after == {"op": "verdict", "passed": True, "kind": "pass", "output": "fine\n", "message": "",
                         "flags": []}, text[:80]


def test_a_relay_that_raises_anything_fails_that_cell_only(judge):
    """Does an exception while relaying an answer (RecursionError, say) fail that cell, and the next pass?"""
    def raising(message, remaining):
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON array")
    verdict = judge.grade_cell(dict(GOOD_CELL), raising, timeout=60)
    assert verdict["passed"] is False and "could not be read (RecursionError)" in verdict["message"]
    assert judge.grade_cell(dict(GOOD_CELL), honest, timeout=60)["passed"] is True


def test_an_answer_out_of_turn_stops_the_judge_and_a_new_one_serves_the_next_cell(judge):
    """Does the judge stop, rather than read it, when an answer names another turn or probe?"""
    judge.wait_ready()
    first = judge.process.pid
    for wrong in ({"id": 1, "turn": "another"}, {"id": 2, "turn": "t1"}, {"op": "cell", "turn": "t1"}):
        judge.wait_ready()
        judge._send({"op": "cell", **GOOD_CELL, "turn": "t1"})
        probe = judge._readline(time.monotonic() + 30)
        assert probe["op"] == "probe" and probe["turn"] == "t1" and probe["id"] == 1
        judge._send({"op": "answer", "ok": True, "value": 5, **wrong})
        with pytest.raises(JudgeUnavailable):
            judge._readline(time.monotonic() + 30)  # it closed its pipe instead of answering
        judge.stop()
    assert judge.grade_cell(dict(GOOD_CELL), honest, timeout=60)["passed"] is True
    assert judge.process.pid != first


def _graded(result):
    """What a student gets from one grading: scores and reasons, and each test cell's outputs."""
    tests = {name: [(t["cell"], t["score"], t["reason"]) for t in entry["tests"]]
             for name, entry in result["notebooks"].items()}
    outputs = {}
    for name, entry in result["notebooks"].items():
        cells = json.loads(entry["executed"])["cells"] if entry.get("executed") else []
        outputs[name] = [cell.get("outputs") for cell in cells
                         if cell.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return tests, outputs


def test_a_student_graded_after_an_attacker_on_one_worker_gets_what_they_get_alone(fresh_course, tmp_path):
    """Graded right after the deep-answer attacker by the same worker and judge, is a student's result unchanged?"""
    from grader import gradebook
    from grader.courseroot import CourseRoot
    from grader.worker.grade import grade_submission
    from grader.intake import read_submission
    from tests.grader.support import ASSIGNMENT, SUBMISSIONS

    course = CourseRoot(fresh_course)
    template = gradebook.write_template(course, tmp_path / "template.db").read_bytes()

    def grade(scenario, student):
        files = read_submission(SUBMISSIONS, [scenario]).files
        return grade_submission({"root": str(fresh_course), "assignment": ASSIGNMENT, "student": student,
                                 "files": files, "gradebook": template, "seed": 7})

    alone = grade("correct", "victim")
    attacker = grade("answers-nested-too-deep", "attacker")
    after = grade("correct", "victim")
    assert alone["status"] == after["status"] == "graded"
    assert _graded(after) == _graded(alone)
    assert [t["score"] for entry in after["notebooks"].values() for t in entry["tests"]] == [2, 3, 5]
    assert attacker["status"] == "graded"
    assert [t["score"] for t in attacker["notebooks"]["01_basics"]["tests"]] == [0, 0]
    assert any(event["kind"] == "forged" for event in attacker["notebooks"]["01_basics"]["events"])
