"""Checks of the extension on the original U-Net (notebooks 6 and 7 of unet_original).

crop_and_concat and original_unet are Keras functions: their layers are compared with the
reference's, row by row, and what they compute is compared with seeded weights and inputs
(as `check_layers` does for the core U-Net). border_weights is a NumPy function: its weight
maps are compared with the reference's on masks of touching objects; the hints come from
the reference's own maps with the border term left out (w0=0) or with the default sigma.
"""

import numpy as np

from test_utils import runner
from test_utils.checks.blocks import compare_with_reference, spec_text, table_spec, with_equivalences
from test_utils.calls import call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import CheckFailure, fail, passed
from test_utils.probes import blocks as probes
from test_utils.probes.common import call as plain_call

ORIGINAL_NOTE = ("original_unet is built with crop_and_concat: your own from notebook 6 while you work "
                 "(make its test pass first), the reference one while grading.")
NO_CROP_HINT = ("the two tensors do not have the same height and width: with unpadded convolutions the skip "
                "connection is larger than the upsampled tensor, so crop it at its centre first "
                "(layers.Cropping2D), then concatenate")


def _layers(function, name, spec, note=None):
    """Compare the layers `function` builds for `spec` with the reference's, and what they compute.

    As check_layers (blocks.py), with two mistakes of this extension named first: tensors of
    different sizes concatenated (no crop), and the cropped skip concatenated first.
    """
    call = spec_text(name, spec)
    try:
        received = ask(function, name, call, probes.layers, spec)
    except CheckFailure as failure:
        if "matching shapes" in failure.message and "Hint:" not in failure.message:
            raise CheckFailure(f"{failure.message}\nHint: {NO_CROP_HINT}") from None
        raise
    reference = runner.expected(name, probes.layers, spec)
    for row in received["rows"]:
        if row[0] == "Concatenate" and len(row) > 4 and len(row[4]) == 2 and row[4][0] == "Cropping2D":
            fail(call, f"the concatenation joins ({', '.join(row[4])}): the cropped skip connection comes first",
                 "the upsampled tensor comes first, then the cropped skip connection: "
                 "the order decides which of the next convolution's weights see which channels: the "
                 "reference puts what comes up from below first")
    return compare_with_reference(call, received, reference, note)


def _seeded(spec, seed):
    spec.setdefault("seed", seed)
    return spec


def check_crop_and_concat(crop_and_concat, skip_shape=None, upsampled_shape=None, random_cases=0):
    """Check crop_and_concat's layers and what it computes, against the reference.

    Without shapes, the two public cases run: the paper's first decoder step (skip 64x64x512,
    upsampled 56x56x512) and a crop by an odd number of rows and columns. With
    (skip_shape, upsampled_shape), one more case.
    """
    specs = [] if (skip_shape or random_cases) else [table_spec("crop_and_concat"), table_spec("crop_and_concat_odd")]
    if skip_shape:
        specs.append(_seeded({"inputs": [tuple(skip_shape), tuple(upsampled_shape)], "kwargs": {}}, 2024))
    rng = runner.random_generator("crop_and_concat")
    for _ in range(random_cases):
        height, width = int(rng.integers(2, 12)), int(rng.integers(2, 12))
        skip = (height + int(rng.integers(1, 10)), width + int(rng.integers(1, 10)), int(rng.integers(1, 9)))
        specs.append({"inputs": [skip, (height, width, int(rng.integers(1, 9)))], "kwargs": {},
                      "seed": int(rng.integers(1, 2**31))})
    for spec in specs:
        received = _layers(crop_and_concat, "crop_and_concat", spec)
        crops = [row[3] for row in received["rows"] if row[0] == "Cropping2D"]
        shown = f"crops {tuple(tuple(side) for side in crops[0])}, " if crops else ""
        passed(f"{spec_text('crop_and_concat', spec)}: {shown}concatenates, and computes what the reference computes")


def valid_size(size):
    """Can the original U-Net take this height or width? (16·b + 124 for a bottleneck of b >= 4 pixels)"""
    return size >= 188 and (size - 124) % 16 == 0


