"""bench_recipe's saved runs: one recipe trained in a fresh process, the runs file, its report and plots.

Every run appends {label, when, command, summary, epochs} to benchmarks/results/recipe-runs.jsonl
(git-ignored); `report()` prints them back.
"""

import datetime
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks import recipe_worker
from benchmarks.common import RESULTS, run_worker
from benchmarks.recipe_worker import DEFAULT_RUN

RUNS_FILE = RESULTS / "recipe-runs.jsonl"
# The picture notebook 4 shows (committed; bundled for students): redraw with --draw-noskip.
SKIP_PICTURE = Path(__file__).resolve().parents[1] / "data" / "measured" / "skip-ablation.png"

def run_one(options, label=None):
    """Train one recipe in a fresh process; return (epochs, summary) and append both to RUNS_FILE."""
    options = {**DEFAULT_RUN, **options, "label": label}
    env = {}
    if options.get("threads"):
        env = {"TF_NUM_INTRAOP_THREADS": str(options["threads"]), "TF_NUM_INTEROP_THREADS": "1"}
    started = time.time()
    lines = run_worker(Path(recipe_worker.__file__), ["--worker", json.dumps(options)], env_changes=env,
                       timeout=4 * 3600).splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    epochs, summary = [r for r in records if "epoch" in r], records[-1]
    if options["recipe"] == "speed":
        return [], summary
    RESULTS.mkdir(parents=True, exist_ok=True)
    with RUNS_FILE.open("a") as file:
        file.write(json.dumps({"label": label, "when": datetime.datetime.fromtimestamp(started).isoformat(
            timespec="seconds"), "command": " ".join(sys.argv), "summary": summary, "epochs": epochs}) + "\n")
    return epochs, summary


def _today():
    return datetime.date.today().isoformat()


def _mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def _figure(path_stem):
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"{path_stem}-{_today()}.png"


def first_reaching(curve, quality):
    return next((point for point in curve if point["mean_iou"] >= quality), None)


def _plot_curves(curves, name, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7.5, 4.2))
    for key, curve in curves.items():
        axis.plot([p["epoch"] for p in curve], [p["mean_iou"] for p in curve], marker="o", markersize=2,
                  label=f"{name} {key}")
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation mean IoU")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"Plot: {path}")


def saved_run(predictions):
    """The last saved run whose predictions went to a file named like `predictions` (any checkout), or None."""
    runs = [json.loads(line) for line in RUNS_FILE.read_text().splitlines() if line.strip()]
    wanted = Path(predictions).name
    return next((r for r in reversed(runs) if Path(r["summary"].get("predictions") or "").name == wanted), None)


def draw_noskip(unet_file, noskip_file, scores, paths):
    """Image, true mask and both models' predictions for the validation pairs saved in two .npz files."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course.plots import colorize_mask

    unet, noskip = np.load(unet_file), np.load(noskip_file)
    if not np.array_equal(unet["masks"], noskip["masks"]):
        raise ValueError(f"draw_noskip: {unet_file} and {noskip_file} hold different validation pairs")
    count = len(unet["images"])
    figure, axes = plt.subplots(count, 4, figsize=(9, 1.75 * count), squeeze=False)
    titles = ["image", "true mask", f"U-Net (mean IoU {scores[0]:.2f})", f"no skips (mean IoU {scores[1]:.2f})"]
    for row in range(count):
        pictures = [unet["images"][row], colorize_mask(unet["masks"][row]), colorize_mask(unet["predictions"][row]),
                    colorize_mask(noskip["predictions"][row])]
        for column, picture in enumerate(pictures):
            axes[row, column].imshow(picture)
            axes[row, column].axis("off")
            if row == 0:
                axes[row, column].set_title(titles[column], fontsize=10)
    figure.tight_layout()
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=80)
        print(f"Plot: {path}")
    plt.close(figure)


def report():
    """The saved runs: label, final (kept) mean IoU, best epoch, and the mean IoU after every epoch."""
    runs = [json.loads(line) for line in RUNS_FILE.read_text().splitlines() if line.strip()]
    for run in runs:
        summary, epochs = run["summary"], run["epochs"]
        if not epochs:
            print(f"{run['label']}: {json.dumps(summary)}")
            continue
        scores = [e["mean_iou"] for e in epochs]
        print(f"{run['label']} ({run['when']}): final {summary['final_mean_iou']:.3f}, best {max(scores):.3f} "
              f"(epoch {scores.index(max(scores)) + 1}), last {scores[-1]:.3f}; {summary['described']}")
        print("   " + " ".join(f"{v:.3f}" for v in scores))
