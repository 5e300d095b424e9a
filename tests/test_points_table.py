"""The points tables of docs/grading-design.md: generated from the notebooks' metadata, never drifting.

tools/points_table.py writes them from the source notebooks (points) and docs/points-table.json
(what each function asks, understanding or transcription, and why). A changed point in a notebook,
a new graded function or a hand edit of the doc makes `--check` fail.
"""

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import points_table  # noqa: E402  (tools/ is not a package)

DATA = json.loads(points_table.DATA.read_text(encoding="utf-8"))


def test_the_doc_is_what_the_generator_writes():
    """Does `tools/points_table.py --check` pass on the repository as committed?"""
    result = subprocess.run([sys.executable, str(REPO / "tools" / "points_table.py"), "--check"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_graded_function_is_described_once():
    """Does the data file describe every graded function of both assignments, and nothing else?"""
    assert points_table.problems(DATA) == []


def test_the_totals_and_the_understanding_targets():
    """100 and 50 points in all; at least 45 and 25 of them reward understanding (issue 28)."""
    core, extension = points_table.counts(DATA, "unet"), points_table.counts(DATA, "unet_original")
    assert sum(core.values()) == 100 and sum(extension.values()) == 50
    assert core["understanding"] >= 45 and extension["understanding"] >= 25, (core, extension)


def test_a_changed_point_makes_the_check_fail(tmp_path):
    """Does a point moved between two test cells in a notebook change the tables (so the doc drifts)?"""
    sources = tmp_path / "source"
    shutil.copytree(points_table.SOURCES, sources)
    notebook = sources / "unet" / "02_encoder.ipynb"
    content = json.loads(notebook.read_text(encoding="utf-8"))
    graded = [cell for cell in content["cells"] if cell.get("metadata", {}).get("nbgrader", {}).get("points")]
    graded[0]["metadata"]["nbgrader"]["points"] += 1
    graded[1]["metadata"]["nbgrader"]["points"] -= 1
    notebook.write_text(json.dumps(content), encoding="utf-8")
    committed = points_table.DOC.read_text(encoding="utf-8")
    assert points_table.updated(committed, points_table.render(DATA, sources)) != committed
    assert points_table.updated(committed, points_table.render(DATA)) == committed


def test_a_function_missing_from_the_data_file_is_named():
    """Does a graded function without a description make the generator refuse?"""
    data = copy.deepcopy(DATA)
    del data["unet"]["unet_parameters"]
    data["unet_original"]["no_such_function"] = {"kind": "understanding", "asks": "x", "why": "y"}
    data["unet"]["pair_files"]["kind"] = "both"
    found = points_table.problems(data)
    assert any("unet_parameters is graded but not in" in line for line in found), found
    assert any("no_such_function is in" in line for line in found), found
    assert any("pair_files needs kind" in line for line in found), found


def test_the_doc_needs_its_markers():
    """Does the generator refuse a doc whose markers were removed, rather than append a second table?"""
    with pytest.raises(ValueError, match="markers"):
        points_table.updated("# a doc without the markers\n", points_table.render(DATA))
