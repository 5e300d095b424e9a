"""Colour palettes of the things in a scene, and random picks and variations of a colour."""

from __future__ import annotations

import numpy as np


# Palettes (sRGB in [0, 1]). Several deliberately overlap with other classes' colours:
# grey cars and grey road, blue cars / glass and sky, brick buildings and red paving.
CAR_COLORS = [
    (0.92, 0.92, 0.92), (0.66, 0.67, 0.69), (0.40, 0.41, 0.43), (0.30, 0.30, 0.32),
    (0.07, 0.07, 0.08), (0.10, 0.15, 0.35), (0.35, 0.50, 0.72), (0.62, 0.10, 0.10),
    (0.35, 0.06, 0.08), (0.15, 0.32, 0.18), (0.90, 0.75, 0.15), (0.75, 0.68, 0.55),
]
BUILDING_COLORS = [
    (0.55, 0.55, 0.55), (0.72, 0.72, 0.70), (0.82, 0.74, 0.60), (0.60, 0.32, 0.24),
    (0.45, 0.25, 0.20), (0.88, 0.87, 0.84), (0.55, 0.66, 0.80), (0.35, 0.48, 0.62),
    (0.86, 0.80, 0.62), (0.78, 0.60, 0.30), (0.70, 0.45, 0.35), (0.40, 0.42, 0.46),
]
ROOF_COLORS = [(0.50, 0.22, 0.16), (0.30, 0.28, 0.28), (0.42, 0.30, 0.22), (0.25, 0.30, 0.38)]
CLOTHES_COLORS = [
    (0.10, 0.10, 0.12), (0.20, 0.28, 0.50), (0.75, 0.15, 0.15), (0.85, 0.85, 0.80),
    (0.45, 0.40, 0.30), (0.20, 0.45, 0.25), (0.90, 0.70, 0.20), (0.55, 0.55, 0.58),
    (0.35, 0.20, 0.45), (0.60, 0.70, 0.85),
]
SKIN_COLORS = [(0.95, 0.80, 0.68), (0.85, 0.65, 0.50), (0.60, 0.42, 0.30), (0.38, 0.26, 0.18)]
FOLIAGE_COLORS = [
    (0.22, 0.36, 0.12), (0.30, 0.45, 0.15), (0.15, 0.28, 0.12), (0.40, 0.48, 0.18),
    (0.62, 0.45, 0.12), (0.55, 0.28, 0.10),
]


def jitter(rng, color, amount=0.07):
    """The colour with each channel scaled by a random factor within +-amount."""
    return tuple(np.clip(np.asarray(color) * rng.uniform(1 - amount, 1 + amount, 3), 0, 1))


def pick(rng, palette, amount=0.07):
    """A random colour of the palette, jittered."""
    return jitter(rng, palette[rng.integers(len(palette))], amount)


def scaled(color, factor):
    """The colour made darker (factor < 1) or lighter, clipped to [0, 1]."""
    return tuple(np.clip(np.asarray(color) * factor, 0, 1))
