"""Notebook 5's training recipe, measured: time to quality, stability, two experiments, the no-skip ablation.

    .venv/bin/python benchmarks/bench_recipe.py [--quick] [--parts ttq,stability,experiments,noskip]
    .venv/bin/python benchmarks/bench_recipe.py --one '{"n_filters": 12, "epochs": 20, "seed": 1}'

Every run trains in a fresh process on the default generated scene set, split by the
reference `split_pairs` (validation fraction 0.2, seed 0: 800 training and 200 validation
pairs, the same split in every run). The data functions, the U-Net and `compile_model` are the
reference solutions from the source notebooks. After every epoch the validation mean IoU is
computed over all 200 pairs from one accumulated confusion matrix (classes absent from both
truth and prediction left out).

Parts (all by default):

- speed: seconds per training step for a few widths and batch sizes on all cores, once the
  cache is full (converts the epochs of the other parts into wall time).
- ttq: time to quality, one run each, one after the other: the original recipe of this
  exercise (`unet_model()` with 32 filters, Adam defaults, batch 32, 5 epochs, no validation;
  its mean IoU measured with the clock paused), the old course defaults (constant Adam 3e-3,
  8 filters, batch 8, 25 epochs, Keras validation every epoch; mean IoU measured with the
  clock paused) and the new defaults (`course.training.SETTINGS` through the course's own
  validation, which is part of the recipe and counted). Also the share of the new run's wall
  time that its training steps alone would take (steps x median step time / wall time).
- stability: the new defaults for 4x their epochs, 3 seeds: best and final validation mean
  IoU, before the best weights are restored and after.
- experiments: the new defaults with joint flip augmentation on/off and class weighting
  on/off, 2 seeds each (3 without --quick): mean IoU and per-class IoU, mean and spread.
- noskip: the U-Net with and without skip connections (the same layers and parameters; in
  the no-skip model every decoder step receives zeros instead of the encoder's features, so the
  concatenated half carries nothing), trained with the new defaults; mean IoU and a picture of
  predictions side by side.

`--one CONFIG` trains one recipe (JSON keys: see DEFAULT_RUN) and prints its epochs; every run
appends its numbers to benchmarks/results/recipe-runs.jsonl. Figures go to
benchmarks/results/ with the date in their name (recipe-ttq-DATE.png, ...).
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line, print_table
from benchmarks.common import RESULTS
from benchmarks.recipe_runs import (SKIP_PICTURE, _figure, _mean_sd, _plot_curves, draw_noskip,
                                    first_reaching, report, run_one, saved_run)
from benchmarks.recipe_worker import DEFAULT_RUN, no_skip_unet  # noqa: F401 (no_skip_unet: for the tests)

# --------------------------------------------------------------------------------------
# The parts
# --------------------------------------------------------------------------------------

ORIGINAL = {"recipe": "original", "epochs": 5, "validation": "none"}
OLD_DEFAULTS = {"n_filters": 8, "batch_size": 8, "epochs": 25, "learning_rate": 0.003, "schedule": "constant",
                "augment": False, "class_weighting": None, "keep_best": False, "validation": "keras"}
NEW_DEFAULTS = {}  # course.training.SETTINGS as it is


def part_ttq(quick, threads):
    """Original recipe, old defaults, new defaults: validation mean IoU against wall time, same split."""
    from course.training import SETTINGS

    print("\n## Time to quality (one run each, one after the other, all cores)\n", flush=True)
    runs = {"original recipe": {**ORIGINAL, "epochs": 2 if quick else 5},
            "old defaults": {**OLD_DEFAULTS, "epochs": 8 if quick else 25},
            "new defaults": {**NEW_DEFAULTS, **({"epochs": max(SETTINGS.epochs // 3, 2)} if quick else {})}}
    curves, summaries = {}, {}
    for name, options in runs.items():
        curves[name], summaries[name] = run_one({**options, "threads": threads}, label=f"ttq: {name}")
        last = curves[name][-1]
        print(f"  {name}: {summaries[name]['described']}\n    {len(curves[name])} epochs in "
              f"{summaries[name]['total_seconds']:.0f} s, last epoch's mean IoU {last['mean_iou']:.3f}, "
              f"final {summaries[name]['final_mean_iou']:.3f}", flush=True)
    print()
    print_table(["recipe", "epoch", "wall s", "val mean IoU"],
                [[name, p["epoch"], f"{p['seconds']:.0f}", f"{p['mean_iou']:.3f}"]
                 for name, curve in curves.items() for p in curve])
    original = curves["original recipe"][-1]
    summary = summaries["new defaults"]
    print(f"\nOriginal recipe: mean IoU {original['mean_iou']:.3f} after {original['seconds']:.0f} s "
          f"({len(curves['original recipe'])} epochs).")
    for name in ("old defaults", "new defaults"):
        reached = first_reaching(curves[name], original["mean_iou"])
        if reached:
            ratio = reached["seconds"] / original["seconds"]
            print(f"{name} reach it after epoch {reached['epoch']}, {reached['seconds']:.0f} s: {ratio:.2f} of the "
                  f"original's time" + (f" (target 0.10 or less: {'met' if ratio <= 0.1 else 'MISSED'})"
                                        if name == "new defaults" else ""))
        else:
            print(f"{name} never reach it")
    final = summary["final_mean_iou"]
    print(f"New defaults: final validation mean IoU {final:.3f} (target 0.40 or more: "
          f"{'met' if final >= 0.40 else 'MISSED'}) after {summary['total_seconds']:.0f} s of training "
          f"(\"Run all\" adds the notebook's other cells; target 4 minutes in all on 2 idle cores)")
    steps_alone = summary["median_step"] * summary["steps"]
    share = steps_alone / summary["total_seconds"]
    print(f"Training steps alone ({summary['steps']} x median step {summary['median_step'] * 1000:.0f} ms = "
          f"{steps_alone:.0f} s) over the whole fit ({summary['total_seconds']:.0f} s, validation and the first "
          f"epoch's decoding included): {share:.2f} (target 0.85 or more: {'met' if share >= 0.85 else 'MISSED'})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7.5, 4.2))
    for name, curve in curves.items():
        axis.plot([p["seconds"] / 60 for p in curve], [p["mean_iou"] for p in curve], marker="o", markersize=3,
                  label=f"{name}: {summaries[name]['described'].split(', validation')[0]}")
    axis.axhline(original["mean_iou"], color="grey", linestyle="--", linewidth=1,
                 label=f"original after its epochs ({original['mean_iou']:.3f})")
    axis.axvline(original["seconds"] / 600, color="grey", linestyle=":", linewidth=1,
                 label="0.1 of the original's wall time")
    axis.set_xlabel("wall time of training (minutes)")
    axis.set_ylabel("validation mean IoU")
    axis.set_title("Time to quality on this machine")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=6.5, loc="lower right")
    figure.tight_layout()
    path = _figure("recipe-time-to-quality")
    figure.savefig(path, dpi=110)
    print(f"Plot: {path}")


def part_stability(quick, threads):
    """4x the default epochs, 3 seeds: does a long run end where it was best?"""
    from course.training import SETTINGS

    epochs = SETTINGS.epochs * (2 if quick else 4)
    seeds = (0,) if quick else (0, 1, 2)
    print(f"\n## Stability: {epochs} epochs ({'2' if quick else '4'}x the default), seeds {seeds}\n", flush=True)
    rows, curves = [], {}
    for seed in seeds:
        curve, summary = run_one({"epochs": epochs, "seed": seed, "threads": threads}, label=f"stability seed {seed}")
        curves[seed] = curve
        scores = [p["mean_iou"] for p in curve]
        best = max(scores)
        dips = [a - b for a, b in zip(scores, scores[1:])]
        rows.append([seed, f"{best:.3f}", scores.index(best) + 1, f"{scores[-1]:.3f}", f"{best - scores[-1]:.3f}",
                     f"{summary['final_mean_iou']:.3f}", f"{max(dips):.3f}"])
    print_table(["seed", "best", "best epoch", "last epoch", "best - last", "kept (restored)", "largest dip"], rows)
    worst = max(float(r[4]) for r in rows)
    print(f"Largest gap between the best and the last epoch: {worst:.3f} (target: the run never ends more than "
          f"0.01 below its best: {'met' if worst <= 0.01 else 'MISSED'} without restoring; with the best "
          f"weights kept, the run ends at its best by construction)")
    _plot_curves(curves, "seed", _figure("recipe-stability"), f"{epochs} epochs of the new defaults, per seed")


EXPERIMENTS = {"no flips, no class weights": {"augment": False, "class_weighting": None},
               "joint flips": {"augment": True, "class_weighting": None},
               "class weights (1/sqrt of frequency)": {"augment": False, "class_weighting": "sqrt"}}


def part_experiments(quick, threads):
    """Joint flip augmentation and class weighting, each against neither, several seeds."""
    import numpy as np

    from course.classes import CLASS_NAMES

    seeds = (0, 1) if quick else (0, 1, 2)
    print(f"\n## Experiments: flips and class weights, seeds {seeds}, new defaults otherwise\n", flush=True)
    finals = {}
    for name, options in EXPERIMENTS.items():
        finals[name] = [run_one({**options, "seed": seed, "threads": threads}, label=f"experiment: {name}")[1]
                        for seed in seeds]
    print_table(["variant", "val mean IoU (mean ± sd)", "per seed"],
                [[name, _mean_sd([s["final_mean_iou"] for s in runs]),
                  ", ".join(f"{s['final_mean_iou']:.3f}" for s in runs)] for name, runs in finals.items()])
    per_class = {name: np.array([[np.nan if v is None else v for v in s["final_ious"]] for s in runs])
                 for name, runs in finals.items()}
    print("\nPer-class IoU, mean over seeds (± sd):")
    rows = []
    for index, class_name in enumerate(CLASS_NAMES):
        cells = [per_class[name][:, index] for name in finals]
        if all(np.isnan(c).all() for c in cells):
            continue
        rows.append([class_name] + [_mean_sd([None if np.isnan(v) else float(v) for v in c]) for c in cells])
    print_table(["class", *finals], rows)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r[0] for r in rows]
    figure, axis = plt.subplots(figsize=(9, 5))
    width = 0.8 / len(finals)
    for k, name in enumerate(finals):
        means = [np.nanmean(per_class[name][:, CLASS_NAMES.index(c)]) for c in shown]
        axis.barh(np.arange(len(shown)) + k * width, means, height=width, label=name)
    axis.set_yticks(np.arange(len(shown)) + 0.4 - width / 2, shown)
    axis.invert_yaxis()
    axis.set_xlabel(f"validation IoU (mean of {len(seeds)} seeds)")
    axis.set_title("Per-class IoU: joint flips and class weights")
    axis.legend(fontsize=8)
    figure.tight_layout()
    path = _figure("recipe-experiments")
    figure.savefig(path, dpi=110)
    print(f"Plot: {path}")


def part_noskip(quick, threads):
    """The U-Net with and without its skip connections, trained alike; a picture of predictions."""
    seeds = (0,) if quick else (0, 1)
    print(f"\n## The no-skip ablation, seeds {seeds}\n", flush=True)
    print(no_skip_unet.__doc__)
    print("Same layers and parameter count; each decoder step concatenates zeros where the U-Net concatenates "
          "the encoder's features (built in this script from the reference conv_block and upsampling_block).")
    finals = {}
    for model in ("unet", "noskip"):
        finals[model] = [run_one({"model": model, "seed": seed, "threads": threads, "save_predictions": 4},
                                 label=f"noskip ablation: {model}")[1] for seed in seeds]
    print_table(["model", "parameters", "val mean IoU (mean ± sd)", "per seed"],
                [[name, f"{runs[0]['params']:,}", _mean_sd([s["final_mean_iou"] for s in runs]),
                  ", ".join(f"{s['final_mean_iou']:.3f}" for s in runs)] for name, runs in finals.items()])

    draw_noskip(finals["unet"][0]["predictions"], finals["noskip"][0]["predictions"],
                [finals[name][0]["final_mean_iou"] for name in ("unet", "noskip")],
                [_figure("recipe-noskip")])


def redraw_noskip(seed=1):
    """Notebook 4's picture again, from the predictions the no-skip runs of `seed` saved (no training)."""
    files = [RESULTS / f"predictions-{model}-seed{seed}.npz" for model in ("unet", "noskip")]
    runs = [saved_run(path) if path.exists() else None for path in files]
    if None in runs:
        missing = [str(path) for path, run in zip(files, runs) if run is None]
        raise SystemExit(f"--draw-noskip: no saved run made {', '.join(missing)}; train them first with --one "
                         f"'{{\"epochs\": 12, \"seed\": {seed}, \"save_predictions\": 4}}' (add \"model\": \"noskip\")")
    draw_noskip(*files, [run["summary"]["final_mean_iou"] for run in runs], [SKIP_PICTURE])


