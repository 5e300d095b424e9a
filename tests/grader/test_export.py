"""Tests of `python -m grader export`: CSV per student, notebook and function, against goldens."""

import csv
import re

import pytest

from tests.goldens import compare_or_update
from tests.grader.support import FILES, corpus_scenarios, fully_isolated, run_grader

GOLDEN = FILES / "golden"
NAMES = ["students.csv", "notebooks.csv", "functions.csv"]


def stable(text):
    """Blank out what changes from run to run (memory sizes, seconds, cell file hashes)."""
    text = re.sub(r"\d+ MiB", "N MiB", text)
    text = re.sub(r"after \d+ s", "after N s", text)
    text = re.sub(r"\(\d+\.py, line", "(CELL.py, line", text)
    # How a fork bomb's cell ends (its fork fails, or it is interrupted) depends on timing.
    return re.sub(r"^(fork-bomb,01_basics,5,5,).*$", r"\1", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def exported(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    run_grader("export", "--course-root", corpus.root, "--out", out)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_export_matches_the_golden_file(exported, name, request):
    """Is each CSV the golden one (rewrite with ./run-tests --update-goldens)?"""
    if not fully_isolated():
        pytest.skip("the golden files hold the full corpus, graded in the full sandbox")
    compare_or_update(request, GOLDEN / name, stable((exported / name).read_text()))


def test_student_totals_add_up(exported):
    """Is each student's score the sum of their functions' scores?"""
    with open(exported / "students.csv") as file:
        students = {row["student"]: float(row["score"]) for row in csv.DictReader(file)}
    totals = {}
    with open(exported / "functions.csv") as file:
        for row in csv.DictReader(file):
            totals[row["student"]] = totals.get(row["student"], 0) + float(row["score"])
    assert students == totals
    assert sorted(students) == corpus_scenarios()


def test_every_lost_point_has_a_reason(exported):
    """Does every function row below full marks say why?"""
    with open(exported / "functions.csv") as file:
        for row in csv.DictReader(file):
            if float(row["score"]) < float(row["max_score"]):
                assert row["reason"], row


def test_export_twice_gives_the_same_bytes(corpus, exported, tmp_path):
    """Is the export deterministic?"""
    run_grader("export", "--course-root", corpus.root, "--out", tmp_path)
    for name in NAMES:
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes()
