"""The formgrader in a real browser (headless Chromium driven by Selenium), as an instructor uses it.

The formgrader (`python -m grader formgrader`) serves a toy course the grader has graded and given
feedback (tests/grader/entry_points.py). The tests open JupyterLab, then Nbgrader > Formgrader,
click Generate Feedback for a student who failed a hidden test, and open for manual grading the
notebook of a student whose cell displayed a script. Screenshots go to the test's folder (and to
$BROWSER_SCREENSHOTS when set). The file lives in tests/grader/ to run alone (tests/cores.py): it
grades under the toy course's tight limits.

Needs Debian's `chromium` and `chromium-driver`, as tests/test_browser.py, whose browser fixture it
uses.
"""

from types import SimpleNamespace

import pytest

from tests.grader.entry_points import (SCRIPTED, formgrader, graded_course, grader_command, hidden_lines, leaks,
                                       snapshot, submission_id)
from tests.grader.support import ASSIGNMENT
from tests.test_browser import browser, shot, wait_for  # noqa: F401 (browser is a fixture)

pytestmark = pytest.mark.slow
STUDENT = "fails-hidden-test"
BUTTON = (f"//tr[.//td[contains(@class, 'student-id') and normalize-space() = '{STUDENT}']]"
          "//td[contains(@class, 'generate-feedback')]/a")
SUBMISSIONS = f"//a[contains(@href, 'manage_submissions/{ASSIGNMENT}')]"
MODAL = "const m = document.querySelector('.modal.in'); return m && m.innerText"
MENU = "return Array.from(document.querySelectorAll('.lm-MenuBar-itemLabel')).find(e => e.innerText === 'Nbgrader')"
ITEM = "return Array.from(document.querySelectorAll('.lm-Menu-itemLabel')).find(e => e.innerText === 'Formgrader')"
FRAME = "return document.querySelector(\"iframe[src$='/formgrader']\")"
NEWS_NO = ("return Array.from(document.querySelectorAll('.jp-toast-container button, .Toastify button'))"
           ".find(b => b.innerText.trim() === 'No')")
FILES_TAB = "return document.querySelector('#jp-left-stack') && document.querySelector('.jp-SideBar .lm-mod-current')"


def xpath(path):
    return f"return document.evaluate(\"{path}\", document, null, 9, null).singleNodeValue"


def click(driver, element):
    """Scroll the element to the middle, then click it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", element)
    element.click()


@pytest.fixture(scope="module")
def served(released_course, tmp_path_factory):
    """The formgrader on a graded copy of the toy course; yields the course root, its feedback, the server."""
    folder = tmp_path_factory.mktemp("formgrader")
    root = graded_course(released_course, folder / "course")
    feedback = snapshot(root / "feedback")
    assert feedback, "the grader wrote no feedback to protect"
    with formgrader(root, folder) as post:
        yield SimpleNamespace(root=root, feedback=feedback, post=post, folder=folder)


def test_the_generate_feedback_button_refuses_and_names_the_graders_command(served, browser):  # noqa: F811 (fixture)
    """After a click on Generate Feedback in the formgrader, does the instructor read the grader's command,
    and is the grader's feedback, with no hidden-test line, still what the student gets?"""
    from selenium.webdriver.common.by import By

    browser.get(f"{served.post.base}/lab?token={served.post.token}")
    menu = wait_for(browser, MENU, 180, "JupyterLab showed no Nbgrader menu")
    try:  # JupyterLab's question about its news covers the formgrader's right edge: answer it
        browser.execute_script("arguments[0].click()", wait_for(browser, NEWS_NO, 20, ""))
    except AssertionError:
        pass
    wait_for(browser, FILES_TAB, 10, "JupyterLab showed no file browser tab").click()  # room for the formgrader
    menu.click()
    wait_for(browser, ITEM, 30, "the Nbgrader menu has no Formgrader").click()
    browser.switch_to.frame(wait_for(browser, FRAME, 60, "the Formgrader tab did not open"))
    try:
        click(browser, wait_for(browser, xpath(SUBMISSIONS), 120, "the formgrader listed no " + ASSIGNMENT))
        wait_for(browser, xpath(BUTTON), 120, "the formgrader listed no submission of " + STUDENT)
        click(browser, browser.find_element(By.XPATH, BUTTON))
        seen = wait_for(browser, MODAL, 120, "no dialog came up after the click on Generate Feedback")
    finally:
        browser.switch_to.default_content()
    assert shot(browser, "formgrader-generate-feedback", served.folder).stat().st_size > 0
    assert "There was an error generating feedback" in seen, seen
    assert grader_command("feedback", served.root) in seen.replace("\n", " "), seen
    assert snapshot(served.root / "feedback") == served.feedback
    assert not leaks(served.root / "feedback", hidden_lines(served.root))


def test_a_students_script_does_not_run_in_the_manual_grading_page(served, browser):  # noqa: F811 (fixture)
    """When the instructor opens for manual grading a notebook whose cell displayed HTML with a script,
    does the script stay inert (it would run with the server's keys: the instructor's files and kernels)?"""
    browser.get(f"{served.post.base}/lab?token={served.post.token}")  # logged in, as the instructor is
    wait_for(browser, MENU, 180, "JupyterLab showed no Nbgrader menu")
    browser.get(f"{served.post.base}/formgrader/submissions/{submission_id(served.root, SCRIPTED)}/")
    shown = wait_for(browser, "return document.readyState === 'complete' && document.body.innerText", 120,
                     "the submission's page did not load")
    assert "def add(a, b)" in shown, shown[:2000]
    assert shot(browser, "formgrader-manual-grading", served.folder).stat().st_size > 0
    assert browser.execute_script("return window.studentScript") is None
    assert browser.title == "01_basics"
