"""Time to quality: the course's training defaults against the original recipe of this exercise.

    .venv/bin/python benchmarks/bench_time_to_quality.py [--original-epochs 5] [--course-epochs N]

Both recipes train on the same 800 generated training pairs (the default scene set, split by
`split_pairs`) on this machine, one after the other, each in a fresh process:

- original: `unet_model()` (32 filters), Adam with its defaults, batch 32,
  `cache().shuffle(500).batch(32)` on a plainly mapped pipeline, no validation, 5 epochs;
- course: what notebook 5 runs (`course.training.SETTINGS`: a narrower U-Net, its batch size,
  learning rate and epochs, the notebook-1 pipeline, Keras validation every epoch).

After every epoch the script predicts the 200 validation pairs and computes the mean IoU
(`course.metrics`, over the classes present in the truth or the prediction) with the clock
paused, so the wall times are those of the recipes alone (the course's own validation pass is
part of its recipe and is counted). One run of each; the first epoch includes decoding the PNGs.

Prints both curves and the two targets of issue 6, draws the curves into
benchmarks/results/time-to-quality.png and writes benchmarks/results/time-to-quality.json.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, machine_line, print_table, run_worker  # noqa: E402

BUDGET_SECONDS = 600  # the training notebook's "run all" budget on a 2-core laptop


def worker(options):
    """Train one recipe in this process; print one JSON line per epoch, then a final one."""
    import numpy as np

    import course.tensorflow_setup  # noqa: F401
    import tensorflow as tf
    from course.data import make_dataset as library_dataset
    from course.data import pair_files
    from course.data_setup import ensure_dataset
    from course.metrics import confusion_matrix, iou_from_confusion
    from course.reference import reference_function
    from course.training import SETTINGS

    load_pair = reference_function("load_pair")
    unet_model = reference_function("unet_model")
    split_pairs = reference_function("split_pairs")
    train_pairs, validation_pairs = split_pairs(pair_files(ensure_dataset(progress=False)),
                                                validation_fraction=SETTINGS.validation_fraction,
                                                seed=SETTINGS.seed)
    evaluation = library_dataset(validation_pairs, batch_size=32, shuffle=False)
    truth = np.concatenate([masks for _, masks in evaluation.as_numpy_iterator()])[..., 0]
    tf.keras.utils.set_random_seed(SETTINGS.seed)

    if options["recipe"] == "original":
        paths = tf.data.Dataset.from_tensor_slices(([i for i, _ in train_pairs], [m for _, m in train_pairs]))
        train = paths.map(load_pair).cache().shuffle(500).batch(32)
        model = unet_model()
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        fit_options = {}
        described = "unet_model() (32 filters), Adam defaults, batch 32, cache().shuffle(500).batch(32)"
    else:
        make_dataset = reference_function("make_dataset")
        compile_model = reference_function("compile_model")
        run = SETTINGS
        train = make_dataset(train_pairs, load_pair, batch_size=run.batch_size, shuffle=True, seed=run.seed)
        fit_options = {"validation_data": make_dataset(validation_pairs, load_pair, batch_size=32)}
        model = compile_model(unet_model(n_filters=run.n_filters), learning_rate=run.learning_rate)
        described = (f"unet_model(n_filters={run.n_filters}), Adam(learning_rate={run.learning_rate}), "
                     f"batch {run.batch_size}, notebook-1 pipeline, validation every epoch")

    class Measure(tf.keras.callbacks.Callback):
        """Evaluate after each epoch with the clock paused."""

        paused = 0.0

        def on_epoch_end(self, epoch, logs=None):
            paused_at = time.perf_counter()
            logits = self.model.predict(evaluation.map(lambda images, masks: images), verbose=0)
            ious = iou_from_confusion(confusion_matrix(truth, logits.argmax(axis=-1)))
            print(json.dumps({"epoch": epoch + 1, "seconds": paused_at - started - self.paused,
                              "mean_iou": float(np.nanmean(ious)), "loss": float(logs["loss"])}),
                  flush=True)
            self.paused += time.perf_counter() - paused_at

    started = time.perf_counter()
    model.fit(train, epochs=options["epochs"], verbose=0, shuffle=False, callbacks=[Measure()], **fit_options)
    print(json.dumps({"described": described, "train_pairs": len(train_pairs),
                      "validation_pairs": len(validation_pairs)}))


def run_recipe(recipe, epochs):
    lines = run_worker(Path(__file__), ["--worker", json.dumps({"recipe": recipe, "epochs": epochs})],
                       timeout=4 * 3600).splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    return [r for r in records if "epoch" in r], records[-1]


def first_reaching(curve, quality):
    return next((point for point in curve if point["mean_iou"] >= quality), None)


def plot(curves, original_quality, original_seconds, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.2))
    for name, curve in curves.items():
        axes.plot([p["seconds"] / 60 for p in curve], [p["mean_iou"] for p in curve], marker="o",
                  markersize=3, label=name)
    axes.axhline(original_quality, color="grey", linestyle="--", linewidth=1,
                 label=f"original after its epochs ({original_quality:.3f})")
    axes.axvline(original_seconds / 120, color="grey", linestyle=":", linewidth=1,
                 label="half the original's wall time")
    axes.axvline(BUDGET_SECONDS / 60, color="firebrick", linestyle=":", linewidth=1, label="10-minute budget")
    axes.set_xlabel("wall time of training (minutes)")
    axes.set_ylabel("validation mean IoU")
    axes.set_title("Time to quality on this machine")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv=None):
    from course.training import SETTINGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original-epochs", type=int, default=5)
    parser.add_argument("--course-epochs", type=int, default=SETTINGS.epochs)
    parser.add_argument("--report-only", action="store_true",
                        help="print and plot the last saved run (benchmarks/results/time-to-quality.json)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return 0

    if args.report_only:
        saved = json.loads((RESULTS / "time-to-quality.json").read_text())
        print(saved["machine"])
        curves, described = saved["curves"], saved["recipes"]
        info = saved.get("data", {"train_pairs": "?", "validation_pairs": "?"})
    else:
        print(machine_line(), flush=True)
        curves, described = {}, {}
        for recipe, epochs in (("original", args.original_epochs), ("course", args.course_epochs)):
            curves[recipe], info = run_recipe(recipe, epochs)
            described[recipe] = info["described"]
            last = curves[recipe][-1]
            print(f"  {recipe}: {epochs} epochs in {last['seconds']:.0f} s, mean IoU {last['mean_iou']:.3f}",
                  flush=True)
    print(f"\nSame data: {info['train_pairs']} training pairs, {info['validation_pairs']} validation pairs")
    for recipe, text in described.items():
        print(f"  {recipe}: {text}")
    rows = [[recipe, p["epoch"], f"{p['seconds']:.0f}", f"{p['mean_iou']:.3f}"]
            for recipe, curve in curves.items() for p in curve]
    print()
    print_table(["recipe", "epoch", "wall s", "val mean IoU"], rows)

    original = curves["original"][-1]
    course = curves["course"]
    reached = first_reaching(course, original["mean_iou"])
    within = [p for p in course if p["seconds"] <= BUDGET_SECONDS]
    print(f"\nOriginal recipe: mean IoU {original['mean_iou']:.3f} after {original['seconds']:.0f} s.")
    if reached:
        ratio = reached["seconds"] / original["seconds"]
        print(f"Course reaches it after epoch {reached['epoch']}, {reached['seconds']:.0f} s: "
              f"{ratio:.2f} of the original's time (target 0.50 or less): "
              f"{'met' if ratio <= 0.5 else 'MISSED'}")
    else:
        print("Course never reaches it: target MISSED")
    if within:
        best = within[-1]
        print(f"Course within the {BUDGET_SECONDS // 60}-minute budget: mean IoU {best['mean_iou']:.3f} "
              f"after {best['seconds']:.0f} s ({best['mean_iou'] / original['mean_iou']:.2f}x the original's): "
              f"{'met' if best['mean_iou'] > original['mean_iou'] else 'MISSED'}")
    if course[-1]["seconds"] > BUDGET_SECONDS:
        print(f"Note: the course's {len(course)} epochs took {course[-1]['seconds']:.0f} s, over the budget.")

    RESULTS.mkdir(parents=True, exist_ok=True)
    labels = {"original": "original recipe (32 filters, batch 32, Adam defaults)",
              "course": f"course defaults ({SETTINGS.n_filters} filters, batch {SETTINGS.batch_size}, "
                        f"learning rate {SETTINGS.learning_rate:g})"}
    plot({labels[name]: curve for name, curve in curves.items()}, original["mean_iou"],
         original["seconds"], RESULTS / "time-to-quality.png")
    if not args.report_only:
        (RESULTS / "time-to-quality.json").write_text(json.dumps(
            {"machine": machine_line(), "recipes": described, "curves": curves,
             "data": {"train_pairs": info["train_pairs"], "validation_pairs": info["validation_pairs"]}},
            indent=1))
    print(f"\nPlot: {RESULTS / 'time-to-quality.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
