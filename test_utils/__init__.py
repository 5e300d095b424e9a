"""Checks that students meet after every exercise: layer tables and their comparison.

    from test_utils import summary, comparator, reference_table
    comparator(summary(model), reference_table("unet_model"))
"""

from test_utils.compare import comparator
from test_utils.layer_table import summary
from test_utils.tables import reference_table

__all__ = ["comparator", "reference_table", "summary"]
