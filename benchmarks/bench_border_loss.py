"""What the original U-Net's border term buys on touching vehicles: notebook 7's experiment, several seeds.

    .venv/bin/python benchmarks/bench_border_loss.py [--seeds 0,1,2] [--scenes 400] [--epochs 8] [--quick]

Runs the experiment of the extension's notebook 7 (course/border_experiment.py) with the
reference `original_unet` and `border_weights` (from instructor/source/unet_original/): the
first SCENES scenes of the default generated set, of which those with two vehicles or more
covering 3 % of the picture are kept (80 % to train, 20 % to validate, in order), mirrored into
284x316 tiles; for each seed, two trainings of the paper's network (n_filters=8, Adam 1e-3,
batch 8) that start from the same weights and see the same batches, one weighted by class
balance only (`border_weights(mask, w0=0)`), one with the border term too (`border_weights(mask)`,
w0=10, sigma=5). On the validation scenes it prints the vehicle IoU and the share of gap pixels
(background where the border term adds more than 1) predicted as background, per seed and as
mean ± sd, and the difference between the two trainings of each seed.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line, print_table
from benchmarks.recipe_runs import _mean_sd

SOURCE = Path(__file__).resolve().parents[1] / "instructor" / "source" / "unet_original"
VARIANTS = (("class balance only", "balance"), ("class balance and borders", "full"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated training seeds (default 0,1,2)")
    parser.add_argument("--scenes", type=int, default=400, help="scenes read (notebook 7: 400)")
    parser.add_argument("--epochs", type=int, default=8, help="epochs per training (notebook 7: 8)")
    parser.add_argument("--n-filters", type=int, default=8, help="width of the network (notebook 7: 8)")
    parser.add_argument("--quick", action="store_true", help="40 scenes, 1 epoch, 2 filters, one seed: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.scenes, args.epochs, args.n_filters = "0", 40, 1, 2
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]

    import numpy as np

    import course.tensorflow_setup
    from course.border_experiment import evaluate, load_vehicle_scenes, mirrored, train_tiles, weight_maps
    from course.notebook_code import load_definitions
    from course.training import data_folder

    print(machine_line(), flush=True)
    functions = load_definitions(sorted(SOURCE.glob("[0-9][0-9]_*.ipynb")), names=["original_unet", "border_weights"])
    images, masks, read = load_vehicle_scenes(data_folder(), args.scenes)
    if len(images) < 5:
        raise SystemExit(f"bench_border_loss: only {len(images)} of {read} scenes have two vehicles or more; "
                         "read more with --scenes")
    tiles = mirrored(images)
    maps = dict(zip(("full", "balance", "gaps"), weight_maps(functions["border_weights"], masks)))
    n_train = int(0.8 * len(images))
    train, validation = slice(0, n_train), slice(n_train, None)
    print(f"{len(images)} of {read} scenes kept: {n_train} to train, {len(images) - n_train} to validate; "
          f"gap pixels {maps['gaps'][validation].sum():,} of {maps['gaps'][validation].size:,} validation pixels; "
          f"n_filters={args.n_filters}, {args.epochs} epochs, seeds {seeds}\n", flush=True)

    scores = {name: {"iou": [], "gap": []} for name, _ in VARIANTS}
    rows = []
    for seed in seeds:
        for name, weights in VARIANTS:
            started = time.monotonic()
            model = train_tiles(functions["original_unet"], tiles[train], masks[train], maps[weights][train],
                                args.n_filters, args.epochs, seed=seed)
            _, iou, gap = evaluate(model, tiles[validation], masks[validation], maps["gaps"][validation])
            scores[name]["iou"].append(iou)
            scores[name]["gap"].append(gap)
            rows.append([seed, name, f"{iou:.3f}", f"{gap:.1%}", f"{time.monotonic() - started:.0f}"])
            print(f"seed {seed}, {name}: vehicle IoU {iou:.3f}, gap pixels right {gap:.1%}", flush=True)
    print()
    print_table(["seed", "weights", "vehicle IoU", "gap pixels right", "seconds"], rows)
    print()
    summary = [[name, _mean_sd(scores[name]["iou"]), _mean_sd(scores[name]["gap"])] for name, _ in VARIANTS]
    gain = {key: [b - a for a, b in zip(scores[VARIANTS[0][0]][key], scores[VARIANTS[1][0]][key])]
            for key in ("iou", "gap")}
    summary.append(["borders minus balance, per seed", _mean_sd(gain["iou"]), _mean_sd(gain["gap"])])
    print_table(["weights", f"vehicle IoU (mean ± sd, {len(seeds)} seeds)", "gap pixels right"], summary)
    if not np.isfinite(scores[VARIANTS[0][0]]["gap"]).all():
        print("(no gap pixel in the validation scenes: read more scenes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
