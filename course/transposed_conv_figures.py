"""Figures for notebook 3: how a transposed convolution spreads each input pixel.

Only positions are computed here (which output pixels an input pixel reaches, how many
input pixels reach each output pixel); the arithmetic of the transposed convolution is
the student's exercise.

    spread_figure()            one input pixel spread over the output, and its neighbour
    overlap_figure()           how many input pixels land on each output pixel
    zero_insertion_figure()    the same layer as a plain convolution over a stretched input
"""

from __future__ import annotations

import numpy as np

INPUT_COLOUR = "#f4a261"
NEIGHBOUR_COLOUR = "#2a9d8f"
KERNEL_COLOUR = "#e9c46a"


def footprint(row, column, kernel_size, stride):
    """Output rows and columns reached by input pixel (row, column): two ranges."""
    return (range(row * stride, row * stride + kernel_size),
            range(column * stride, column * stride + kernel_size))


def overlap_counts(input_size, kernel_size, stride):
    """For each output pixel of a 'valid' transposed convolution, how many input pixels reach it.

    Returns:
        An int array of shape (n_out, n_out) with n_out = (input_size - 1) * stride + kernel_size.
    """
    size = (input_size - 1) * stride + kernel_size
    counts = np.zeros((size, size), dtype=int)
    for row in range(input_size):
        for column in range(input_size):
            rows, columns = footprint(row, column, kernel_size, stride)
            counts[rows.start:rows.stop, columns.start:columns.stop] += 1
    return counts


def _grid(axis, rows, columns, title):
    axis.set_xlim(-0.5, columns - 0.5)
    axis.set_ylim(rows - 0.5, -0.5)
    axis.set_xticks(np.arange(-0.5, columns, 1), minor=True)
    axis.set_yticks(np.arange(-0.5, rows, 1), minor=True)
    axis.grid(which="minor", color="0.6", linewidth=0.8)
    axis.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    axis.set_aspect("equal")
    axis.set_title(title, fontsize=10)


def _fill(axis, row, column, colour, alpha=1.0, hatch=None):
    from matplotlib.patches import Rectangle

    axis.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=colour, alpha=alpha,
                             hatch=hatch, edgecolor="0.6" if hatch else None, linewidth=0))


