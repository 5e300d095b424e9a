"""Hints know where the wrong layer is: in one block, the encoder, the decoder or the final layer.

A wrong number of filters was once explained from the 2x ratio alone, so a conv_block (an
encoder block) with twice the filters was told that "the number of filters halves at each
decoder step". Each case here takes a reference table, gives one convolution another number
of filters, and reads the hint.
"""

import pytest

from test_utils import reference_table
from test_utils.hints import hints_for


def _with_filters(table, index, filters):
    """The reference table `table` with layer `index` given `filters` output channels."""
    rows = [list(row) for row in reference_table(table)]
    shape = tuple(rows[index][1])
    rows[index][1] = shape[:-1] + (filters,)
    return reference_table(table), [tuple(row) for row in rows]


# (table, layer, factor applied to its filters, words the hint must hold, words it must not hold)
CASES = [
    ("conv_block", 1, 2, "every convolution of this block has n_filters", ("decoder", "encoder")),
    ("conv_block", 2, 0.5, "every convolution of this block has n_filters", ("decoder", "encoder")),
    ("conv_block_no_pooling", 2, 2, "every convolution of this block has n_filters", ("decoder", "encoder")),
    ("upsampling_block", 4, 2, "every convolution of this block has n_filters", ("decoder", "encoder")),
    ("unet_model", 4, 2, "in the encoder, where the number of filters doubles", ("decoder",)),
    ("unet_model", 4, 0.5, "in the encoder, where the number of filters doubles", ("decoder",)),
    ("unet_model", 15, 2, "in the encoder", ("decoder",)),
    ("unet_model", 21, 2, "in the decoder, where the number of filters halves", ("encoder",)),
    ("unet_model", 17, 0.5, "in the decoder, where the number of filters halves", ("encoder",)),
    ("unet_model", 34, 2, "one filter per class (n_classes)", ("encoder", "decoder")),
    ("original_unet", 13, 0.5, "in the encoder", ("decoder",)),
    ("original_unet", 20, 2, "in the decoder", ("encoder",)),
]


@pytest.mark.parametrize("table, index, factor, says, never", CASES,
                         ids=[f"{case[0]}-layer{case[1]}-x{case[2]}" for case in CASES])
def test_a_filters_hint_names_where_the_layer_is(table, index, factor, says, never):
    """Does a wrong number of filters get the hint of its place (block, encoder, decoder, final layer)?"""
    expected, received = _with_filters(table, index, 0)
    want = expected[index][1][-1]
    expected, received = _with_filters(table, index, int(want * factor))
    text = " ".join(hints_for(index, expected, received))
    assert f"has {int(want * factor)} filters instead of {want}" in text, text
    assert says in text, text
    for word in never:
        assert word not in text, text


def test_the_cases_cover_every_place():
    """Do the cases above reach a single block, the encoder, the decoder and the final layer?"""
    places = " ".join(case[3] for case in CASES)
    for place in ("this block", "in the encoder", "in the decoder", "per class"):
        assert place in places
