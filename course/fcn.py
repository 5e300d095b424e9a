"""Fully convolutional facts for notebook 4: which sizes a U-Net accepts, and how sizes flow through it.

Ours pads every 3x3 convolution ('same'); the original U-Net (Ronneberger, Fischer and Brox,
2015) does not ('valid'), so each of its convolutions trims a pixel on every side.

    layer_kinds(model)              how many layers of each class (a fully convolutional net has no Dense)
    output_shapes(model, sizes)     the model run on zeros of several sizes: (input shape, output shape)
    error_line(error)               the line of TensorFlow's error that names the failing concatenation
    same_unet_lengths(length)       our U-Net along one axis: the skip and upsampled lengths per level
    first_mismatch(length)          the first level where a skip and its upsampled tensor differ, or None
    valid_unet_trace(length)        the original U-Net along one axis: every layer's output length
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def layer_kinds(model):
    """{class name: number of layers} of a Keras model, the input layer left out."""
    return dict(Counter(type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"))


def output_shapes(model, sizes, channels=3):
    """Run `model` on one image of zeros per (height, width); return [(input shape, output shape)]."""
    shapes = []
    for height, width in sizes:
        images = np.zeros((1, height, width, channels), np.float32)
        shapes.append((images.shape, tuple(model(images, training=False).shape)))
    return shapes


def error_line(error, keyword="ConcatOp"):
    """The line of an error message that contains `keyword` (colour codes removed), else its first line."""
    lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    found = [line for line in lines if keyword in line]
    text = (found or lines or [type(error).__name__])[0]
    return re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)


def same_unet_lengths(length, poolings=4):
    """Our U-Net along one axis of `length` pixels.

    Returns:
        (skips, upsampled): the skip lengths from the top level down (before each pooling), and
        the lengths the transposed convolutions give on the way up, from the bottom level up, so
        that upsampled[i] must equal skips[-1 - i] for the concatenation to work.
    """
    skips = []
    for _ in range(poolings):
        skips.append(length)
        length //= 2  # MaxPooling2D(2, strides=2) drops an odd last pixel
    upsampled = []
    for _ in range(poolings):
        length *= 2  # Conv2DTranspose(strides=2, padding="same") doubles
        upsampled.append(length)
    return skips, upsampled


def first_mismatch(length, poolings=4):
    """(decoder step, upsampled length, skip length) of the first concatenation that fails, or None."""
    skips, upsampled = same_unet_lengths(length, poolings)
    for step, (up, skip) in enumerate(zip(upsampled, reversed(skips)), start=1):
        if up != skip:
            return step, up, skip
    return None


def valid_unet_trace(length=572, poolings=4, n_filters=64):
    """The original U-Net along one axis: [(layer, output length, channels)], 'valid' convolutions.

    Each 3x3 convolution trims 2 pixels; each 2x2 pooling halves (the length must be even
    there); each 2x2 up-convolution doubles and halves the channels; the skip is centre-cropped
    to the upsampled length before the concatenation; a 1x1 convolution gives the classes.
    """
    rows, skips, channels = [], [], n_filters
    for level in range(poolings + 1):
        for _ in range(2):
            length -= 2
            if length < 1:
                raise ValueError(f"the input is too small for {poolings} poolings of 'valid' convolutions")
            rows.append(("conv 3x3", length, channels))
        if level < poolings:
            if length % 2:
                raise ValueError(f"a 2x2 pooling meets an odd length ({length}): choose an input whose "
                                 f"lengths stay even before every pooling, such as 572")
            skips.append((length, channels))
            length //= 2
            rows.append(("max pool 2x2", length, channels))
            channels *= 2
    for skip, skip_channels in reversed(skips):
        length, channels = length * 2, channels // 2
        rows.append(("up-conv 2x2", length, channels))
        rows.append((f"crop skip {skip}->{length}, concatenate", length, channels + skip_channels))
        for _ in range(2):
            length -= 2
            rows.append(("conv 3x3", length, channels))
    rows.append(("conv 1x1", length, "classes"))
    return rows


def convolution_count(trace):
    """The convolutional layers of a trace from valid_unet_trace: 3x3, up-convolutions and the 1x1."""
    return sum(1 for layer, _, _ in trace if layer.startswith(("conv", "up-conv")))
