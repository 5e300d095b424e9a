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
- A data set's card (classes.json, see course.classes) may name an `ignore_id`: pixels whose
  *true* id is that id are left out of the counts, and that class has no IoU (NaN). A pixel
  of another class predicted as the ignored id still counts as an error.
- `n_classes`, names and colours default to the course's classes (`course_classes()`: the
  23 CARLA classes unless the data folder's card says otherwise).
"""

from __future__ import annotations

import numpy as np

from course.classes import as_classes


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


def confusion_matrix(y_true, y_pred, n_classes=None, ignore_id=None):
    """Counts of (true class, predicted class) pairs.

    Args:
        y_true, y_pred: class ids, the same shape.
        n_classes: number of classes; None = the course's classes.
        ignore_id: pixels whose true id is this are not counted (None: every pixel counts).

    Returns:
        An int64 array of shape (n_classes, n_classes): row = true class, column =
        predicted class. Ids outside 0..n_classes-1 raise ValueError.
    """
    n_classes = len(as_classes()) if n_classes is None else int(n_classes)
    if ignore_id is not None and not 0 <= ignore_id < n_classes:
        raise ValueError(f"ignore_id {ignore_id} is not a class id (0..{n_classes - 1})")
    y_true, y_pred = _class_ids(y_true, y_pred)
    if ignore_id is not None:
        kept = y_true != ignore_id
        y_true, y_pred = y_true[kept], y_pred[kept]
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.size and (array.min() < 0 or array.max() >= n_classes):
            raise ValueError(f"{name} holds ids from {array.min()} to {array.max()}, outside "
                             f"0..{n_classes - 1}: pass the data's number of classes (n_classes=...)")
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def iou_from_confusion(matrix, ignore_id=None):
    """Per-class IoU from a confusion matrix; NaN for classes absent from truth and prediction,
    and for `ignore_id` (whose row, if counted, is dropped first)."""
    matrix = np.array(matrix, dtype=np.float64)
    if ignore_id is not None:
        matrix[ignore_id, :] = 0
    intersection = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        ious = np.where(union > 0, intersection / union, np.nan)
    if ignore_id is not None:
        ious[ignore_id] = np.nan
    return ious


def _check_length(values, class_names, name):
    if len(values) != len(class_names):
        raise ValueError(f"{name} covers {len(values)} classes but there are {len(class_names)} class names; "
                         f"pass the data's classes (classes=load_classes(data_dir))")


# --------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------

def plot_class_iou(ious, class_names=None, colors=None, title=None, size=(7, 6), classes=None):
    """Horizontal bars of the per-class IoU, in class colours; absent and ignored classes are marked.

    Args:
        ious: per-class IoU (NaN for a class that appears nowhere), e.g. from `iou_from_confusion`.
        class_names, colors: one name and one RGB colour (0..255) per class; None = from `classes`.
        title: the title; by default it states the mean IoU.
        size: figure size in inches.
        classes: a course.classes.Classes or a data folder; None = the course's classes.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    classes = as_classes(classes)
    class_names = classes.names if class_names is None else class_names
    colors = classes.colors if colors is None else colors
    ious = np.asarray(ious, dtype=np.float64)
    _check_length(ious, class_names, "ious")
    figure, axis = plt.subplots(figsize=size)
    rows = np.arange(len(ious))
    values = np.nan_to_num(ious, nan=0.0)
    axis.barh(rows, values, color=np.asarray(colors)[: len(ious)] / 255, edgecolor="0.3")
    for row, value in zip(rows, ious):
        text = ("ignored" if row == classes.ignore_id and len(ious) == len(classes) else
                "absent" if np.isnan(value) else f"{value:.2f}")
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


def plot_confusion_matrix(matrix, class_names=None, hide_absent=True, size=(8, 7), classes=None):
    """The confusion matrix, each row divided by its total (so a row shows where a class went).

    Args:
        matrix: counts, row = true class, column = predicted class (from `confusion_matrix`).
        class_names: one name per class; None = from `classes`.
        hide_absent: leave out classes that appear neither in the truth nor in the prediction.
        size: figure size in inches.
        classes: a course.classes.Classes or a data folder; None = the course's classes.

    Returns:
        The matplotlib Figure. Cell (i, j) is the share of class i's pixels predicted as j;
        the diagonal is each class's recall.
    """
    import matplotlib.pyplot as plt

    class_names = as_classes(classes).names if class_names is None else class_names
    matrix = np.asarray(matrix, dtype=np.float64)
    _check_length(matrix, class_names, "matrix")
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
