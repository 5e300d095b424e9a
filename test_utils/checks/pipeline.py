"""Checks of the data pipeline (notebook 1): resizing, splitting and the tf.data pipeline.

The inputs are made on the spot; the expected answers are the reference solution's for the
same inputs. The functions may use TensorFlow but not the course library.
"""

import numpy as np

from test_utils import runner
from test_utils.calls import Name, call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes import data as probes
from test_utils.probes.common import call as plain_call
from test_utils.probes.common import call_leaving_global_random

TF_ALLOWED = ("tensorflow", "keras")


# A 1-pixel checkerboard shrunk 6.25 times (CARLA's 600x800 to 96x128) must come out flat grey:
# antialiased resizes stay within 0.001 of 0.5, area within 0.04 even at small factors; nearest
# and plain bilinear, which pick single pixels, stray by 0.28 to 0.5.
ALIASING_LIMIT = 0.1
# On a smooth picture every fair resize looks alike: antialiased bilinear, bicubic, Lanczos or
# Gaussian stay within a mean of 0.008 of the area result (inputs 16..200 pixels), while a flip,
# a channel swap or a wrong scale is 0.02 to 0.7 away.
IMAGE_TOLERANCE = 0.015
CHECKERBOARD = ((150, 200), (24, 32))  # (input size, output size): factor 6.25


def _smooth_picture(rng, shape):
    """A smooth colour picture: one slow wave per channel, values in [0.2, 0.8]."""
    rows, cols = np.meshgrid(np.linspace(0, 1, shape[0]), np.linspace(0, 1, shape[1]), indexing="ij")
    channels = []
    for _ in range(3):
        slope_rows, slope_cols = rng.uniform(-1.2, 1.2, 2)
        wave = np.pi * (slope_rows * rows + slope_cols * cols) + rng.uniform(0, 2 * np.pi)
        channels.append(0.5 + 0.3 * np.cos(wave))
    return np.stack(channels, axis=-1).astype(np.float32)


def _checkerboard(shape):
    """A checkerboard of 1-pixel squares, black and white, in all three channels."""
    rows, cols = np.indices(shape)
    return np.repeat(((rows + cols) % 2).astype(np.float32)[..., None], 3, axis=-1)


def _image_verdict(call, kind, new_image, expected):
    if new_image.dtype != np.float32:
        fail(call, f"the image comes back as {new_image.dtype}; expected float32",
             "resize the image as the notebook says, keeping float32 (tf.image.resize returns float32)")
    if kind == "checkerboard":
        spread = float(np.abs(new_image - 0.5).max()) if new_image.size else 0.0
        if spread > ALIASING_LIMIT:
            factor = CHECKERBOARD[0][0] / CHECKERBOARD[1][0]
            fail(call, f"the image differs from the expected one: shrunk {factor:g} times, a checkerboard of "
                       f"1-pixel squares should turn flat grey (0.5), but yours has values from {new_image.min():.2f} "
                       f"to {new_image.max():.2f}: each new pixel copies one or two old pixels instead of averaging "
                       f"all it covers (aliasing: thin poles and lane lines break up)",
                 "resize the image as the notebook says: method='area' averages the pixels each new pixel covers "
                 "(nearest, and bilinear without antialias=True, pick single pixels)")
        return
    if np.allclose(new_image, expected, atol=1e-5):
        return
    difference = np.abs(new_image.astype(np.float64) - expected)
    if difference.mean() > IMAGE_TOLERANCE:
        fail(call, f"the image differs from the expected one (by {difference.mean():.3f} on average, at most "
                   f"{difference.max():.3f}, on values from 0 to 1)",
             "resize the image as the notebook says: tf.image.resize(image, size, method='area'), keeping "
             "float32 and the channel order")


