"""The reference tables and public answers: generated from the one solution; tables the same under Keras 3 and 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.goldens import check_or_regenerate
from test_utils.generate import keras_flavour
from test_utils.tables import TABLES, TABLES_FILE, load_tables

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_committed_tables_and_answers_equal_what_the_solution_gives(request):
    """Does regenerating the reference tables and public answers from the source notebooks change nothing?"""
    check_or_regenerate(request, [sys.executable, "-m", "test_utils.generate"], cwd=REPO, timeout=1200)


def test_every_configured_table_is_in_the_file():
    """Does the generated file hold exactly the configured tables, none empty?"""
    tables = load_tables()
    assert set(tables) == set(TABLES)
    assert all(len(rows) >= 2 for rows in tables.values())


def _tables_under(environment_changes):
    env = {**os.environ, **environment_changes}
    result = subprocess.run(
        [sys.executable, "-m", "test_utils.generate", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_legacy_keras_2_gives_the_same_tables_as_keras_3():
    """Do legacy Keras 2 (tf-keras) and Keras 3 give identical tables for every model?"""
    legacy_path = os.environ.get("COURSE_LEGACY_KERAS_PATH",
                                 str(REPO / ".venv" / "legacy-keras"))
    if not (Path(legacy_path) / "tf_keras").is_dir():
        pytest.fail(f"tf-keras is not installed in {legacy_path}: run ./run-tests, which "
                    "installs it from requirements-legacy-keras.txt")
    python_path = os.pathsep.join([legacy_path, str(REPO), os.environ.get("PYTHONPATH", "")])
    legacy = _tables_under({"TF_USE_LEGACY_KERAS": "1", "PYTHONPATH": python_path})
    assert legacy["keras"].startswith("tf_keras 2."), legacy["keras"]
    assert keras_flavour().startswith("keras 3.")
    # The committed tables are Keras 3's: the test above regenerates them under Keras 3 and compares
    committed = json.loads(TABLES_FILE.read_text(encoding="utf-8"))["tables"]
    assert legacy["tables"] == committed


def test_answers_files_that_differ_only_in_float_noise_are_the_same():
    """Is a float that moved in its sixth digit the same answer, and one that moved in its third, or any other
    change, a different one?"""
    from test_utils import answers

    committed = answers.dumps({"k": {"sketch": [0.16899796308417997, -1.8085675058482729], "params": 121745}})
    noise = answers.dumps({"k": {"sketch": [0.16899698182166306, -1.8085665479497681], "params": 121745}})
    moved = answers.dumps({"k": {"sketch": [0.1693, -1.8085675058482729], "params": 121745}})
    other_int = answers.dumps({"k": {"sketch": [0.16899796308417997, -1.8085675058482729], "params": 121746}})
    other_key = answers.dumps({"j": {"sketch": [0.16899796308417997, -1.8085675058482729], "params": 121745}})
    assert answers.same_text(committed, noise)
    assert not any(answers.same_text(committed, text) for text in (moved, other_int, other_key))


def test_answers_compare_arrays_as_numbers_within_tolerance():
    """Are two answers files with arrays equal up to float noise the same, and a real change not?"""
    import numpy as np

    from test_utils import answers

    base = np.linspace(0.1, 1.0, 12, dtype=np.float64).reshape(3, 4)

    def text(array):
        return json.dumps({"answers": {"case": {"value": answers.to_json(array)}}})

    assert answers.same_text(text(base), text(base * (1 + 1e-9)))
    assert not answers.same_text(text(base), text(base * 1.01))
    assert not answers.same_text(text(base), text(base.reshape(4, 3)))
    assert not answers.same_text(text(base.astype(np.int64)), text((base * 10).astype(np.int64)))
