"""course.conv_matrix: a convolution as a matrix W, its transposed convolution as Wᵀ."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import course.tensorflow_setup
import tensorflow as tf
from course import conv_matrix as cm

SETTINGS = [((4, 4), (3, 3), 1, "VALID"), ((4, 4), (3, 3), 1, "SAME"), ((6, 6), (3, 3), 2, "SAME"),
            ((5, 7), (3, 3), 2, "SAME"), ((5, 5), (3, 3), 2, "VALID"), ((5, 6), (2, 3), 1, "SAME"),
            ((7, 5), (4, 2), 3, "SAME")]


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _tf_convolution(x, kernel, stride, padding):
    """tf.nn.conv2d of a 2-D tensor with a 2-D kernel, kept differentiable."""
    return tf.nn.conv2d(x[None, :, :, None], kernel[:, :, None, None], strides=stride, padding=padding)[0, :, :, 0]


@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", SETTINGS)
def test_matrix_times_image_is_tensorflows_convolution(input_shape, kernel_shape, stride, padding):
    """Is W @ x.ravel() what tf.nn.conv2d gives, for odd, even and asymmetric paddings?"""
    kernel, x = _random(kernel_shape, 1), _random(input_shape, 2)
    expected = tf.nn.conv2d(x[None, :, :, None], kernel[:, :, None, None], strides=stride, padding=padding)
    W = cm.conv_matrix(kernel, input_shape, stride, padding)
    assert W.shape == (expected.shape[1] * expected.shape[2], x.size)
    assert cm.output_shape(input_shape, kernel_shape, stride, padding) == tuple(expected.shape[1:3])
    np.testing.assert_allclose(W @ x.ravel(), expected.numpy().ravel(), atol=1e-5)


@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", SETTINGS)
def test_transposed_matrix_is_the_gradient_of_the_convolution(input_shape, kernel_shape, stride, padding):
    """Is W.T @ y both the gradient of <conv2d(x), y> in x and what tf.nn.conv2d_transpose gives?"""
    kernel, x = _random(kernel_shape, 3), tf.constant(_random(input_shape, 4))
    W = cm.conv_matrix(kernel, input_shape, stride, padding)
    y = _random(cm.output_shape(input_shape, kernel_shape, stride, padding), 5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        inner = tf.reduce_sum(_tf_convolution(x, kernel, stride, padding) * y)
    np.testing.assert_allclose(W.T @ y.ravel(), tape.gradient(inner, x).numpy().ravel(), atol=1e-5)
    transposed = cm.transposed_convolve(y, kernel, input_shape, stride, padding)
    np.testing.assert_allclose(W.T @ y.ravel(), transposed.ravel(), atol=1e-5)


def test_keras_conv2d_transpose_layer_multiplies_by_the_transpose():
    """Does the decoder's layer, Conv2DTranspose(3, strides=2, 'same') with our kernel, give W.T @ y?"""
    kernel, y = _random((3, 3), 6), _random((3, 4), 7)
    layer = tf.keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", use_bias=False)
    layer.build((None, 3, 4, 1))
    layer.kernel.assign(kernel[:, :, None, None])
    W = cm.conv_matrix(kernel, (6, 8), stride=2, padding="SAME")
    np.testing.assert_allclose(layer(y[None, :, :, None]).numpy().ravel(), W.T @ y.ravel(), atol=1e-5)


def test_compare_finds_the_transpose_exact_and_the_round_trip_wrong():
    """Does compare report rounding-size differences for W and Wᵀ, and a large one for Wᵀ(W x)?"""
    numbers = cm.compare(_random((3, 3), 8), _random((4, 4), 9))
    assert numbers["W shape"] == (4, 16) and numbers["W rank"] == 4
    assert numbers["|W x - conv2d(x)|"] < 1e-5 and numbers["|W.T y - conv2d_transpose(y)|"] < 1e-5
    assert numbers["|W.T (W x) - x|"] > 0.1


def test_round_trip_is_exact_only_for_an_orthonormal_matrix():
    """With a kernel that only copies the centre pixel (W = I), is Wᵀ(W x) == x, unlike a random kernel?"""
    copy = np.zeros((3, 3), np.float32)
    copy[1, 1] = 1.0
    assert cm.compare(copy, _random((4, 4), 10), padding="SAME")["|W.T (W x) - x|"] == 0.0
    assert cm.compare(_random((3, 3), 11), _random((4, 4), 10), padding="SAME")["|W.T (W x) - x|"] > 0.1


def test_bad_input_is_refused():
    """Are a 3-D kernel, a kernel larger than the input and an unknown padding refused?"""
    with pytest.raises(ValueError, match="2-D kernel"):
        cm.conv_matrix(np.ones((3, 3, 1)), (4, 4))
    with pytest.raises(ValueError, match="larger than the input"):
        cm.conv_matrix(np.ones((5, 5)), (4, 4))
    with pytest.raises(ValueError, match="padding"):
        cm.conv_matrix(np.ones((3, 3)), (4, 4), padding="same")


def test_matrix_figure_draws():
    """Does the figure draw W and its transpose?"""
    figure = cm.matrix_figure(cm.conv_matrix(_random((3, 3), 12), (4, 4)), (4, 4))
    assert [axis.get_title() for axis in figure.axes] == ["W: 4×16", "Wᵀ: 16×4"]
