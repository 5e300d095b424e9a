"""Pictures of the data and of predictions: coloured masks, overlays, grids, class shares.

Every function returns a matplotlib Figure (it does not call `plt.show()`; notebooks show
the figure on their own). Inputs may be NumPy arrays or TensorFlow tensors; TensorFlow
itself is never imported here.

Names and colours come from `classes`: a course.classes.Classes, a data folder (its
classes.json card), or None for the course's data folder (the 23 CARLA classes unless
$COURSE_DATA_DIR holds a card). A grid drawn from a data folder follows that folder's card.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course.class_charts import class_legend, class_share_bar, class_shares  # noqa: F401 (part of this API)
from course.classes import as_classes, load_classes
from course.data import read_mask_ids


def _as_array(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _as_mask(mask, name="mask", classes=None):
    """A mask as an integer (H, W) array of class ids; logits (H, W, classes) are argmaxed."""
    mask = _as_array(mask)
    count = len(as_classes(classes))
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    elif mask.ndim == 3 and mask.shape[-1] > 1:
        mask = mask.argmax(axis=-1)  # model output: one score per class
    if mask.ndim != 2:
        raise ValueError(f"{name} must have shape (height, width), (height, width, 1) or "
                         f"(height, width, classes); got shape {mask.shape}")
    if mask.dtype.kind == "f":
        if not np.all(mask == np.round(mask)):
            raise ValueError(f"{name} holds non-integer values; expected class ids 0..{count - 1}")
        mask = mask.astype(np.int64)
    if mask.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class ids, got dtype {mask.dtype}")
    if mask.size and (mask.min() < 0 or mask.max() >= count):
        raise ValueError(f"{name} holds ids from {mask.min()} to {mask.max()}; valid class ids are 0..{count - 1} "
                         f"({as_classes(classes).source}): give the classes of the data (classes=...)")
    return mask


def _as_image(image):
    """An image as float RGB in [0, 1]; uint8 images are scaled, an alpha channel dropped."""
    image = _as_array(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(f"image must have shape (height, width, 3), got shape {image.shape}")
    image = image[..., :3]
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255
    return np.clip(image.astype(np.float32), 0, 1)


def colorize_mask(mask, classes=None):
    """Colour a mask with the class palette.

    Args:
        mask: class ids, shape (H, W) or (H, W, 1); or scores (H, W, classes), argmaxed.
        classes: whose colours (see the module's docstring).

    Returns:
        A uint8 RGB array of shape (H, W, 3).
    """
    classes = as_classes(classes)
    return classes.colors[_as_mask(mask, classes=classes)]


def overlay(image, mask, alpha=0.5, classes=None):
    """Blend a mask's class colours over its image.

    Args:
        image: (H, W, 3) float in [0, 1] or uint8.
        mask: class ids of the same height and width.
        alpha: weight of the mask colours, from 0 (image only) to 1 (colours only).
        classes: whose colours (see the module's docstring).

    Returns:
        A float32 RGB array (H, W, 3) in [0, 1].
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"overlay: alpha must be in [0, 1], got {alpha!r}")
    image, colours = _as_image(image), colorize_mask(mask, classes).astype(np.float32) / 255
    if image.shape[:2] != colours.shape[:2]:
        raise ValueError(f"overlay: image is {image.shape[:2]} but mask is {colours.shape[:2]} "
                         f"(height, width); they must match")
    return (1 - alpha) * image + alpha * colours


def show_prediction(image, true_mask=None, pred_mask=None, title=None, size=3.0, classes=None):
    """Image, true mask (if given) and predicted mask (if given) side by side, with a legend.

    Args:
        image: (H, W, 3) float in [0, 1] or uint8.
        true_mask: class ids (H, W) or (H, W, 1); None for a prediction without a known truth.
        pred_mask: class ids, or the model's scores (H, W, classes), which are argmaxed.
        title: optional title above the panels.
        size: height of each panel in inches.
        classes: names and colours (see the module's docstring).

    Returns:
        The matplotlib Figure. The legend lists the classes present in either mask.
    """
    import matplotlib.pyplot as plt

    classes = as_classes(classes)
    panels = [("Image", _as_image(image))]
    present = set()
    if true_mask is not None:
        truth = _as_mask(true_mask, "true_mask", classes)
        panels.append(("True mask", classes.colors[truth]))
        present |= set(np.unique(truth).tolist())
    if pred_mask is not None:
        predicted = _as_mask(pred_mask, "pred_mask", classes)
        panels.append(("Predicted mask", classes.colors[predicted]))
        present |= set(np.unique(predicted).tolist())
    height, width = panels[0][1].shape[:2]
    legend_inches = 0.22 * -(-len(present) // 6) + 0.15
    title_inches = 0.4 if title else 0.0
    figure_height = size + 0.35 + legend_inches + title_inches
    figure, axes = plt.subplots(1, len(panels), figsize=(size * width / height * len(panels), figure_height),
                                squeeze=False)
    for axis, (label, picture) in zip(axes[0], panels):
        axis.imshow(picture, interpolation="nearest")
        axis.set_title(label)
        axis.axis("off")
    if title:
        figure.suptitle(title)
    class_legend(figure, classes, sorted(present))
    figure.tight_layout(rect=(0, legend_inches / figure_height, 1, 1 - title_inches / figure_height), pad=0.3)
    return figure


def read_for_display(image_path, mask_path):
    """Read a pair of PNG files with Pillow, as arrays: for pictures only (the notebooks' own
    functions do the real loading, in TensorFlow)."""
    from PIL import Image

    with Image.open(image_path) as picture:
        image = np.asarray(picture.convert("RGB"))
    return image, read_mask_ids(mask_path)  # id = max over colour channels


def folder_samples(data_dir, count):
    """The first `count` (image_path, mask_path) of a data folder, for pictures only."""
    import os

    images = sorted(name for name in os.listdir(os.path.join(data_dir, "CameraRGB")) if name.endswith(".png"))
    pairs = [(os.path.join(data_dir, "CameraRGB", name), os.path.join(data_dir, "CameraMask", name))
             for name in images]
    return [pair for pair in pairs if os.path.exists(pair[1])][:count]


def _samples(source, count):
    """Up to `count` (image, mask) pairs from arrays, file pairs, a data folder or a tf.data dataset."""
    samples = []
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        source = folder_samples(source, count)
    if hasattr(source, "as_numpy_iterator"):  # a tf.data.Dataset, batched or not
        for image, mask in source.as_numpy_iterator():
            batch = (image, mask) if image.ndim == 4 else (image[None], mask[None])
            samples.extend(zip(*batch))
            if len(samples) >= count:
                break
        return samples[:count]
    for pair in source:
        if len(samples) >= count:
            break
        first, second = pair
        if isinstance(first, (str, bytes)) or hasattr(first, "__fspath__"):
            samples.append(read_for_display(first, second))
        else:
            samples.append((first, second))
    return samples


def sample_grid(samples, count=8, columns=4, overlay_alpha=None, size=2.0, classes=None):
    """A grid of samples: each image with its coloured mask beside it (or overlaid).

    Args:
        samples: (image, mask) pairs as arrays, (image_path, mask_path) file pairs, a data
            folder (CameraRGB/, CameraMask/), or a tf.data.Dataset of (image, mask) (batched or not).
        count: how many samples to show.
        columns: samples per row.
        overlay_alpha: None to show image and mask side by side; a number in [0, 1] to
            show one overlay per sample instead.
        size: height of each picture in inches.
        classes: names and colours (see the module's docstring); None with a data folder
            gives that folder's classes.

    Returns:
        The matplotlib Figure, with a legend of the classes present.
    """
    import matplotlib.pyplot as plt

    if classes is None and (isinstance(samples, str) or hasattr(samples, "__fspath__")):
        classes = load_classes(samples)
    classes = as_classes(classes)
    pairs = _samples(samples, count)
    if not pairs:
        raise ValueError("sample_grid: no samples to show (samples is empty)")
    columns = max(1, min(columns, len(pairs)))
    rows = -(-len(pairs) // columns)
    per_sample = 1 if overlay_alpha is not None else 2
    height, width = _as_image(pairs[0][0]).shape[:2]
    present = set()
    figure, axes = plt.subplots(rows, columns * per_sample, squeeze=False,
                                figsize=(size * width / height * columns * per_sample, size * rows + 0.9))
    for axis in axes.ravel():
        axis.axis("off")
    for k, (image, mask) in enumerate(pairs):
        ids = _as_mask(mask, classes=classes)
        present |= set(np.unique(ids).tolist())
        row, col = divmod(k, columns)
        if overlay_alpha is None:
            axes[row, 2 * col].imshow(_as_image(image))
            axes[row, 2 * col + 1].imshow(classes.colors[ids], interpolation="nearest")
        else:
            axes[row, col].imshow(overlay(image, ids, overlay_alpha, classes), interpolation="nearest")
    legend_columns = max(2, int(figure.get_figwidth() / 1.3))  # about 1.3 inches per entry
    class_legend(figure, classes, sorted(present), columns=legend_columns)
    legend_inches = 0.2 * -(-len(present) // legend_columns) + 0.1
    figure.set_figheight(size * rows + legend_inches + 0.1)
    figure.tight_layout(rect=(0, legend_inches / figure.get_figheight(), 1, 1), pad=0.2, w_pad=0.2, h_pad=0.2)
    return figure


MEASURED_DIR = Path(__file__).resolve().parents[1] / "data" / "measured"


def show_measured(name, dpi=80):
    """A figure the course's benchmarks drew (data/measured/NAME.png), at its own size.

    Each picture names the command that draws it in the notebook cell above its call.
    """
    import matplotlib.pyplot as plt

    path = MEASURED_DIR / f"{name}.png"
    if not path.is_file():
        known = sorted(p.stem for p in MEASURED_DIR.glob("*.png"))
        raise FileNotFoundError(f"show_measured: no picture {name!r} in {MEASURED_DIR} "
                                f"(there are: {', '.join(known) or 'none'}); the benchmarks draw them, "
                                "see benchmarks/README.md")
    picture = plt.imread(path)
    height, width = picture.shape[:2]
    figure = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    axis = figure.add_axes((0, 0, 1, 1))
    axis.imshow(picture)
    axis.axis("off")
    return figure
