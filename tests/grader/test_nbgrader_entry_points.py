"""nbgrader's own entry points on a graded course: each refuses and names the grader's command, or does
the safe thing, and no file it could write holds a hidden test.

An instructor can reach nbgrader's commands (`nbgrader generate_feedback` ...) and the formgrader's
buttons, which call the same code. Each test runs one of them as the instructor would, by its
command in the course root or by the formgrader's HTTP API (the request its button sends), on a
course the grader has released, collected, autograded and given feedback
(tests/grader/entry_points.py). The defence is the course's nbgrader_config.py (grader.nbgrader_guard).
"""

import html
import re
import zipfile
from types import SimpleNamespace

import pytest
from traitlets.config.loader import PyFileConfigLoader

from grader.nbgrader_guard import SETTINGS
from tests.grader.entry_points import (SCRIPTED, formgrader, graded_course, grader_command, hidden_lines, leaks,
                                       nbgrader, said, snapshot, submission_id)
from tests.grader.support import ASSIGNMENT, FILES, REPO, copy_course, gradebook_scores

SUBMISSION_SECRET = "submission_secret.txt"  # what nbgrader's exchange leaves in a submission it collected


@pytest.fixture(scope="module")
def graded(released_course, tmp_path_factory):
    return graded_course(released_course, tmp_path_factory.mktemp("graded") / "course")


@pytest.fixture
def course(graded, tmp_path):
    """A private copy of the graded course."""
    return copy_course(graded, tmp_path / "course")


def linked_submission(exchange, course, student="mallory"):
    """A submission in nbgrader's exchange whose notebook is a link to the instructor's source notebook."""
    folder = exchange / "toy" / "inbound" / f"{student}+{ASSIGNMENT}+2026-01-05 10:00:00.000000 UTC"
    folder.mkdir(parents=True)
    (folder / "01_basics.ipynb").symlink_to(course / "source" / ASSIGNMENT / "01_basics.ipynb")
    return folder


@pytest.mark.parametrize("root", [FILES / "course", REPO / "instructor"], ids=["toy", "unet"])
def test_the_course_configuration_sets_every_guard(root):
    """Does the course's nbgrader_config.py (the toy course's, which these tests run, and the U-Net course's)
    set every setting of the defence, grader.nbgrader_guard.SETTINGS?"""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    missing = [f"c.{section}.{name} = {value!r}" for (section, name), value in SETTINGS.items()
               if section not in config or config[section].get(name) != value]
    assert not missing, f"{root / 'nbgrader_config.py'} lacks:\n" + "\n".join(missing)


@pytest.mark.parametrize("command", ["generate_feedback", "feedback"])
def test_nbgrader_generate_feedback_refuses_and_keeps_the_graders_feedback(course, command):
    """Does `nbgrader generate_feedback` (or its old name `feedback`) refuse, name `python -m grader feedback`,
    and leave the grader's feedback as it was?"""
    before = snapshot(course / "feedback")
    assert before, "the grader wrote no feedback to protect"
    process = nbgrader(course, command, ASSIGNMENT, "--force")
    assert process.returncode != 0, said(process)
    assert grader_command("feedback", course) in said(process)
    assert snapshot(course / "feedback") == before
    assert not leaks(course / "feedback", hidden_lines(course))


def test_nbgrader_autograde_refuses_before_touching_the_graded_work(course):
    """Does `nbgrader autograde --force` (what the formgrader's button runs) refuse, name `python -m grader
    autograde`, and leave the autograded notebooks and the gradebook as the grader left them?"""
    before, scores = snapshot(course / "autograded"), gradebook_scores(course)
    process = nbgrader(course, "autograde", ASSIGNMENT, "--force")
    assert process.returncode != 0, said(process)
    assert grader_command("autograde", course) in said(process)
    assert snapshot(course / "autograded") == before
    assert gradebook_scores(course) == scores


