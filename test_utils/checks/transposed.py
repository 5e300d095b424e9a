"""Checks of the transposed convolution exercises (notebook 3)."""

import numpy as np

from test_utils import runner
from test_utils.calls import call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes.common import call as plain_call
from test_utils.probes.common import tf

TRANSPOSED_SIZE_CASES = ((3, 3, 2, 0), (4, 3, 1, 0), (4, 3, 1, 1), (2, 2, 2, 0), (5, 4, 2, 1), (6, 3, 2, 1))


def check_transposed_output_size(transposed_output_size, cases=TRANSPOSED_SIZE_CASES, random_cases=0):
    """Check the output size of a transposed convolution on (n, f, s, p) cases (a prediction: no number shown)."""
    from test_utils.checks.predictions import judge

    cases = list(cases)
    rng = runner.random_generator("transposed_output_size")
    for _ in range(random_cases):
        f = int(rng.integers(1, 8))
        cases.append((int(rng.integers(1, 40)), f, int(rng.integers(1, 5)), int(rng.integers(0, (f + 1) // 2 + 1))))
    judge(transposed_output_size, "transposed_output_size", cases, "the output size",
          "place the windows: input pixel i starts its window at output position i·s and covers f positions, so "
          "the last input pixel decides where the full output ends; then the padding p is cut from it",
          slips=[(lambda r, e, n, f, s, p: r == n * s and e != n * s,
                  "n·s is the size with padding='same'; here the padding p is given explicitly"),
                 (lambda r, e, n, f, s, p: p and r - e == 2 * p, "the padding p removes p pixels on each side of "
                                                                 "the output"),
                 (lambda r, e, n, f, s, p: p and r - e == p, "p pixels are removed on *each* side"),
                 (lambda r, e, n, f, s, p: r - e == s, "the first input pixel's window starts at position 0: the "
                                                       "last of the n pixels starts n − 1 strides later")])


TRANSPOSED_CONV_CASES = (
    ((3, 3, 1), (3, 3, 1, 1), 2),
    ((4, 5, 2), (3, 3, 3, 2), 2),
    ((3, 4, 3), (2, 2, 2, 3), 1),
    ((2, 3, 1), (4, 4, 2, 1), 3),
    ((3, 2, 2), (2, 3, 1, 2), 2),  # a kernel that is not square
)


def tensorflow_transposed_conv2d(x, kernel, stride):
    """TensorFlow's transposed convolution ('valid' padding): the trusted twin."""
    t = tf()
    height, width, _ = x.shape
    kernel_height, kernel_width, out_channels, _ = kernel.shape
    output_shape = ((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels)
    result = t.nn.conv2d_transpose(x[None].astype(np.float64), kernel.astype(np.float64),
                                   output_shape=(1, *output_shape), strides=stride, padding="VALID")
    return result[0].numpy()


def check_transposed_conv2d(transposed_conv2d, cases=TRANSPOSED_CONV_CASES, seed=0, random_cases=0):
    """Compare a NumPy transposed convolution with tf.nn.conv2d_transpose on random inputs.

    The function takes x (height, width, in_channels), kernel (kernel_height, kernel_width,
    out_channels, in_channels) and a stride, and returns the 'valid' output. It is written with
    NumPy: a version that calls TensorFlow (or another library) fails.
    """
    require_own_code(transposed_conv2d, "transposed_conv2d", lesson="with NumPy only", strict=True)
    public = np.random.default_rng(seed)
    cases = [(*case, public) for case in cases]
    hidden = runner.random_generator("transposed_conv2d")
    for _ in range(random_cases):
        channels_in, channels_out = int(hidden.integers(1, 4)), int(hidden.integers(1, 4))
        cases.append(((int(hidden.integers(1, 6)), int(hidden.integers(1, 6)), channels_in),
                      (int(hidden.integers(1, 5)), int(hidden.integers(1, 5)), channels_out, channels_in),
                      int(hidden.integers(1, 4)), hidden))
    for input_shape, kernel_shape, stride, source in cases:
        x = source.standard_normal(input_shape).astype(np.float32)
        kernel = source.standard_normal(kernel_shape).astype(np.float32)
        call = call_text("transposed_conv2d", x, kernel, stride=stride)
        got = ask(transposed_conv2d, "transposed_conv2d", call, plain_call, x, kernel, stride=stride)
        if got["changed"]:
            fail(call, "changed its input arrays", "write into a new output array only")
        result = np.asarray(got["value"])
        if result.dtype == object or result.dtype.kind not in "fiu":
            fail(call, f"returned {type(got['value']).__name__}; expected an array of numbers")
        expected = tensorflow_transposed_conv2d(x, kernel, stride)
        if result.shape != expected.shape:
            hint = "the output is (n - 1)·stride + kernel size along each axis, with kernel.shape[2] channels"
            if result.shape[:2] == expected.shape[:2] and result.ndim == 3 and result.shape[2] == kernel_shape[3]:
                hint = ("the kernel layout is (height, width, out_channels, in_channels): the output has "
                        "kernel.shape[2] channels")
            fail(call, f"returned shape {result.shape}; expected {expected.shape}", hint)
        if not np.allclose(result, expected, rtol=1e-4, atol=1e-4):
            error = np.abs(result - expected)
            where = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
            hint = None
            if np.allclose(result, tensorflow_transposed_conv2d(x, kernel[::-1, ::-1], stride), rtol=1e-4, atol=1e-4):
                hint = ("your result is that of the kernel turned by 180 degrees: when spreading, pixel (i, j) adds "
                        "x[i, j] * kernel[a, b] at output (i·s + a, j·s + b), without flipping")
            elif np.allclose(result, 0):
                hint = "the output is all zeros: add each input pixel's contribution into it"
            fail(call, f"values differ from tf.nn.conv2d_transpose (padding='VALID'): largest difference "
                       f"{error.max():.4g} at output index {where} (yours {result[where]:.4f}, expected "
                       f"{expected[where]:.4f})", hint)
    passed(f"transposed_conv2d matches tf.nn.conv2d_transpose on {len(cases)} random cases")