def _resize_cases(in_size, size, seed, random_cases):
    """(kind, image, mask, size or None) of each case: smooth pictures, and the checkerboard."""
    ids = np.array([0, 7, 10, 13], np.uint8)  # unlabeled, road, vehicle, sky
    rng = np.random.default_rng(seed)
    picture, mask = _smooth_picture(rng, in_size), ids[rng.integers(0, len(ids), (*in_size, 1))]
    cases = [("picture", picture, mask, wanted) for wanted in ([None, (6, 8)] if size is None else [tuple(size)])]
    if size is None:
        board, small = CHECKERBOARD
        cases.append(("checkerboard", _checkerboard(board), ids[rng.integers(0, len(ids), (*board, 1))], small))
    hidden = runner.random_generator("resize_pair")
    for index in range(random_cases):
        if index == 0:  # one more checkerboard, shrunk 2.5 to 7 times
            small = (int(hidden.integers(4, 25)), int(hidden.integers(4, 25)))
            board = tuple(int(round(side * hidden.uniform(2.5, 7))) for side in small)
            cases.append(("checkerboard", _checkerboard(board), ids[hidden.integers(0, len(ids), (*board, 1))], small))
            continue
        shape = (int(hidden.integers(16, 65)), int(hidden.integers(16, 65)))
        mask = ids[hidden.integers(0, len(ids), (*shape, 1))]
        cases.append(("picture", _smooth_picture(hidden, shape), mask,
                      (int(hidden.integers(8, 65)), int(hidden.integers(8, 65)))))
    return cases


def check_resize_pair(resize_pair, in_size=(150, 200), size=None, seed=2, random_cases=0):
    """Check resize_pair against the reference, eagerly and inside tf.data, for the image and the mask.

    The mask must be exactly the reference's (nearest neighbour: no invented ids). The image
    must be antialiased: the reference's area resize, or another resize within IMAGE_TOLERANCE
    of it on smooth pictures that turns a shrunk 1-pixel checkerboard flat grey.

    Args:
        resize_pair: the student's function(image, mask, size=(96, 128)).
        in_size: (height, width) of the smooth test picture and its random mask.
        size: the size to ask for; None checks the default (96, 128), then (6, 8), then a
            checkerboard shrunk 6.25 times.
        random_cases: further hidden cases (the first a checkerboard, then smooth pictures).
    """
    require_own_code(resize_pair, "resize_pair", allowed=TF_ALLOWED, lesson="with tf.image")
    cases = _resize_cases(in_size, size, seed, random_cases)
    for kind, image, mask, wanted in cases:
        spec = {"image": image, "mask": mask, "size": wanted}
        shown = Name("checkerboard") if kind == "checkerboard" else image
        call = call_text("resize_pair", shown, mask, **({} if wanted is None else {"size": wanted}))
        got = ask(resize_pair, "resize_pair", call, probes.resize, spec)
        want = runner.expected("resize_pair", probes.resize, spec)
        new_image, new_mask = np.asarray(got["image"]), np.asarray(got["mask"])
        if new_image.shape != want["image"].shape or new_mask.shape != want["mask"].shape:
            fail(call, f"returned shapes {new_image.shape} and {new_mask.shape}; expected {want['image'].shape} and "
                       f"{want['mask'].shape}",
                 "the default size is (96, 128): (height, width)" if wanted is None else None)
        if new_mask.dtype != np.uint8:
            fail(call, f"the mask comes back as {new_mask.dtype}; expected uint8 (class ids)",
                 "nearest-neighbour resizing keeps the dtype; bilinear and area turn it into float32")
        invented = sorted(set(np.unique(new_mask).tolist()) - set(np.unique(mask).tolist()))
        if invented:
            fail(call, f"the mask holds ids {invented} that are not in the input mask",
                 "interpolation between ids invents classes: use method='nearest' for the mask")
        if not np.array_equal(new_mask, want["mask"]):
            fail(call, "the mask differs from the expected one", "resize the mask with method='nearest'")
        _image_verdict(call, kind, new_image, np.asarray(want["image"], np.float64))
        graph = got["graph"]
        if "error" in graph:
            fail("tf.data: dataset.map(resize_pair)", f"fails inside tf.data ({graph['error']})",
                 "use TensorFlow operations (tf.image.resize): the pipeline runs the function on symbolic "
                 "tensors, where NumPy cannot work")
        if not (np.array_equal(np.asarray(graph["mask"]), new_mask) and
                np.allclose(np.asarray(graph["image"]), new_image, atol=1e-6)):
            fail("tf.data: dataset.map(resize_pair)", "gives other values inside tf.data than outside")
    passed(f"resize_pair shrinks the image without aliasing and the mask by nearest neighbour in {len(cases)} "
           f"case(s), also inside tf.data")


