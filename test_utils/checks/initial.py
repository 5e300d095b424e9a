"""How a model's kernels start out, read from their weights: the initializer verified, not named.

The layer table names each convolution's initializer, but a table is a description: a
model whose table says HeNormal may start from other weights. Here the sampled weights
themselves (test_utils.probes.common.initial_weights) are compared with the reference's: their
spread (He's scales with the fan-in, Glorot's with fan-in plus fan-out) and their shape (a
uniform draw never passes 1.73 standard deviations, a truncated normal about 2.3, a plain normal
goes past 2.6 in 800 draws all but 3 times in 10,000).

Only the kernels whose initializer the course's text fixes are compared: those of the 3x3
convolutions (He). A 1x1 convolution or a transposed convolution may start from any draw
(test_utils.equivalence); which kernel is which is read from the reference's table, never
from the student's.
"""

import numpy as np

from test_utils.failure import fail
from test_utils.layer_table import field_names

MIN_VALUES = 64  # fewer weights than this say too little about a spread
SHAPE_VALUES = 800  # the shape of a draw is told from this many on (a normal stays under 2.6 sd
#                    in 800 draws 3 times in 10,000)


def statistics(sample):
    """[(shape, count, std, kind)] for each kernel of a sample; kind: "uniform", "truncated normal" or "normal"."""
    described = []
    for kernel in sample or ():
        values = np.asarray(kernel.get("values", ()), np.float64).ravel()
        std = float(values.std()) if values.size else 0.0
        kind = None
        if values.size >= SHAPE_VALUES and std > 0:
            peak = float(np.abs(values - values.mean()).max()) / std
            kind = "uniform" if peak < 1.9 else "truncated normal" if peak < 2.6 else "normal"
        described.append((list(kernel.get("shape", ())), int(values.size), std, kind))
    return described


def _fixed(row):
    """Does the course fix the initializer of this reference row's kernel (a Conv2D wider than 1x1)?"""
    fields = dict(zip(field_names(row[0]), row))
    size = fields.get("kernel_size")
    return row[0] == "Conv2D" and not (isinstance(size, (list, tuple)) and all(value == 1 for value in size))


def check_initial_weights(call, received, reference, rows=()):
    """Fail if a fixed kernel's initial weights are not drawn as the reference's are (spread or shape).

    `rows` is the reference's layer table: it tells which kernels the course fixes."""
    if reference is None:
        return
    got, want = statistics(received), statistics(reference)
    if len(got) != len(want):
        fail(call, f"the model has {len(got)} weight kernels where the reference has {len(want)}")
    # The layers with parameters, in order (one kernel each), numbered as the layer table numbers
    # them: layer 0 is the input.
    kernel_layers = [(position, row[0]) for position, row in enumerate(rows or ()) if len(row) > 2 and row[2]]
    for index, ((shape, count, std, kind), (_, ref_count, ref_std, ref_kind)) in enumerate(zip(got, want)):
        if index < len(kernel_layers) and not _fixed(rows[kernel_layers[index][0]]):
            continue
        where = f"kernel {index + 1} {tuple(shape)}"
        if index < len(kernel_layers):
            where += f" (layer {kernel_layers[index][0]}, {kernel_layers[index][1]})"
        if kind and ref_kind and kind != ref_kind:
            fail(call, f"the weights of {where} start as a {kind} draw; the initializer the exercise asks for "
                       f"draws from a {ref_kind}", "check the layer's kernel_initializer")
        if min(count, ref_count) >= MIN_VALUES and ref_std > 0:
            tolerance = 6 * np.sqrt(1 / (2 * count) + 1 / (2 * ref_count))  # 6 standard errors: 2 in 10^9 wrong
            ratio = std / ref_std
            if abs(np.log(ratio)) > tolerance:
                size = ("far smaller" if ratio < 0.5 else "smaller" if ratio < 1 else
                        "larger" if ratio < 2 else "far larger")
                fail(call, f"the weights of {where} start with a spread (standard deviation) {size} than the "
                           f"initializer the exercise asks for gives this kernel",
                     "He initializers scale by the fan-in (the inputs of each unit), Glorot's by fan-in plus "
                     "fan-out: check the layer's kernel_initializer")
