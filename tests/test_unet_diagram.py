"""course.unet_diagram: the U is read from the model itself (levels, shapes, skips)."""

import matplotlib

matplotlib.use("Agg")

import pytest

import course.tensorflow_setup
import tensorflow as tf
from course.reference import reference_function
from course.unet_diagram import draw_unet, layout


@pytest.fixture(scope="module")
def small_unet():
    return reference_function("unet_model")(input_size=(64, 80, 1), n_filters=4, n_classes=5)


def test_layout_of_the_reference_unet_is_a_u(small_unet):
    """Does the reference U-Net read as 9 stages going down to 1/16 and back, levels 0..4..0?"""
    plan = layout(small_unet)
    assert [stage.level for stage in plan.stages] == [0, 1, 2, 3, 4, 3, 2, 1, 0]
    assert [(stage.height, stage.width) for stage in plan.stages[:5]] == [(64, 80), (32, 40), (16, 20), (8, 10), (4, 5)]
    assert plan.input_shape == (64, 80, 1) and plan.output_shape == (64, 80, 5)
    assert [stage.channels for stage in plan.stages[:5]] == [4, 8, 16, 32, 64]


def test_skips_join_each_encoder_level_to_its_decoder_level(small_unet):
    """Are the four skips found from the Concatenate inputs, stage k to stage 8 - k?"""
    assert sorted(layout(small_unet).skips) == [(0, 8, 4), (1, 7, 8), (2, 6, 16), (3, 5, 32)]


def test_a_wrong_skip_is_drawn_where_it_really_is():
    """Does a model whose first skip comes from the wrong level show that skip, not the ideal one?"""
    inputs = tf.keras.Input((16, 16, 3))
    top = tf.keras.layers.Conv2D(4, 3, padding="same")(inputs)
    down = tf.keras.layers.MaxPooling2D()(top)
    middle = tf.keras.layers.Conv2D(8, 3, padding="same")(down)
    bottom = tf.keras.layers.MaxPooling2D()(middle)
    up = tf.keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(bottom)
    joined = tf.keras.layers.Concatenate()([up, middle])
    up_again = tf.keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(joined)
    joined_again = tf.keras.layers.Concatenate()([up_again, inputs])  # "skip" from the raw input
    model = tf.keras.Model(inputs, tf.keras.layers.Conv2D(2, 1)(joined_again))
    plan = layout(model)
    assert (1, 3, 8) in plan.skips
    assert not any(origin == 0 for origin, _, _ in plan.skips)  # the input is no stage: no arrow from it


def test_drawing_works_for_the_default_and_for_a_plain_cnn(small_unet):
    """Does draw_unet draw the U-Net, and a model without skips, without error?"""
    figure = draw_unet(small_unet)
    assert "4 skip connections" in figure.axes[0].get_title()
    inputs = tf.keras.Input((8, 8, 3))
    plain = tf.keras.Model(inputs, tf.keras.layers.MaxPooling2D()(tf.keras.layers.Conv2D(2, 3, padding="same")(inputs)))
    assert "0 skip connections" in draw_unet(plain).axes[0].get_title()


def test_non_image_models_are_refused():
    """Is a model whose layers are not 4-D refused with a clear ValueError?"""
    inputs = tf.keras.Input((5,))
    with pytest.raises(ValueError, match="outputs shape"):
        layout(tf.keras.Model(inputs, tf.keras.layers.Dense(2)(inputs)))
