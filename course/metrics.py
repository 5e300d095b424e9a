"""Counting pixels by class, and the pictures notebook 5 draws from the counts.

The graded metrics (`pixel_accuracy`, `mean_iou`) are the students' own work (notebook 5):
the course library holds no copy of them. What is here serves the figures: the confusion
matrix of a prediction, the IoU of each class read off it, and their plots.

Conventions, used everywhere in the course:

- `y_true` and `y_pred` hold class ids (integers) and have the same shape, e.g. masks of
  shape (batch, height, width, 1) and predictions made the same shape.
- The IoU of a class is |true ∩ predicted| / |true ∪ predicted| over its pixels. A class
  that appears in neither array has no IoU (NaN) and is left out of the mean; a class that
  appears in only one of them has IoU 0 and counts.
"""

from __future__ import annotations

import numpy as np

from course.classes import CLASS_COLORS, CLASS_NAMES, NUM_CLASSES


def _class_ids(y_true, y_pred):
    """Both arrays as flat int64 ids, after checking that their shapes agree."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; "
                         f"they must have the same shape")
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.dtype.kind not in "iub":
            raise ValueError(f"{name} must hold integer class ids, got dtype {array.dtype}")
    return y_true.astype(np.int64).ravel(), y_pred.astype(np.int64).ravel()


def confusion_matrix(y_true, y_pred, n_classes=NUM_CLASSES):
    """Counts of (true class, predicted class) pairs.

    Returns:
        An int64 array of shape (n_classes, n_classes): row = true class, column =
        predicted class. Ids outside 0..n_classes-1 raise ValueError.
    """
    y_true, y_pred = _class_ids(y_true, y_pred)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.size and (array.min() < 0 or array.max() >= n_classes):
            raise ValueError(f"{name} holds ids from {array.min()} to {array.max()}, outside "
                             f"0..{n_classes - 1}")
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def iou_from_confusion(matrix):
    """Per-class IoU from a confusion matrix; NaN for classes absent from truth and prediction."""
    matrix = np.asarray(matrix, dtype=np.float64)
    intersection = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / union, np.nan)


# --------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------

def plot_class_iou(ious, class_names=CLASS_NAMES, colors=CLASS_COLORS, title=None, size=(7, 6)):
    """Horizontal bars of the per-class IoU, in class colours; absent classes are marked.

    Args:
        ious: per-class IoU (NaN for a class that appears nowhere), e.g. from `per_class_iou`.
        class_names, colors: one name and one RGB colour (0..255) per class.
        title: the title; by default it states the mean IoU.
        size: figure size in inches.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    ious = np.asarray(ious, dtype=np.float64)
    figure, axis = plt.subplots(figsize=size)
    rows = np.arange(len(ious))
    values = np.nan_to_num(ious, nan=0.0)
    axis.barh(rows, values, color=np.asarray(colors)[: len(ious)] / 255, edgecolor="0.3")
    for row, value in zip(rows, ious):
        text = "absent" if np.isnan(value) else f"{value:.2f}"
        axis.text((0 if np.isnan(value) else value) + 0.01, row, text, va="center", fontsize="small",
                  color="0.5" if np.isnan(value) else "0.1")
    axis.set_yticks(rows, [f"{i} {name}" for i, name in zip(rows, class_names)])
    axis.invert_yaxis()
    axis.set_xlim(0, 1.12)
    axis.set_xlabel("IoU (intersection over union)")
    mean = np.nanmean(ious) if not np.all(np.isnan(ious)) else float("nan")
    axis.axvline(mean, color="0.2", linestyle="--", linewidth=1)
    axis.set_title(title or f"IoU per class (dashed: mean IoU = {mean:.3f})")
    figure.tight_layout()
    return figure


def plot_confusion_matrix(matrix, class_names=CLASS_NAMES, hide_absent=True, size=(8, 7)):
    """The confusion matrix, each row divided by its total (so a row shows where a class went).

    Args:
        matrix: counts, row = true class, column = predicted class (from `confusion_matrix`).
        class_names: one name per class.
        hide_absent: leave out classes that appear neither in the truth nor in the prediction.
        size: figure size in inches.

    Returns:
        The matplotlib Figure. Cell (i, j) is the share of class i's pixels predicted as j;
        the diagonal is each class's recall.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    matrix = np.asarray(matrix, dtype=np.float64)
    keep = np.arange(len(matrix))
    if hide_absent:
        keep = keep[(matrix.sum(axis=0) + matrix.sum(axis=1)) > 0]
    shown = matrix[np.ix_(keep, keep)]
    totals = shown.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, shown / totals, 0.0)
    figure, axis = plt.subplots(figsize=size)
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    labels = [class_names[i] for i in keep]
    axis.set_xticks(range(len(keep)), labels, rotation=90)
    axis.set_yticks(range(len(keep)), labels)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    if len(keep) <= 16:
        for i in range(len(keep)):
            for j in range(len(keep)):
                if shares[i, j] >= 0.01:
                    axis.text(j, i, f"{shares[i, j]:.2f}", ha="center", va="center", fontsize=7,
                              color="white" if shares[i, j] > 0.5 else "black")
    figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04, label="share of the true class's pixels")
    axis.set_title("Confusion matrix (rows sum to 1)")
    figure.tight_layout()
    return figure
