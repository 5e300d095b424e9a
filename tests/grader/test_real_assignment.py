"""The grader on the real U-Net assignment (five TensorFlow notebooks, 100 points): slow.

The source notebooks (the solution) must score 100 and the released notebooks (blank) 0,
graded exactly as the instructor's autograde does: sandbox, limits, hidden tests.
"""

import re

import pytest

from tests.grader.support import REPO, run_grader

SOURCE = REPO / "instructor" / "source" / "unet"
BLANK = REPO / "notebooks"
NOTEBOOKS = ["01_data", "02_encoder", "03_decoder", "04_unet", "05_training"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not all((SOURCE / f"{n}.ipynb").exists() for n in NOTEBOOKS)
                       or not (REPO / "grader" / "nbgrader_config.py").exists(),
                       reason="the U-Net assignment is not complete yet"),
]


def scores(out):
    return {name: int(score) for name, score in
            re.findall(r"^(\d\d_\w+)\s+(\d+)/\d+$", out, re.MULTILINE)}


def test_the_solution_scores_100():
    """Do the instructor's source notebooks, graded as a submission, score 100/100?"""
    process = run_grader("check", SOURCE, timeout=1800)
    assert "Total: 100/100" in process.stdout, process.stdout
    assert sorted(scores(process.stdout)) == NOTEBOOKS


@pytest.mark.skipif(not all((BLANK / f"{n}.ipynb").exists() for n in NOTEBOOKS),
                    reason="notebooks/ holds no released notebooks yet")
def test_the_blank_notebooks_score_0():
    """Do the untouched student notebooks score 0/100, with a reason for every function?"""
    process = run_grader("check", BLANK, timeout=1800)
    assert "Total: 0/100" in process.stdout, process.stdout
    lost = [line for line in process.stdout.splitlines() if re.match(r"^  \w+.*\s0/\d+", line)]
    assert lost and all(len(line.split("0/", 1)[1].split(None, 1)) == 2 for line in lost), lost
