"""Checks of the data functions (notebook 1): pairing, decoding, resizing, splitting, the pipeline.

The inputs are made on the spot (folders, PNG files, tensors); the expected answers are the
reference solution's for the same inputs. The functions may use TensorFlow but not the
course library.
"""

import string

import numpy as np

from test_utils import runner
from test_utils.checks.common import Name, ask, call_text, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes import data as probes
from test_utils.probes.common import call as plain_call

TF_ALLOWED = ("tensorflow", "keras")
# Sorted as Python's sorted() sorts strings: capitals first, "scene_10" before "scene_2".
PAIR_NAMES = ("street_b.png", "street_a.png", "Street_C.png", "scene_10.png", "scene_2.png", "01.png")
LONELY = (("CameraRGB", "street_z.png"), ("CameraMask", "street_y.png"))


def _random_names(rng, count):
    letters = string.ascii_letters + "_"
    names = {"".join(rng.choice(list(letters), int(rng.integers(1, 7)))) + str(int(rng.integers(0, 200))) + ".png"
             for _ in range(count)}
    return sorted(names, key=lambda _: rng.random())


def check_pair_files(pair_files, names=PAIR_NAMES, random_cases=0):
    """Check pair_files on a data folder made on the spot: sorting, string paths, lonely files.

    The folder holds CameraRGB/ and CameraMask/ with PNG files of the given names (upper-case
    and multi-digit names included), plus a text file and a .ipynb_checkpoints folder, which
    must be ignored; then an image without mask, and a mask without image, must each raise a
    ValueError that names the file.
    """
    require_own_code(pair_files, "pair_files", allowed=TF_ALLOWED, lesson="with os (or pathlib) yourself")
    rng = runner.random_generator("pair_files")
    all_names = [tuple(names)] + [tuple(_random_names(rng, int(rng.integers(3, 9)))) for _ in range(random_cases)]
    for chosen in all_names:
        spec = {"names": list(chosen), "lonely": [list(item) for item in LONELY]}
        call = call_text("pair_files", Name("data_dir"))
        got = ask(pair_files, "pair_files", call, probes.pair_folder, spec)
        want = runner.expected("pair_files", probes.pair_folder, spec)
        if "returned" in got:
            fail(call, f"returned {got['returned']}; expected a list of (image_path, mask_path) pairs",
                 "return a list, e.g. built with a list comprehension")
        if any(kind not in ("tuple", "list") for kind in got["pair_types"]):
            fail(call, "the items are not (image_path, mask_path) pairs")
        if got["types"] != ["str"]:
            fail(call, f"the paths are {', '.join(got['types'])}; expected str", "tf.data needs plain strings: str(path)")
        if len(got["pairs"]) != len(want["pairs"]):
            fail(call, f"returned {len(got['pairs'])} pairs; expected {len(want['pairs'])} (one per PNG image; "
                       f"other files and folders are ignored)")
        for index, (pair, expected) in enumerate(zip(got["pairs"], want["pairs"])):
            if list(pair) != list(expected):
                fail(call, f"item {index} is {tuple(pair)}; expected {tuple(expected)} (paths inside the data folder)",
                     "sort by file name with sorted(): Python puts capitals first and compares character by "
                     "character ('scene_10' before 'scene_2'); pair each image with the mask of the same name")
        for lonely in got["lonely"]:
            name = lonely["file"].split("/")[-1]
            other = "mask" if lonely["file"].startswith("CameraRGB") else "image"
            if lonely["raised"] is None:
                fail(call, f"with {lonely['file']} added (it has no {other}), expected a ValueError naming "
                           f"{name}; nothing was raised",
                     "compare the two sets of names and raise ValueError for a name in only one")
            if not lonely.get("is_value_error"):
                fail(call, f"with {lonely['file']} added, it raised {lonely['raised']}; expected a ValueError")
            if name not in lonely["message"]:
                fail(call, f"raised ValueError({lonely['message']!r}), which does not name {name}",
                     "say which file has no partner")
    passed(f"pair_files pairs and sorts the files of {len(all_names)} folder(s) and rejects an image or mask "
           f"without partner")


def _tf_data_verdict(call, name, got, expected, channels):
    inside = got["__tf_data__"]
    if "error" in inside:
        fail(f"tf.data.Dataset.from_tensor_slices([path]).map({name})", f"fails inside tf.data ({inside['error']})",
             "use TensorFlow operations only (tf.io.read_file, tf.io.decode_png, ...): tf.data calls the function "
             "on a string tensor, not on a Python string, so Pillow or NumPy cannot open it")
    shape = inside["shape"]
    if shape is None or len(shape) != 3 or shape[-1] != channels:
        fail(f"tf.data.Dataset.from_tensor_slices([path]).map({name})",
             f"inside tf.data the result has shape {shape} (None: unknown); expected (height, width, {channels}) "
             f"so that the next steps (resizing, batching) know it",
             "tf.io.decode_png(..., channels=3) fixes the number of channels; tf.io.decode_image(...) needs "
             "expand_animations=False and channels=3 to give a known shape")
    if not np.allclose(np.asarray(inside["array"], np.float64), np.asarray(expected, np.float64), atol=1e-6):
        fail(call, "gives other values inside tf.data than outside")


def _image_spec(rng, size):
    height, width = size
    return {"files": {"RGB": rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
                      "RGBA (alpha channel dropped)": rng.integers(0, 256, (height, width, 4), dtype=np.uint8)}}


def check_decode_image(decode_image, size=(5, 7), seed=0, random_cases=0):
    """Check decode_image on RGB and RGBA PNG files: float32, (height, width, 3), values in [0, 1]."""
    require_own_code(decode_image, "decode_image", allowed=TF_ALLOWED, lesson="with TensorFlow's tf.io functions")
    hidden = runner.random_generator("decode_image")
    specs = [(size, _image_spec(np.random.default_rng(seed), size))]
    for _ in range(random_cases):
        shape = (int(hidden.integers(1, 20)), int(hidden.integers(1, 20)))
        specs.append((shape, _image_spec(hidden, shape)))
    for shape, spec in specs:
        call = call_text("decode_image", Name("path"))
        got = ask(decode_image, "decode_image", call, probes.decode_files, spec)
        want = runner.expected("decode_image", probes.decode_files, spec)
        for kind in spec["files"]:
            result, expected = np.asarray(got[kind]), np.asarray(want[kind])
            if result.shape != expected.shape:
                hint = ("drop the alpha channel: decode with channels=3" if result.shape[-1:] == (4,)
                        else "decode to 3 channels: tf.io.decode_png(..., channels=3)")
                fail(call, f"{kind} file: shape {result.shape}; expected {expected.shape}", hint)
            if result.dtype != np.float32:
                fail(call, f"{kind} file: dtype {result.dtype}; expected float32",
                     "tf.image.convert_image_dtype(image, tf.float32) converts uint8 0..255 to float 0..1")
            if result.size and result.max() > 1.0 + 1e-6:
                fail(call, f"{kind} file: values up to {result.max():.1f}; expected [0, 1]",
                     "divide by 255, or use tf.image.convert_image_dtype(image, tf.float32)")
            if not np.allclose(result, expected, atol=1e-6):
                fail(call, f"{kind} file: the pixel values differ from the file's (largest difference "
                           f"{np.abs(result - expected).max():.3g})")
        _tf_data_verdict(call, "decode_image", got, want["RGB"], 3)
    passed(f"decode_image reads RGB and RGBA PNGs ({len(specs)} size(s)) as float32 in [0, 1], also inside tf.data")


def _mask_spec(rng, size):
    height, width = size
    ids = rng.integers(0, 23, (height, width), dtype=np.uint8)
    carla = np.zeros((height, width, 3), np.uint8)
    carla[..., 0] = ids  # CARLA: the id in the red channel, green and blue 0
    rgba = np.concatenate([carla, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    return {"files": {"CARLA (id in red)": carla, "single-channel": ids, "RGBA (alpha ignored)": rgba}}


def check_decode_mask(decode_mask, size=(6, 5), seed=1, random_cases=0):
    """Check decode_mask on CARLA (RGB), single-channel and RGBA masks: uint8 ids, shape (height, width, 1)."""
    require_own_code(decode_mask, "decode_mask", allowed=TF_ALLOWED, lesson="with TensorFlow's tf.io functions")
    hidden = runner.random_generator("decode_mask")
    specs = [_mask_spec(np.random.default_rng(seed), size)]
    specs += [_mask_spec(hidden, (int(hidden.integers(1, 20)), int(hidden.integers(1, 20)))) for _ in range(random_cases)]
    for spec in specs:
        call = call_text("decode_mask", Name("path"))
        got = ask(decode_mask, "decode_mask", call, probes.decode_files, spec)
        want = runner.expected("decode_mask", probes.decode_files, spec)
        for kind in spec["files"]:
            result, expected = np.asarray(got[kind]), np.asarray(want[kind])
            if result.shape != expected.shape:
                hint = "keep one channel: the maximum over the colour channels, with keepdims=True"
                if result.shape == expected.shape[:2]:
                    hint = "keep the channel axis: shape (height, width, 1) (keepdims=True)"
                fail(call, f"{kind} mask: shape {result.shape}; expected {expected.shape}", hint)
            if result.dtype != np.uint8:
                fail(call, f"{kind} mask: dtype {result.dtype}; expected uint8",
                     "class ids are small integers: keep the uint8 that decode_png gives (no float conversion)")
            if not np.array_equal(result, expected):
                hint = ("the alpha channel (255) won the maximum: decode with channels=3 to drop it"
                        if kind.startswith("RGBA") and np.all(result == 255) else None)
                fail(call, f"{kind} mask: {int(np.sum(result != expected))} of {expected.size} class ids differ "
                           f"from the file's", hint)
        _tf_data_verdict(call, "decode_mask", got, want["CARLA (id in red)"], 1)
    passed(f"decode_mask reads CARLA, single-channel and RGBA masks ({len(specs)} size(s)) as uint8 class ids")


def check_decoders_on_files(decode_image, decode_mask, pairs):
    """Compare decode_image and decode_mask (either may be None) with the reference on real files."""
    checked = []
    for name, function, paths in (("decode_image", decode_image, [image for image, _ in pairs]),
                                  ("decode_mask", decode_mask, [mask for _, mask in pairs])):
        if function is None:
            continue
        checked.append(name)
        call = call_text(name, Name("path"))
        got = ask(function, name, call, probes.decode_paths, {"paths": list(paths)})
        want = runner.expected(name, probes.decode_paths, {"paths": list(paths)})
        for path, result, expected in zip(paths, got, want):
            result, expected = np.asarray(result), np.asarray(expected)
            if result.shape != expected.shape or result.dtype != expected.dtype or \
                    not np.allclose(result, expected, atol=1e-6):
                fail(call_text(name, str(path)), f"gives {result.shape} {result.dtype}, expected {expected.shape} "
                                                 f"{expected.dtype} with the reference's values")
    passed(f"{' and '.join(checked)} agree{'s' if len(checked) == 1 else ''} with the reference on "
           f"{len(pairs)} real files")


def check_resize_pair(resize_pair, in_size=(12, 16), size=None, seed=2, random_cases=0):
    """Check resize_pair against the reference, eagerly and inside tf.data, for the image and the mask.

    Args:
        resize_pair: the student's function(image, mask, size=(96, 128)).
        in_size: (height, width) of the random test image and mask.
        size: the size to ask for; None checks the default (96, 128) and then (6, 8).
    """
    require_own_code(resize_pair, "resize_pair", allowed=TF_ALLOWED, lesson="with tf.image")
    ids = np.array([0, 7, 10, 13], np.uint8)  # unlabeled, road, vehicle, sky
    cases = []
    rng = np.random.default_rng(seed)
    image, mask = rng.random((*in_size, 3), dtype=np.float32), ids[rng.integers(0, len(ids), (*in_size, 1))]
    cases += [(image, mask, wanted) for wanted in ([None, (6, 8)] if size is None else [tuple(size)])]
    hidden = runner.random_generator("resize_pair")
    for _ in range(random_cases):
        shape = (int(hidden.integers(2, 40)), int(hidden.integers(2, 40)))
        cases.append((hidden.random((*shape, 3), dtype=np.float32), ids[hidden.integers(0, len(ids), (*shape, 1))],
                      (int(hidden.integers(2, 50)), int(hidden.integers(2, 50)))))
    for image, mask, wanted in cases:
        spec = {"image": image, "mask": mask, "size": wanted}
        call = call_text("resize_pair", image, mask, **({} if wanted is None else {"size": wanted}))
        got = ask(resize_pair, "resize_pair", call, probes.resize, spec)
        want = runner.expected("resize_pair", probes.resize, spec)
        new_image, new_mask = np.asarray(got["image"]), np.asarray(got["mask"])
        if new_image.shape != want["image"].shape or new_mask.shape != want["mask"].shape:
            fail(call, f"returned shapes {new_image.shape} and {new_mask.shape}; expected {want['image'].shape} and "
                       f"{want['mask'].shape}", "the default size is (96, 128): (height, width)" if wanted is None else None)
        if new_mask.dtype != np.uint8:
            fail(call, f"the mask comes back as {new_mask.dtype}; expected uint8 (class ids)",
                 "nearest-neighbour resizing keeps the dtype; bilinear turns it into float32")
        invented = sorted(set(np.unique(new_mask).tolist()) - set(np.unique(mask).tolist()))
        if invented:
            fail(call, f"the mask holds ids {invented} that are not in the input mask",
                 "interpolation between ids invents classes: use method='nearest' for the mask")
        if not np.array_equal(new_mask, want["mask"]):
            fail(call, "the mask differs from the expected one", "resize the mask with method='nearest'")
        if new_image.dtype != np.float32 or not np.allclose(new_image, want["image"], atol=1e-5):
            fail(call, "the image differs from the expected one",
                 "resize the image as the notebook says, keeping float32")
        graph = got["graph"]
        if "error" in graph:
            fail("tf.data: dataset.map(resize_pair)", f"fails inside tf.data ({graph['error']})",
                 "use TensorFlow operations (tf.image.resize): the pipeline runs the function on symbolic "
                 "tensors, where NumPy cannot work")
        if not (np.array_equal(np.asarray(graph["mask"]), new_mask) and
                np.allclose(np.asarray(graph["image"]), new_image, atol=1e-6)):
            fail("tf.data: dataset.map(resize_pair)", "gives other values inside tf.data than outside")
    passed(f"resize_pair resizes image and mask as expected in {len(cases)} case(s), also inside tf.data")


def _pairs(count):
    return [(f"CameraRGB/{index:04d}.png", f"CameraMask/{index:04d}.png") for index in range(count)]


def check_split_pairs(split_pairs, count=50, validation_fraction=0.2, seed=0, random_cases=0):
    """Check split_pairs: a deterministic, shuffled split of the right size, whatever the input order."""
    require_own_code(split_pairs, "split_pairs", allowed=TF_ALLOWED, lesson="with random or NumPy")
    cases = [(count, validation_fraction, seed), (12, 0.3, 5)]
    rng = runner.random_generator("split_pairs")
    cases += [(int(rng.integers(5, 60)), float(rng.choice([0.1, 0.15, 0.25, 0.3, 0.35, 0.5])), int(rng.integers(0, 999)))
              for _ in range(random_cases)]
    for n, fraction, chosen_seed in cases:
        pairs = _pairs(n)
        call = call_text("split_pairs", pairs, validation_fraction=fraction, seed=chosen_seed)

        def split(items, seed_value=chosen_seed):
            got = ask(split_pairs, "split_pairs", call, plain_call, items, validation_fraction=fraction, seed=seed_value)
            result = got["value"]
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
                 "use a random generator made from `seed` inside the function (random.Random(seed)), not the global one")
        shuffled = list(pairs)
        np.random.default_rng(123).shuffle(shuffled)
        if set(split(shuffled)[1]) != set(validation):
            fail(call, "the validation pairs change when the same pairs come in another order",
                 "sort the pairs first: the order a folder is listed in differs between computers")
        if 1 < n_validation < n - 1:
            ordered = sorted(pairs)
            if set(validation) in (set(ordered[:n_validation]), set(ordered[-n_validation:])):
                fail(call, "the validation pairs are simply the first or last ones",
                     "shuffle (with the seed) before cutting, so that validation is a random sample")
            others = [set(split(list(pairs), chosen_seed + k)[1]) for k in (1, 2, 3)]
            if all(other == set(validation) for other in others):
                fail(call, "other seeds give the same validation pairs", "the seed must drive the shuffle")
    passed(f"split_pairs splits {len(cases)} lists deterministically, at the right size, whatever their order")


def check_make_dataset(make_dataset, count=10, batch_size=4, seed=0, random_cases=0):
    """Check make_dataset: batches, order, a fresh shuffle every epoch that follows the seed, cache, prefetch."""
    require_own_code(make_dataset, "make_dataset", allowed=TF_ALLOWED, lesson="with tf.data")
    cases = [(count, batch_size, seed)]
    rng = runner.random_generator("make_dataset")
    cases += [(int(rng.integers(6, 31)), int(rng.integers(1, 9)), int(rng.integers(0, 999))) for _ in range(random_cases)]
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
        if [[list(image), list(mask), dtype] for image, mask, dtype in got["shapes"]] != [[[4, 6, 3], [4, 6, 1], "uint8"]]:
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
            fail(call, f"over 8 seeds the first pair of an epoch is always one of the first two ({firsts})",
                 "shuffle with a buffer as large as the number of pairs: dataset.shuffle(len(pairs), ...)")
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
            fail(call, "the pipeline shuffles whole batches (shuffle after batch)", "shuffle the pairs, then batch them")
        if steps.index("shuffle") > steps.index("cache"):
            fail(call, "shuffle comes before cache: the cache freezes the first epoch's order",
                 "cache, then shuffle")
