"""The command line: `python -m course.scenes --out DIR --count N --height H --width W --seed S`."""

from __future__ import annotations

import argparse

from course.scenes.constants import DEFAULT_COUNT, DEFAULT_HEIGHT, DEFAULT_SEED, DEFAULT_WIDTH
from course.scenes.writer import generate_scenes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.scenes",
                                     description="Generate CARLA-style street scenes.")
    parser.add_argument("--out", required=True, help="output folder (CameraRGB/ and CameraMask/ go inside)")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"pairs (default {DEFAULT_COUNT})")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT,
                        help=f"height (default {DEFAULT_HEIGHT})")
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH, help=f"width (default {DEFAULT_WIDTH})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        generate_scenes(args.out, args.count, args.height, args.width, args.seed, args.workers,
                        progress=not args.quiet)
    except ValueError as error:
        parser.error(str(error))
    return 0
