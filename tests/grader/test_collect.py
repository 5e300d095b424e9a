"""Tests of `python -m grader collect`: LMS downloads (folders or zips) into submitted/, as data."""

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.commands.collect import collect, folder_identity, match, read_folder, read_zip, sanitize
from grader.courseroot import CourseRoot
from tests.grader.support import SUBMISSIONS, run_grader

NOTEBOOKS = ["01_basics", "02_more"]
NOTEBOOK = (SUBMISSIONS / "correct" / "01_basics.ipynb").read_bytes()
OTHER = (SUBMISSIONS / "one-function-wrong" / "01_basics.ipynb").read_bytes()


def write(path, data=NOTEBOOK, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


def files_of(folder):
    return read_folder(folder, 100, 1000)


@pytest.mark.parametrize("raw, expected", [
    ("Ada Lovelace_123456_assignsubmission_file_", "Ada_Lovelace_123456"),
    ("lovelaceada", "lovelaceada"),
    ("grace.hopper", "grace.hopper"),
    ("Émile/../..", "mile"),
])
def test_student_ids_keep_the_lms_id_and_drop_unsafe_characters(raw, expected):
    """Is the LMS participant id part of the student id, and are unsafe characters replaced?"""
    assert folder_identity(raw)[0] == expected == sanitize(expected)


def test_a_folder_per_student_is_matched(tmp_path):
    """Is each folder a student, with notebooks renamed by the LMS put back to their names?"""
    write(tmp_path / "Ada Lovelace_123456_assignsubmission_file_" / "01_basics.ipynb")
    write(tmp_path / "Ada Lovelace_123456_assignsubmission_file_" / "02_more (1).ipynb")
    write(tmp_path / "grace" / "notes.ipynb")
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert sorted(result.students["Ada_Lovelace_123456"]) == ["01_basics.ipynb", "02_more.ipynb"]
    assert sorted(result.students["grace"]) == ["notes.ipynb"]  # autograde matches it by cells
    assert result.refused == []


def test_two_students_with_one_name_are_never_merged(tmp_path):
    """Are Wei Zhang 111 and Wei Zhang 222 two students, each with their own notebook?"""
    write(tmp_path / "Wei Zhang_111_assignsubmission_file_" / "01_basics.ipynb", NOTEBOOK)
    write(tmp_path / "Wei Zhang_222_assignsubmission_file_" / "01_basics.ipynb", OTHER)
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert sorted(result.students) == ["Wei_Zhang_111", "Wei_Zhang_222"]
    assert result.students["Wei_Zhang_111"]["01_basics.ipynb"][0] == NOTEBOOK
    assert result.students["Wei_Zhang_222"]["01_basics.ipynb"][0] == OTHER


def test_names_that_clean_up_to_one_id_are_kept_apart_and_reported(tmp_path):
    """Do "Wei Zhang" and "Wei_Zhang" (no LMS ids) stay two students, with the collision named?"""
    write(tmp_path / "Wei Zhang" / "01_basics.ipynb", NOTEBOOK)
    write(tmp_path / "Wei_Zhang" / "01_basics.ipynb", OTHER)
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert sorted(result.students) == ["Wei_Zhang", "Wei_Zhang-2"]
    assert len(result.collisions) == 1 and "Wei_Zhang-2" in result.collisions[0]


def test_flat_lms_file_names_are_matched(tmp_path):
    """Are Canvas-style names `<student>_<ids>_<notebook>[-n].ipynb` split correctly?"""
    write(tmp_path / "lovelaceada_123456_7890_01_basics.ipynb")
    write(tmp_path / "lovelaceada_late_123456_7890_02_more-1.ipynb")
    write(tmp_path / "hopper_02_more.ipynb")
    write(tmp_path / "homework.ipynb")
    write(tmp_path / "readme.pdf", b"%PDF")
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert sorted(result.students) == ["hopper", "lovelaceada_123456"]
    assert sorted(result.students["lovelaceada_123456"]) == ["01_basics.ipynb", "02_more.ipynb"]
    refused = dict(result.refused)
    assert set(refused) == {"homework.ipynb", "readme.pdf"}
    assert "no assignment notebook name" in refused["homework.ipynb"]


def test_the_newest_of_two_copies_is_kept(tmp_path):
    """When a student has two files for one notebook, is the newest kept and the other reported?"""
    write(tmp_path / "ada_01_basics.ipynb", b"{}", mtime=1_000_000)
    write(tmp_path / "ada_01_basics-1.ipynb", NOTEBOOK, mtime=2_000_000)
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert result.students["ada"]["01_basics.ipynb"][0] == NOTEBOOK
    assert [(d[0], d[1], d[3]) for d in result.duplicates] == [("ada", "01_basics.ipynb", "ada_01_basics.ipynb")]


def test_a_folder_download_with_links_and_special_files_is_read_as_data(tmp_path):
    """Are links (to the source, to /etc/shadow, to a loop) and a FIFO refused by name, the rest kept?"""
    download = tmp_path / "download"
    write(download / "ada" / "01_basics.ipynb")
    (download / "bob").mkdir()
    os.symlink("/etc/shadow", download / "bob" / "01_basics.ipynb")
    os.symlink(".", download / "bob" / "loop")
    os.mkfifo(download / "bob" / "02_more.ipynb")
    os.symlink(download / "ada", download / "carol")
    files, refused = files_of(download)
    assert sorted(files) == ["ada/01_basics.ipynb"]
    reasons = dict(refused)
    assert "symbolic link" in reasons["bob/01_basics.ipynb"] and "symbolic link" in reasons["carol"]
    assert "FIFO" in reasons["bob/02_more.ipynb"] and "symbolic link" in reasons["bob/loop"]


def test_a_zip_with_links_escapes_and_absolute_paths_is_refused_by_entry(tmp_path):
    """Are a link entry, a '..' entry, an absolute entry and a zip bomb refused, each named?"""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("ada_01_basics.ipynb", NOTEBOOK)
        zipped.writestr("__MACOSX/._ada_01_basics.ipynb", b"junk")
        zipped.writestr("../escape_01_basics.ipynb", NOTEBOOK)
        zipped.writestr("/etc/evil_01_basics.ipynb", NOTEBOOK)
        link = zipfile.ZipInfo("bob_01_basics.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(link, "/etc/shadow")
        zipped.writestr("carol_01_basics.ipynb", b"{" + b" " * (3 * 2**20) + b"}")
    files, refused = read_zip(archive, max_file_mb=2, max_total_mb=100)
    assert sorted(files) == ["__MACOSX/._ada_01_basics.ipynb", "ada_01_basics.ipynb"]
    reasons = dict(refused)
    assert "outside" in reasons["../escape_01_basics.ipynb"]
    assert "absolute" in reasons["/etc/evil_01_basics.ipynb"]
    assert "symbolic link" in reasons["bob_01_basics.ipynb"]
    assert "too large" in reasons["carol_01_basics.ipynb"]


def test_a_zip_is_collected_into_nbgrader_layout(fresh_course, tmp_path):
    """Does a zip download land in submitted/<student>/<assignment>/ with a timestamp, nothing outside?"""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ada_01_basics.ipynb", NOTEBOOK)
        zipped.writestr("../escape_01_basics.ipynb", NOTEBOOK)
    course = CourseRoot(fresh_course)
    result = collect(course, archive)
    assert sorted(result.students) == ["ada"]
    assert [path for path, _ in result.refused] == ["../escape_01_basics.ipynb"]
    target = course.submitted_dir("ada")
    assert (target / "01_basics.ipynb").read_bytes() == NOTEBOOK
    assert (target / "timestamp.txt").read_text().endswith("UTC")
    assert not (tmp_path / "escape_01_basics.ipynb").exists()


def test_the_collect_command_names_what_it_refused(fresh_course, tmp_path):
    """Does the command list refused files and exit 1, while collecting the rest?"""
    write(tmp_path / "download" / "ada" / "01_basics.ipynb")
    write(tmp_path / "download" / "ada" / "report.pdf", b"%PDF")
    process = run_grader("collect", tmp_path / "download", "--course-root", fresh_course, check=False)
    assert process.returncode == 1
    assert "collected 1 students (1 notebooks)" in process.stdout
    assert "ada/report.pdf: not a notebook" in process.stdout
    assert json.loads((fresh_course / "submitted" / "ada" / "toy" / "01_basics.ipynb").read_text())


def test_dry_run_copies_nothing(fresh_course, tmp_path):
    """Does --dry-run only report?"""
    write(tmp_path / "download" / "ada" / "01_basics.ipynb")
    process = run_grader("collect", tmp_path / "download", "--dry-run", "--course-root", fresh_course)
    assert "would collect 1 students" in process.stdout
    assert not (Path(fresh_course) / "submitted").exists()


def test_the_lms_names_are_read(tmp_path):
    """Does a Moodle folder give a first and a last name, and a Canvas file's one word the last name?"""
    write(tmp_path / "Ada King Lovelace_123456_assignsubmission_file_" / "01_basics.ipynb")
    write(tmp_path / "hoppergrace_222_3333_01_basics.ipynb")
    result = match(*files_of(tmp_path)[:1], NOTEBOOKS)
    assert result.names == {"Ada_King_Lovelace_123456": ("Ada King", "Lovelace"), "hoppergrace_222": ("", "hoppergrace")}


def test_collect_stores_the_names_in_the_gradebook(fresh_course, tmp_path):
    """After collect, does the gradebook (which the formgrader lists) hold each student's first and last name?"""
    from nbgrader.api import Gradebook

    write(tmp_path / "download" / "Ada Lovelace_123456_assignsubmission_file_" / "01_basics.ipynb")
    course = CourseRoot(fresh_course)
    collect(course, tmp_path / "download")
    with Gradebook(course.db_url, course_id=course.coursedir.course_id) as gradebook:
        student = gradebook.find_student("Ada_Lovelace_123456")
        assert (student.first_name, student.last_name) == ("Ada", "Lovelace")
