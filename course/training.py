"""Training helpers for notebook 5: settings that fit a laptop CPU, fitting, history plots.

Two modes:

- the student's run ("run all"): settings chosen so that a 2-core laptop without a GPU
  reaches a useful segmentation in under 10 minutes (`SETTINGS`);
- fast mode, while nbgrader grades (NBGRADER_EXECUTION is set) or when COURSE_FAST is set
  (the course's own tests): a few steps on the small generated set (`FAST_SETTINGS`),
  just enough to show that every cell runs.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

from course.schedule import plot_schedule

from course.runtime import fast_mode


@dataclass(frozen=True)
class TrainingSettings:
    """What to train and for how long.

    n_train: training pairs used (None = all of the training split).
    n_filters: filters of the U-Net's first level (the default model has 32).
    epochs, batch_size: as in model.fit.
    learning_rate: Adam's learning rate; with a schedule, its peak.
    validation_fraction, seed: for split_pairs, the shuffle and the augmentation.
    schedule: "cosine" (linear warm-up, then cosine decay to 0; `course.schedule`) or "constant".
    warmup_epochs: length of the warm-up, in epochs.
    augment: flip each training pair left-right at random (image and mask together).
    class_weighting: None, or "sqrt" / "median": per-pixel loss weights from class frequencies.
    keep_best: restore, at the end of fit, the weights of the epoch with the best validation mean IoU.
    """

    n_train: int | None
    n_filters: int
    epochs: int
    batch_size: int
    learning_rate: float
    validation_fraction: float = 0.2
    seed: int = 0
    schedule: str = "cosine"
    warmup_epochs: float = 1.0
    augment: bool = False
    class_weighting: str | None = None
    keep_best: bool = True


# Sized for 2 cores without a GPU: notebook 5, section 9, gives the time and mean IoU measured on 2 vCPUs.
SETTINGS = TrainingSettings(n_train=None, n_filters=8, epochs=25, batch_size=8, learning_rate=3e-3)

# Fast mode: a few steps on the small generated set; the numbers mean nothing.
FAST_SETTINGS = TrainingSettings(n_train=24, n_filters=4, epochs=2, batch_size=8, learning_rate=2e-3)


def settings(**changes):
    """The settings for this run (fast mode or not), with any field changed by keyword."""
    chosen = FAST_SETTINGS if fast_mode() else SETTINGS
    return replace(chosen, **changes) if changes else chosen


def data_folder():
    """The course's data folder; in fast mode the small generated set (unless COURSE_DATA_DIR is set)."""
    from course import data_setup

    if fast_mode() and not os.environ.get(data_setup.DATA_DIR_ENV):
        return data_setup.ensure_dataset(preset_name="fast", progress=False)
    return data_setup.ensure_dataset()


def fit(model, train_dataset, validation_dataset, epochs, verbose=None, *, keep_best=True, class_weights=None,
        callbacks=()):
    """model.fit with a progress bar, validation mean IoU every epoch, and the wall time at the end.

    After every epoch the validation set is predicted once: val_loss, val_accuracy and
    val_mean_iou (over the whole set, from one confusion matrix) go into the history. With
    keep_best, the weights of the epoch with the best val_mean_iou are restored at the end.
    With class_weights (the per-class weights the training set was weighted with), val_loss
    is weighted alike, so that it compares with the training loss. The progress bar is Keras's
    own; in fast mode, where nobody watches, each epoch prints a single line instead.

    Returns:
        The Keras History (its `.history` dict holds loss, accuracy, val_loss, val_accuracy,
        val_mean_iou).
    """
    if verbose is None:
        verbose = 2 if fast_mode() else 1
    start = time.perf_counter()
    build_optimizer(model)
    keeper = validation_keeper(validation_dataset, restore=keep_best, class_weights=class_weights)
    # shuffle=False: the training dataset shuffles itself (Keras would only warn about it).
    # The keeper validates; Keras gets no validation_data, so the set is predicted once per epoch.
    history = model.fit(train_dataset, epochs=epochs, verbose=verbose, shuffle=False,
                        callbacks=[keeper, *callbacks])
    seconds = time.perf_counter() - start
    print(f"Trained {epochs} epoch(s) in {seconds / 60:.1f} min ({seconds / max(epochs, 1):.0f} s per epoch).")
    if keeper.restored is not None:
        epoch, best, last = keeper.restored
        print(f"Kept the weights of epoch {epoch} (validation mean IoU {best:.3f}; the last epoch had {last:.3f}).")
    return history


def evaluate(model, dataset, class_weights=None):
    """Predict a dataset of (images, masks) once: loss, pixel accuracy, mean IoU and the confusion matrix.

    The mean IoU is over the whole set (one confusion matrix accumulated over all batches),
    classes absent from both truth and prediction left out, as `course.metrics` defines it.
    With class_weights, each pixel's loss is weighted by its class's weight, as in training.
    """
    import numpy as np

    from course.metrics import iou_from_confusion

    step = _evaluation_step(model)
    total_loss, count, matrix, table = 0.0, 0, None, None
    for images, masks in dataset:
        if table is None:
            n_classes = int(model.output_shape[-1])
            table = np.ones(n_classes, np.float32) if class_weights is None else np.asarray(class_weights, np.float32)
        loss, confusion = step(images, masks, table)
        n = int(images.shape[0])
        total_loss += float(loss) * n
        count += n
        matrix = confusion.numpy() if matrix is None else matrix + confusion.numpy()
    ious = iou_from_confusion(matrix)
    return {"loss": total_loss / count, "accuracy": float(np.trace(matrix) / matrix.sum()),
            "mean_iou": float(np.nanmean(ious)), "ious": ious, "confusion": matrix}


