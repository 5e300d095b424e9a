"""Tests of `python -m grader feedback`: results and messages, never the hidden tests."""

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from grader.commands.feedback import NOTES_ID, OMITTED, PLACEHOLDER, HideHiddenTests, hidden_lines
from tests.grader.support import ASSIGNMENT, copy_course, download_of, run_grader

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


def test_a_notes_cell_gets_an_id_so_nbconvert_does_not_warn(tmp_path):
    """On an nbformat 4.5 notebook with grader notes, does the feedback render without MissingIDFieldWarning?"""
    import warnings

    from nbconvert import HTMLExporter

    (tmp_path / "ada.json").write_text(json.dumps({"notebooks": {"01": {"notes": ["a cell was restored"]}}}))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One"), nbformat.v4.new_code_cell("x")])
    del notebook.cells[1]["id"]  # a submission saved by a tool that drops ids
    preprocessor = HideHiddenTests(records_dir=str(tmp_path))
    notebook, _ = preprocessor.preprocess(notebook, {"nbgrader": {"student": "ada", "notebook": "01"}})
    assert notebook.cells[0].id == NOTES_ID and "a cell was restored" in notebook.cells[0].source
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HTMLExporter().from_notebook_node(notebook)


@pytest.fixture(scope="module")
def one_feedback(released_course, tmp_path_factory):
    """Feedback of one graded student (one function wrong), by the real commands."""
    root = copy_course(released_course, tmp_path_factory.mktemp("one") / "course")
    run_grader("collect", download_of(["one-function-wrong"], tmp_path_factory.mktemp("download")),
               "--course-root", root)
    run_grader("autograde", "--course-root", root, "--workers", 1, "--quiet")
    process = run_grader("feedback", "--course-root", root)
    return root / "feedback" / "one-function-wrong" / ASSIGNMENT / "01_basics.html", process


def test_feedback_prints_no_warning(one_feedback):
    """Does `grader feedback` print its one line and no Python warning?"""
    _, process = one_feedback
    assert "Warning" not in process.stderr + process.stdout, process.stderr[-2000:]


def test_a_long_verdict_wraps_inside_the_page(one_feedback, tmp_path):
    """In a real browser 800 pixels wide, does a long verdict wrap instead of running past the right edge?"""
    from tests.test_browser import CHROMIUM, DRIVER, shot

    page, _ = one_feedback
    verdict = "add(1, 2) returned -1, expected 3"
    text = page.read_text(encoding="utf-8")
    assert verdict in text
    long_verdict = " ".join([verdict] * 30)  # as long as a U-Net layer table's message
    (tmp_path / "page.html").write_text(text.replace(verdict, long_verdict), encoding="utf-8")
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("headless Chromium is missing: `apt-get install -y chromium chromium-driver` (.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=800,900",
                 f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get((tmp_path / "page.html").as_uri())
        sizes = driver.execute_script(
            "const pre = Array.from(document.querySelectorAll('div.output_subarea pre')).find(p => "
            "p.innerText.includes('returned -1')); pre.scrollIntoView(); return [pre.scrollWidth, pre.clientWidth, "
            "document.documentElement.scrollWidth, window.innerWidth]")
        shot(driver, "feedback-long-verdict", tmp_path)
    finally:
        driver.quit()
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes
