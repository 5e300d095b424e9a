"""Checks of the "predict first" answers: small functions that compute a number by reasoning.

A prediction is a number the student works out before a cell or a figure shows it: a parameter
count, a receptive field, an output size, a threshold. The student writes it as a function of the
question's parameters, so the judge can ask it on fresh arguments (`random_cases`): a number
copied from a classmate answers one case, not the next.

The expected values are the reference's (the source notebooks' solution cells, through
`runner.expected`); nothing here computes them. A wrong answer gets a reason, never the number:
each check knows a few typical slips (a missing bias, a pooling window forgotten) by how the
answer relates to the expected one, and otherwise restates the reasoning to follow. The
function must be plain arithmetic: building a model and counting its weights, or calling the
course library, skips the prediction (`require_own_code`, strict).

The checks of the extension's predictions are in test_utils/checks/predictions_original.py.
"""

import math
import numbers

from test_utils import runner
from test_utils.calls import call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes.common import call as plain_call

LESSON = "by reasoning, with plain arithmetic (no model, no library)"


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def judge(function, name, cases, what, reasoning, slips=(), integer=True):
    """Ask `function` each case; fail with a reason (never the expected value) on the first wrong answer.

    Args:
        cases: argument tuples.
        what: what the answer is, for "returned 7, which is not <what>".
        reasoning: the hint when no known slip explains the answer.
        slips: (test(result, expected, *args) -> bool, hint) pairs, tried in order.
        integer: the answer is a count (an int); otherwise a float, compared to 1e-6 relative.
    """
    require_own_code(function, name, lesson=LESSON, strict=True)
    for args in cases:
        call = call_text(name, *args)
        result = ask(function, name, call, plain_call, *args)["value"]
        expected = runner.expected(name, plain_call, *args)["value"]
        if not _is_number(result):
            fail(call, f"returned {result!r}, a {type(result).__name__}; the answer is a number", reasoning)
        if integer and not isinstance(result, numbers.Integral):
            if math.isfinite(result) and float(result) == expected:
                fail(call, f"returned {result!r}, a float; a count is an int", "use integer arithmetic (// not /)")
            fail(call, f"returned {result!r}, which is not {what}", reasoning)
        if integer and result == expected:
            continue
        if not integer and math.isfinite(result) and math.isclose(result, expected, rel_tol=1e-6, abs_tol=1e-9):
            continue
        hint = reasoning
        for test, text in slips:
            try:
                if test(result, expected, *args):
                    hint = text
                    break
            except (ArithmeticError, ValueError, TypeError, OverflowError):
                continue
        fail(call, f"returned {result!r}, which is not {what}", hint)
    passed(f"{name} is right on {len(cases)} cases")


