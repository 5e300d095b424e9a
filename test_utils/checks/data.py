"""Checks of the data functions (notebook 1): pairing and decoding files.

The inputs are made on the spot (folders, PNG files, tensors); the expected answers are the
reference solution's for the same inputs. The functions may use TensorFlow but not the
course library.
"""

import string

import numpy as np

from test_utils import runner
from test_utils.calls import Name, call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes import data as probes

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
            fail(call, f"the paths are {', '.join(got['types'])}; expected str",
                 "tf.data needs plain strings: str(path)")
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
    specs += [_mask_spec(hidden, (int(hidden.integers(1, 20)), int(hidden.integers(1, 20))))
              for _ in range(random_cases)]
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
