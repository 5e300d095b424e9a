"""The learner's copy of the notebooks (course/my_notebooks.py), which ./start-course opens.

The learner works on my-notebooks/ (git-ignored), never on the tracked notebooks/: the copy is
made once per notebook, never overwritten, and says when the course's version changed.
"""

import json
import subprocess
import sys
from pathlib import Path

from course.my_notebooks import DEFAULT_TARGET, RECORD, kernel_language_info, prepare

REPO = Path(__file__).resolve().parents[1]


def _course(folder, names=("01_data.ipynb", "extension/06_crop.ipynb")):
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"cells": [], "metadata": {"language_info": {"name": "python"}},
                                    "nbformat": 4, "nbformat_minor": 5, "name": name}))
    (folder / ".trained").mkdir(exist_ok=True)
    (folder / ".trained" / "weights.ipynb").write_text("{}")
    return folder


def test_the_first_run_copies_every_notebook_with_this_kernels_language_info(tmp_path):
    """Does an empty copy get every notebook (extension/ too, hidden folders not), with the kernel's language_info?"""
    source = _course(tmp_path / "notebooks")
    copied, changed = prepare(source, tmp_path / "mine")
    assert sorted(p.as_posix() for p in copied) == ["01_data.ipynb", "extension/06_crop.ipynb"] and not changed
    notebook = json.loads((tmp_path / "mine" / "01_data.ipynb").read_text())
    assert notebook["metadata"]["language_info"] == kernel_language_info()
    assert kernel_language_info()["version"]  # the field JupyterLab would otherwise fill in, marking it unsaved
    assert not (tmp_path / "mine" / ".trained").exists()


def test_a_learners_edits_are_never_overwritten(tmp_path):
    """After the learner edits the copy and the course changes, is the copy kept and the change reported?"""
    source = _course(tmp_path / "notebooks")
    prepare(source, tmp_path / "mine")
    mine = tmp_path / "mine" / "01_data.ipynb"
    mine.write_text("my work")
    assert prepare(source, tmp_path / "mine") == ([], [])
    (source / "01_data.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5, "updated": True}))
    _course(source, ["02_encoder.ipynb"])
    copied, changed = prepare(source, tmp_path / "mine")
    assert [p.as_posix() for p in copied] == ["02_encoder.ipynb"]
    assert [p.as_posix() for p in changed] == ["01_data.ipynb"]
    assert mine.read_text() == "my work"
    assert json.loads((tmp_path / "mine" / RECORD).read_text())["02_encoder.ipynb"]


def test_the_command_says_where_the_notebooks_are_and_what_changed(tmp_path):
    """Does `python -m course.my_notebooks` name the copy, and say how to take a changed notebook?"""
    source = _course(tmp_path / "notebooks")
    command = [sys.executable, "-m", "course.my_notebooks", str(tmp_path / "mine"), "--source", str(source)]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "Copied 2 notebook(s)" in first and "Your notebooks:" in first
    (source / "01_data.ipynb").write_text("{}")
    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "Copied" not in second and "01_data.ipynb changed" in second and "01_data-mine.ipynb" in second


def test_the_default_copy_is_ignored_by_git():
    """Is my-notebooks/, the default copy, ignored by git (so a pull never conflicts with the learner's work)?"""
    assert DEFAULT_TARGET == REPO / "my-notebooks"
    probe = DEFAULT_TARGET / "01_data.ipynb"
    assert subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=REPO).returncode == 0


def test_working_in_notebooks_itself_copies_nothing(tmp_path):
    """With COURSE_NOTEBOOK_DIR set to notebooks/ itself, is nothing copied onto itself?"""
    source = _course(tmp_path / "notebooks")
    assert prepare(source, source) == ([], [])
