"""course.fcn: sizes through our U-Net and the original one, layer counts, and the concatenation error."""

import pytest

import course.tensorflow_setup
import tensorflow as tf
from course import fcn


@pytest.fixture(scope="module")
def unet_model():
    from course.reference import reference_function

    return reference_function("unet_model")


def test_original_unet_follows_the_paper():
    """From 572, do the 'valid' layers give the paper's sizes, crops, channels, 388 and 23 convolutions?"""
    trace = fcn.valid_unet_trace(572)
    encoder = [length for layer, length, _ in trace[:14]]
    assert encoder == [570, 568, 284, 282, 280, 140, 138, 136, 68, 66, 64, 32, 30, 28]
    assert sorted({channels for layer, _, channels in trace if layer == "conv 3x3"}) == [64, 128, 256, 512, 1024]
    crops = [layer for layer, _, _ in trace if layer.startswith("crop")]
    expected = ((64, 56), (136, 104), (280, 200), (568, 392))
    assert crops == [f"crop skip {skip}->{up}, concatenate" for skip, up in expected]
    assert trace[-1][1] == 388
    assert fcn.convolution_count(trace) == 23


def test_original_unet_refuses_an_odd_length_before_a_pooling():
    """Is a length that turns odd before a pooling refused with a ValueError naming a good one?"""
    with pytest.raises(ValueError, match="572"):
        fcn.valid_unet_trace(571)


def test_reference_unet_is_fully_convolutional_with_24_convolutions(unet_model):
    """Has the reference U-Net no Dense layer, and 20 Conv2D + 4 Conv2DTranspose layers?"""
    kinds = fcn.layer_kinds(unet_model())
    assert "Dense" not in kinds and "InputLayer" not in kinds
    assert (kinds["Conv2D"], kinds["Conv2DTranspose"]) == (20, 4)
    assert set(kinds) == {"Conv2D", "Conv2DTranspose", "MaxPooling2D", "Dropout", "Concatenate"}


@pytest.mark.parametrize("length", [96, 100, 104, 112, 120])
def test_first_mismatch_predicts_whether_keras_can_build(unet_model, length):
    """Does first_mismatch say None exactly when Keras builds the U-Net on that height?"""
    mismatch = fcn.first_mismatch(length)
    assert (mismatch is None) == (length % 16 == 0)
    if mismatch is None:
        unet_model(input_size=(length, 32, 1), n_filters=2, n_classes=3)
    else:
        _, up, skip = mismatch
        with pytest.raises(ValueError, match=rf"\(None, {up}, \d+, \d+\), \(None, {skip}, \d+, \d+\)"):
            unet_model(input_size=(length, 32, 1), n_filters=2, n_classes=3)


def test_one_model_runs_on_several_sizes_and_names_the_clash(unet_model):
    """On (None, None, 3), does the U-Net run on two sizes divisible by 16 and fail on 100x100 at a concatenation?"""
    model = unet_model(input_size=(None, None, 3), n_filters=2, n_classes=5)
    shapes = fcn.output_shapes(model, [(32, 48), (64, 16)])
    assert shapes == [((1, 32, 48, 3), (1, 32, 48, 5)), ((1, 64, 16, 3), (1, 64, 16, 5))]
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        model(tf.zeros((1, 100, 100, 3)))
    _, up, skip = fcn.first_mismatch(100)
    line = fcn.error_line(caught.value)
    assert "ConcatOp" in line and f"[1,{up},{up}," in line and f"[1,{skip},{skip}," in line
    assert "\x1b" not in line and "function_node" not in line


def test_error_line_falls_back_to_the_first_line():
    """Without the keyword, is the first non-empty line returned?"""
    assert fcn.error_line(ValueError("\n  first\nsecond")) == "first"
