"""Checks of the extension's "predict first" answers (notebooks 6 and 7): the paper's sizes, crops,
parameters and border weight. How they judge: test_utils/checks/predictions.py."""

import math

from test_utils import runner
from test_utils.checks.predictions import judge, near


def valid_input_size(bottom, levels):
    """An input size that goes through `levels` poolings of the paper's network evenly, its bottom `bottom`.

    Going up from the bottom before its two convolutions: each level doubles the size and adds the
    4 pixels its two convolutions trim. Used to draw fresh questions, never to answer them.
    """
    size = bottom + 4
    for _ in range(levels):
        size = 2 * size + 4
    return size


def check_paper_output_size(paper_output_size, cases=((572, 4), (188, 4), (60, 2)), random_cases=0):
    """The output size of the paper's network (valid 3×3 convolutions) for an input size that works."""
    cases = list(cases)
    rng = runner.random_generator("paper_output_size")
    for _ in range(random_cases):
        levels = int(rng.integers(1, 6))
        cases.append((valid_input_size(int(rng.integers(1, 40)), levels), levels))
    judge(paper_output_size, "paper_output_size", cases, "the output size of that network",
          "follow one axis through the network: every unpadded 3×3 convolution trims a pixel on *each* side; "
          "each pooling halves; the bottom has two convolutions too; each up-convolution doubles, and each "
          "decoder level has two more convolutions",
          slips=[(lambda r, e, s, levels: r == e + 4 * (2 ** levels - 1),
                  "the decoder's convolutions trim too: two per level, after each up-convolution"),
                 (lambda r, e, s, levels: r == e + 4 * 2 ** levels,
                  "the bottom of the U has two convolutions as well, each trimming a pixel on each side"),
                 (lambda r, e, s, levels: r > e and (s - r) * 2 == s - e,
                  "an unpadded 3×3 convolution loses one pixel on *each* side: two per axis"),
                 (lambda r, e, s, levels: r == s, "the convolutions are unpadded ('valid'): the map shrinks")])


def check_skip_crop(skip_crop, cases=((4, 4), (1, 4), (2, 3, 1)), random_cases=0):
    """The pixels cropped on each side of the skip connection of encoder level `level` (1 = the top)."""
    cases = list(cases)
    rng = runner.random_generator("skip_crop")
    for _ in range(random_cases):
        levels = int(rng.integers(1, 7))
        cases.append((int(rng.integers(1, levels + 1)), levels, int(rng.integers(1, 4))))
    judge(skip_crop, "skip_crop", cases, "the crop on each side of that skip connection",
          "the skip is taken before the level's pooling; the upsampled map it joins has come down to the bottom "
          "and back up. Count how many pixels per side that round trip loses, at the skip's resolution: each "
          "convolution on the way loses its trim times the pixel size of its level, relative to the skip's",
          slips=[(lambda r, e, *_: r == 2 * e, "the crop is per side: the extra rows split evenly between top and "
                                               "bottom"),
                 (lambda r, e, *_: 2 * r == e, "each unpadded 3×3 convolution trims one pixel on *each* side")])


def check_original_unet_parameters(original_unet_parameters, cases=((64, 1, 2), (32, 1, 2)), random_cases=0):
    """The trainable parameters of original_unet(input_size=(h, w, in_channels), n_classes, n_filters)."""
    cases = list(cases)
    rng = runner.random_generator("original_unet_parameters")
    cases += [(int(rng.integers(1, 81)), int(rng.integers(1, 5)), int(rng.integers(2, 12)))
              for _ in range(random_cases)]

    def up_as_3x3(n):  # what a slip that counts 3×3 up-convolutions adds
        return sum(5 * (2 * n * 2 ** level) * (n * 2 ** level) for level in range(4))

    def up_keeps_channels(n):  # up-convolutions that keep their channels: 2×2 weights and then wider convolutions
        return sum(4 * (2 * n * 2 ** level) * (n * 2 ** level) + n * 2 ** level + 9 * n * 2 ** level * n * 2 ** level
                   for level in range(4))

    judge(original_unet_parameters, "original_unet_parameters", cases,
          "the number of trainable parameters of original_unet",
          "add up every layer with weights, as the paper's figure draws them: two 3×3 convolutions per level "
          "(the bottom included); per decoder level a 2×2 up-convolution that halves the channels, then two 3×3 "
          "convolutions reading the upsampled channels and the cropped skip's; the 1×1 head. A filter has a "
          "weight per kernel position and input channel, plus a bias",
          slips=[(lambda r, e, n, c, k: r == e + up_as_3x3(n), "the up-convolutions are 2×2, not 3×3"),
                 (lambda r, e, n, c, k: r == e + up_keeps_channels(n),
                  "each up-convolution halves the channels (1024 to 512 at the first decoder level)"),
                 (lambda r, e, n, c, k: r == e - sum(9 * (n * 2 ** level) ** 2 for level in range(4)),
                  "after each concatenation the first convolution reads the upsampled channels *and* the "
                  "skip's"),
                 (lambda r, e, n, c, k: r == e + 8 * n * k, "the head is a 1×1 convolution")])


def check_gap_border_term(gap_border_term, cases=((1, 10, 5), (3, 10, 5), (2, 4, 1.5)), random_cases=0):
    """The border term at a background pixel of a straight gap `gap` pixels wide between two objects."""
    cases = list(cases)
    rng = runner.random_generator("gap_border_term")
    cases += [(int(rng.integers(1, 13)), round(float(rng.uniform(1, 20)), 1), round(float(rng.uniform(1, 8)), 1))
              for _ in range(random_cases)]

    def term(total, w0, sigma):
        return w0 * math.exp(-total ** 2 / (2 * sigma ** 2))

    judge(gap_border_term, "gap_border_term", cases, "the border term in that gap",
          "take one pixel of the gap and measure, between pixel centres, how far it is from the nearest pixel of "
          "the object on its left and of the one on its right; those are d1 and d2. Does their sum depend on "
          "which pixel of the gap you took?",
          slips=[(lambda r, e, g, w0, sigma: near(r, term(g, w0, sigma)),
                  "distances are measured between pixel centres: a background pixel next to an object is at "
                  "distance 1 from it, not 0"),
                 (lambda r, e, g, w0, sigma: near(r, term(g - 1, w0, sigma)) or near(r, term((g + 1) / 2, w0, sigma)),
                  "d1 and d2 are the distances to the two objects: add them"),
                 (lambda r, e, g, w0, sigma: near(r, w0 * math.exp(-(g + 1) / (2 * sigma ** 2))),
                  "the sum of the distances is squared in the exponent"),
                 (lambda r, e, g, w0, sigma: near(r, math.exp(-(g + 1) ** 2 / (2 * sigma ** 2))),
                  "the exponential is scaled by w0")],
          integer=False)
