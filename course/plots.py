"""Pictures of the data and of predictions: coloured masks, overlays, grids, class shares.

Every function returns a matplotlib Figure (it does not call `plt.show()`; notebooks show
the figure on their own). Inputs may be NumPy arrays or TensorFlow tensors; TensorFlow
itself is never imported here.
"""

from __future__ import annotations

import numpy as np

from course.classes import CLASS_COLORS, CLASS_NAMES, NUM_CLASSES


def _as_array(value):
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _as_mask(mask, name="mask"):
    """A mask as an integer (H, W) array of class ids; logits (H, W, classes) are argmaxed."""
    mask = _as_array(mask)
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    elif mask.ndim == 3 and mask.shape[-1] > 1:
        mask = mask.argmax(axis=-1)  # model output: one score per class
    if mask.ndim != 2:
        raise ValueError(f"{name} must have shape (height, width), (height, width, 1) or "
                         f"(height, width, classes); got shape {mask.shape}")
    if mask.dtype.kind == "f":
        if not np.all(mask == np.round(mask)):
            raise ValueError(f"{name} holds non-integer values; expected class ids 0..{NUM_CLASSES - 1}")
        mask = mask.astype(np.int64)
    if mask.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class ids, got dtype {mask.dtype}")
    if mask.size and (mask.min() < 0 or mask.max() >= NUM_CLASSES):
        raise ValueError(f"{name} holds ids from {mask.min()} to {mask.max()}; "
                         f"valid class ids are 0..{NUM_CLASSES - 1}")
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


def colorize_mask(mask):
    """Colour a mask with the class palette.

    Args:
        mask: class ids, shape (H, W) or (H, W, 1); or scores (H, W, classes), argmaxed.

    Returns:
        A uint8 RGB array of shape (H, W, 3).
    """
    return CLASS_COLORS[_as_mask(mask)]


def overlay(image, mask, alpha=0.5):
    """Blend a mask's class colours over its image.

    Args:
        image: (H, W, 3) float in [0, 1] or uint8.
        mask: class ids of the same height and width.
        alpha: weight of the mask colours, from 0 (image only) to 1 (colours only).

    Returns:
        A float32 RGB array (H, W, 3) in [0, 1].
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"overlay: alpha must be in [0, 1], got {alpha!r}")
    image, colours = _as_image(image), colorize_mask(mask).astype(np.float32) / 255
    if image.shape[:2] != colours.shape[:2]:
        raise ValueError(f"overlay: image is {image.shape[:2]} but mask is {colours.shape[:2]} "
                         f"(height, width); they must match")
    return (1 - alpha) * image + alpha * colours


def _legend(figure, class_ids, columns=None):
    from matplotlib.patches import Patch  # noqa: PLC0415

    handles = [Patch(facecolor=CLASS_COLORS[i] / 255, edgecolor="0.3", label=f"{i} {CLASS_NAMES[i]}")
               for i in class_ids]
    if handles:
        figure.legend(handles=handles, loc="lower center", ncol=columns or min(len(handles), 6),
                      fontsize="small", frameon=False)


def show_prediction(image, true_mask=None, pred_mask=None, title=None, size=3.0):
    """Image, true mask (if given) and predicted mask (if given) side by side, with a legend.

    Args:
        image: (H, W, 3) float in [0, 1] or uint8.
        true_mask: class ids (H, W) or (H, W, 1); None for a prediction without a known truth.
        pred_mask: class ids, or the model's scores (H, W, classes), which are argmaxed.
        title: optional title above the panels.
        size: height of each panel in inches.

    Returns:
        The matplotlib Figure. The legend lists the classes present in either mask.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    panels = [("Image", _as_image(image))]
    present = set()
    if true_mask is not None:
        panels.append(("True mask", colorize_mask(true_mask)))
        present |= set(np.unique(_as_mask(true_mask, "true_mask")).tolist())
    if pred_mask is not None:
        predicted = _as_mask(pred_mask, "pred_mask")
        panels.append(("Predicted mask", CLASS_COLORS[predicted]))
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
    _legend(figure, sorted(present))
    figure.tight_layout(rect=(0, legend_inches / figure_height, 1, 1 - title_inches / figure_height), pad=0.3)
    return figure


def read_for_display(image_path, mask_path):
    """Read a pair of PNG files with Pillow, as arrays: for pictures only (the notebooks' own
    functions do the real loading, in TensorFlow)."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(image_path) as picture:
        image = np.asarray(picture.convert("RGB"))
    with Image.open(mask_path) as picture:
        mask = np.asarray(picture)
    if mask.ndim == 3:
        mask = mask[..., : 3 if mask.shape[-1] >= 3 else 1].max(axis=-1)  # id = max over colour channels
    return image, mask


def folder_samples(data_dir, count):
    """The first `count` (image_path, mask_path) of a data folder, for pictures only."""
    import os  # noqa: PLC0415

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


def sample_grid(samples, count=8, columns=4, overlay_alpha=None, size=2.0):
    """A grid of samples: each image with its coloured mask beside it (or overlaid).

    Args:
        samples: (image, mask) pairs as arrays, (image_path, mask_path) file pairs, a data
            folder (CameraRGB/, CameraMask/), or a tf.data.Dataset of (image, mask) (batched or not).
        count: how many samples to show.
        columns: samples per row.
        overlay_alpha: None to show image and mask side by side; a number in [0, 1] to
            show one overlay per sample instead.
        size: height of each picture in inches.

    Returns:
        The matplotlib Figure, with a legend of the classes present.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

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
        ids = _as_mask(mask)
        present |= set(np.unique(ids).tolist())
        row, col = divmod(k, columns)
        if overlay_alpha is None:
            axes[row, 2 * col].imshow(_as_image(image))
            axes[row, 2 * col + 1].imshow(CLASS_COLORS[ids], interpolation="nearest")
        else:
            axes[row, col].imshow(overlay(image, ids, overlay_alpha), interpolation="nearest")
    legend_columns = max(2, int(figure.get_figwidth() / 1.3))  # about 1.3 inches per entry
    _legend(figure, sorted(present), columns=legend_columns)
    legend_inches = 0.2 * -(-len(present) // legend_columns) + 0.1
    figure.set_figheight(size * rows + legend_inches + 0.1)
    figure.tight_layout(rect=(0, legend_inches / figure.get_figheight(), 1, 1), pad=0.2, w_pad=0.2, h_pad=0.2)
    return figure


def class_share_bar(counts, title="Share of pixels per class", log=True, size=(7, 5)):
    """A horizontal bar chart of the share of pixels of each class, in the class colours.

    Args:
        counts: pixel count per class id (a 1-D sequence of 23 numbers), or a dict {class
            name or id: count}, or masks (an integer array of 2 or more dimensions) to count.
        title: the chart's title.
        log: use a logarithmic axis (small classes stay visible).
        size: figure size in inches.

    Returns:
        The matplotlib Figure. Classes with no pixels are left out.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    shares = class_shares(counts)
    present = [i for i in np.argsort(-shares) if shares[i] > 0]
    figure, axis = plt.subplots(figsize=size)
    y = np.arange(len(present))
    axis.barh(y, [100 * shares[i] for i in present], color=[CLASS_COLORS[i] / 255 for i in present],
              edgecolor="0.3", linewidth=0.5)
    axis.set_yticks(y, [f"{CLASS_NAMES[i]} ({i})" for i in present])
    axis.invert_yaxis()
    if log:
        axis.set_xscale("log")
    for k, i in enumerate(present):
        axis.text(100 * shares[i] * 1.08, k, f"{100 * shares[i]:.2g}%", va="center", fontsize="small")
    axis.set_xlabel("share of all pixels (%)")
    axis.set_title(title)
    axis.set_xlim(right=axis.get_xlim()[1] * 3 if log else 100 * shares.max() * 1.2)
    figure.tight_layout()
    return figure


def class_shares(counts):
    """Share of pixels per class id (an array of 23 numbers that sums to 1); see class_share_bar."""
    if isinstance(counts, dict):
        totals = np.zeros(NUM_CLASSES)
        for key, value in counts.items():
            index = CLASS_NAMES.index(key) if isinstance(key, str) else int(key)
            totals[index] += value
    else:
        values = _as_array(counts)
        if values.ndim == 1:  # one count per class id
            if values.shape[0] != NUM_CLASSES:
                raise ValueError(f"class counts must have one number per class ({NUM_CLASSES}), "
                                 f"got {values.shape[0]}")
            totals = values.astype(np.float64)
        elif values.dtype.kind in "iu":  # masks: count their pixels
            totals = np.bincount(values.ravel(), minlength=NUM_CLASSES).astype(np.float64)
        else:
            raise ValueError(f"class counts must be 23 numbers, a dict or integer masks; "
                             f"got dtype {values.dtype}, shape {values.shape}")
    if totals.shape[0] != NUM_CLASSES or totals.sum() <= 0:
        raise ValueError(f"class counts must cover {NUM_CLASSES} classes with a positive total")
    return totals / totals.sum()
