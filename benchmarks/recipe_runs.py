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
