"""Writing a set: the scene files in the CARLA layout, the manifest, the progress bar."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from course.classes import CLASS_NAMES, NUM_CLASSES
from course.data import IMAGE_DIR, MASK_DIR
from course.scenes.constants import (
    DEFAULT_COUNT,
    DEFAULT_HEIGHT,
    DEFAULT_SEED,
    DEFAULT_WIDTH,
    GENERATOR_VERSION,
    MANIFEST_NAME,
    PNG_COMPRESS_LEVEL,
)
from course.scenes.render import render_scene


def scene_name(index):
    """File name of scene `index`, the same in CameraRGB/ and CameraMask/."""
    return f"{index:06d}.png"


def _save_png(array, path):
    Image.fromarray(array).save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def _write_scene(job):
    """Render one scene and write its two files; returns the mask's class pixel counts."""
    out_dir, seed, index, height, width = job
    image, mask = render_scene(seed, index, height, width)
    carla_mask = np.zeros((height, width, 3), np.uint8)
    carla_mask[..., 0] = mask  # CARLA layout: class id in red, green and blue are 0
    name = scene_name(index)
    _save_png(image, os.path.join(out_dir, IMAGE_DIR, name))
    _save_png(carla_mask, os.path.join(out_dir, MASK_DIR, name))
    return np.bincount(mask.ravel(), minlength=NUM_CLASSES)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"generate_scenes: {name} must be a positive integer, got {value!r}")


def generate_scenes(out_dir, count=DEFAULT_COUNT, height=DEFAULT_HEIGHT, width=DEFAULT_WIDTH,
                    seed=DEFAULT_SEED, workers=None, progress=True):
    """Write `count` scenes in the CARLA layout, plus a manifest.

    Files: `out_dir/CameraRGB/<name>.png` (RGB), `out_dir/CameraMask/<name>.png` (class id in
    the red channel) and `out_dir/manifest.json`. Scene i depends only on (seed, i), so the
    files are byte-identical for the same seed whatever the number of workers.

    Args:
        out_dir: folder to write into (created if needed; existing scene files are replaced).
        count: number of image/mask pairs.
        height, width: picture size in pixels (at least 16 x 16).
        seed: integer seed of the set.
        workers: processes to use; None = one per CPU core for sets of 64 or more, else 1.
        progress: show a tqdm progress bar.

    Returns:
        The manifest (also written to manifest.json): seed, count, height, width,
        generator version, names of the classes and pixel count of each class.
    """
    for name, value in (("count", count), ("height", height), ("width", width)):
        _check_positive_int(name, value)
    if height < 16 or width < 16:
        raise ValueError(f"generate_scenes: height and width must be at least 16 pixels, "
                         f"got {height} x {width}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"generate_scenes: seed must be a non-negative integer, got {seed!r}")
    out = Path(out_dir)
    (out / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    (out / MASK_DIR).mkdir(parents=True, exist_ok=True)
    if workers is None:
        workers = (os.cpu_count() or 1) if count >= 64 else 1
    workers = max(1, min(int(workers), count))
    jobs = [(str(out), int(seed), i, int(height), int(width)) for i in range(count)]
    started = time.perf_counter()
    bar = _progress_bar(count, progress)
    totals = np.zeros(NUM_CLASSES, np.int64)
    if workers == 1:
        results = map(_write_scene, jobs)
        pool = None
    else:
        import multiprocessing

        # "spawn" is safe even when the parent has started TensorFlow's threads
        pool = multiprocessing.get_context("spawn").Pool(workers)
        results = pool.imap(_write_scene, jobs, chunksize=max(1, min(16, count // (4 * workers))))
    try:
        for counts in results:
            totals += counts
            bar.update(1)
    finally:
        bar.close()
        if pool is not None:
            pool.close()
            pool.join()
    manifest = {
        "generator": "course.scenes",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "count": int(count),
        "height": int(height),
        "width": int(width),
        "class_names": list(CLASS_NAMES),
        "class_pixel_counts": [int(c) for c in totals],
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n")
    if progress:
        seconds = time.perf_counter() - started
        print(f"Wrote {count} scenes of {height}x{width} to {out} in {seconds:.1f} s", file=sys.stderr)
    return manifest


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total, enabled):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Drawing scenes", unit="scene")


def read_manifest(out_dir):
    """The manifest of a generated set, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None
