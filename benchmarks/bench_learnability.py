"""Learnability of the course data: train the reference U-Net and watch validation mean IoU.

    .venv/bin/python benchmarks/bench_learnability.py [--epochs N] [--count N] [--data DIR]
        [--n-filters F] [--batch-size B] [--learning-rate LR]

Trains `unet_model()` from the instructor's solution (course.reference) with the course's
training settings (`course.training.SETTINGS`: Adam, SparseCategoricalCrossentropy on
logits, 96x128 inputs, the split of `split_pairs`; filters, batch size, learning rate and
epochs as set there unless given here) on the default generated set, or on --data. After
every epoch it prints the validation pixel accuracy and mean IoU (course.metrics: over the
classes present in the truth or the prediction), with wall times. For context it first
prints what always answering the most common training class scores. Good data sits in
between: far above that baseline after a few epochs, but not near 1.0 after the first.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import machine_line, print_table
from course.classes import CLASS_NAMES, NUM_CLASSES
from course.metrics import confusion_matrix, iou_from_confusion


def scores(matrix):
    """(pixel accuracy, mean IoU, IoU per class with NaN for absent classes) of a confusion matrix."""
    ious = iou_from_confusion(matrix)
    return np.trace(matrix) / matrix.sum(), float(np.nanmean(ious)), ious


def majority_baseline(train_dataset, validation_masks):
    """(class, accuracy, mean IoU) of predicting the most common training class everywhere."""
    counts = np.zeros(NUM_CLASSES, np.int64)
    for _, masks in train_dataset.as_numpy_iterator():
        counts += np.bincount(masks.ravel(), minlength=NUM_CLASSES)
    majority = int(counts.argmax())
    constant = np.full_like(validation_masks, majority)
    accuracy, mean_iou, _ = scores(confusion_matrix(validation_masks, constant))
    return majority, accuracy, mean_iou


def main(argv=None):
    from course.training import SETTINGS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS.epochs)
    parser.add_argument("--n-filters", type=int, default=SETTINGS.n_filters)
    parser.add_argument("--batch-size", type=int, default=SETTINGS.batch_size)
    parser.add_argument("--learning-rate", type=float, default=SETTINGS.learning_rate)
    parser.add_argument("--count", type=int, default=None, help="generated pairs (default: the default set)")
    parser.add_argument("--data", default=None, help="a CARLA-layout folder instead of the generated set")
    parser.add_argument("--seed", type=int, default=SETTINGS.seed, help="split, shuffle and weight seed")
    args = parser.parse_args(argv)

    from course.data import check_pairs
    from course.reference import reference_function

    pair_files, split_pairs, load_pair = (reference_function(name)
                                          for name in ("pair_files", "split_pairs", "load_pair"))

    def make_dataset(pairs, batch_size, shuffle=True, seed=0):
        return reference_function("make_dataset")(pairs, load_pair, batch_size=batch_size, shuffle=shuffle, seed=seed)
    from course.data_setup import describe, ensure_dataset
    from course.tensorflow_setup import import_tensorflow

    tf = import_tensorflow()
    started = time.perf_counter()
    folder = Path(args.data) if args.data else ensure_dataset(count=args.count)
    print(machine_line())
    print(describe(folder))
    pairs = pair_files(str(folder))
    check_pairs(pairs)
    train, validation = split_pairs(pairs, SETTINGS.validation_fraction, args.seed)
    train_dataset = make_dataset(train, args.batch_size, seed=args.seed)
    validation_dataset = make_dataset(validation, args.batch_size, shuffle=False)
    validation_masks = np.concatenate([m for _, m in validation_dataset.as_numpy_iterator()])[..., 0]
    majority, base_accuracy, base_iou = majority_baseline(train_dataset, validation_masks)
    present = np.unique(validation_masks)
    print(f"{len(train)} training / {len(validation)} validation pairs; "
          f"{len(present)} classes present in validation")
    print(f"Majority-class baseline (always '{CLASS_NAMES[majority]}'): "
          f"accuracy {base_accuracy:.3f}, mean IoU {base_iou:.3f}")
    print(f"Training: unet_model(n_filters={args.n_filters}), Adam(learning_rate={args.learning_rate}), "
          f"batch {args.batch_size}, {args.epochs} epochs, seed {args.seed}")
    print(f"Data ready after {time.perf_counter() - started:.0f} s\n", flush=True)

    from course.reference import reference_function

    tf.keras.utils.set_random_seed(args.seed)
    model = reference_function("unet_model")(n_filters=args.n_filters)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=args.learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    rows, last = [], {}

    class Report(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            train_seconds = time.perf_counter() - self.epoch_started
            logits = self.model.predict(validation_dataset, verbose=0)
            matrix = confusion_matrix(validation_masks, logits.argmax(axis=-1))
            accuracy, mean_iou, last["ious"] = scores(matrix)
            total = time.perf_counter() - fit_started
            rows.append((epoch + 1, f"{logs['loss']:.3f}", f"{logs['accuracy']:.3f}", f"{accuracy:.3f}",
                         f"{mean_iou:.3f}", f"{train_seconds:.0f}", f"{total:.0f}"))
            print(f"epoch {epoch + 1}: train loss {logs['loss']:.3f}, val accuracy {accuracy:.3f}, "
                  f"val mean IoU {mean_iou:.3f}, {train_seconds:.0f} s training, {total:.0f} s in all",
                  flush=True)

    fit_started = time.perf_counter()
    # the tf.data pipeline shuffles; Keras's own shuffle does not apply to datasets
    model.fit(train_dataset, epochs=args.epochs, callbacks=[Report()], verbose=0, shuffle=False)
    print()
    print_table(("epoch", "train loss", "train acc", "val acc", "val mIoU", "epoch s", "total s"), rows)
    print("\nValidation IoU per class after the last epoch:")
    print_table(("class", "IoU", "pixels"),
                [(f"{i} {CLASS_NAMES[i]}", f"{last['ious'][i]:.3f}", int((validation_masks == i).sum()))
                 for i in present])
    print(f"\nWall time: {time.perf_counter() - started:.0f} s in all, "
          f"{time.perf_counter() - fit_started:.0f} s training and evaluating")
    return 0


if __name__ == "__main__":
    sys.exit(main())
