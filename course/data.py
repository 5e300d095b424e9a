"""Load a segmentation set in the CARLA layout: pair the files, decode, resize, split, batch.

A data folder holds `CameraRGB/<name>.png` (the images) and `CameraMask/<name>.png` (the
masks, with the class id in the red channel, or in a single channel). The steps, each a
small function that the notebooks also ask students to write:

    pairs = pair_files(data_dir)              # [(image_path, mask_path), ...] by file name
    check_pairs(pairs)                        # every file readable, sizes match
    train, val = split_pairs(pairs, 0.2)      # deterministic, whatever the listing order
    train_ds = make_dataset(train)            # tf.data: decode, resize, cache, shuffle, batch

`load_datasets()` does all of it for the course's data folder. TensorFlow is imported only
inside the functions that use it, so importing this module is cheap.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

IMAGE_DIR = "CameraRGB"
MASK_DIR = "CameraMask"
IMAGE_SIZE = (96, 128)  # (height, width) the U-Net is trained on
PNG_SUFFIX = ".png"
IMAGE_MODES = ("RGB", "RGBA", "L", "LA", "P")  # Pillow modes TensorFlow decodes to RGB correctly
MASK_MODES = ("RGB", "RGBA", "L", "LA")  # a palette ("P") mask would decode to colours, not ids
MAX_LISTED = 5  # file names quoted in one error message


class DatasetError(ValueError):
    """A data folder or file that does not follow the CARLA layout."""


def _tf():
    from course.tensorflow_setup import import_tensorflow  # noqa: PLC0415

    return import_tensorflow()


def _name_list(names):
    names = sorted(names)
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" (and {len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")


def _list_folder(folder):
    """Visible files of a folder as {name: path}; hidden entries and sub-folders are skipped."""
    if not folder.is_dir():
        raise DatasetError(
            f"pair_files: folder {folder} does not exist. A data folder needs {IMAGE_DIR}/ and {MASK_DIR}/ "
            f"side by side, holding PNG files with the same names."
        )
    files = {}
    for entry in os.scandir(folder):
        if entry.name.startswith(".") or entry.is_dir():  # .DS_Store, .ipynb_checkpoints, ...
            continue
        files[entry.name] = os.path.join(folder, entry.name)
    return files


def pair_files(data_dir):
    """Pair every image with the mask of the same file name.

    Args:
        data_dir: folder holding `CameraRGB/` and `CameraMask/`.

    Returns:
        A list of (image_path, mask_path) string pairs, sorted by file name.

    Raises:
        DatasetError (a ValueError), naming the files, when a folder is missing or empty,
        a file is not a PNG, an image has no mask, or a mask has no image. Hidden files
        (names starting with '.') and sub-folders are ignored.
    """
    root = Path(data_dir)
    images = _list_folder(root / IMAGE_DIR)
    masks = _list_folder(root / MASK_DIR)
    for folder, files in ((root / IMAGE_DIR, images), (root / MASK_DIR, masks)):
        strangers = [name for name in files if not name.lower().endswith(PNG_SUFFIX)]
        if strangers:
            raise DatasetError(
                f"pair_files: {len(strangers)} file(s) in {folder} are not PNG images: "
                f"{_name_list(strangers)}. Move them out of the folder (only <name>.png files belong there)."
            )
    without_mask = set(images) - set(masks)
    if without_mask:
        raise DatasetError(
            f"pair_files: {len(without_mask)} image(s) in {root / IMAGE_DIR} have no mask with the same "
            f"name in {root / MASK_DIR}: {_name_list(without_mask)}. Add the masks or remove those images."
        )
    without_image = set(masks) - set(images)
    if without_image:
        raise DatasetError(
            f"pair_files: {len(without_image)} extra mask(s) in {root / MASK_DIR} have no image with the "
            f"same name in {root / IMAGE_DIR}: {_name_list(without_image)}. Add the images or remove those "
            f"masks."
        )
    if not images:
        raise DatasetError(f"pair_files: {root / IMAGE_DIR} and {root / MASK_DIR} hold no PNG files.")
    return [(images[name], masks[name]) for name in sorted(images)]


def check_pairs(pairs):
    """Check that every file is a readable PNG and that each mask has its image's size.

    Reads only the PNG headers and checksums (no full decode), so it is quick.

    Args:
        pairs: (image_path, mask_path) pairs, as from `pair_files`.

    Raises:
        DatasetError (a ValueError) naming the first bad file: unreadable or truncated PNG,
        an unsupported colour mode, or an image and mask of different sizes.
    """
    from PIL import Image  # noqa: PLC0415

    def read_header(path, modes, role):
        try:
            with Image.open(path) as picture:
                size, mode, kind = picture.size, picture.mode, picture.format
                picture.verify()  # walks every chunk and checks its CRC: catches truncation
        except Exception as error:  # Pillow raises several types for broken files
            raise DatasetError(
                f"check_pairs: cannot read {role} {path}: {error}. Replace the file with a valid PNG or "
                f"remove the pair."
            ) from error
        if kind != "PNG":
            raise DatasetError(f"check_pairs: {role} {path} is a {kind} file named .png; "
                               f"save it as a real PNG.")
        if mode not in modes:
            hint = " (a palette PNG stores colours, not class ids)" if mode == "P" else ""
            raise DatasetError(
                f"check_pairs: {role} {path} has colour mode {mode!r}{hint}; "
                f"expected one of {', '.join(modes)}."
            )
        return size

    for image_path, mask_path in pairs:
        image_size = read_header(image_path, IMAGE_MODES, "image")
        mask_size = read_header(mask_path, MASK_MODES, "mask")
        if image_size != mask_size:
            raise DatasetError(
                f"check_pairs: image {image_path} is {image_size[0]}x{image_size[1]} (width x height) but "
                f"its mask {mask_path} is {mask_size[0]}x{mask_size[1]}; a mask must have its image's size."
            )


def decode_image(path):
    """Read a PNG image as float32 RGB in [0, 1].

    Args:
        path: file path (str, Path or a scalar string tensor; works inside tf.data).

    Returns:
        A float32 tensor of shape (height, width, 3). Grey images are repeated over the
        three channels; an alpha channel is dropped.
    """
    tf = _tf()
    path = os.fspath(path) if isinstance(path, os.PathLike) else path
    image = tf.io.decode_png(tf.io.read_file(path), channels=3)
    return tf.image.convert_image_dtype(image, tf.float32)  # uint8 0..255 -> float 0..1


def decode_mask(path):
    """Read a PNG mask as one uint8 channel of class ids.

    The class id is the maximum over the colour channels, so a CARLA mask (id in red,
    green and blue 0) and a single-channel mask give the same result. An alpha channel
    is ignored.

    Args:
        path: file path (str, Path or a scalar string tensor; works inside tf.data).

    Returns:
        A uint8 tensor of shape (height, width, 1).
    """
    tf = _tf()
    path = os.fspath(path) if isinstance(path, os.PathLike) else path
    mask = tf.io.decode_png(tf.io.read_file(path), channels=0)  # keep the file's channels
    channels = tf.shape(mask)[-1]
    colour = mask[..., : tf.where(channels >= 3, 3, 1)]  # drop alpha of LA and RGBA masks
    return tf.reduce_max(colour, axis=-1, keepdims=True)


def resize_pair(image, mask, size=IMAGE_SIZE):
    """Resize an image and its mask to `size` with nearest-neighbour interpolation.

    Nearest neighbour never invents values: mask pixels stay valid class ids, and the
    image keeps exactly the pixels whose labels the mask keeps.

    Args:
        image: tensor (height, width, 3).
        mask: tensor (height, width, 1) of the same height and width.
        size: (height, width) to resize to; default (96, 128).

    Returns:
        (image, mask) of shapes size + (3,) and size + (1,), dtypes unchanged.
    """
    tf = _tf()
    tf.debugging.assert_equal(
        tf.shape(image)[:2], tf.shape(mask)[:2], message="resize_pair: image and mask differ in size"
    )
    image = tf.image.resize(image, size, method="nearest")
    mask = tf.image.resize(mask, size, method="nearest")
    return image, mask


def load_pair(image_path, mask_path, size=IMAGE_SIZE):
    """Decode one image and its mask and resize both to `size` (see the functions above)."""
    return resize_pair(decode_image(image_path), decode_mask(mask_path), size)


def split_pairs(pairs, validation_fraction=0.2, seed=0):
    """Split pairs into training and validation pairs, the same way every time.

    The pairs are sorted first, so the split does not depend on the order in which the
    folder was listed; then a permutation drawn with `seed` picks the validation pairs.

    Args:
        pairs: (image_path, mask_path) pairs.
        validation_fraction: share of pairs for validation, in [0, 1); the validation set
            gets round(len(pairs) * validation_fraction) pairs.
        seed: seed of the permutation.

    Returns:
        (train_pairs, validation_pairs): two lists, each sorted by path.
    """
    if not 0 <= validation_fraction < 1:
        raise ValueError(f"split_pairs: validation_fraction must be in [0, 1), got {validation_fraction!r}")
    pairs = sorted(tuple(pair) for pair in pairs)
    n_validation = int(round(len(pairs) * validation_fraction))
    order = np.random.default_rng(seed).permutation(len(pairs))
    chosen = set(order[:n_validation].tolist())
    train = [pair for i, pair in enumerate(pairs) if i not in chosen]
    validation = [pair for i, pair in enumerate(pairs) if i in chosen]
    return train, validation


def make_dataset(pairs, batch_size=32, shuffle=True, shuffle_buffer=1000, seed=0, size=IMAGE_SIZE,
                 cache=True):
    """A tf.data pipeline of (image, mask) batches: decode, resize, cache, shuffle, batch, prefetch.

    Args:
        pairs: (image_path, mask_path) pairs.
        batch_size: pairs per batch.
        shuffle: shuffle the pairs, in a new order every epoch (seeded, so repeatable).
        shuffle_buffer: size of the shuffle buffer (capped at the number of pairs).
        seed: seed of the shuffle.
        size: (height, width) of the images and masks.
        cache: True to cache decoded pairs in memory after the first epoch, a file path to
            cache on disk, False for no cache.

    Returns:
        A tf.data.Dataset of (images, masks): float32 (batch, height, width, 3) in [0, 1]
        and uint8 (batch, height, width, 1).
    """
    tf = _tf()
    pairs = list(pairs)
    if not pairs:
        raise ValueError("make_dataset: pairs is empty; pass at least one (image_path, mask_path) pair")
    if batch_size < 1:
        raise ValueError(f"make_dataset: batch_size must be at least 1, got {batch_size!r}")
    image_paths = [str(image) for image, _ in pairs]
    mask_paths = [str(mask) for _, mask in pairs]
    height, width = size
    dataset = tf.data.Dataset.from_tensor_slices((image_paths, mask_paths))
    dataset = dataset.map(
        lambda image, mask: load_pair(image, mask, (height, width)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    if cache:
        dataset = dataset.cache() if cache is True else dataset.cache(os.fspath(cache))
    if shuffle:
        buffer = max(1, min(int(shuffle_buffer), len(pairs)))
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_datasets(data_dir=None, validation_fraction=0.2, batch_size=32, seed=0, size=IMAGE_SIZE):
    """Training and validation pipelines for a data folder (default: the course's data).

    Args:
        data_dir: folder with CameraRGB/ and CameraMask/; None = `course.data_setup.ensure_dataset()`
            (the folder in COURSE_DATA_DIR, or the generated set, generated if missing).
        validation_fraction, seed: passed to `split_pairs` (and `seed` to the shuffle).
        batch_size, size: passed to `make_dataset`.

    Returns:
        (train_dataset, validation_dataset); only the training one is shuffled.
    """
    if data_dir is None:
        from course.data_setup import ensure_dataset  # noqa: PLC0415

        data_dir = ensure_dataset()
    pairs = pair_files(data_dir)
    check_pairs(pairs)
    train, validation = split_pairs(pairs, validation_fraction, seed)
    train_dataset = make_dataset(train, batch_size, shuffle=True, seed=seed, size=size)
    validation_dataset = make_dataset(validation, batch_size, shuffle=False, size=size)
    return train_dataset, validation_dataset


def load_arrays(pairs, size=IMAGE_SIZE):
    """All pairs decoded and resized, as NumPy arrays (for plots and metrics).

    Returns:
        (images, masks): float32 (n, height, width, 3) and uint8 (n, height, width, 1).
    """
    dataset = make_dataset(pairs, batch_size=64, shuffle=False, size=size, cache=False)
    images, masks = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(images), np.concatenate(masks)