def check_original_unet(original_unet, random_cases=0, **kwargs):
    """Check original_unet's layers, against the reference's, and what it computes.

    Without arguments: the paper's network (572x572x1 -> 388x388x2, the reference table
    "original_unet"), whose computation is not run (31 million weights on a 572x572 input
    take long on a CPU), then a small network ("original_unet_small") whose computation is.
    With keyword arguments (input_size, n_classes, n_filters): that network. Heights and
    widths are 16·b + 124 (188, 204, 220, ...), the sizes the network can take.
    """
    specs = []
    if not (kwargs or random_cases):
        specs = [dict(table_spec("original_unet"), seed=None), table_spec("original_unet_small")]
    if kwargs:
        kwargs = {key: tuple(value) if isinstance(value, list) else value for key, value in kwargs.items()}
        if "input_size" in kwargs and not all(valid_size(size) for size in kwargs["input_size"][:2]):
            raise ValueError(f"check_original_unet: input_size={kwargs['input_size']}: heights and widths must be "
                             f"16·b + 124 with b >= 4 (188, 204, 220, ...)")
        specs.append(_seeded({"inputs": [], "kwargs": kwargs}, 2024))
    rng = runner.random_generator("original_unet")
    for _ in range(random_cases):
        size = (16 * int(rng.integers(4, 7)) + 124, 16 * int(rng.integers(4, 7)) + 124, int(rng.integers(1, 4)))
        specs.append({"inputs": [], "kwargs": {"input_size": size, "n_classes": int(rng.integers(2, 7)),
                                               "n_filters": int(rng.integers(1, 5))},
                      "seed": int(rng.integers(1, 2**31))})
    for spec in specs:
        received = _layers(original_unet, "original_unet", spec, note=ORIGINAL_NOTE)
        rows = received["rows"]
        convolutions = sum(row[0] in ("Conv2D", "Conv2DTranspose") for row in rows)
        sizes = f"{'x'.join(map(str, rows[0][1][1:]))} -> {'x'.join(map(str, received['output'][1:]))}"
        computed = ", and computes what the reference computes" if spec.get("seed") is not None else ""
        passed(with_equivalences(f"{spec_text('original_unet', spec)}: {sizes}, {convolutions} convolutional "
                                 f"layers, {received['params']:,} parameters: all {len(rows)} layers match the "
                                 f"reference{computed}", received))


# --- border_weights -------------------------------------------------------------------------

def _rectangles(shape, boxes, dtype=np.uint8):
    mask = np.zeros(shape, dtype)
    for top, bottom, left, right, class_id in boxes:
        mask[top:bottom, left:right] = class_id
    return mask


OBJECTS_HINT = ("objects are the connected regions of each foreground class on its own (4-connected: up, down, "
                "left, right): two touching regions of different classes are two objects")
ONE_OBJECT_HINT = ("with fewer than two objects there is no second-nearest object: d2 is infinite and the border "
                   "term is 0 everywhere, so w = w_c")


def public_masks():
    """(label, mask, keyword arguments, hint) of the public cases: masks of touching objects."""
    return [
        ("two cells of one class, one pixel apart", _rectangles((18, 26), [(3, 15, 2, 12, 1), (3, 15, 13, 24, 1)]),
         {}, None),
        ("a vehicle (10) touching a pedestrian (4)",
         _rectangles((16, 24), [(4, 12, 3, 14, 10), (2, 14, 14, 17, 4), (13, 16, 20, 24, 10)]),
         {"w0": 8, "sigma": 3}, OBJECTS_HINT),
        ("three objects: the second-nearest one matters",
         _rectangles((20, 30), [(2, 8, 2, 10, 1), (2, 8, 12, 20, 1), (11, 18, 4, 26, 2)], np.int64),
         {"sigma": 2.0}, None),
        ("two squares touching at a corner only", _rectangles((14, 14), [(2, 7, 2, 7, 1), (7, 12, 7, 12, 1)]),
         {"w0": 5, "sigma": 1.5}, OBJECTS_HINT),
        ("one object only", _rectangles((12, 16), [(3, 9, 4, 12, 3)]), {"sigma": 4}, ONE_OBJECT_HINT),
        ("background only", np.zeros((8, 10), np.uint8), {}, ONE_OBJECT_HINT),
    ]


def random_masks(count):
    """`count` random masks of rectangles of up to three classes, some touching, some a pixel or two apart."""
    rng = runner.random_generator("border_weights")
    cases = []
    for _ in range(count):
        height, width = int(rng.integers(12, 29)), int(rng.integers(12, 29))
        boxes = []
        for _ in range(int(rng.integers(1, 4))):
            top, left = int(rng.integers(0, height - 3)), int(rng.integers(0, width - 3))
            bottom, right = top + int(rng.integers(2, 8)), left + int(rng.integers(2, 8))
            class_id = int(rng.integers(1, 4))
            boxes.append((top, bottom, left, right, class_id))
            if rng.random() < 0.7:  # a neighbour of the same class, 1 or 2 pixels to the right or below
                gap = int(rng.integers(1, 3))
                if rng.random() < 0.5:
                    boxes.append((top, bottom, right + gap, right + gap + int(rng.integers(2, 7)), class_id))
                else:
                    boxes.append((bottom + gap, bottom + gap + int(rng.integers(2, 7)), left, right, class_id))
        kwargs = {"w0": round(float(rng.uniform(1, 20)), 1), "sigma": round(float(rng.uniform(1, 8)), 2)}
        cases.append(("random rectangles", _rectangles((height, width), boxes), kwargs, None))
    return cases


