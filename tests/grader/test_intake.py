"""Tests of grader.intake: a student's folder is read as data; nothing in it is followed or opened."""

import os
import stat

import pytest

from grader.intake import read_submission, write_files


def make(tmp_path):
    folder = tmp_path / "submitted" / "ada" / "toy"
    folder.mkdir(parents=True)
    (folder / "01_basics.ipynb").write_text("{}")
    (folder / "helpers").mkdir()
    (folder / "helpers" / "util.py").write_text("x = 1\n")
    return folder


def test_regular_files_are_read_and_special_ones_refused_by_name(tmp_path):
    """Are links (system files, the source, a loop), a FIFO and a socket refused, the files kept?"""
    folder = make(tmp_path)
    os.symlink("/etc/shadow", folder / "shadow")
    os.symlink("/proc/self/environ", folder / "environ")
    os.symlink(".", folder / "loop")
    os.mkfifo(folder / "pipe")
    submission = read_submission(tmp_path / "submitted", ["ada", "toy"])
    assert sorted(submission.files) == ["01_basics.ipynb", "helpers/util.py"]
    reasons = dict(submission.refused)
    assert {name: reasons[name].split()[1] for name in ("shadow", "environ", "loop")} == \
        {"shadow": "symbolic", "environ": "symbolic", "loop": "symbolic"}
    assert "FIFO" in reasons["pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_device_node_is_refused(tmp_path):
    """Is a character device (e.g. a copy of /dev/zero) refused without being opened?"""
    folder = make(tmp_path)
    os.mknod(folder / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))
    assert dict(read_submission(tmp_path / "submitted", ["ada", "toy"]).refused)["zero"] == "a character device"


def test_a_linked_submission_folder_is_not_followed(tmp_path):
    """If submitted/<student> or its assignment folder is a link, is nothing read at all?"""
    make(tmp_path)
    os.symlink(tmp_path / "submitted" / "ada", tmp_path / "submitted" / "mallory")
    submission = read_submission(tmp_path / "submitted", ["mallory", "toy"])
    assert submission.files == {} and "symbolic link" in submission.refused[0][1]


def test_sizes_counts_and_depth_are_capped(tmp_path):
    """Are a huge file, many small files and deep nesting stopped at the caps, and said?"""
    folder = make(tmp_path)
    with open(folder / "huge.bin", "wb") as file:
        file.truncate(3 * 2**20)
    for index in range(30):
        (folder / f"small{index:02d}.txt").write_text("x")
    deep = folder
    for level in range(10):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("x")
    submission = read_submission(tmp_path / "submitted", ["ada", "toy"], max_files=10, max_file_mb=1, max_depth=4)
    reasons = dict(submission.refused)
    assert "too large" in reasons["huge.bin"]
    assert len(submission.files) == 10 and "more files were not read" in reasons["..."]
    assert any("nested more than 4" in reason for reason in reasons.values())


def test_the_fingerprint_changes_with_any_file_and_refusal(tmp_path):
    """Does the fingerprint follow the contents, and a new refused file too?"""
    folder = make(tmp_path)
    first = read_submission(tmp_path / "submitted", ["ada", "toy"]).fingerprint()
    os.symlink("/etc/passwd", folder / "link")
    second = read_submission(tmp_path / "submitted", ["ada", "toy"]).fingerprint()
    (folder / "01_basics.ipynb").write_text("{ }")
    third = read_submission(tmp_path / "submitted", ["ada", "toy"]).fingerprint()
    assert len({first, second, third}) == 3


def test_files_are_never_written_outside_their_folder(tmp_path):
    """Does write_files refuse a name that climbs out of the target?"""
    with pytest.raises(ValueError, match="outside"):
        write_files({"../evil.txt": b"x"}, tmp_path / "target")
