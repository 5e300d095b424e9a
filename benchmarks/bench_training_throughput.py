"""Training throughput of the default U-Net against the machine's own matmul speed.

    .venv/bin/python benchmarks/bench_training_throughput.py [--steps 6] [--repeats 3]

For each setting (each in a fresh process, since TensorFlow fixes threading and oneDNN at
start-up), times training steps of unet_model() on batch 32 of 96x128 images and prints
images per second, achieved GFLOP/s (FLOPs counted from the layers, course.flops), and that
as a fraction of a 2048x2048 float32 matmul measured in the same run. Medians of repeats.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line, median, print_table, run_worker  # noqa: E402

# name -> (environment, keyword settings for the worker)
SETTINGS = {
    "defaults (as a student runs it)": ({}, {}),
    "threads: intra=cores, inter=1": ({}, {"intra": os.cpu_count(), "inter": 1}),
    "oneDNN off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, {}),
    "XLA (jit_compile=True)": ({}, {"jit": True}),
    "steps_per_execution=4": ({}, {"spe": 4}),
    "batch 64": ({}, {"batch": 64}),
    "XLA + threads": ({}, {"jit": True, "intra": os.cpu_count(), "inter": 1}),
}


def worker(options):
    """Time training steps in this process and print one JSON line."""
    if options.get("intra") or options.get("inter"):
        import course.tensorflow_setup  # noqa: F401
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(options.get("intra", 0))
        tf.config.threading.set_inter_op_parallelism_threads(options.get("inter", 0))
    import numpy as np

    import course.tensorflow_setup  # noqa: F401
    import tensorflow as tf
    from course.flops import training_flops
    from course.reference import reference_function

    batch = options.get("batch", 32)
    spe = options.get("spe", 1)
    steps = options["steps"]
    model = reference_function("unet_model")()
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], jit_compile=options.get("jit", False),
                  steps_per_execution=spe)
    rng = np.random.default_rng(0)
    images = rng.random((batch, 96, 128, 3), dtype=np.float32)
    masks = rng.integers(0, 23, (batch, 96, 128, 1)).astype(np.uint8)
    dataset = tf.data.Dataset.from_tensors((images, masks)).repeat().prefetch(2)
    warmup = 2 * spe
    model.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)  # trace, compile, warm up
    timed = max(steps // spe, 1) * spe
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=timed, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": timed * batch / seconds,
                      "training_flops_per_image": training_flops(model)}))


def matmul_worker(options):
    """GFLOP/s of a 2048x2048 float32 matmul, the machine's practical ceiling for TensorFlow."""
    import course.tensorflow_setup  # noqa: F401
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
    for name, (env, options) in chosen.items():
        results = [json.loads(run_worker(me, ["--worker", json.dumps({**options, "steps": args.steps})],
                                         env).splitlines()[-1]) for _ in range(args.repeats)]
        rate = median([r["images_per_second"] for r in results])
        flops = results[0]["training_flops_per_image"]
        gflops = rate * flops / 1e9
        rows.append([name, f"{rate:.2f}", f"{gflops:.1f}", f"{gflops / ceiling:.2f}"])
        print(f"  measured: {name}", flush=True)
    print(f"\nTraining FLOPs per image (3x forward, from the layers): {flops / 1e9:.2f} GFLOP")
    print_table(["setting", "images/s", "GFLOP/s", "of matmul"], rows)


if __name__ == "__main__":
    main()