SPEED_CONFIGS = ((8, 4), (8, 8), (8, 16), (12, 8), (16, 8), (32, 32))


def part_speed(quick, threads):
    """Seconds per training step and images per second for a few widths and batch sizes (all cores)."""
    print("\n## Training speed per width and batch size (median step after the cache is full)\n", flush=True)
    rows = []
    for n_filters, batch_size in SPEED_CONFIGS:
        steps = max(16, (100 if quick else 300) * 8 // (batch_size * (n_filters // 8) ** 2))
        _, result = run_one({"recipe": "speed", "n_filters": n_filters, "batch_size": batch_size, "steps": steps,
                             "threads": threads}, label=f"speed n_filters={n_filters} batch={batch_size}")
        rows.append([n_filters, batch_size, result["steps"], f"{result['median_step'] * 1000:.0f}",
                     f"{result['images_per_second']:.1f}", f"{800 / result['images_per_second']:.1f}"])
    print_table(["n_filters", "batch", "steps timed", "median step ms", "images/s", "s per epoch of 800"], rows)


PARTS = {"speed": part_speed, "ttq": part_ttq, "stability": part_stability, "experiments": part_experiments,
         "noskip": part_noskip}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and seeds: rougher figures")
    parser.add_argument("--parts", default="speed,ttq,stability,experiments,noskip",
                        help="comma-separated: speed, ttq, stability, experiments, noskip")
    parser.add_argument("--threads", type=int, help="TensorFlow threads for the parts whose wall time is not "
                        "compared (stability, experiments, noskip); default: all cores")
    parser.add_argument("--one", metavar="CONFIG", help="train one recipe (JSON, keys as DEFAULT_RUN) and print it")
    parser.add_argument("--label", help="a label stored with --one's run")
    parser.add_argument("--report", action="store_true",
                        help="print every run saved in benchmarks/results/recipe-runs.jsonl (mean IoU per epoch)")
    parser.add_argument("--draw-noskip", action="store_true",
                        help=f"redraw {SKIP_PICTURE.relative_to(SKIP_PICTURE.parents[2])} from the saved seed-1 runs")
    args = parser.parse_args(argv)
    if args.draw_noskip:
        redraw_noskip()
        return 0
    if args.report:
        report()
        return 0
    if args.one:
        epochs, summary = run_one(json.loads(args.one), label=args.label)
        print(summary["described"])
        print_table(["epoch", "wall s", "steps s", "val mean IoU", "loss", "val loss", "lr"],
                    [[e["epoch"], f"{e['seconds']:.1f}", f"{e['step_seconds']:.1f}", f"{e['mean_iou']:.4f}",
                      f"{e['loss']:.4f}", f"{e['val_loss']:.4f}", f"{e['learning_rate']:.2e}"] for e in epochs])
        print(f"final (kept weights, epoch {summary['restored_epoch'] or len(epochs)}): "
              f"mean IoU {summary['final_mean_iou']:.4f}; {summary['total_seconds']:.1f} s, "
              f"median step {summary['median_step'] * 1000:.1f} ms x {summary['steps']} steps")
        return 0
    print(machine_line(), flush=True)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    for part in parts:
        PARTS[part](args.quick, args.threads if part not in ("ttq", "speed") else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
