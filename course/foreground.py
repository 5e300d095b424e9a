"""One class against the rest (notebook 5): binary masks from a model, their IoU, a picture; and
why the course's mean IoU is accumulated over a whole set of images, not averaged per image.

The binary mask itself is the student's `foreground_mask` (graded); this module runs it over a
dataset, scores it and draws it.
"""

from __future__ import annotations

import numpy as np

from course.metrics import confusion_matrix, iou_from_confusion


def foreground_predictions(model, dataset, mask_function, class_id, thresholds=(0.5,)):
    """Run `model` over a dataset of (images, masks) batches; one binary mask per threshold.

    Args:
        model: a Keras model that outputs logits (batch, height, width, n_classes).
        dataset: batches of (images, class-id masks).
        mask_function: foreground_mask(logits, class_id, threshold) -> bool (batch, height, width).
        class_id: the class against the rest.
        thresholds: the thresholds to apply to the same logits.

    Returns:
        (images, true masks, {threshold: predicted masks}); the masks are bool (n, height, width).
    """
    images, truths, predicted = [], [], {threshold: [] for threshold in thresholds}
    for batch_images, batch_masks in dataset:
        logits = model(batch_images, training=False)
        images.append(np.asarray(batch_images))
        truths.append(np.asarray(batch_masks)[..., 0] == class_id)
        for threshold in thresholds:
            predicted[threshold].append(np.asarray(mask_function(logits, class_id, threshold), dtype=bool))
    return (np.concatenate(images), np.concatenate(truths),
            {threshold: np.concatenate(masks) for threshold, masks in predicted.items()})


def binary_iou(true_mask, predicted_mask):
    """|true ∩ predicted| / |true ∪ predicted| over all pixels of all images; NaN when both are empty."""
    truth, predicted = np.asarray(true_mask, bool), np.asarray(predicted_mask, bool)
    union = np.logical_or(truth, predicted).sum()
    return float(np.logical_and(truth, predicted).sum() / union) if union else float("nan")


def most_foreground(true_masks):
    """The index of the image with the most foreground pixels."""
    return int(np.argmax(np.asarray(true_masks).reshape(len(true_masks), -1).sum(axis=1)))


def show_foreground(image, true_mask, predicted_mask, class_name="vehicle", threshold=None, size=2.6):
    """Image, true mask and predicted mask of one class side by side, the predicted one with its IoU.

    Args:
        image: (height, width, 3) in [0, 1].
        true_mask, predicted_mask: bool (height, width).
        class_name: the class, for the title.
        threshold: the threshold the prediction used, for the title (None: not shown).
        size: height of each panel in inches.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    truth, predicted = np.asarray(true_mask, bool), np.asarray(predicted_mask, bool)
    height, width = truth.shape[:2]
    figure, axes = plt.subplots(1, 3, figsize=(3 * size * width / height, size + 0.5))
    panels = [(np.clip(np.asarray(image, np.float32), 0, 1), "Image"),
              (truth, f"True mask: {class_name}"),
              (predicted, f"Predicted{'' if threshold is None else f' (p ≥ {threshold:g})'}: "
                          f"IoU {binary_iou(truth, predicted):.2f}")]
    for axis, (picture, title) in zip(axes, panels):
        axis.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(title)
        axis.axis("off")
    figure.tight_layout(pad=0.3)
    return figure


# --------------------------------------------------------------------------------------
# The mean IoU of a set: accumulated, not averaged per image
# --------------------------------------------------------------------------------------

def two_image_example():
    """Two tiny images of 1x4 pixels (0 = road, 1 = vehicle): (true masks, predicted masks).

    In the first, a one-pixel vehicle is missed; in the second, a vehicle filling the image is found.
    """
    truth = np.array([[[0, 0, 0, 1]], [[1, 1, 1, 1]]], np.uint8)
    predicted = np.array([[[0, 0, 0, 0]], [[1, 1, 1, 1]]], np.uint8)
    return truth, predicted


def set_and_per_image_iou(y_true, y_pred, n_classes):
    """(mean IoU over the whole set, mean over the images of each image's mean IoU).

    The first is the course's: one confusion matrix summed over every image, then the IoU of
    each class, then their mean. The second averages per-image means, in which a class that
    is small in one image weighs as much as one that fills another.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    whole = float(np.nanmean(iou_from_confusion(confusion_matrix(y_true, y_pred, n_classes))))
    per_image = [float(np.nanmean(iou_from_confusion(confusion_matrix(t, p, n_classes))))
                 for t, p in zip(y_true, y_pred)]
    return whole, float(np.mean(per_image))
