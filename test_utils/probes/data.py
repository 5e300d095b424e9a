"""Probes of the data functions (notebook 1): folders, PNG files and pipelines built on the spot."""

import os
import tempfile
from pathlib import Path

import numpy as np

from test_utils.probes.common import Unexpected, as_array, pair_of, tf

IMAGE_DIR, MASK_DIR = "CameraRGB", "CameraMask"


def _save_png(array, path):
    from PIL import Image

    Image.fromarray(np.asarray(array, np.uint8)).save(path)


def _relative(path, root):
    text = str(path)
    return os.path.relpath(os.path.normpath(text), root).replace(os.sep, "/") if text.startswith(root) else text


def pair_folder(function, spec):
    """pair_files on a folder made from spec: {"names": [...], "lonely": [[folder, name], ...]}."""
    tiny = np.zeros((2, 2, 3), np.uint8)
    with tempfile.TemporaryDirectory() as temporary:
        root = os.path.join(temporary, "data")
        for folder in (IMAGE_DIR, MASK_DIR):
            os.makedirs(os.path.join(root, folder))
            for name in spec["names"]:
                _save_png(tiny, os.path.join(root, folder, name))
        # What a real folder also holds: notes and Jupyter's checkpoints.
        Path(root, IMAGE_DIR, "README.txt").write_text("not an image\n")
        os.makedirs(os.path.join(root, IMAGE_DIR, ".ipynb_checkpoints"))
        result = function(root)
        if not isinstance(result, list):
            answer = {"returned": type(result).__name__}
        else:
            answer = {"pairs": [[_relative(item, root) if isinstance(item, (str, os.PathLike)) else repr(item)
                                 for item in pair] if isinstance(pair, (tuple, list)) else [repr(pair)]
                                for pair in result],
                      "types": sorted({type(item).__name__ for pair in result if isinstance(pair, (tuple, list))
                                       for item in pair}),
                      "pair_types": sorted({type(pair).__name__ for pair in result})}
        answer["lonely"] = []
        for folder, name in spec.get("lonely", []):
            path = os.path.join(root, folder, name)
            _save_png(tiny, path)
            try:
                function(root)
                answer["lonely"].append({"file": f"{folder}/{name}", "raised": None, "message": ""})
            except Exception as error:  # what it raises is the answer
                answer["lonely"].append({"file": f"{folder}/{name}", "raised": type(error).__name__,
                                         "is_value_error": isinstance(error, ValueError),
                                         "message": str(error)[:500]})
            os.unlink(path)
    return answer


def _error_text(error):
    """One line for an error: `Type: message`; for tf.data's "in user code:" report, its last line (the cause)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0] == "in user code:":
        return lines[-1][:200]
    return f"{type(error).__name__}: {lines[0][:200] if lines else ''}"


def _in_tf_data(function, path):
    """{"array", "shape" (as tf.data sees it)} or {"error"} of function inside Dataset.map."""
    try:
        dataset = tf().data.Dataset.from_tensor_slices([str(path)]).map(function)
        shape = dataset.element_spec.shape
        value = next(iter(dataset))
    except Exception as error:  # graph-mode errors come in many types
        return {"error": _error_text(error)}
    rank = shape.rank
    return {"array": as_array(value), "shape": None if rank is None else [d for d in shape.as_list()]}


def decode_files(function, spec):
    """decode_image or decode_mask on PNG files made from spec["files"] {label: uint8 array}."""
    answer = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for index, (label, array) in enumerate(spec["files"].items()):
            paths[label] = os.path.join(folder, f"file{index}.png")
            _save_png(array, paths[label])
        for label, path in paths.items():
            answer[label] = as_array(function(path), f"the result for the {label} file")
        answer["__tf_data__"] = _in_tf_data(function, paths[next(iter(paths))])
    return answer


def decode_paths(function, spec):
    """The function on existing files (spec["paths"]): the arrays."""
    return [as_array(function(path), f"the result for {os.path.basename(path)}") for path in spec["paths"]]


def resize(function, spec):
    """resize_pair on spec's image and mask, eagerly and inside tf.data."""
    kwargs = {} if spec.get("size") is None else {"size": tuple(spec["size"])}
    image, mask = np.asarray(spec["image"], np.float32), np.asarray(spec["mask"], np.uint8)
    result = pair_of(function(tf().constant(image), tf().constant(mask), **kwargs), "(image, mask)")
    answer = {"image": as_array(result[0], "the image"), "mask": as_array(result[1], "the mask")}
    try:
        dataset = tf().data.Dataset.from_tensors((image, mask)).map(lambda i, m: function(i, m, **kwargs))
        graph_image, graph_mask = next(iter(dataset))
        answer["graph"] = {"image": as_array(graph_image), "mask": as_array(graph_mask),
                           "shapes": [spec.shape.as_list() if spec.shape.rank is not None else None
                                      for spec in dataset.element_spec]}
    except Exception as error:
        answer["graph"] = {"error": _error_text(error)}
    return answer


