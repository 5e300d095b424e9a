"""Regenerate the pictures of the data card (data/README.md).

    python -m course.data_card            # writes data/card/class_shares.png and samples.png

The pictures come from a generated set with a fixed seed, smaller than the default set so
that the command takes seconds; the card says so. Same generator, same seed: same
pictures. Needs no TensorFlow.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

import numpy as np

from course.classes import CLASS_COLORS, NUM_CLASSES
from course.scenes import DEFAULT_HEIGHT, DEFAULT_SEED, DEFAULT_WIDTH, generate_scenes

CARD_DIR = Path(__file__).resolve().parents[1] / "data" / "card"
CARD_COUNT = 200  # scenes counted for the class shares
CARD_SAMPLES = 8  # scenes shown in the sample grid
PICTURES = ("class_shares.png", "samples.png")


def _save(figure, path, dpi):
    """Save a figure as a compact PNG with no timestamp or version in it."""
    import matplotlib.pyplot as plt
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(figure)
    buffer.seek(0)
    picture = Image.open(buffer).convert("RGB")
    # 256 colours keep the file small enough to commit. The class colours come first in the
    # palette, and every pixel is mapped to its nearest palette colour here (Pillow's own
    # mapping is approximate), so masks and legend keep their exact colours.
    adaptive = picture.quantize(colors=256 - NUM_CLASSES, method=Image.Quantize.MEDIANCUT)
    adaptive = np.array(adaptive.getpalette()[: 3 * (256 - NUM_CLASSES)]).reshape(-1, 3)
    palette = np.concatenate([CLASS_COLORS, adaptive]).astype(np.int64)
    pixels = np.asarray(picture).reshape(-1, 3)
    colours, which = np.unique(pixels, axis=0, return_inverse=True)
    nearest = np.concatenate([((chunk[:, None, :].astype(np.int64) - palette[None]) ** 2).sum(-1).argmin(1)
                              for chunk in np.array_split(colours, max(1, len(colours) // 4096))])
    indexed = nearest[which.ravel()].astype(np.uint8).reshape(picture.height, picture.width)
    indexed = Image.fromarray(indexed, "P")
    indexed.putpalette(palette.astype(np.uint8).ravel().tolist())
    indexed.save(path, format="PNG", optimize=True)


def build_card(out_dir=CARD_DIR, count=CARD_COUNT, samples=CARD_SAMPLES, seed=DEFAULT_SEED,
               height=DEFAULT_HEIGHT, width=DEFAULT_WIDTH, progress=True):
    """Generate `count` scenes into a temporary folder and draw the card's two pictures.

    Args:
        out_dir: where class_shares.png and samples.png go (created if needed).
        count: scenes to count for the class shares.
        samples: scenes shown in the sample grid (the first ones of the set).
        seed, height, width: settings of the generated scenes.
        progress: show a progress bar while generating.

    Returns:
        {picture name: Path} of the two pictures written.
    """
    import matplotlib

    matplotlib.use("Agg")
    from course import plots
    from course.data import list_pairs

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="data-card-") as folder:
        manifest = generate_scenes(folder, count, height, width, seed, progress=progress)
        shares = plots.class_share_bar(
            manifest["class_pixel_counts"],
            title=f"Share of pixels per class: {count} generated scenes, seed {seed}",
            size=(7, 5.5),
        )
        grid = plots.sample_grid(list_pairs(folder)[:samples], count=samples, columns=2, size=1.5)
        paths = {name: out_dir / name for name in PICTURES}
        _save(shares, paths["class_shares.png"], dpi=80)
        _save(grid, paths["samples.png"], dpi=100)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.data_card", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(CARD_DIR), help=f"folder for the pictures (default {CARD_DIR})")
    parser.add_argument("--count", type=int, default=CARD_COUNT,
                        help=f"scenes to count (default {CARD_COUNT})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    for name, path in build_card(args.out, args.count, progress=not args.quiet).items():
        print(f"wrote {path} ({path.stat().st_size / 1000:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
