"""Speed of the scene generator and disk size of the generated set.

    .venv/bin/python benchmarks/bench_data.py [--count 1000] [--repeats 1] [--workers N]

Generates the set (default settings unless told otherwise) into a temporary folder and
prints pairs per second, wall time and disk size; then the tiny set the tests use (a dozen
48x64 pairs, median of 5 runs) and the loader's file check on the big set. Medians over
--repeats runs of the big set.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_line
from course import scenes
from course.data import check_pairs, list_pairs
from course.data_setup import folder_size


def _cpu_seconds():
    """CPU time of this process and of its finished worker processes (user + system)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed_generation(count, height, width, seed, workers):
    """(wall seconds, CPU seconds, bytes on disk, folder) of one generation into a temporary folder."""
    folder = tempfile.TemporaryDirectory(prefix="bench-data-")
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    scenes.generate_scenes(folder.name, count, height, width, seed, workers=workers, progress=False)
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    return wall, cpu, folder_size(folder.name), folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=scenes.DEFAULT_COUNT)
    parser.add_argument("--height", type=int, default=scenes.DEFAULT_HEIGHT)
    parser.add_argument("--width", type=int, default=scenes.DEFAULT_WIDTH)
    parser.add_argument("--seed", type=int, default=scenes.DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of the big set (median reported)")
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    print(f"{machine_line()}; load average {os.getloadavg()[0]:.1f} at the start")
    times, cpus, sizes = [], [], []
    for _ in range(args.repeats):
        wall, cpu, size, folder = timed_generation(args.count, args.height, args.width, args.seed, args.workers)
        times.append(wall)
        cpus.append(cpu)
        sizes.append(size)
        if len(times) < args.repeats:
            folder.cleanup()
    seconds, cpu = statistics.median(times), statistics.median(cpus)
    print(f"Set of {args.count} pairs, {args.height}x{args.width}, seed {args.seed}:")
    print(f"  generation: {seconds:.1f} s wall, {args.count / seconds:.1f} pairs/s "
          f"(runs: {', '.join(f'{t:.1f}' for t in times)} s)")
    print(f"  CPU time: {cpu:.1f} s ({1000 * cpu / args.count:.0f} ms per pair); on {cores} idle cores "
          f"that is about {cpu / cores:.0f} s wall. Wall above that means other work shared the cores.")
    print(f"  disk: {sizes[-1] / 1e6:.1f} MB, {sizes[-1] / args.count / 1e3:.0f} KB per pair (image + mask)")
    started = time.perf_counter()
    check_pairs(list_pairs(folder.name))
    print(f"  pair_files + check_pairs: {time.perf_counter() - started:.2f} s")
    folder.cleanup()

    tiny = []
    for _ in range(5):
        seconds, _, _, small = timed_generation(12, 48, 64, 3, workers=1)
        small.cleanup()
        tiny.append(seconds)
    print(f"Tiny set (12 pairs of 48x64, one process): median {statistics.median(tiny):.2f} s over 5 runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
