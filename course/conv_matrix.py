"""A convolution written as a matrix W, and its transposed convolution as Wᵀ (notebook 3).

One channel, 'VALID' or 'SAME' padding (TensorFlow's rule), any stride: small enough to look at
the matrix. The convolution is TensorFlow's (a sliding window that does not flip the kernel).

    conv_matrix(kernel, input_shape, ...)       W, so that W @ x.ravel() is the convolution of x
    convolve / transposed_convolve              TensorFlow's conv2d and conv2d_transpose on 2-D arrays
    compare(kernel, x, ...)                     the numbers of the notebook's demonstration
    matrix_figure(W)                            W and Wᵀ side by side
"""

from __future__ import annotations

import numpy as np


def _paddings(length, kernel, stride, padding):
    """Zeros TensorFlow puts (before, after) along one axis: none for 'VALID', its rule for 'SAME'."""
    if padding == "VALID":
        return 0, 0
    if padding != "SAME":
        raise ValueError(f"padding must be 'VALID' or 'SAME', got {padding!r}")
    total = max((-(-length // stride) - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


def output_shape(input_shape, kernel_shape, stride=1, padding="VALID"):
    """Height and width of the convolution's output."""
    sizes = []
    for length, kernel in zip(input_shape, kernel_shape):
        before, after = _paddings(length, kernel, stride, padding)
        if kernel > length + before + after:
            raise ValueError(f"the kernel {kernel_shape} is larger than the input {input_shape}: use a larger input")
        sizes.append((length + before + after - kernel) // stride + 1)
    return tuple(sizes)


def conv_matrix(kernel, input_shape, stride=1, padding="VALID"):
    """The matrix W of a one-channel convolution: W @ x.ravel() == conv2d(x).ravel().

    Row r of W is output pixel r: the kernel's weights, laid at the input pixels its window
    covers, zeros elsewhere (a window part in the zero padding multiplies nothing). Shape
    (output pixels, input pixels).
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError(f"conv_matrix takes a 2-D kernel (height, width), got shape {kernel.shape}")
    (top_pad, _), (left_pad, _) = (_paddings(n, k, stride, padding) for n, k in zip(input_shape, kernel.shape))
    height, width = input_shape
    out_height, out_width = output_shape(input_shape, kernel.shape, stride, padding)
    matrix = np.zeros((out_height * out_width, height * width), dtype=kernel.dtype)
    for row in range(out_height):
        for column in range(out_width):
            for a in range(kernel.shape[0]):
                for b in range(kernel.shape[1]):
                    i, j = row * stride + a - top_pad, column * stride + b - left_pad
                    if 0 <= i < height and 0 <= j < width:
                        matrix[row * out_width + column, i * width + j] += kernel[a, b]
    return matrix


def convolve(x, kernel, stride=1, padding="VALID"):
    """tf.nn.conv2d of a 2-D array with a 2-D kernel: a 2-D NumPy array."""
    import tensorflow as tf

    result = tf.nn.conv2d(np.asarray(x, np.float32)[None, :, :, None], np.asarray(kernel, np.float32)[:, :, None, None],
                          strides=stride, padding=padding)
    return result.numpy()[0, :, :, 0]


def transposed_convolve(y, kernel, input_shape, stride=1, padding="VALID"):
    """tf.nn.conv2d_transpose of a 2-D array with the same kernel, back to `input_shape`: 2-D NumPy."""
    import tensorflow as tf

    result = tf.nn.conv2d_transpose(np.asarray(y, np.float32)[None, :, :, None],
                                    np.asarray(kernel, np.float32)[:, :, None, None],
                                    output_shape=(1, *input_shape, 1), strides=stride, padding=padding)
    return result.numpy()[0, :, :, 0]


def compare(kernel, x, stride=1, padding="VALID", seed=0):
    """The demonstration's numbers: W against conv2d, Wᵀ against conv2d_transpose, Wᵀ(W x) against x.

    Returns:
        A dict: W's shape and rank; the largest differences |W x − conv2d(x)| and
        |Wᵀ y − conv2d_transpose(y)| for a random y (float32 rounding: about 1e-6); and
        |Wᵀ(W x) − x|, which is not small: the transposed convolution does not undo the convolution.
    """
    x = np.asarray(x, np.float32)
    kernel = np.asarray(kernel, np.float32)
    matrix = conv_matrix(kernel, x.shape, stride, padding)
    y = np.random.default_rng(seed).standard_normal(output_shape(x.shape, kernel.shape, stride, padding))
    y = y.astype(np.float32)
    round_trip = (matrix.T @ (matrix @ x.ravel())).reshape(x.shape)
    return {
        "W shape": matrix.shape,
        "W rank": int(np.linalg.matrix_rank(matrix)),
        "|W x - conv2d(x)|": float(np.abs(matrix @ x.ravel() - convolve(x, kernel, stride, padding).ravel()).max()),
        "|W.T y - conv2d_transpose(y)|": float(np.abs(
            matrix.T @ y.ravel() - transposed_convolve(y, kernel, x.shape, stride, padding).ravel()).max()),
        "|W.T (W x) - x|": float(np.abs(round_trip - x).max()),
    }


def matrix_figure(matrix, input_shape, title="W"):
    """W (one row per output pixel) and Wᵀ (one row per input pixel), zeros left white.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    limit = float(np.abs(matrix).max()) or 1.0
    rows, columns = matrix.shape
    figure, axes = plt.subplots(1, 2, figsize=(9, 4.6), gridspec_kw={"width_ratios": [columns, rows]})
    for axis, shown, name, row_label, column_label in (
            (axes[0], matrix, title, "output pixel", "input pixel"),
            (axes[1], matrix.T, f"{title}ᵀ", "input pixel", "output pixel")):
        axis.imshow(np.ma.masked_equal(shown, 0), cmap="RdBu", vmin=-limit, vmax=limit, aspect="equal")
        axis.set_title(f"{name}: {shown.shape[0]}×{shown.shape[1]}", fontsize=10)
        axis.set_ylabel(row_label, fontsize=9)
        axis.set_xlabel(column_label, fontsize=9)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.tick_params(labelsize=7)
    figure.suptitle(f"A 'VALID' convolution of a {input_shape[0]}×{input_shape[1]} input as a matrix "
                    f"(white: zero)", fontsize=11)
    figure.tight_layout()
    return figure
