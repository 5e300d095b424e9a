"""Drawing trees and the far horizon: hills, tree lines and a city skyline."""

from __future__ import annotations

import math

import numpy as np

from course.scenes.constants import LEAFY, ROUGH, C
from course.scenes.geometry import TOWARD_CAMERA, front_quad
from course.scenes.palettes import BUILDING_COLORS, FOLIAGE_COLORS, jitter, pick


def draw_tree(canvas, rng, x, z, size=1.0, conifer=False):
    """A tree: a trunk and a crown of overlapping blobs, or tiers of a conifer."""
    V = C["vegetation"]
    trunk_h = rng.uniform(1.8, 3.2) * size
    canvas.post(x, z, 0, trunk_h + 0.8 * size, 0.25 * size, V, jitter(rng, (0.30, 0.22, 0.15)), ROUGH)
    color = pick(rng, FOLIAGE_COLORS if not conifer else FOLIAGE_COLORS[:3])
    if conifer:
        for k in range(4):
            y0, half = trunk_h * 0.5 + k * 1.4 * size, (4 - k) * 0.7 * size
            tier = [(x - half, y0, z), (x + half, y0, z), (x, y0 + 2.2 * size, z)]
            canvas.face(tier, V, jitter(rng, color, 0.1), TOWARD_CAMERA, LEAFY)
        canvas.box_shadow(x - 1.5 * size, x + 1.5 * size, z - 1, z + 1, trunk_h + 4 * size)
        return
    radius = rng.uniform(1.4, 2.6) * size
    cy = trunk_h + radius * 0.8
    for _ in range(int(rng.integers(5, 9))):
        offset = rng.normal(0, 0.45 * radius, 2)
        blob = (x + offset[0], cy + offset[1] * 0.7, z - 0.2 * rng.random())
        canvas.disc(blob, radius * rng.uniform(0.45, 0.75), V, jitter(rng, color, 0.12), texture=LEAFY)
    canvas.box_shadow(x - radius, x + radius, z - radius, z + radius, cy + radius)


def draw_horizon(canvas, rng, kind):
    """Far things at the horizon: hills, a tree line or a city skyline."""
    cam = canvas.camera
    if kind in ("rural", "suburb") and rng.random() < 0.8:
        far, xs = 900.0, np.linspace(-4000, 4000, 40)
        phase = rng.uniform(0, 2 * math.pi, 3)
        heights = 25 + 20 * np.sin(xs / 700 + phase[0]) + 12 * np.sin(xs / 230 + phase[1])
        heights = (heights + 6 * np.sin(xs / 90 + phase[2])) * rng.uniform(0.5, 2.0)
        outline = [(x, y, far) for x, y in zip(xs, heights)] + [(4000, -40, far), (-4000, -40, far)]
        forest = rng.random() < 0.5
        color = jitter(rng, (0.35, 0.45, 0.30) if forest else (0.50, 0.52, 0.38), 0.1)
        canvas.face(outline, C["vegetation"] if forest else C["terrain"], color, TOWARD_CAMERA, ROUGH)
    if kind == "city":
        for _ in range(int(rng.integers(10, 25))):
            z = rng.uniform(250, 500)
            x = rng.uniform(-1.2, 1.2) * z * cam.width / cam.focal / 2 + cam.position[0]
            tower = front_quad(z, x, x + rng.uniform(15, 50), -5, rng.uniform(20, 120))
            canvas.face(tower, C["building"], pick(rng, BUILDING_COLORS, 0.1), TOWARD_CAMERA, ROUGH)
    if kind != "city" and rng.random() < 0.7:
        z = rng.uniform(120, 300)
        xs = np.linspace(-z * 2, z * 2, 60)
        tops = rng.uniform(8, 16) + 3 * rng.normal(0, 1, 60)
        outline = [(x, y, z) for x, y in zip(xs, tops)] + [(xs[-1], -1, z), (xs[0], -1, z)]
        canvas.face(outline, C["vegetation"], pick(rng, FOLIAGE_COLORS[:3]), TOWARD_CAMERA, LEAFY)