def _evaluation_step(model):
    step = getattr(model, "_course_evaluation_step", None)
    if step is not None:
        return step
    import tensorflow as tf

    loss_function = model.loss if callable(getattr(model, "loss", None)) else \
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def step(images, masks, weights):
        logits = model(images, training=False)
        n_classes = tf.shape(logits)[-1]
        truth = tf.reshape(tf.cast(masks, tf.int32), [-1])
        predicted = tf.reshape(tf.argmax(logits, axis=-1, output_type=tf.int32), [-1])
        counts = tf.math.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes,
                                  maxlength=n_classes * n_classes, dtype=tf.int64)
        pixel_weights = tf.gather(weights, tf.cast(masks[..., 0], tf.int32))
        return loss_function(masks, logits, sample_weight=pixel_weights), tf.reshape(counts, [n_classes, n_classes])

    model._course_evaluation_step = step
    return step


def validation_keeper(validation_dataset, restore=True, class_weights=None):
    """A Keras callback: after every epoch, evaluate on the validation set and keep the best weights.

    It writes val_loss, val_accuracy and val_mean_iou into the epoch's logs (so the History and
    the progress bar show them). It tracks val_mean_iou, the measure the course grades a model
    by: the validation loss keeps falling for the large classes while thin classes are still
    being learned, and rises when the model grows over-confident on a few pixels although the
    masks improve. With restore, the weights of the best epoch are put back at the end of fit
    (`.restored` then holds (best epoch, its mean IoU, the last epoch's mean IoU), or None when
    the last epoch was the best).
    """
    import tensorflow as tf

    class ValidationKeeper(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best, self.best_epoch, self.best_weights, self.last, self.restored = -1.0, None, None, None, None
            self.result = None  # the latest evaluate() result

        def on_epoch_end(self, epoch, logs=None):
            result = self.result = evaluate(self.model, validation_dataset, class_weights)
            if logs is not None:
                logs.update({"val_loss": result["loss"], "val_accuracy": result["accuracy"],
                             "val_mean_iou": result["mean_iou"]})
            self.last = result["mean_iou"]
            if self.last > self.best:
                self.best, self.best_epoch = self.last, epoch + 1
                if restore:
                    self.best_weights = [w.copy() for w in self.model.get_weights()]

        def on_train_end(self, logs=None):
            if restore and self.best_weights is not None and self.last < self.best:
                self.model.set_weights(self.best_weights)
                self.restored = (self.best_epoch, self.best, self.last)

    return ValidationKeeper()


def build_optimizer(model):
    """Create the optimizer's slots (Adam's moments) now, outside the traced training step.

    Keras otherwise creates them while it traces the first step, about 27 ms per variable on
    a 2-core CPU (2.5 s for a U-Net's 96 slots); created here they take 0.1 s. Training is
    the same either way. Does nothing for a model that is not compiled or already built.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "built", True) or not hasattr(optimizer, "build"):
        return
    optimizer.build(model.trainable_variables)


def plot_history(history, size=None, schedule=None, steps_per_epoch=None):
    """Loss and accuracy per epoch, training and validation; with a schedule, the learning rate beside.

    Args:
        history: a Keras History, or its `.history` dict.
        schedule: the learning rate given to the optimizer (a schedule or a float), to draw
            per step in a third panel; steps_per_epoch is then needed to put it on the epoch axis.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    values = getattr(history, "history", history)
    panels = 2 if schedule is None else 3
    figure, axes = plt.subplots(1, panels, figsize=size or (5 * panels, 3.6))
    for axis, metric, label in ((axes[0], "loss", "loss (cross-entropy)"), (axes[1], "accuracy", "pixel accuracy")):
        train = values.get(metric, [])
        validation = values.get(f"val_{metric}", [])
        epochs = range(1, len(train) + 1)
        axis.plot(epochs, train, "o-", label="training")
        if validation:
            axis.plot(range(1, len(validation) + 1), validation, "s--", label="validation")
        if metric == "accuracy" and values.get("val_mean_iou"):
            axis.plot(range(1, len(values["val_mean_iou"]) + 1), values["val_mean_iou"], "^:",
                      label="validation mean IoU")
            label = "pixel accuracy, mean IoU"
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.set_title(label.capitalize())
        axis.grid(alpha=0.3)
        axis.legend()
        if len(train) <= 20:
            axis.set_xticks(list(epochs))
    if schedule is not None:
        epochs = len(values.get("loss", [])) or 1
        plot_schedule(schedule, steps_per_epoch, epochs, axis=axes[2])
    figure.tight_layout()
    return figure


def predict_all(model, dataset, create_mask):
    """Run the model over a dataset of (images, masks) batches.

    Returns:
        (images, true_masks, predicted_masks) as NumPy arrays, predictions made into masks
        with `create_mask` (the notebook's argmax over the class axis).
    """
    import numpy as np

    images, truths, predictions = [], [], []
    for batch_images, batch_masks in dataset:
        logits = model(batch_images, training=False)
        images.append(np.asarray(batch_images))
        truths.append(np.asarray(batch_masks))
        predictions.append(np.asarray(create_mask(logits)))
    return np.concatenate(images), np.concatenate(truths), np.concatenate(predictions)


class Stopwatch:
    """`with Stopwatch("Evaluation"):` prints how long the block took."""

    def __init__(self, label):
        self.label = label
        self.seconds = None

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.seconds = time.perf_counter() - self._start
        if exc_type is None:
            print(f"{self.label}: {self.seconds:.1f} s")
        return False
