"""Nearest against area and antialiased resizing of the image, on large generated captures.

    .venv/bin/python benchmarks/bench_resize.py [--count 12] [--height 600] [--width 800] [--seed 5]

Generates `count` street scenes at CARLA's capture size (800x600) with course.scenes, plus the
same number at the generated set's size (256x192), and shrinks every image to the course size
(96x128) with TensorFlow's nearest, bilinear (no antialiasing), antialiased bilinear and area
resizing. For each method it prints:

- PSNR (dB) against two references computed without TensorFlow: the exact average of the
  pixels each new pixel covers, partly covered pixels weighted by their share (NumPy), and a
  Lanczos filter (Pillow, in float);
- PSNR against the exact average on the thin-object pixels only (new pixels whose span holds
  part of a pole, road line, traffic sign or traffic light): where aliasing breaks lines up;
- flicker: the mean change (in 0..255 units) of the shrunk image when the capture moves by one
  source pixel (a sixth of a new pixel at 800x600): a filtered image barely changes, an
  aliased one jumps;
- milliseconds per image.

Then the masks, which stay nearest: the class shares after nearest resizing against the
shares in the full-size masks (total variation and the thin classes), the share of pixels a
bilinear-resized, rounded mask invents (an id that is not in its block), and how much of the
block each new pixel covers carries the pixel's nearest label (what an averaged image pixel
mixes). About a minute on 2 cores.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import machine_line, print_table
from course.classes import CLASS_IDS, CLASS_NAMES, NUM_CLASSES
from course.scenes import DEFAULT_HEIGHT, DEFAULT_WIDTH, generate_scenes

TARGET = (96, 128)  # the course's training size (height, width)
THIN = tuple(CLASS_IDS[name] for name in ("pole", "road line", "traffic sign", "traffic light"))
METHODS = {  # label: keyword arguments of tf.image.resize
    "nearest": {"method": "nearest"},
    "bilinear": {"method": "bilinear"},
    "bilinear, antialias": {"method": "bilinear", "antialias": True},
    "area": {"method": "area"},
}


def load_set(folder):
    """Images (float32 in [0, 1]) and masks (uint8 ids) of a generated folder."""
    from PIL import Image

    images, masks = [], []
    for path in sorted((Path(folder) / "CameraRGB").glob("*.png")):
        images.append(np.asarray(Image.open(path).convert("RGB"), np.float32) / 255)
        masks.append(np.asarray(Image.open(Path(folder) / "CameraMask" / path.name))[..., 0])
    return images, masks


def area_weights(old, new):
    """(new, old) matrix: the share of new pixel j's span covered by old pixel i (each row sums to 1)."""
    edges = np.arange(new + 1) * old / new
    starts, ends = edges[:-1, None], edges[1:, None]
    pixels = np.arange(old)[None, :]
    overlap = np.clip(np.minimum(ends, pixels + 1) - np.maximum(starts, pixels), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def box_average(image, size):
    """The exact mean of the old pixels each new pixel covers (fractions at the edges), in NumPy."""
    rows, cols = area_weights(image.shape[0], size[0]), area_weights(image.shape[1], size[1])
    shrunk_rows = np.tensordot(rows.astype(image.dtype), image, axes=(1, 0))  # (new height, old width, channels)
    return np.tensordot(cols.astype(image.dtype), shrunk_rows, axes=(1, 1)).transpose(1, 0, 2)


def lanczos(image, size):
    """Pillow's Lanczos resize, per channel in float (mode 'F'): a reference free of TensorFlow."""
    from PIL import Image

    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]), "F")
                           .resize(size[::-1], Image.Resampling.LANCZOS, reducing_gap=None))
                for c in range(image.shape[-1])]
    return np.clip(np.stack(channels, axis=-1), 0, 1)


def psnr(a, b, where=None):
    error = (a - b) ** 2
    if where is not None:
        error = error[where]
    mse = float(np.mean(error)) if error.size else float("nan")
    return 10 * np.log10(1.0 / mse) if mse > 0 else float("inf")


def _decibels(value):
    return "exact" if value > 100 else f"{value:.1f}"  # float32 rounding only


def coverage(mask, size):
    """(new height, new width, classes): the share of each new pixel's span held by each class."""
    one_hot = (mask[..., None] == np.arange(NUM_CLASSES, dtype=np.uint8)).astype(np.float32)
    return box_average(one_hot, size)