def _expected(mask, **kwargs):
    return np.asarray(runner.expected("border_weights", plain_call, mask, **kwargs)["value"], np.float64)


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-5)


def _hint(mask, result, want, balance, at_sigma_5, w0, sigma, case_hint):
    """The likely mistake, from the reference's map, its class part w_c and its map at sigma=5."""
    border = want - balance  # the reference's border term, w0·exp(-(d1 + d2)² / (2σ²)) on the background
    if not np.allclose(border, 0) and _close(result, balance):
        if case_hint:  # the first case (no case hint) has two objects: a map without border term fails there
            return f"your weights are w_c alone, as with fewer than two objects, but there are more here: {case_hint}"
        return "your weights are w_c alone: the border term w0·exp(-(d1 + d2)² / (2·sigma²)) is missing"
    if at_sigma_5 is not None and _close(result, at_sigma_5):
        return f"your weights are those for sigma=5, not sigma={sigma}: use the sigma argument"
    if w0 not in (0, 10) and _close(result - balance, border * 10 / w0):
        return f"your border term is that of w0=10, not w0={w0}: use the w0 argument"
    if np.allclose(border, 0):
        return ONE_OBJECT_HINT
    residual = result - want
    if all(np.ptp(residual[mask == value]) < 1e-5 for value in np.unique(mask)):
        return ("the border term is right, the class-balancing part w_c differs: w_c(x) = N / (K·n_c) with N the "
                "number of pixels, K the number of classes in the mask (background included) and n_c the number "
                "of pixels of x's class")
    background, term = mask == 0, result - balance
    if np.allclose(result[background], want[background]) and not np.allclose(term[~background], 0):
        return ("on the background your weights are right, but you add the border term on the objects too: "
                "add it on the background pixels only (mask == 0); on an object w = w_c")
    ring = background & _next_to_an_object(mask)  # background pixels at distance 1 from an object: d1 = 1
    if ring.any() and np.ptp(term[ring]) < 1e-6 < term[ring].min() and np.ptp(border[ring]) > 1e-6:
        nearest = ("next to every object your border term is the same, whatever the other objects: only the "
                   "distance d1 to the nearest object was used; add d2, the distance to the second-nearest object")
        return nearest + (f" (or: {case_hint})" if case_hint else "")
    return case_hint


def _next_to_an_object(mask):
    """Pixels with a 4-neighbour that belongs to an object (a nonzero class)."""
    objects = np.pad(mask != 0, 1)
    return objects[:-2, 1:-1] | objects[2:, 1:-1] | objects[1:-1, :-2] | objects[1:-1, 2:]


def check_border_weights(border_weights, random_cases=0):
    """Compare border_weights(mask, w0, sigma) with the reference on masks of touching objects.

    The function may use NumPy and scipy.ndimage (label, distance_transform_edt), nothing else.
    """
    require_own_code(border_weights, "border_weights", allowed=("scipy",), lesson="with NumPy and scipy.ndimage")
    cases = public_masks() + random_masks(random_cases)
    for label, mask, kwargs, case_hint in cases:
        call = call_text("border_weights", mask, **kwargs)
        got = ask(border_weights, "border_weights", call, plain_call, mask, **kwargs)
        w0, sigma = kwargs.get("w0", 10), kwargs.get("sigma", 5)
        want = _expected(mask, **kwargs)
        balance = _expected(mask, w0=0, sigma=sigma)
        at_sigma_5 = _expected(mask, w0=w0, sigma=5) if sigma != 5 else None
        if got["changed"]:
            fail(call, "changed its input mask", "compute into new arrays and leave the mask as it was")
        try:
            result = np.asarray(got["value"], np.float64)
        except (TypeError, ValueError):
            fail(call, f"returned {type(got['value']).__name__}; expected an array of weights, one per pixel")
        if result.shape != want.shape:
            fail(call, f"{label}: returned shape {result.shape}; expected {want.shape} (one weight per pixel)")
        if not np.all(np.isfinite(result)):
            fail(call, f"{label}: the weights hold {'NaN' if np.isnan(result).any() else 'infinity'}",
                 "with fewer than two objects d2 is infinite: exp(-inf) is 0, but inf - inf and 0·inf are NaN")
        if _close(result, want):
            continue
        error = np.abs(result - want)
        where = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
        fail(call, f"{label}: the weights differ from the reference's by up to {error.max():.4g}, at pixel {where} "
                   f"(class {int(mask[where])}): yours {result[where]:.4f}, expected {want[where]:.4f}, of which "
                   f"w_c {balance[where]:.4f}",
             _hint(mask, result, want, balance, at_sigma_5, w0, sigma, case_hint))
    passed(f"border_weights matches the reference on {len(cases)} masks of touching objects "
           f"(w0 and sigma varied, one object and no object included)")
