"""Tests of `python -m grader collect`: LMS downloads (folders or zips) into submitted/."""

import json
import os
import zipfile
from pathlib import Path

import pytest

from grader.collect import collect, match, student_id
from grader.course import Course
from tests.grader.support import SUBMISSIONS, run_grader

NOTEBOOKS = ["01_basics", "02_more"]
NOTEBOOK = (SUBMISSIONS / "correct" / "01_basics.ipynb").read_bytes()


def write(path, data=NOTEBOOK, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


@pytest.mark.parametrize("raw, expected", [
    ("Ada Lovelace_123456_assignsubmission_file_", "Ada_Lovelace"),
    ("lovelaceada", "lovelaceada"),
    ("grace.hopper", "grace.hopper"),
    ("Émile/../..", "mile"),
])
def test_student_ids_are_cleaned_from_lms_names(raw, expected):
    """Are LMS suffixes dropped and unsafe characters replaced in student ids?"""
    assert student_id(raw) == expected


def test_a_folder_per_student_is_matched(tmp_path):
    """Is each folder a student, with notebooks renamed by the LMS put back to their names?"""
    write(tmp_path / "Ada Lovelace_123456_assignsubmission_file_" / "01_basics.ipynb")
    write(tmp_path / "Ada Lovelace_123456_assignsubmission_file_" / "02_more (1).ipynb")
    write(tmp_path / "grace" / "notes.ipynb")
    result = match(tmp_path, NOTEBOOKS)
    assert sorted(result.students["Ada_Lovelace"]) == ["01_basics.ipynb", "02_more.ipynb"]
    assert sorted(result.students["grace"]) == ["notes.ipynb"]  # autograde matches it by cells
    assert result.unmatched == []


def test_flat_lms_file_names_are_matched(tmp_path):
    """Are Canvas-style names `<student>_<ids>_<notebook>[-n].ipynb` split correctly?"""
    write(tmp_path / "lovelaceada_123456_7890_01_basics.ipynb")
    write(tmp_path / "lovelaceada_late_123456_7890_02_more-1.ipynb")
    write(tmp_path / "hopper_02_more.ipynb")
    write(tmp_path / "homework.ipynb")
    write(tmp_path / "readme.pdf", b"%PDF")
    result = match(tmp_path, NOTEBOOKS)
    assert sorted(result.students) == ["hopper", "lovelaceada"]
    assert sorted(result.students["lovelaceada"]) == ["01_basics.ipynb", "02_more.ipynb"]
    unmatched = {str(path): reason for path, reason in result.unmatched}
    assert set(unmatched) == {"homework.ipynb", "readme.pdf"}
    assert "no assignment notebook name" in unmatched["homework.ipynb"]


def test_the_newest_of_two_copies_is_kept(tmp_path):
    """When a student has two files for one notebook, is the newest kept and the other reported?"""
    old = write(tmp_path / "ada_01_basics.ipynb", b"{}", mtime=1_000_000)
    new = write(tmp_path / "ada_01_basics-1.ipynb", NOTEBOOK, mtime=2_000_000)
    result = match(tmp_path, NOTEBOOKS)
    assert result.students["ada"]["01_basics.ipynb"] == new
    assert [(d[0], d[1], d[3]) for d in result.duplicates] == [("ada", "01_basics.ipynb", old)]


def test_a_zip_is_collected_into_nbgrader_layout(fresh_course, tmp_path):
    """Does a zip download land in submitted/<student>/<assignment>/ with a timestamp?"""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ada_01_basics.ipynb", NOTEBOOK)
        zipped.writestr("__MACOSX/._ada_01_basics.ipynb", b"junk")
        zipped.writestr("../escape_01_basics.ipynb", NOTEBOOK)
    course = Course(fresh_course)
    result = collect(course, archive)
    assert sorted(result.students) == ["ada"]
    assert [(str(path), reason) for path, reason in result.unmatched] == [
        ("../escape_01_basics.ipynb", "its path leads outside the zip; ignored")]
    target = course.submitted_dir("ada")
    assert (target / "01_basics.ipynb").read_bytes() == NOTEBOOK
    assert (target / "timestamp.txt").read_text().endswith("UTC")
    assert not (tmp_path / "escape_01_basics.ipynb").exists()  # nothing written outside


def test_the_collect_command_reports_what_it_could_not_match(fresh_course, tmp_path):
    """Does the command list unmatched files and exit 1, while collecting the rest?"""
    write(tmp_path / "download" / "ada" / "01_basics.ipynb")
    write(tmp_path / "download" / "ada" / "report.pdf", b"%PDF")
    process = run_grader("collect", tmp_path / "download", "--course-root", fresh_course,
                         check=False)
    assert process.returncode == 1
    assert "collected 1 students (1 notebooks)" in process.stdout
    assert "ada/report.pdf: not a notebook" in process.stdout
    assert json.loads((fresh_course / "submitted" / "ada" / "toy" / "01_basics.ipynb").read_text())


def test_dry_run_copies_nothing(fresh_course, tmp_path):
    """Does --dry-run only report?"""
    write(tmp_path / "download" / "ada" / "01_basics.ipynb")
    process = run_grader("collect", tmp_path / "download", "--dry-run",
                         "--course-root", fresh_course)
    assert "would collect 1 students" in process.stdout
    assert not (Path(fresh_course) / "submitted").exists()