def measure_images(tf, images, covers):
    """One table row per method: PSNRs, flicker, milliseconds per image."""
    totals = {label: {"box": [], "lanczos": [], "thin": [], "flicker": [], "ms": []} for label in METHODS}
    for image, shares in zip(images, covers):
        box, smooth = box_average(image.astype(np.float64), TARGET), lanczos(image, TARGET)
        thin = shares[..., list(THIN)].sum(axis=-1) > 0
        # the capture one source pixel to the right (same crop size): the content moves by a fraction of a new pixel
        left, right = tf.constant(image[:, :-1]), tf.constant(image[:, 1:])
        for label, kwargs in METHODS.items():
            tf.image.resize(tf.constant(image), TARGET, **kwargs)  # warm-up: time the second call
            started = time.perf_counter()
            shrunk = tf.image.resize(tf.constant(image), TARGET, **kwargs).numpy()
            totals[label]["ms"].append(1000 * (time.perf_counter() - started))
            totals[label]["box"].append(psnr(shrunk, box))
            totals[label]["lanczos"].append(psnr(shrunk, smooth))
            totals[label]["thin"].append(psnr(shrunk, box, thin))
            moved = tf.image.resize(right, TARGET, **kwargs).numpy() - tf.image.resize(left, TARGET, **kwargs).numpy()
            totals[label]["flicker"].append(255 * float(np.mean(np.abs(moved))))
    rows = [(label, _decibels(np.mean(t["box"])), _decibels(np.mean(t["lanczos"])), _decibels(np.nanmean(t["thin"])),
             f"{np.mean(t['flicker']):.2f}", f"{np.median(t['ms']):.1f}") for label, t in totals.items()]
    reference = [255 * float(np.mean(np.abs(box_average(image[:, 1:], TARGET) - box_average(image[:, :-1], TARGET))))
                 for image in images]
    return rows + [("(the box average itself)", "ref", "", "ref", f"{np.mean(reference):.2f}", "")]


def measure_masks(tf, masks, covers):
    """Class shares after nearest resizing, invented ids of a bilinear mask, label purity."""
    full = np.zeros(NUM_CLASSES)
    near = np.zeros(NUM_CLASSES)
    invented, purity = [], []
    for mask, shares in zip(masks, covers):
        full += np.bincount(mask.ravel(), minlength=NUM_CLASSES)
        nearest = tf.image.resize(tf.constant(mask[..., None]), TARGET, method="nearest").numpy()[..., 0]
        near += np.bincount(nearest.ravel(), minlength=NUM_CLASSES)
        rows, cols = np.indices(TARGET)
        purity.append(float(np.mean(shares[rows, cols, nearest])))
        bilinear = tf.image.resize(tf.constant(mask[..., None], tf.float32), TARGET).numpy()[..., 0]
        bilinear = np.clip(np.round(bilinear), 0, NUM_CLASSES - 1).astype(np.int64)
        invented.append(float(np.mean(shares[rows, cols, bilinear] == 0)))
    full, near = full / full.sum(), near / near.sum()
    return {"total variation": 0.5 * float(np.abs(full - near).sum()),
            "thin": [(CLASS_NAMES[i], 100 * full[i], 100 * near[i]) for i in THIN],
            "invented": 100 * float(np.mean(invented)), "purity": 100 * float(np.mean(purity))}


def report(tf, folder, title):
    images, masks = load_set(folder)
    covers = [coverage(mask, TARGET) for mask in masks]
    height, width = images[0].shape[:2]
    print(f"\n{title}: {len(images)} images of {height}x{width} -> {TARGET[0]}x{TARGET[1]} "
          f"(factor {height / TARGET[0]:.2f})")
    print_table(["image method", "PSNR vs box (dB)", "PSNR vs Lanczos (dB)", "PSNR thin objects (dB)",
                 "flicker (1-px shift)", "ms/image"], measure_images(tf, images, covers))
    found = measure_masks(tf, masks, covers)
    print(f"masks, nearest: class shares within {100 * found['total variation']:.2f} % (total variation) of the "
          f"full-size masks; thin classes (full size -> nearest): "
          + ", ".join(f"{name} {a:.2f} -> {b:.2f} %" for name, a, b in found["thin"]))
    print(f"masks, bilinear and rounded: {found['invented']:.2f} % of the pixels get an id that is nowhere in "
          f"their block; nearest labels cover on average {found['purity']:.1f} % of their block")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=12, help="scenes per size (default 12)")
    parser.add_argument("--height", type=int, default=600, help="height of the large captures (default 600)")
    parser.add_argument("--width", type=int, default=800, help="width of the large captures (default 800)")
    parser.add_argument("--seed", type=int, default=5, help="seed of the generated scenes (default 5)")
    args = parser.parse_args(argv)
    import course.tensorflow_setup
    import tensorflow as tf

    started = time.perf_counter()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="bench-resize-") as root:
        sizes = [(args.height, args.width, "large captures"),
                 (DEFAULT_HEIGHT, DEFAULT_WIDTH, "the generated set's size")]
        for height, width, title in sizes:
            folder = Path(root) / f"{height}x{width}"
            generate_scenes(folder, args.count, height, width, args.seed, workers=2, progress=False)
            report(tf, folder, title)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
