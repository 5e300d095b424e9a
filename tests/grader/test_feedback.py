"""Tests of `python -m grader feedback`: results and messages, never the hidden tests."""

import html
import json
import re

import nbformat
import pytest

from grader.commands.feedback import OMITTED, PLACEHOLDER, HideHiddenTests, hidden_lines
from tests.grader.support import ASSIGNMENT, run_grader

HIDDEN_CODE = 'assert add(-2, -3) == -5, "add(-2, -3) should be -5: check negative numbers"'
HIDDEN_MESSAGE = "add(-2, -3) should be -5: check negative numbers"


def visible_text(path):
    """What a student reads in an HTML file: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def feedback(corpus):
    """Feedback for every graded submission of the corpus, by the real command."""
    process = run_grader("feedback", "--course-root", corpus.root)
    return corpus.root / "feedback", process


def test_feedback_is_written_for_every_notebook_that_was_graded(feedback, corpus):
    """Is there one HTML file per graded notebook of every student?"""
    folder, process = feedback
    expected = {(student, name) for student, record in corpus.records.items()
                for name, entry in record["notebooks"].items() if entry.get("tests")
                and (corpus.root / "autograded" / student / ASSIGNMENT / f"{name}.ipynb").exists()}
    written = {(p.parts[-3], p.stem) for p in folder.glob(f"*/{ASSIGNMENT}/*.html")}
    assert written == expected
    assert "wrote" in process.stdout


def test_a_failed_hidden_test_shows_its_message_but_not_its_code(feedback):
    """Does the feedback of a hidden-test failure give the message and hide the test's code?"""
    folder, _ = feedback
    text = visible_text(folder / "fails-hidden-test" / ASSIGNMENT / "01_basics.html")
    assert HIDDEN_MESSAGE in text
    assert HIDDEN_CODE not in text
    assert "assert add(-2, -3)" not in text
    assert PLACEHOLDER in text


def test_no_feedback_file_contains_hidden_test_code(feedback):
    """Across all students, is every line of hidden-test code absent from the feedback?"""
    folder, _ = feedback
    files = sorted(folder.glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(files) > 40
    for path in files:
        assert HIDDEN_CODE not in visible_text(path), path


def test_hidden_tests_never_reach_the_kernel_and_own_outputs_stay_out(feedback, corpus):
    """When a cell prints `In` (every cell run so far), is no hidden test in it, and is the output left out?"""
    folder, _ = feedback
    executed = (corpus.root / "autograded" / "reads-secrets" / ASSIGNMENT / "01_basics.ipynb")
    printed = "".join("".join(output.get("text", "")) for cell in
                      json.loads(executed.read_text())["cells"] for output in cell.get("outputs", [])
                      if not cell["metadata"].get("nbgrader", {}).get("grade"))
    assert "def add" in printed  # it did print the cells it saw
    assert HIDDEN_CODE not in printed and "check_add(add)" not in printed  # test cells never ran there
    text = visible_text(folder / "reads-secrets" / ASSIGNMENT / "01_basics.html")
    assert HIDDEN_CODE not in text and OMITTED in text


def test_feedback_explains_what_the_grader_did(feedback):
    """Do the grader's notes (the kernel that hung, the restored cell) appear in the feedback?"""
    folder, _ = feedback
    text = visible_text(folder / "sleep-past-budget" / ASSIGNMENT / "01_basics.html")
    assert "Grader notes" in text
    assert "ignored the interrupt" in text
    text = visible_text(folder / "deleted-test-cell" / ASSIGNMENT / "01_basics.html")
    assert "was deleted: restored from the release" in text


def test_hide_hidden_tests_keeps_visible_tests_and_drops_tracebacks():
    """On one test cell, is the visible part kept and the failure reduced to its message?"""
    cell = nbformat.v4.new_code_cell(
        "check(f)\n### BEGIN HIDDEN TESTS\nassert f(2) == 4, 'f(2) should be 4'\n"
        "### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1, "solution": False,
                                 "locked": True}
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="f(2) should be 4",
        traceback=["----> 3 assert f(2) == 4, 'f(2) should be 4'", "AssertionError: f(2) should be 4"])]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert hidden_lines(notebook) == {"assert f(2) == 4, 'f(2) should be 4'"}
    notebook, _ = HideHiddenTests().preprocess(notebook, {"nbgrader": {}})
    shown = notebook.cells[0]
    assert shown.source == f"check(f)\n{PLACEHOLDER}"
    assert shown.outputs[0].traceback[-1] == "AssertionError: f(2) should be 4"
    assert "assert f(2)" not in json.dumps(shown)
