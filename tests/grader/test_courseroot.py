"""Tests of grader/courseroot.py: where a course root is found, what it holds, where nbgrader works."""

import os

import pytest

from grader.courseroot import CourseError, CourseRoot, find_course_root, place
from tests.grader.support import ASSIGNMENT, FILES, copy_course


@pytest.fixture
def course(tmp_path):
    return copy_course(FILES / "course", tmp_path / "course")


def make_root(folder):
    (folder / "source").mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text("c = get_config()\n")
    return folder


def test_the_course_root_is_the_folder_a_parent_or_the_one_subfolder_that_holds_one(tmp_path):
    """Is the nearest course root found from itself, from below, and from a folder holding exactly one?"""
    root = make_root(tmp_path / "repo" / "instructor")
    (tmp_path / "repo" / "notebooks" / "deep").mkdir(parents=True)
    assert find_course_root(root) == root
    assert find_course_root(root / "source") == root
    assert find_course_root(tmp_path / "repo") == root
    assert find_course_root(tmp_path / "repo" / "notebooks" / "deep") == root
    make_root(tmp_path / "repo" / "second")
    assert find_course_root(tmp_path / "repo" / "notebooks") is None  # two candidates: none chosen


def test_a_folder_that_is_not_a_course_root_is_refused_with_what_to_do(tmp_path):
    """Does a folder without nbgrader_config.py give a CourseError naming --course-root?"""
    with pytest.raises(CourseError, match="not an nbgrader course root.*--course-root"):
        CourseRoot(tmp_path)


def test_the_only_assignment_is_the_default_and_several_need_a_name(course):
    """Is the one assignment of source/ the default, and are several refused without --assignment?"""
    assert CourseRoot(course).assignment == ASSIGNMENT
    (course / "source" / "second").mkdir()
    with pytest.raises(CourseError, match="several assignments.*--assignment"):
        CourseRoot(course)
    assert CourseRoot(course, "second").assignment == "second"


def test_nbgraders_folders_are_under_the_course_root(course):
    """Are source, release, submitted, records and the gradebook where nbgrader and the grader expect them?"""
    root = CourseRoot(course)
    assert root.source_dir == course.resolve() / "source" / ASSIGNMENT
    assert root.release_dir == course.resolve() / "release" / ASSIGNMENT
    assert root.submitted_dir("ana") == course.resolve() / "submitted" / "ana" / ASSIGNMENT
    assert root.state_dir == course.resolve() / "autograde-results" / ASSIGNMENT
    assert root.notebooks() == ["01_basics", "02_more"]
    assert root.config.CourseDirectory.root == str(course.resolve())


def test_a_workspace_holds_nbgraders_folders_and_the_gradebook_while_the_source_stays(course, tmp_path):
    """With use_workspace, do the working folders and a sqlite gradebook move there, the source not?"""
    root = CourseRoot(course).use_workspace(tmp_path / "term")
    assert root.source_dir == course.resolve() / "source" / ASSIGNMENT
    assert root.submitted_dir("ana") == (tmp_path / "term").resolve() / "submitted" / "ana" / ASSIGNMENT
    assert root.sqlite_path == (tmp_path / "term").resolve() / "gradebook.db"
    assert root.state_dir == (tmp_path / "term").resolve() / "autograde-results" / ASSIGNMENT


def test_place_sets_the_source_only_when_given(course):
    """Does place move nbgrader's root, and its source folder only when one is named?"""
    config = CourseRoot(course).nbgrader_config()
    config.CourseDirectory.source_directory = "kept"
    place(config, "/elsewhere")
    assert (config.CourseDirectory.root, config.CourseDirectory.source_directory) == ("/elsewhere", "kept")
    place(config, "/private", "source")
    assert (config.CourseDirectory.root, config.CourseDirectory.source_directory) == ("/private", "source")


def test_nbgrader_config_is_a_private_copy(course):
    """Does a change to the configuration handed to nbgrader leave the course's own untouched?"""
    root = CourseRoot(course)
    config = root.nbgrader_config()
    config.CourseDirectory.root = "/changed"
    config.GraderLimits.cell_timeout = 1
    assert root.config.CourseDirectory.root == str(course.resolve())
    assert root.config.GraderLimits.cell_timeout == 4
    assert config.CourseDirectory.assignment_id == ASSIGNMENT


def test_students_are_submission_folders_never_links_or_hidden_folders(course, tmp_path):
    """Are the students those with a folder for the assignment, links and dot-folders left out?"""
    submitted = course / "submitted"
    for student in ("ana", "ben", ".hidden"):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
    (submitted / "cid").mkdir()  # no folder for this assignment
    (tmp_path / "outside" / ASSIGNMENT).mkdir(parents=True)
    os.symlink(tmp_path / "outside", submitted / "linked")
    assert CourseRoot(course).students() == ["ana", "ben"]