def test_nbgrader_export_refuses_and_names_the_graders_export(course):
    """Does `nbgrader export` refuse and name `python -m grader export`, writing no grades file?"""
    process = nbgrader(course, "export")
    assert process.returncode != 0, said(process)
    assert grader_command("export", course) in said(process)
    assert not list(course.glob("*.csv"))


def test_nbgrader_release_feedback_refuses_to_hand_out_nbgraders_own_feedback(course, tmp_path):
    """When feedback/ still holds nbgrader's own HTML (written before this defence, hidden tests and all),
    does `nbgrader release_feedback` refuse, name `python -m grader feedback`, and put nothing in the exchange?"""
    secrets = hidden_lines(course)
    planted = nbgrader(course, "generate_feedback", ASSIGNMENT, "--force",
                       "--GenerateFeedback.exporter_class=nbconvert.exporters.HTMLExporter")
    assert planted.returncode == 0 and leaks(course / "feedback", secrets), said(planted)
    for folder in (course / "feedback").glob(f"*/{ASSIGNMENT}"):
        (folder / SUBMISSION_SECRET).write_text("1234")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    process = nbgrader(course, "release_feedback", ASSIGNMENT, f"--Exchange.root={exchange}")
    assert process.returncode != 0, said(process)
    assert grader_command("feedback", course) in said(process)
    assert not snapshot(exchange)


def test_nbgrader_collect_refuses_a_submission_that_links_to_the_source(course, tmp_path):
    """When a student's submission in nbgrader's exchange is a link to the instructor's source notebook, does
    `nbgrader collect` refuse and name `python -m grader collect`, copying nothing into submitted/?"""
    exchange = tmp_path / "exchange"
    linked_submission(exchange, course)
    before = snapshot(course / "submitted")
    process = nbgrader(course, "collect", ASSIGNMENT, f"--Exchange.root={exchange}")
    assert process.returncode != 0, said(process)
    assert grader_command("collect", course) in said(process)
    assert snapshot(course / "submitted") == before
    assert not leaks(course / "submitted", hidden_lines(course))


def test_nbgrader_zip_collect_refuses_and_names_the_graders_collect(course):
    """Does `nbgrader zip_collect` refuse and name `python -m grader collect`, extracting and collecting nothing?"""
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "mallory.zip", "w") as bundle:
        bundle.write(course / "release" / ASSIGNMENT / "01_basics.ipynb", "mallory_01_basics.ipynb")
    before = snapshot(course / "submitted")
    process = nbgrader(course, "zip_collect", ASSIGNMENT,
                       r"--FileNameCollectorPlugin.named_regexp=.*/(?P<student_id>[a-z]+)_(?P<file_id>\w+\.ipynb)")
    assert process.returncode != 0, said(process)
    assert grader_command("collect", course) in said(process)
    assert snapshot(course / "submitted") == before
    assert not (course / "downloaded" / ASSIGNMENT / "extracted").exists()


def test_nbgrader_generate_solution_leaves_the_hidden_tests_out(course):
    """Does `nbgrader generate_solution` write the solutions without one hidden-test line?"""
    process = nbgrader(course, "generate_solution", ASSIGNMENT, "--force", env={"PYTHONPATH": str(course / "lib")})
    assert process.returncode == 0, said(process)
    written = sorted(p.name for p in (course / "solution" / ASSIGNMENT).glob("*.ipynb"))
    assert written == sorted(p.name for p in (course / "source" / ASSIGNMENT).glob("*.ipynb"))
    assert "return a + b" in (course / "solution" / ASSIGNMENT / "01_basics.ipynb").read_text()  # the solution
    assert not leaks(course / "solution", hidden_lines(course))


# ---- the formgrader's buttons, by the requests they send ---------------------------------------------


@pytest.fixture(scope="module")
def served(graded, tmp_path_factory):
    """The formgrader on a copy of the graded course, with an exchange holding a linked submission."""
    folder = tmp_path_factory.mktemp("served")
    root = copy_course(graded, folder / "course")
    exchange = folder / "exchange"
    linked_submission(exchange, root)
    for student in (root / "feedback").iterdir():  # so that nbgrader's release would go through
        (student / ASSIGNMENT / SUBMISSION_SECRET).write_text("1234")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    before = SimpleNamespace(**{name: snapshot(root / name) for name in ("feedback", "autograded", "submitted")})
    with formgrader(root, folder) as post:
        yield SimpleNamespace(root=root, exchange=exchange, post=post, before=before)