def spread_figure(input_size=3, kernel_size=3, stride=2, pixel=(1, 1)):
    """One input pixel `x` spread over the output as `x` times the kernel, and its right neighbour.

    Panels: the input (the pixel and its neighbour highlighted), the kernel, and the
    output of size (n - 1)·s + f, where the pixel's copy of the kernel starts at
    (s·row, s·column). Where the two copies overlap, their products are added.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    row, column = pixel
    if not (0 <= row < input_size and 0 <= column < input_size - 1):
        raise ValueError(f"spread_figure: pixel {pixel} must have a right neighbour inside the "
                         f"{input_size}x{input_size} input")
    out = (input_size - 1) * stride + kernel_size
    figure, axes = plt.subplots(1, 3, figsize=(11, 4.2),
                                gridspec_kw={"width_ratios": [input_size, kernel_size, out]})
    axis_in, axis_kernel, axis_out = axes
    _grid(axis_in, input_size, input_size, f"input {input_size}×{input_size}")
    _fill(axis_in, row, column, INPUT_COLOUR)
    _fill(axis_in, row, column + 1, NEIGHBOUR_COLOUR)
    axis_in.text(column, row, "x", ha="center", va="center", fontsize=13, fontweight="bold")
    axis_in.text(column + 1, row, "y", ha="center", va="center", fontsize=13, fontweight="bold")

    _grid(axis_kernel, kernel_size, kernel_size, f"kernel {kernel_size}×{kernel_size}")
    for i in range(kernel_size):
        for j in range(kernel_size):
            _fill(axis_kernel, i, j, KERNEL_COLOUR, alpha=0.6)
            axis_kernel.text(j, i, f"w{i}{j}", ha="center", va="center", fontsize=9)

    _grid(axis_out, out, out, f"output {out}×{out} = ({input_size}-1)·{stride} + {kernel_size}")
    rows_x, columns_x = footprint(row, column, kernel_size, stride)
    rows_y, columns_y = footprint(row, column + 1, kernel_size, stride)
    for i in rows_x:
        for j in columns_x:
            _fill(axis_out, i, j, INPUT_COLOUR, alpha=0.75)
    for i in rows_y:
        for j in columns_y:
            shared = j in columns_x
            _fill(axis_out, i, j, NEIGHBOUR_COLOUR, alpha=0.45 if shared else 0.75,
                  hatch="///" if shared else None)
    for i in rows_x:
        for j in sorted(set(columns_x) | set(columns_y)):
            terms = []
            if j in columns_x:
                terms.append(f"x·w{i - rows_x.start}{j - columns_x.start}")
            if j in columns_y:
                terms.append(f"y·w{i - rows_y.start}{j - columns_y.start}")
            axis_out.text(j, i, "\n+ ".join(terms), ha="center", va="center",
                          fontsize=6.5 if len(terms) > 1 else 7.5)
    axis_out.set_xlabel(f"x = input[{row}, {column}]: its copy of the kernel starts at output "
                        f"[{stride}·{row}, {stride}·{column}] = [{stride * row}, {stride * column}]", fontsize=8)
    figure.suptitle(f"Transposed convolution, stride {stride}: each input pixel adds "
                    f"(pixel × kernel) to the output; overlaps (hatched) are summed", fontsize=11)
    figure.tight_layout()
    return figure


def overlap_figure(input_size=4, settings=((3, 2), (4, 2), (2, 2))):
    """Heat maps: how many input pixels land on each output pixel, for several (kernel, stride).

    With a 3×3 kernel and stride 2 the counts alternate 1, 2, 4: uneven coverage, a source
    of the checkerboard patterns that transposed convolutions can print into images. A
    kernel size divisible by the stride covers the interior evenly. The dashed frame is
    what Keras keeps with padding='same' (n·s pixels per side).

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    figure, axes = plt.subplots(1, len(settings), figsize=(4 * len(settings), 4.3))
    axes = np.atleast_1d(axes)
    for axis, (kernel_size, stride) in zip(axes, settings):
        counts = overlap_counts(input_size, kernel_size, stride)
        size = counts.shape[0]
        axis.imshow(counts, cmap="YlOrBr", vmin=0, vmax=counts.max() + 1)
        for i in range(size):
            for j in range(size):
                axis.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8)
        kept = input_size * stride
        before = max(kernel_size - stride, 0) // 2
        axis.add_patch(Rectangle((before - 0.5, before - 0.5), kept, kept, fill=False,
                                 edgecolor="0.1", linestyle="--", linewidth=1.5))
        axis.set_title(f"kernel {kernel_size}, stride {stride}: {size}×{size}\n"
                       f"(dashed: 'same' keeps {kept}×{kept})", fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(f"Input pixels reaching each output pixel ({input_size}×{input_size} input)", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    return figure


def zero_insertion_figure(input_size=3, kernel_size=3, stride=2):
    """The same transposed convolution as an ordinary one: stretch the input, pad, slide a flipped kernel.

    Between neighbouring input pixels go stride - 1 zeros; around the stretched input go
    kernel_size - 1 zeros; a 'valid' convolution with the kernel turned by 180 degrees then
    gives the (n - 1)·s + f output of the transposed convolution.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    stretched = (input_size - 1) * stride + 1
    pad = kernel_size - 1
    size = stretched + 2 * pad
    out = size - kernel_size + 1
    figure, axes = plt.subplots(1, 2, figsize=(9, 4.8), gridspec_kw={"width_ratios": [size, kernel_size]})
    axis, axis_kernel = axes
    _grid(axis, size, size, f"input {input_size}×{input_size} → {stride - 1} zero(s) between pixels, "
                            f"{pad} around: {size}×{size}")
    for i in range(size):
        for j in range(size):
            inside = pad <= i < pad + stretched and pad <= j < pad + stretched
            original = inside and (i - pad) % stride == 0 and (j - pad) % stride == 0
            if original:
                _fill(axis, i, j, INPUT_COLOUR)
                axis.text(j, i, f"a{(i - pad) // stride}{(j - pad) // stride}", ha="center", va="center", fontsize=8)
            else:
                _fill(axis, i, j, "#f1f1f1" if inside else "#d9d9d9")
                axis.text(j, i, "0", ha="center", va="center", fontsize=7, color="0.55")
    axis.add_patch(Rectangle((-0.5, -0.5), kernel_size, kernel_size, fill=False, edgecolor="#e76f51",
                             linewidth=2.5))
    axis.text(-0.4, size - 0.1, f"a {kernel_size}×{kernel_size} window slides over all {out}×{out} positions "
              f"= ({input_size}-1)·{stride} + {kernel_size}", fontsize=8, va="top")
    _grid(axis_kernel, kernel_size, kernel_size, "kernel turned by 180°")
    for i in range(kernel_size):
        for j in range(kernel_size):
            _fill(axis_kernel, i, j, KERNEL_COLOUR, alpha=0.6)
            axis_kernel.text(j, i, f"w{kernel_size - 1 - i}{kernel_size - 1 - j}", ha="center", va="center", fontsize=9)
    figure.tight_layout()
    return figure
