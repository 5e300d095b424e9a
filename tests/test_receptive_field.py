"""course.receptive_field: fields, spans and path counts, checked against TensorFlow's gradients."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import course.tensorflow_setup
import tensorflow as tf
from course import receptive_field as rf


def _twin(steps):
    """A 1-D Keras network with the same windows: all-ones kernels, no bias, summing poolings."""
    model = tf.keras.Sequential([tf.keras.Input((None, 1))])
    for step in steps:
        # A pooling's window is a kernel of ones too: the field does not depend on max vs sum.
        model.add(tf.keras.layers.Conv1D(1, step.kernel, strides=step.stride, padding=step.padding,
                                         use_bias=False, kernel_initializer="ones"))
    return model


def _gradient(steps, unit, length):
    """d(unit of the last layer) / d(input) of the twin, on an input of ones."""
    x = tf.ones((1, length, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _twin(steps)(x)[0, unit, 0]
    return tape.gradient(y, x).numpy()[0, :, 0]


ENCODER = rf.unet_encoder(levels=5)
STRIDED = [rf.Step(3, 1), rf.Step(3, 2, "same"), rf.Step(4, 1, "same"), rf.Step(2, 2, "valid"), rf.Step(5, 3, "same")]


@pytest.mark.parametrize("steps, length", [(ENCODER, 128), (ENCODER, 96), (STRIDED, 41), (STRIDED, 40)])
def test_spans_are_where_the_gradient_is_not_zero(steps, length):
    """Does each unit's span cover exactly the input pixels with a non-zero gradient in the twin?"""
    for unit, (first, last) in enumerate(rf.spans(steps, length)):
        support = np.flatnonzero(_gradient(steps, unit, length))
        assert (support[0], support[-1]) == (first, last), f"unit {unit}"
        assert len(support) == last - first + 1


@pytest.mark.parametrize("steps, length, unit", [(ENCODER, 128, 0), (ENCODER, 128, 3), (STRIDED, 41, 2)])
def test_influence_counts_paths_like_the_gradient(steps, length, unit):
    """Is `influence` the twin's gradient (every path through all-ones kernels adds 1)?"""
    assert np.array_equal(rf.influence(steps, unit, length), _gradient(steps, unit, length))


def test_field_size_is_the_support_of_a_unit_far_from_the_borders():
    """Does `field(...).size` equal the twin's support for a unit whose field lies inside the input?"""
    for levels in range(1, 6):
        steps = rf.unet_encoder(levels)
        length = 32 * 2 ** levels
        unit = rf.trace(steps, length)[-1][0] // 2
        assert rf.field(steps).size == np.count_nonzero(_gradient(steps, unit, length)), levels


def test_no_bottleneck_unit_sees_every_column():
    """On 96x128, does every bottleneck unit miss some of the 128 columns, and border units see 78?"""
    columns = [last - first + 1 for first, last in rf.spans(ENCODER, 128)]
    assert len(columns) == 8 and max(columns) < 128
    assert columns[0] == columns[-1] == 78
    assert rf.seen_pixels(ENCODER, (96, 128), (0, 0)) == 78 * 78


def test_encoder_steps_are_the_reference_models_layers():
    """Do the encoder's steps match the reference U-Net's layers down to the bottleneck?"""
    from course.reference import reference_function

    model = reference_function("unet_model")(input_size=(32, 32, 3), n_filters=2)
    found = []
    for layer in model.layers:
        if type(layer).__name__ == "Conv2DTranspose":
            break
        if type(layer).__name__ == "Conv2D":
            found.append((layer.kernel_size[1], layer.strides[1], layer.padding))
        elif type(layer).__name__ == "MaxPooling2D":
            found.append((layer.pool_size[1], layer.strides[1], layer.padding))
    assert found == [(step.kernel, step.stride, step.padding) for step in ENCODER]


def test_bad_input_is_refused():
    """Are an unknown padding, zero levels and a too-short input refused with a ValueError?"""
    with pytest.raises(ValueError, match="padding"):
        rf.spans([rf.Step(3, 1, "full")], 10)
    with pytest.raises(ValueError, match="levels"):
        rf.unet_encoder(0)
    with pytest.raises(ValueError, match="too short"):
        rf.spans([rf.Step(5, 1, "valid")], 3)


def test_field_figure_draws():
    """Does the figure draw one labelled curve per unit, and two dotted field ends for each?"""
    figure = rf.field_figure(ENCODER, 128, units=(0, 3, 7))
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels == ["unit 0: field 0–77", "unit 3: field 0–125", "unit 7: field 50–127"]
    assert sum(line.get_linestyle() == ":" for line in figure.axes[0].lines) == 6
