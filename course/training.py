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

FAST_ENV = ("NBGRADER_EXECUTION", "COURSE_FAST")


def _truthy(value):
    return bool(value) and value.strip().lower() not in ("0", "false", "no", "off")


def fast_mode():
    """True while nbgrader grades (NBGRADER_EXECUTION) or when COURSE_FAST is set."""
    return any(_truthy(os.environ.get(name, "")) for name in FAST_ENV)


@dataclass(frozen=True)
class TrainingSettings:
    """What to train and for how long.

    n_train: training pairs used (None = all of the training split).
    n_filters: filters of the U-Net's first level (the default model has 32).
    epochs, batch_size, learning_rate: as in model.fit and Adam.
    validation_fraction, seed: for split_pairs and the shuffle.
    """

    n_train: int | None
    n_filters: int
    epochs: int
    batch_size: int
    learning_rate: float
    validation_fraction: float = 0.2
    seed: int = 0


# A 2-core laptop CPU: see notebook 5 for the measured time and mean IoU.
SETTINGS = TrainingSettings(n_train=None, n_filters=8, epochs=25, batch_size=8, learning_rate=3e-3)

# Fast mode: a few steps on the small generated set; the numbers mean nothing.
FAST_SETTINGS = TrainingSettings(n_train=24, n_filters=4, epochs=2, batch_size=8, learning_rate=2e-3)


def settings(**changes):
    """The settings for this run (fast mode or not), with any field changed by keyword."""
    chosen = FAST_SETTINGS if fast_mode() else SETTINGS
    return replace(chosen, **changes) if changes else chosen


def data_folder():
    """The course's data folder; in fast mode the small generated set (unless COURSE_DATA_DIR is set)."""
    from course import data_setup  # noqa: PLC0415

    if fast_mode() and not os.environ.get(data_setup.DATA_DIR_ENV):
        return data_setup.ensure_dataset(preset_name="fast", progress=False)
    return data_setup.ensure_dataset()


def fit(model, train_dataset, validation_dataset, epochs, verbose=None):
    """model.fit with a progress bar, and the wall time printed at the end.

    The progress bar is Keras's own (one bar per epoch, updated in place). In fast mode,
    where nobody watches, each epoch prints a single line instead.

    Returns:
        The Keras History (its `.history` dict holds loss, accuracy, val_loss, val_accuracy).
    """
    if verbose is None:
        verbose = 2 if fast_mode() else 1
    start = time.perf_counter()
    build_optimizer(model)
    # shuffle=False: the training dataset shuffles itself (Keras would only warn about it).
    history = model.fit(train_dataset, validation_data=validation_dataset, epochs=epochs, verbose=verbose,
                        shuffle=False)
    seconds = time.perf_counter() - start
    print(f"Trained {epochs} epoch(s) in {seconds / 60:.1f} min ({seconds / max(epochs, 1):.0f} s per epoch).")
    return history


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


def plot_history(history, size=(10, 3.6)):
    """Loss and accuracy per epoch, training and validation, side by side.

    Args:
        history: a Keras History, or its `.history` dict.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    values = getattr(history, "history", history)
    figure, axes = plt.subplots(1, 2, figsize=size)
    for axis, metric, label in ((axes[0], "loss", "loss (cross-entropy)"), (axes[1], "accuracy", "pixel accuracy")):
        train = values.get(metric, [])
        validation = values.get(f"val_{metric}", [])
        epochs = range(1, len(train) + 1)
        axis.plot(epochs, train, "o-", label="training")
        if validation:
            axis.plot(range(1, len(validation) + 1), validation, "s--", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.set_title(label.capitalize())
        axis.grid(alpha=0.3)
        axis.legend()
        if len(train) <= 20:
            axis.set_xticks(list(epochs))
    figure.tight_layout()
    return figure


def predict_all(model, dataset, create_mask):
    """Run the model over a dataset of (images, masks) batches.

    Returns:
        (images, true_masks, predicted_masks) as NumPy arrays, predictions made into masks
        with `create_mask` (the notebook's argmax over the class axis).
    """
    import numpy as np  # noqa: PLC0415

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
