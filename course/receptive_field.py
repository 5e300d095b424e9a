"""Receptive fields: which input pixels a unit of a convolutional network can depend on.

Everything is computed along one axis (rows or columns separately: the U-Net's kernels and
poolings are square, so the two axes follow the same rule). A network is a list of
`Step(kernel, stride, padding)`; Keras's padding rule decides where each layer's window starts.

    unet_encoder(levels)          the encoder of notebook 2 as steps
    field(steps)                  size of the field, and how far apart neighbouring units' fields start
    spans(steps, length)          for every output unit, the first and last input pixel it can see
    seen_pixels(steps, shape, unit)   how many pixels of an image a unit's field covers
    influence(steps, unit, ...)   how many paths lead from each input pixel to a unit
    field_figure(...)             the picture of notebook 2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Step:
    """One layer along one axis: a window of `kernel` pixels moved by `stride`, padded as Keras pads."""

    kernel: int
    stride: int = 1
    padding: str = "same"  # "same" or "valid", as in Keras
    name: str = ""


@dataclass(frozen=True)
class Field:
    """A unit's receptive field along one axis, in input pixels (before clipping to the image)."""

    size: int   # pixels the field spans
    jump: int   # input pixels between the fields of neighbouring units (the product of the strides)
    first: int  # first input pixel of unit 0's field; negative means it starts in the zero padding


def unet_encoder(levels=5, convolutions=2, kernel_size=3):
    """The U-Net encoder of notebook 2 down to level `levels` - 1: per level two 3x3 'same'
    convolutions, and a 2x2 stride-2 max pooling between levels (none after the last)."""
    if levels < 1:
        raise ValueError(f"unet_encoder: levels must be at least 1, got {levels}")
    steps = []
    for level in range(levels):
        steps += [Step(kernel_size, 1, "same", f"level {level} conv {i + 1}") for i in range(convolutions)]
        if level < levels - 1:
            steps.append(Step(2, 2, "valid", f"level {level} pool"))
    return steps


def _padding_before(step, length):
    """Zeros Keras puts before the input of a layer (for 'same': half the total, rounded down)."""
    if step.padding == "valid":
        return 0
    if step.padding != "same":
        raise ValueError(f"padding must be 'same' or 'valid', got {step.padding!r}")
    out = -(-length // step.stride)
    return max((out - 1) * step.stride + step.kernel - length, 0) // 2


def _output_length(step, length):
    if step.padding == "same":
        return -(-length // step.stride)
    return (length - step.kernel) // step.stride + 1


def trace(steps, length):
    """[(output length, zeros padded before the input)] for each step, on an input of `length` pixels."""
    rows = []
    for step in steps:
        before = _padding_before(step, length)
        length = _output_length(step, length)
        if length < 1:
            raise ValueError(f"the input is too short: {step.name or step} leaves no pixel")
        rows.append((length, before))
    return rows


def field(steps, length=None):
    """The receptive field of the last step's units: its size, jump and first pixel.

    The size and jump never depend on the input; where the field starts does (through Keras's
    'same' padding), so give the input `length` when you need `first` exactly.
    """
    size, jump, first = 1, 1, 0
    paddings = [before for _, before in trace(steps, length)] if length else [
        (step.kernel - 1) // 2 if step.padding == "same" else 0 for step in steps]
    for step, before in zip(steps, paddings):
        size += (step.kernel - 1) * jump
        first -= before * jump
        jump *= step.stride
    return Field(size, jump, first)


def spans(steps, length):
    """For each unit of the last step, (first, last) input pixel of its field inside the image.

    The pixels outside the image (the zero padding) carry no information, so they are cut off.
    """
    units = trace(steps, length)[-1][0]
    found = field(steps, length)
    return [(max(found.first + unit * found.jump, 0),
             min(found.first + unit * found.jump + found.size - 1, length - 1)) for unit in range(units)]


def seen_pixels(steps, image_shape, unit):
    """How many pixels of an image (height, width) the field of unit (row, column) covers."""
    (top, bottom), (left, right) = spans(steps, image_shape[0])[unit[0]], spans(steps, image_shape[1])[unit[1]]
    return (bottom - top + 1) * (right - left + 1)


def influence(steps, unit, length):
    """For each input pixel, the number of paths through the network that lead to `unit`.

    It is the gradient of the unit with respect to the input in a network whose kernels are
    all ones and whose poolings add their window (no activation): zero outside the field, and
    largest in its middle, where most paths meet.
    """
    rows = trace(steps, length)
    lengths = [length] + [out for out, _ in rows]
    counts = np.zeros(lengths[-1])
    counts[unit] = 1.0
    for index in range(len(steps) - 1, -1, -1):  # walk back from the last layer to the input
        step, before = steps[index], rows[index][1]
        back = np.zeros(lengths[index])
        for position, value in enumerate(counts):
            start = position * step.stride - before
            for offset in range(step.kernel):
                if 0 <= start + offset < lengths[index]:
                    back[start + offset] += value
        counts = back
    return counts


def field_figure(steps, length, units, title=""):
    """Line plot: the paths from each input pixel to some units of the last step (1 = the most of any
    of them), with dotted lines at the ends of each unit's field.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10, 3.2))
    all_spans = spans(steps, length)
    counts = {unit: influence(steps, unit, length) for unit in units}
    most = max(float(values.max()) for values in counts.values())
    for unit, values in counts.items():
        first, last = all_spans[unit]
        line = axis.plot(np.arange(length), values / most, label=f"unit {unit}: field {first}–{last}")
        for end in (first, last):
            axis.axvline(end, color=line[0].get_color(), linestyle=":", linewidth=1)
    axis.set_xlim(-0.5, length - 0.5)
    axis.set_xlabel(f"input pixel (0 … {length - 1})")
    axis.set_ylabel("paths to the unit\n(1 = most)")
    axis.legend(fontsize=8, loc="upper right")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure
