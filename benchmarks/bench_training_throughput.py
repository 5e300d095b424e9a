"""Training throughput of the default U-Net against the machine's own matmul speed.

    .venv/bin/python benchmarks/bench_training_throughput.py [--steps 6] [--repeats 3]

For each setting (each in a fresh process, since TensorFlow fixes threading and oneDNN at
start-up), times training steps of unet_model() on batch 32 of 96x128 images and prints
images per second, achieved GFLOP/s (FLOPs counted from the layers, course.flops), and that
as a fraction of a 2048x2048 float32 matmul measured in the same run. A process's rate comes
from the median time between its training steps (timed with a callback), so a stall at the
start or end of fit does not count; the rate over the whole fit is printed beside it. Medians
of repeats. The first line says whether TensorFlow sees a GPU.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line, median, print_table, run_worker

# TensorFlow reads its thread-pool sizes from these at start-up (process_util.cc).
THREADS = {"TF_NUM_INTRAOP_THREADS": str(os.cpu_count()), "TF_NUM_INTEROP_THREADS": "1"}
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}

# name -> (environment, keyword settings for the worker)
SETTINGS = {
    "defaults (as a student runs it)": ({}, {}),
    "threads: intra=cores, inter=1": (THREADS, {}),
    "threads: intra=1, inter=1 (one core)": (ONE_THREAD, {}),
    "oneDNN off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, {}),
    "XLA (jit_compile=True)": ({}, {"jit": True}),
    "steps_per_execution=4": ({}, {"spe": 4}),
    "batch 64": ({}, {"batch": 64}),
    "XLA + threads": (THREADS, {"jit": True}),
    "XLA + steps_per_execution=4": ({}, {"jit": True, "spe": 4}),
    "real data pipeline (PNG files, cached)": ({}, {"pipeline": True}),
    "mixed bfloat16 (not float32)": ({}, {"bf16": True}),
}


def worker(options):
    """Time training steps in this process and print one JSON line."""
    import numpy as np

    import course.tensorflow_setup
    import tensorflow as tf
    from course.flops import training_flops
    from course.reference import reference_function

    batch = options.get("batch", 32)
    spe = options.get("spe", 1)
    steps = options["steps"]
    if options.get("bf16"):
        tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = reference_function("unet_model")()
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], jit_compile=options.get("jit", False),
                  steps_per_execution=spe)
    warmup = 2 * spe
    if options.get("pipeline"):
        # The course's own pipeline on the generated PNGs; the warm-up pass fills the cache.
        from course.data_setup import ensure_dataset

        pair_files, make_dataset, load_pair = (reference_function(name) for name in
                                               ("pair_files", "make_dataset", "load_pair"))
        pairs = pair_files(str(ensure_dataset(progress=False)))[: warmup * batch]
        dataset = make_dataset(pairs, load_pair, batch_size=batch, shuffle=True).repeat()
    else:
        rng = np.random.default_rng(0)
        images = rng.random((batch, 96, 128, 3), dtype=np.float32)
        masks = rng.integers(0, 23, (batch, 96, 128, 1)).astype(np.uint8)
        dataset = tf.data.Dataset.from_tensors((images, masks)).repeat().prefetch(2)
    model.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)  # trace, compile, warm up
    # Keras calls the batch callbacks once per execution (steps_per_execution steps): time the
    # gaps between them. Their median ignores the start and end of fit, where some runs here
    # stalled for seconds (whole-fit times came out in multiples of about 5.1 s).
    ends = []

    class Clock(tf.keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            ends.append(time.perf_counter())

        def on_train_batch_end(self, batch_index, logs=None):
            ends.append(time.perf_counter())

    executions = max(steps // spe, 2)
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=executions * spe, epochs=1, verbose=0, callbacks=[Clock()])
    seconds = time.perf_counter() - start
    gaps = [later - earlier for earlier, later in zip(ends[1:], ends[2:])] or [seconds / executions]
    print(json.dumps({"images_per_second": spe * batch / median(gaps),
                      "whole_fit_images_per_second": executions * spe * batch / seconds,
                      "training_flops_per_image": training_flops(model)}))


def matmul_worker(options):
    """GFLOP/s of a 2048x2048 float32 matmul, the machine's practical ceiling for TensorFlow."""
    import course.tensorflow_setup
    import tensorflow as tf

    n = 2048
    a = tf.random.uniform((n, n))
    b = tf.random.uniform((n, n))
    for _ in range(3):
        tf.matmul(a, b).numpy()
    rates = []
    for _ in range(options["steps"] * 3):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        rates.append(2 * n**3 / (time.perf_counter() - start) / 1e9)
    print(json.dumps({"gflops": median(rates)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting (median)")
    parser.add_argument("--only", nargs="*", help="names of settings to run (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        options = json.loads(args.worker)
        (matmul_worker if options.get("matmul") else worker)(options)
        return

    print(machine_line())
    me = Path(__file__)
    rows = []
    matmul = []
    chosen = {k: v for k, v in SETTINGS.items() if not args.only or k in args.only}
    for repeat in range(args.repeats):
        matmul.append(json.loads(run_worker(me, ["--worker", json.dumps(
            {"matmul": True, "steps": args.steps})]).splitlines()[-1])["gflops"])
    ceiling = median(matmul)
    print(f"2048x2048 float32 matmul: {ceiling:.1f} GFLOP/s (median of {len(matmul)} runs)\n")
    flops = None
    for name, (env, options) in chosen.items():
        try:
            results = [json.loads(run_worker(me, ["--worker", json.dumps({**options, "steps": args.steps})],
                                             env).splitlines()[-1]) for _ in range(args.repeats)]
        except RuntimeError as error:
            rows.append([name, "failed", "", "", "", ""])
            print(f"  failed: {name}: {str(error).splitlines()[-1]}", flush=True)
            continue
        rates = [r["images_per_second"] for r in results]
        rate = median(rates)
        whole = median([r["whole_fit_images_per_second"] for r in results])
        flops = results[0]["training_flops_per_image"]
        gflops = rate * flops / 1e9
        rows.append([name, f"{rate:.2f}", f"{gflops:.1f}", f"{gflops / ceiling:.2f}",
                     f"{min(rates):.2f}-{max(rates):.2f}", f"{whole:.2f}"])
        print(f"  measured: {name}: {rate:.2f} images/s", flush=True)
    if flops:
        print(f"\nTraining FLOPs per image (3x forward, from the layers): {flops / 1e9:.2f} GFLOP")
    print("images/s: from the median time between steps; whole fit: from the time of the whole timed fit")
    print_table(["setting", "images/s", "GFLOP/s", "of matmul", "images/s range", "whole fit"], rows)


if __name__ == "__main__":
    main()
