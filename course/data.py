"""Check a segmentation data folder in the CARLA layout before anyone trains on it.

A data folder holds `CameraRGB/<name>.png` (the images) and `CameraMask/<name>.png` (the
masks, with the class id in the red channel, or in a single channel). `list_pairs` lists the
pairs and names every file that does not pair up; `check_pairs` reads each file's header and
names the first one that is broken or of the wrong size; `check_mask_ids` decodes the masks
and names those holding ids that the folder's classes (its classes.json card, or the 23 CARLA
classes) do not list. `python -m course.data_setup --check` runs all three. Reading the data
for training is the students' own work (notebook 1): the course library holds no copy of it.
"""

from __future__ import annotations

import os
from pathlib import Path

IMAGE_DIR = "CameraRGB"
MASK_DIR = "CameraMask"
PNG_SUFFIX = ".png"
DATA_DIR_ENV = "COURSE_DATA_DIR"  # a data set of the user's own, in this layout (see data_setup)
IMAGE_MODES = ("RGB", "RGBA", "L", "LA", "P")  # Pillow modes TensorFlow decodes to RGB correctly
MASK_MODES = ("RGB", "RGBA", "L", "LA")  # a palette ("P") mask would decode to colours, not ids
MAX_LISTED = 5  # file names quoted in one error message


class DatasetError(ValueError):
    """A data folder or file that does not follow the CARLA layout."""


def _name_list(names):
    names = sorted(names)
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" (and {len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")


def _list_folder(folder):
    """Visible files of a folder as {name: path}; hidden entries and sub-folders are skipped."""
    if not folder.is_dir():
        raise DatasetError(
            f"list_pairs: folder {folder} does not exist. A data folder needs {IMAGE_DIR}/ and {MASK_DIR}/ "
            f"side by side, holding PNG files with the same names."
        )
    files = {}
    for entry in os.scandir(folder):
        if entry.name.startswith(".") or entry.is_dir():  # .DS_Store, .ipynb_checkpoints, ...
            continue
        files[entry.name] = os.path.join(folder, entry.name)
    return files


def list_pairs(data_dir):
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
                f"list_pairs: {len(strangers)} file(s) in {folder} are not PNG images: "
                f"{_name_list(strangers)}. Move them out of the folder (only <name>.png files belong there)."
            )
    without_mask = set(images) - set(masks)
    if without_mask:
        raise DatasetError(
            f"list_pairs: {len(without_mask)} image(s) in {root / IMAGE_DIR} have no mask with the same "
            f"name in {root / MASK_DIR}: {_name_list(without_mask)}. Add the masks or remove those images."
        )
    without_image = set(masks) - set(images)
    if without_image:
        raise DatasetError(
            f"list_pairs: {len(without_image)} extra mask(s) in {root / MASK_DIR} have no image with the "
            f"same name in {root / IMAGE_DIR}: {_name_list(without_image)}. Add the images or remove those "
            f"masks."
        )
    if not images:
        raise DatasetError(f"list_pairs: {root / IMAGE_DIR} and {root / MASK_DIR} hold no PNG files.")
    return [(images[name], masks[name]) for name in sorted(images)]


def check_pairs(pairs):
    """Check that every file is a readable PNG and that each mask has its image's size.

    Reads only the PNG headers and checksums (no full decode), so it is quick.

    Args:
        pairs: (image_path, mask_path) pairs, as from `list_pairs`.

    Raises:
        DatasetError (a ValueError) naming the first bad file: unreadable or truncated PNG,
        an unsupported colour mode, or an image and mask of different sizes.
    """
    from PIL import Image

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


def read_mask_ids(path):
    """A mask file's class ids as a (height, width) uint8 array: the maximum over its colour channels
    (the red channel of a CARLA mask, the one channel of a grey mask); alpha is ignored."""
    from PIL import Image

    import numpy as np

    with Image.open(path) as picture:
        mask = np.asarray(picture)
    if mask.ndim == 3:
        mask = mask[..., : 3 if mask.shape[-1] >= 3 else 1].max(axis=-1)
    return mask


def check_mask_ids(pairs, classes):
    """Check that every mask holds only ids that `classes` lists (0 .. len(classes) - 1).

    Decodes every mask (about 1 ms for a 192x256 mask).

    Args:
        pairs: (image_path, mask_path) pairs, as from `list_pairs`.
        classes: a course.classes.Classes (e.g. `load_classes(data_dir)`).

    Raises:
        DatasetError (a ValueError) naming the unknown ids and the masks that hold them.
    """
    import numpy as np

    count = len(classes)
    found = np.zeros(256, dtype=bool)
    offenders = []
    for _, mask_path in pairs:
        present = np.bincount(read_mask_ids(mask_path).ravel(), minlength=256) > 0
        if present[count:].any():
            offenders.append(mask_path)
            found |= present
    if offenders:
        unknown = np.flatnonzero(found[count:]) + count
        listed = ", ".join(str(i) for i in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        names = _name_list(os.path.basename(path) for path in offenders)
        card = classes.source.endswith(".json")
        fix = (f"Add the missing classes to {classes.source} (names in id order)" if card else
               "Put a classes.json that names every class (in id order) in the data folder")
        raise DatasetError(
            f"check_mask_ids: {len(offenders)} mask(s) hold class ids {listed}, outside the {count} classes of "
            f"{classes.source} (ids 0 to {count - 1}): {names}. {fix}, or fix those masks."
        )
