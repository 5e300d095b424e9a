"""course.transposed_conv_figures: the overlap counts behind the pictures, and the pictures."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import course.tensorflow_setup
import tensorflow as tf
from course import transposed_conv_figures as figures


@pytest.mark.parametrize("kernel_size, stride", [(3, 2), (4, 2), (2, 2), (5, 3), (3, 1)])
def test_overlap_counts_equal_a_transposed_convolution_of_ones(kernel_size, stride):
    """Is the overlap count what TensorFlow's transposed convolution of ones gives?"""
    counts = figures.overlap_counts(4, kernel_size, stride)
    size = counts.shape[0]
    assert size == (4 - 1) * stride + kernel_size
    ones = tf.nn.conv2d_transpose(tf.ones((1, 4, 4, 1)), tf.ones((kernel_size, kernel_size, 1, 1)),
                                  output_shape=(1, size, size, 1), strides=stride, padding="VALID")
    assert np.array_equal(counts, ones.numpy()[0, ..., 0].astype(int))


def test_three_by_three_stride_two_overlaps_unevenly():
    """With a 3x3 kernel and stride 2, do interior output pixels receive 1, 2 or 4 input pixels?"""
    assert set(np.unique(figures.overlap_counts(4, 3, 2)[1:-1, 1:-1]).tolist()) == {1, 2, 4}


def test_figures_draw():
    """Do the three figures draw without error?"""
    assert figures.spread_figure().axes
    assert figures.overlap_figure().axes
    assert figures.zero_insertion_figure().axes
    with pytest.raises(ValueError, match="right neighbour"):
        figures.spread_figure(input_size=3, pixel=(1, 2))
