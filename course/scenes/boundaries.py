"""Drawing lines along lots and roads: walls, fences, hedges and guard rails."""

from __future__ import annotations

import numpy as np

from course.scenes.constants import LEAFY, NEAR, ROUGH, C
from course.scenes.geometry import TOWARD_CAMERA, UP, flat_quad, front_quad, side_quad
from course.scenes.palettes import FOLIAGE_COLORS, pick, scaled


def draw_wall(canvas, rng, x, z0, z1, height):
    """A low wall along a lot, with a lighter coping on top."""
    color = pick(rng, [(0.62, 0.60, 0.56), (0.72, 0.68, 0.60), (0.50, 0.40, 0.35), (0.80, 0.80, 0.78)])
    side = np.sign(x) or 1
    canvas.face(side_quad(x, 0, height, z0, z1), C["wall"], color, (-side, 0, 0), ROUGH)
    canvas.face(side_quad(x, height, height + 0.12, z0, z1), C["wall"], scaled(color, 1.15), UP)
    canvas.box_shadow(x - 0.1, x + 0.1, z0, z1, height)


def draw_fence(canvas, rng, x, z0, z1, height, style):
    """A see-through fence: pickets, bars or posts, joined by rails."""
    color = pick(rng, [(0.45, 0.30, 0.20), (0.85, 0.85, 0.82), (0.20, 0.22, 0.22), (0.55, 0.50, 0.45)])
    side = np.sign(x) or 1
    step = {"pickets": (0.14, 0.22), "bars": (0.12, 0.18), "rails": (2.0, 3.0)}[style]
    step = rng.uniform(*step)
    width = {"pickets": 0.08, "bars": 0.03, "rails": 0.12}[style]
    z = z1
    while z > max(z0, NEAR + 0.5):  # far to near, so nearer pickets cover farther ones
        canvas.post(x, z, 0, height, width, C["fence"], color)
        z -= step
    for fraction in (0.25, 0.6) if style != "rails" else (0.35, 0.7, 1.0):
        y = height * fraction
        canvas.face(side_quad(x, y - 0.04, y + 0.04, z0, z1), C["fence"], color, (-side, 0, 0))


def draw_hedge(canvas, rng, x, z0, z1, height, side):
    """A hedge along a lot: its street side, its top and its end toward the camera."""
    color = pick(rng, FOLIAGE_COLORS[:4])
    V = C["vegetation"]
    x_far = x + side * 0.8
    canvas.face(side_quad(x, 0, height, z0, z1), V, color, (-side, 0, 0), LEAFY)
    canvas.face(flat_quad(height, x, x_far, z0, z1), V, color, UP, LEAFY)
    canvas.face(front_quad(z0, x, x_far, 0, height), V, color, TOWARD_CAMERA, LEAFY)


def draw_guard_rail(canvas, rng, x, z0, z1):
    """A guard rail: a steel band on posts along the road edge."""
    G = C["guard rail"]
    side = np.sign(x) or 1
    z = z1
    while z > max(z0, NEAR + 0.5):
        canvas.post(x, z, 0, 0.75, 0.1, G, (0.45, 0.45, 0.45))
        z -= rng.uniform(2.0, 4.0) if z == z1 else 4.0
    canvas.face(side_quad(x, 0.45, 0.75, z0, z1), G, (0.70, 0.71, 0.72), (-side, 0.3, 0))