def near(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _conv(c_in, c_out, kernel=3):
    """The weights of a convolution, as a slip would count them (used only to name slips)."""
    return (kernel * kernel * c_in + 1) * c_out


# --------------------------------------------------------------------------------------------------
# Notebook 2: the encoder
# --------------------------------------------------------------------------------------------------

def check_conv_block_parameters(conv_block_parameters, cases=((3, 32), (32, 64)), random_cases=0):
    """The trainable parameters of conv_block for (c_in, n_filters)."""
    cases = list(cases)
    rng = runner.random_generator("conv_block_parameters")
    cases += [(int(rng.integers(1, 65)), int(rng.integers(1, 129))) for _ in range(random_cases)]
    judge(conv_block_parameters, "conv_block_parameters", cases, "the number of trainable parameters of conv_block",
          "count each of the two convolutions on its own: one filter has a weight for every kernel position "
          "and every channel of *its* input, plus one bias; a layer has n_filters filters. Dropout and "
          "pooling learn nothing",
          slips=[(lambda r, e, c, n: r == e - 2 * n, "every filter also has a bias, in both convolutions"),
                 (lambda r, e, c, n: r == e - n, "count the bias of every filter, in both convolutions"),
                 (lambda r, e, c, n: r == 2 * _conv(c, n), "the second convolution does not read the block's "
                                                           "input: it reads the first one's output, whose channels "
                                                           "are that layer's filters"),
                 (lambda r, e, c, n: r == _conv(c, n) or r == _conv(n, n), "conv_block has two convolutions"),
                 (lambda r, e, c, n: r == (3 * c + 1) * n + (3 * n + 1) * n,
                  "a 3×3 kernel has 3·3 positions, each with a weight per input channel")])


def check_encoder_receptive_field(encoder_receptive_field, cases=((0,), (1,), (4,), (2, 5)), random_cases=0):
    """The receptive field (input pixels across) of a unit after the convolutions of encoder level `level`."""
    cases = list(cases)
    rng = runner.random_generator("encoder_receptive_field")
    cases += [(int(rng.integers(0, 9)), int(rng.choice([3, 5, 7]))) for _ in range(random_cases)]
    reasoning = ("walk down the encoder: a window of w pixels adds w − 1 pixels to the field, counted in pixels of "
                 "*its input's* resolution; after each 2×2 pooling one pixel of the map spans twice as many input "
                 "pixels as before")
    judge(encoder_receptive_field, "encoder_receptive_field", cases, "the receptive field of that level", reasoning,
          slips=[(lambda r, e, level, k=3: r == e - (2 ** level - 1) and level > 0,
                  "the 2×2 pooling window widens the field too: a window of 2 adds 1 pixel of its input's "
                  "resolution"),
                 (lambda r, e, level, k=3: r == 1 + (level + 1) * 2 * (k - 1) + level or
                  r == 1 + (level + 1) * 2 * (k - 1),
                  "after a pooling, one step on the map is 2 pixels of the level above: the growth of every "
                  "window below is multiplied by the pixel size at its level")])


# --------------------------------------------------------------------------------------------------
# Notebook 4: the U-Net
# --------------------------------------------------------------------------------------------------

def check_unet_parameters(unet_parameters, cases=((32, 3, 23), (8, 3, 23)), random_cases=0):
    """The trainable parameters of unet_model(input_size=(h, w, in_channels), n_filters, n_classes)."""
    cases = list(cases)
    rng = runner.random_generator("unet_parameters")
    cases += [(int(rng.integers(1, 49)), int(rng.integers(1, 6)), int(rng.integers(2, 31)))
              for _ in range(random_cases)]

    def decoder_convs(n):  # the first convolution of each decoder step, as a slip that forgets the skip counts it
        return sum(9 * n * 2 ** level * n * 2 ** level for level in range(4))

    judge(unet_parameters, "unet_parameters", cases, "the number of trainable parameters of unet_model",
          "add up every layer with weights: two 3×3 convolutions per encoder step (the bottleneck included), "
          "per decoder step a transposed convolution and two 3×3 convolutions, then the head's 3×3 and 1×1 "
          "convolutions. A filter has a weight per kernel position and input channel, plus a bias; the "
          "input channels of a layer are the output channels of the tensor it reads",
          slips=[(lambda r, e, n, c, k: r == e - decoder_convs(n),
                  "after each concatenation the first convolution reads the upsampled channels *and* the skip's"),
                 (lambda r, e, n, c, k: r == e - _conv(n, n), "the head has a 3×3 convolution before its 1×1 one"),
                 (lambda r, e, n, c, k: r == e + 8 * n * k,
                  "the last convolution of the head is 1×1: one weight per input channel and class, plus a bias"),
                 (lambda r, e, n, c, k: r == e - sum(_conv(n * 2 ** (level + 1), n * 2 ** level)
                                                    for level in range(4)),
                  "the transposed convolutions have weights too: a 3×3 kernel from the channels below to the "
                  "step's filters, and a bias")])


# --------------------------------------------------------------------------------------------------
# Notebook 5: training and evaluation
# --------------------------------------------------------------------------------------------------

def check_logit_for_threshold(logit_for_threshold, cases=((0.5, 23), (0.5, 2), (0.9, 5)), random_cases=0):
    """The smallest logit of a class (the others all 0) that foreground_mask keeps at `threshold`."""
    cases = list(cases)
    rng = runner.random_generator("logit_for_threshold")
    cases += [(round(float(rng.uniform(0.05, 0.95)), 2), int(rng.integers(2, 41))) for _ in range(random_cases)]
    judge(logit_for_threshold, "logit_for_threshold", cases, "the smallest logit that reaches the threshold",
          "write the class's softmax probability when its logit is z and the other classes' logits are all 0, "
          "set it equal to the threshold, and solve for z",
          slips=[(lambda r, e, t, k: near(r, 0.0), "that is what an argmax needs; a threshold asks for a probability, "
                                                  "and the class shares the probability with all the others"),
                 (lambda r, e, t, k: near(math.exp(r) / (math.exp(r) + k), t),
                  "the class itself is one of the n_classes: count only the *other* classes in the denominator's "
                  "rest"),
                 (lambda r, e, t, k: near(math.exp(r) / (math.exp(r) + 1), t) and k > 2,
                  "the class competes with every other class, not with one"),
                 (lambda r, e, t, k: near(r, t) or near(math.exp(r), t),
                  "the threshold is a probability, the answer a logit: go through the softmax")],
          integer=False)


def check_mean_iou_from_confusion(mean_iou_from_confusion, cases=(((50, 10), (5, 35)), ((4, 1, 0), (2, 6, 2),
                                                                                          (0, 3, 9))),
                                  random_cases=0):
    """The mean IoU of a confusion matrix (rows: true class, columns: predicted class; every class found)."""
    cases = [([list(row) for row in matrix],) for matrix in cases]
    rng = runner.random_generator("mean_iou_from_confusion")
    for _ in range(random_cases):
        size = int(rng.integers(2, 7))
        matrix = rng.integers(0, 40, (size, size))
        matrix[range(size), range(size)] += rng.integers(1, 60, size)  # every class found at least once
        cases.append(([[int(value) for value in row] for row in matrix],))

    def share(matrix, axis):
        return sum(matrix[i][i] / sum(matrix[i][j] if axis else matrix[j][i] for j in range(len(matrix)))
                   for i in range(len(matrix))) / len(matrix)

    judge(mean_iou_from_confusion, "mean_iou_from_confusion", cases, "the mean IoU of that matrix",
          "for each class: the intersection is the pixels of the class both true and predicted; the union is "
          "those true (its row) or predicted (its column) or both, each pixel counted once. Average the "
          "classes' IoUs, each class counting the same",
          slips=[(lambda r, e, m: near(r, share(m, 1)), "that is the mean recall (found / true): the union also "
                                                        "holds the pixels wrongly predicted as the class"),
                 (lambda r, e, m: near(r, share(m, 0)), "that is the mean precision (found / predicted): the union "
                                                        "also holds the class's pixels that were missed"),
                 (lambda r, e, m: near(r, sum(m[i][i] for i in range(len(m))) / sum(map(sum, m))),
                  "that is the pixel accuracy: the mean IoU takes each class's IoU and averages them"),
                 (lambda r, e, m: near(r, sum(m[i][i] / (sum(m[i]) + sum(row[i] for row in m))
                                               for i in range(len(m))) / len(m)),
                  "the row and the column share the diagonal cell: count those pixels once in the union")],
          integer=False)
