"""Tests of grader/worker/execute.py and grader/executors.py in themselves (graded end to end in test_autograde)."""

import copy
from types import SimpleNamespace

import nbformat
from traitlets.config import Config

from grader import executors, protocol
from grader.worker import grade as grade_module
from grader.worker.execute import GradingContext, SandboxedExecute, cell_request, error_output


def context(**changes):
    course = SimpleNamespace(limits=SimpleNamespace(cell_timeout=5), sandbox="sandbox settings",
                             judge="judge settings", source_dir="/course/source/toy")
    made = GradingContext(job="job", course=course, judge="judge", templates={}, seed=11, modules=["M = 1"])
    made.__dict__.update(changes)
    return made


def test_the_grading_context_reaches_the_preprocessor_through_its_configuration_uncopied():
    """Does c.SandboxedExecute.context hand nbgrader's preprocessor this very context, even from a copied config?"""
    grading = context()
    assert copy.deepcopy(grading) is grading
    config = Config()
    config.SandboxedExecute.context = grading
    assert SandboxedExecute(config=config).context is grading
    assert SandboxedExecute(config=copy.deepcopy(config)).context is grading  # _isolate_bad_notebooks copies
    assert SandboxedExecute().context is None
    assert SandboxedExecute.context is not grading  # no class attribute set by a run


def test_a_test_cells_request_carries_the_checkers_environment_and_the_students_code():
    """Does cell_request name the seed, notebook, cell and reference, the release's imports, and the code so far?"""
    template = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import math\nx = 1", metadata={"nbgrader": {"grade_id": "setup", "locked": True, "grade": False,
                                                     "solution": False}})])
    cell = nbformat.v4.new_code_cell("assert add(1, 2) == 3", metadata={"nbgrader": {
        "grade_id": "test_add", "grade": True, "solution": False, "locked": True, "points": 1}})
    request = cell_request(context(templates={"01_basics": template}), "01_basics", cell, ["def add(a, b): ..."])
    assert request == {
        "cell": "test_add", "source": "assert add(1, 2) == 3", "setup": ["import math"],
        "code": ["M = 1", "def add(a, b): ..."],
        "env": {protocol.SEED_ENV: "11", protocol.NOTEBOOK_ENV: "01_basics", protocol.CELL_ENV: "test_add",
                protocol.SOURCE_DIR_ENV: "/course/source/toy", protocol.EXECUTION_ENV: "autograde"}}
    assert cell_request(context(), "02_more", cell, [])["setup"] == []  # no release notebook: no set-up


def test_a_stopped_notebook_answers_no_probe():
    """Once the kernel is stopped, is every probe of the judge answered 'no answer', with the reason?"""
    executor = SandboxedExecute(config=Config({"SandboxedExecute": {"context": context()}}))
    executor._stopped = "the kernel died"
    assert executor._answer_probe({"id": 1, "target": "add"}, 5) == {
        "ok": False, "error": protocol.error_shape("NoAnswer", "no answer: the kernel died")}


def test_an_error_output_is_nbformats():
    """Is error_output a valid error output, its traceback the given lines or the one-line summary?"""
    assert error_output("TestFailed", "wrong") == nbformat.v4.new_output(
        "error", ename="TestFailed", evalue="wrong", traceback=["TestFailed: wrong"])
    assert error_output("TestFailed", "wrong", ["a", "b"]).traceback == ["a", "b"]


def test_a_task_that_breaks_is_a_result_with_its_reason_never_an_exception(monkeypatch):
    """Does grade_task turn any failure of the grading into an error result naming the student?"""
    def broken(task):
        raise MemoryError("out of memory in the worker")

    monkeypatch.setattr(grade_module, "grade_submission", broken)
    result = executors.grade_task({"student": "ana"}, b"template")
    assert result["student"] == "ana" and result["status"] == "error"
    assert result["error"].startswith("MemoryError: out of memory in the worker")


def test_in_process_grades_one_after_the_other_and_batches_of_one(monkeypatch):
    """Does InProcess grade the tasks in order, handing each the template, one result a batch?"""
    monkeypatch.setattr(grade_module, "grade_submission",
                        lambda task: {"student": task["student"], "template": task["gradebook"]})
    tasks = [{"student": "ben"}, {"student": "ana"}]
    assert list(executors.InProcess().grade(tasks, b"t")) == [
        ("ben", {"student": "ben", "template": b"t"}), ("ana", {"student": "ana", "template": b"t"})]
    assert [len(batch) for batch in executors.InProcess().grade_batches(tasks, b"t")] == [1, 1]