def answered(answer):
    return f"{answer.get('log', '')}\n{answer.get('error', '')}"


@pytest.mark.parametrize("path", [f"assignment/{ASSIGNMENT}/generate_feedback",
                                  f"assignment/{ASSIGNMENT}/fails-hidden-test/generate_feedback"])
def test_the_formgrader_generate_feedback_buttons_refuse(served, path):
    """Do the formgrader's Generate Feedback buttons (all students, one student) refuse, show
    `python -m grader feedback` in their log, and leave the grader's feedback as it was?"""
    answer = served.post(path)
    assert answer["success"] is False, answered(answer)
    assert grader_command("feedback", served.root) in answer.get("log", ""), answered(answer)
    assert snapshot(served.root / "feedback") == served.before.feedback
    assert not leaks(served.root / "feedback", hidden_lines(served.root))


@pytest.mark.parametrize("path", [f"assignment/{ASSIGNMENT}/release_feedback",
                                  f"assignment/{ASSIGNMENT}/fails-hidden-test/release_feedback"])
def test_the_formgrader_release_feedback_buttons_refuse(served, path):
    """Do the formgrader's Release Feedback buttons refuse, show `python -m grader feedback`, and put nothing
    in the exchange?"""
    answer = served.post(path)
    assert answer["success"] is False, answered(answer)
    assert grader_command("feedback", served.root) in answer.get("log", ""), answered(answer)
    assert not [p for p in served.exchange.rglob("*") if p.is_file() and "inbound" not in p.parts]


def test_the_formgrader_autograde_button_refuses_before_touching_the_graded_work(served):
    """Does the formgrader's Autograde button refuse, show `python -m grader autograde`, and leave the
    student's autograded notebooks in place?"""
    answer = served.post(f"submission/{ASSIGNMENT}/fails-hidden-test/autograde")
    assert answer["success"] is False, answered(answer)
    assert grader_command("autograde", served.root) in answer.get("log", ""), answered(answer)
    assert snapshot(served.root / "autograded") == served.before.autograded


def test_the_formgrader_collect_button_refuses_a_linked_submission(served):
    """Does the formgrader's Collect button refuse, show `python -m grader collect`, and copy nothing into
    submitted/, though the exchange holds a submission that links to the source notebook?"""
    answer = served.post(f"assignment/{ASSIGNMENT}/collect")
    assert answer["success"] is False, answered(answer)
    assert grader_command("collect", served.root) in answer.get("log", ""), answered(answer)
    assert snapshot(served.root / "submitted") == served.before.submitted


def test_the_formgrader_submission_page_holds_no_student_script(served):
    """When the instructor opens, for manual grading, a submission whose cell displayed HTML with a script
    and an event handler, does the formgrader's page hold them as text, not as markup that would run
    (with the server's keys)?"""
    page = served.post.get(f"formgrader/submissions/{submission_id(served.root, SCRIPTED)}/")
    assert "def add(a, b)" in html.unescape(re.sub(r"<[^>]+>", "", page))  # the student's notebook is shown
    assert not re.search(r"<script[^>]*>\s*document\.title", page), "the student's script is in the page"
    assert not re.search(r"<[a-z]+[^<>]*\sonerror\s*=", page), "the student's event handler is in the page"


def test_the_formgrader_generate_button_releases_no_hidden_test(served):
    """Does the formgrader's Generate button (nbgrader's generate_assignment, as `grader release` runs it)
    write a student version without one hidden-test line? (Last: it rewrites release/.)"""
    answer = served.post(f"assignment/{ASSIGNMENT}/assign")
    assert answer["success"] is True, answered(answer)
    assert snapshot(served.root / "release")
    assert not leaks(served.root / "release", hidden_lines(served.root))
