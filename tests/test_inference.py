"""course.inference: a trained U-Net on a picture of any size (scale, padding to 16, back to size)."""

import numpy as np
import pytest

import course.tensorflow_setup
import tensorflow as tf
from course.inference import example_picture, padded_size, predict_image, read_picture, show_on_picture, sized_model, working_size


def per_pixel_model(height=32, width=48, classes=4):
    """A model whose answer at a pixel depends on that pixel only (1x1 convolutions), and which
    (like a U-Net) only accepts sizes that divide by 16: two poolings and upsamplings around it."""
    inputs = tf.keras.Input((height, width, 3))
    down = tf.keras.layers.MaxPooling2D(4)(inputs)
    up = tf.keras.layers.UpSampling2D(4)(down)
    joined = tf.keras.layers.Concatenate()([inputs, 0.0 * up])
    logits = tf.keras.layers.Conv2D(classes, 1, kernel_initializer=tf.keras.initializers.RandomNormal(seed=1))(joined)
    return tf.keras.Model(inputs, logits)


def test_sizes_divide_by_16_and_keep_the_training_scale():
    """Do the padded sizes divide by 16, and does a 600x800 capture come to the training 96x128?"""
    assert padded_size(96, 128) == (96, 128) and padded_size(97, 129) == (112, 144) and padded_size(1, 1) == (16, 16)
    assert working_size(600, 800, 96) == (96, 128) and working_size(720, 1280, 96) == (96, 171)


def test_a_picture_of_another_size_gets_one_class_per_pixel_that_the_model_chose():
    """On a 600x800 picture and on one of odd size: the picture's own size, uint8, and at the
    training scale the very classes the model gives a 96x128 picture (per-pixel model, no resizing in between)."""
    model = per_pixel_model(96, 128)
    rng = np.random.default_rng(0)
    small = rng.random((96, 128, 3)).astype(np.float32)
    expected = np.argmax(model(small[None]).numpy()[0], axis=-1)
    assert np.array_equal(predict_image(model, small), expected)
    big = np.repeat(np.repeat((small * 255).round().astype(np.uint8), 2, axis=0), 2, axis=1)  # 192x256, uint8
    mask = predict_image(model, big)
    assert mask.shape == (192, 256) and mask.dtype == np.uint8
    assert set(np.unique(mask)) <= set(range(4))
    same = np.mean(mask == np.repeat(np.repeat(expected, 2, axis=0), 2, axis=1))
    assert same > 0.97, same  # the same picture at twice the size: the same classes (bar 8-bit rounding)
    odd = predict_image(model, rng.random((61, 203, 3)).astype(np.float32))
    assert odd.shape == (61, 203)


def test_a_model_built_for_one_size_fails_on_another_and_its_sized_twin_shares_the_weights():
    """Is the reason for sized_model real (Keras refuses another size), and does the twin compute the same?"""
    model = per_pixel_model(32, 48)
    picture = np.random.default_rng(1).random((1, 32, 48, 3)).astype(np.float32)
    with pytest.raises(ValueError):
        model(np.zeros((1, 64, 64, 3), np.float32))
    twin = sized_model(model, 32, 48)
    assert np.allclose(twin(picture).numpy(), model(picture).numpy())
    assert sized_model(model, 64, 64)(np.zeros((1, 64, 64, 3), np.float32)).shape == (1, 64, 64, 4)


@pytest.mark.parametrize("bad, says", [
    (np.zeros((10, 10)), "shape (height, width, 3)"),
    (np.full((10, 10, 3), 2.0, np.float32), "values in [0, 1]"),
])
def test_bad_pictures_are_named(bad, says):
    with pytest.raises(ValueError, match=r"predict_image: ") as error:
        predict_image(per_pixel_model(), bad)
    assert says in str(error.value)


def test_a_png_read_and_shown_with_a_legend(tmp_path):
    """Does read_picture give floats in [0, 1] and show_on_picture draw two panels and a legend?"""
    import matplotlib

    matplotlib.use("Agg")
    path = tmp_path / "mine.png"
    tf.io.write_file(str(path), tf.io.encode_png(np.full((20, 30, 3), 255, np.uint8)))
    picture = read_picture(path)
    assert picture.shape == (20, 30, 3) and picture.dtype == np.float32 and picture.max() == 1.0
    mask = np.zeros((20, 30), np.uint8)
    mask[:, 15:] = 7
    figure = show_on_picture(picture, mask)
    assert len(figure.axes) == 2 and figure.legends and len(figure.legends[0].get_texts()) == 2


def test_the_example_scene_is_made_once_at_600_by_800(tmp_path):
    """Is the example a 600x800 picture with its mask, and is a second call served from the folder?"""
    picture, mask = example_picture(tmp_path / "example")
    assert read_picture(picture).shape == (600, 800, 3) and mask.exists()
    stamp = picture.stat().st_mtime_ns
    assert example_picture(tmp_path / "example")[0].stat().st_mtime_ns == stamp
