"""The attack corpus's forgers stay as strong as the tables they forge.

Several scenarios hand in layer tables computed by formula (FORMULA_CODE in build_corpus.py)
instead of building the model. When the layer table gains a field and the formulas do not,
those attacks fail for the wrong reason (a stale table) and stop testing the defence.
"""

import importlib.util
import sys

from tests.grader.support import REPO


def test_the_forgers_formula_tables_equal_the_generated_reference_tables():
    """Do the formula tables of the forging scenarios equal test_utils/reference_tables.json, row for row?"""
    spec = importlib.util.spec_from_file_location("build_corpus", REPO / "tests" / "grader" / "corpus" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_corpus"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    assert module._self_check() == []