def _pairs(count):
    return [(f"CameraRGB/{index:04d}.png", f"CameraMask/{index:04d}.png") for index in range(count)]


def check_split_pairs(split_pairs, count=50, validation_fraction=0.2, seed=0, random_cases=0):
    """Check split_pairs: a deterministic, shuffled split of the right size, whatever the input order."""
    require_own_code(split_pairs, "split_pairs", allowed=TF_ALLOWED, lesson="with random or NumPy")
    cases = [(count, validation_fraction, seed), (12, 0.3, 5)]
    rng = runner.random_generator("split_pairs")
    fractions = [0.1, 0.15, 0.25, 0.3, 0.35, 0.5]
    cases += [(int(rng.integers(5, 60)), float(rng.choice(fractions)), int(rng.integers(0, 999)))
              for _ in range(random_cases)]
    for n, fraction, chosen_seed in cases:
        pairs = _pairs(n)
        call = call_text("split_pairs", pairs, validation_fraction=fraction, seed=chosen_seed)

        def split(items, seed_value=chosen_seed):
            got = ask(split_pairs, "split_pairs", call, call_leaving_global_random, items,
                      validation_fraction=fraction, seed=seed_value)
            result = got["value"]
            if got.get("global_random_changed"):
                fail(call, "changed the global random state (Python's random or NumPy's np.random)",
                     "a function given a seed should draw from a generator of its own, made from that seed: "
                     "seeding or shuffling with the global one changes every later random draw of the notebook")
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                fail(call, f"returned {type(result).__name__}; expected (train_pairs, validation_pairs)")
            if got["changed"]:
                fail(call, "changed the list it was given", "work on a copy: sorted(pairs) makes one")
            return [tuple(pair) for pair in result[0]], [tuple(pair) for pair in result[1]]

        train, validation = split(pairs)
        want = runner.expected("split_pairs", plain_call, pairs, validation_fraction=fraction, seed=chosen_seed)
        n_validation = len(want["value"][1])
        if len(validation) != n_validation or len(train) != n - n_validation:
            fail(call, f"gave {len(train)} training and {len(validation)} validation pairs; expected "
                       f"{n - n_validation} and {n_validation}",
                 "validation size = round(len(pairs) * validation_fraction) (Python's round, not int)")
        if set(train) & set(validation) or set(train) | set(validation) != set(pairs):
            fail(call, "the two lists together do not hold every pair exactly once")
        if split(list(pairs)) != (train, validation):
            fail(call, "gave a different split when called again with the same arguments",
                 "use a random generator made from `seed` inside the function (random.Random(seed)), "
                 "not the global one")
        shuffled = list(pairs)
        np.random.default_rng(123).shuffle(shuffled)
        if set(split(shuffled)[1]) != set(validation):
            fail(call, "the validation pairs change when the same pairs come in another order",
                 "sort the pairs first: the order a folder is listed in differs between computers")
        if 1 < n_validation < n - 1:
            # A right split can put the first or the last pairs in validation by chance (2 of the 21
            # ways to pick 2 of 7 pairs do); an unshuffled one does it for every seed.
            ordered = sorted(pairs)
            ends = (set(ordered[:n_validation]), set(ordered[-n_validation:]))
            others = [set(split(list(pairs), chosen_seed + k)[1]) for k in (1, 2, 3)]
            if all(chosen in ends for chosen in (set(validation), *others)):
                fail(call, "the validation pairs are simply the first or last ones",
                     "shuffle (with the seed) before cutting, so that validation is a random sample")
            if all(other == set(validation) for other in others):
                fail(call, "other seeds give the same validation pairs", "the seed must drive the shuffle")
    passed(f"split_pairs splits {len(cases)} lists deterministically, at the right size, whatever their order")