def number_loader():
    """A loader for pairs named by numbers: image and mask filled with that number (no files)."""
    t = tf()

    def loader(image_path, mask_path):
        digits = t.strings.regex_replace(t.strings.split(image_path, "/")[-1], "[^0-9]", "")
        number = t.strings.to_number(digits, t.int32)
        return t.fill([4, 6, 3], t.cast(number, t.float32)), t.fill([4, 6, 1], t.cast(number, t.uint8))

    return loader


def pipeline_steps(dataset):
    """The dataset's transformations, outermost first (e.g. prefetch, batch, shuffle, ...)."""
    steps = []
    while dataset is not None:
        name = type(dataset).__name__.lstrip("_").replace("Dataset", "").lower()
        steps.append("map" if name in ("parallelmap", "map") else name)
        dataset = getattr(dataset, "_input_dataset", None)
    return steps


def _epoch(dataset):
    """(order of the numbers, batch sizes, image shape, mask shape, mask dtype) of one pass."""
    order, sizes, shapes = [], [], set()
    try:
        for element in dataset:
            images, masks = pair_of(element, "(images, masks) batches")
            masks = as_array(masks, "a mask batch")
            images = as_array(images, "an image batch")
            sizes.append(int(masks.shape[0]))
            shapes.add((tuple(images.shape[1:]), tuple(masks.shape[1:]), str(masks.dtype)))
            order += [int(masks[k].flat[0]) for k in range(masks.shape[0])]
    except Unexpected:
        raise
    except Exception as error:
        raise Unexpected(f"its dataset cannot be read as (images, masks) batches ({_error_text(error)})") from None
    return order, sizes, sorted(shapes)


PINNED_SEED = 20231  # the global TensorFlow seed while the order compared with the reference's is read


def _pinned_order(make, seed):
    """The first epoch's order of make(shuffle=True, seed=seed) under a fixed global TensorFlow seed.

    A shuffle's order follows the global seed as well as its own: pinned, the same pipeline gives
    the same order here and in the grader's reference, whatever seed the notebook set before (it is
    put back afterwards).
    """
    t = tf()
    from tensorflow.python.eager import context  # the global seed has no public getter

    previous = context.global_seed()
    t.random.set_seed(PINNED_SEED)
    try:
        return _epoch(make(shuffle=True, seed=seed))[0]
    finally:
        t.random.set_seed(previous)


def dataset(function, spec):
    """make_dataset on numbered pairs with a loader that needs no files."""
    count, batch_size, seed = spec["count"], spec["batch_size"], spec["seed"]
    pairs = [(f"{IMAGE_DIR}/{index:04d}.png", f"{MASK_DIR}/{index:04d}.png") for index in range(count)]
    loader = number_loader()

    def make(**kwargs):
        return function(list(pairs), loader, batch_size=batch_size, **kwargs)

    plain = make(shuffle=False)
    order, sizes, shapes = _epoch(plain)
    shuffled = make(shuffle=True, seed=seed)
    # Ten passes over one dataset: the first two compare epochs, the first pair of each shows the
    # buffer's size (a 2-element buffer always starts with pair 0 or 1). One pipeline is cheaper to
    # read again than a new one is to build (a new one traces the loader anew).
    epochs = [_epoch(shuffled)[0] for _ in range(10)]
    return {"order": order, "batch_sizes": sizes, "shapes": shapes, "steps": pipeline_steps(plain),
            "shuffled_steps": pipeline_steps(shuffled), "epochs": epochs[:2],
            "same_seed": _epoch(make(shuffle=True, seed=seed))[0],
            "other_seed": _epoch(make(shuffle=True, seed=seed + 1))[0],
            "firsts": [epoch[:1] for epoch in epochs], "pinned": _pinned_order(make, seed)}
