"""The attack corpus's forgers stay as strong as the tables they forge.

Several scenarios hand in layer tables computed by formula (FORMULA_CODE in corpus/corpus_planted.py)
instead of building the model. When the layer table gains a field and the formulas do not,
those attacks fail for the wrong reason (a stale table) and stop testing the defence.
"""

from tests.grader.corpus import build_corpus


def test_the_forgers_formula_tables_equal_the_generated_reference_tables():
    """Do the formula tables of the forging scenarios equal test_utils/reference_tables.json, row for row?"""
    assert build_corpus._self_check() == []