def check_make_dataset(make_dataset, count=10, batch_size=4, seed=0, random_cases=0):
    """Check make_dataset: batches, order, a fresh shuffle every epoch that follows the seed, cache, prefetch."""
    require_own_code(make_dataset, "make_dataset", allowed=TF_ALLOWED, lesson="with tf.data")
    cases = [(count, batch_size, seed)]
    rng = runner.random_generator("make_dataset")
    cases += [(int(rng.integers(6, 31)), int(rng.integers(1, 9)), int(rng.integers(0, 999)))
              for _ in range(random_cases)]
    for n, size, chosen_seed in cases:
        spec = {"count": n, "batch_size": size, "seed": chosen_seed}
        call = call_text("make_dataset", _pairs(n), Name("loader"), batch_size=size, shuffle=True, seed=chosen_seed)
        got = ask(make_dataset, "make_dataset", call, probes.dataset, spec)
        expected_sizes = [size] * (n // size) + ([n % size] if n % size else [])
        if got["batch_sizes"] != expected_sizes:
            fail(call, f"gives batches of sizes {got['batch_sizes']}; expected {expected_sizes}",
                 "batch with dataset.batch(batch_size), after map (and shuffle)")
        if got["order"] != list(range(n)):
            fail(call, f"with shuffle=False the pairs come in the order {got['order']}; expected {list(range(n))}",
                 "only shuffle when shuffle is True")
        shapes = [[list(image), list(mask), dtype] for image, mask, dtype in got["shapes"]]
        if shapes != [[[4, 6, 3], [4, 6, 1], "uint8"]]:
            fail(call, f"batches hold {got['shapes']}; expected images (4, 6, 3) and uint8 masks (4, 6, 1) as the "
                       f"loader gives them", "map the loader over the pairs")
        _check_steps(call, got["steps"], shuffled=False)
        _check_steps(call, got["shuffled_steps"], shuffled=True)
        first, second = got["epochs"]
        if sorted(first) != list(range(n)):
            fail(call, f"with shuffle=True an epoch holds {sorted(first)}; expected every pair exactly once")
        if first == list(range(n)):
            fail(call, "with shuffle=True the pairs still come in their original order")
        if first == second:
            fail(call, "two epochs come in the same order; each epoch should be shuffled anew",
                 "reshuffle_each_iteration=True (the default), and cache before shuffling")
        if got["same_seed"] != first:
            fail(call, "two datasets made with the same seed come in different orders", "pass seed to shuffle(...)")
        if got["other_seed"] == first:
            fail(call, "another seed gives the same order", "pass seed to shuffle(...)")
        firsts = [items[0] for items in got["firsts"] if items]
        if n >= 8 and firsts and max(firsts) < 2:
            fail(call, f"over {len(firsts)} epochs the first pair of an epoch is always one of the first two "
                       f"({firsts})",
                 "shuffle with a buffer as large as the number of pairs: dataset.shuffle(len(pairs), ...)")
        # What the pipeline says of itself above is checked against what it gives: under one global seed,
        # the first shuffled epoch must come in the order the reference pipeline gives for this seed.
        want = runner.expected("make_dataset", probes.dataset, spec)
        if got.get("pinned") != want.get("pinned"):
            fail(call, "with this seed, the shuffled pairs do not come in the order that map, cache, then "
                       "shuffle(len(pairs), seed=seed), batch and prefetch give them",
                 "shuffle the cached pairs once per epoch with the seed and a buffer of len(pairs)")
    passed(f"make_dataset batches, keeps the order without shuffle, reshuffles every epoch with the seed, "
           f"caches and prefetches ({len(cases)} case(s))")


def _check_steps(call, steps, shuffled):
    """Outermost first: prefetch, batch, [shuffle], cache, map, ..."""
    for step, hint in (("cache", "add .cache() after map, so that files are decoded once, not every epoch"),
                       ("prefetch", "end with .prefetch(tf.data.AUTOTUNE), so that loading overlaps training"),
                       ("map", "map the loader over the pairs")):
        if step not in steps:
            fail(call, f"the pipeline has no {step} step (it is: {' <- '.join(steps)})", hint)
    if steps[0] != "prefetch":
        fail(call, f"prefetch should be the last step (the pipeline is {' <- '.join(steps)})")
    if steps.index("cache") > steps.index("map"):
        fail(call, f"cache() comes before map (the pipeline is {' <- '.join(steps)}): the files would be decoded "
                   f"again every epoch", "map the loader first, then cache")
    if shuffled and "shuffle" in steps:
        if steps.index("shuffle") < steps.index("batch"):
            fail(call, "the pipeline shuffles whole batches (shuffle after batch)",
                 "shuffle the pairs, then batch them")
        if steps.index("shuffle") > steps.index("cache"):
            fail(call, "shuffle comes before cache: the cache freezes the first epoch's order",
                 "cache, then shuffle")
