"""Drawing buildings: city blocks with windows and shops, houses with roofs, overpasses."""

from __future__ import annotations

import numpy as np

from course.scenes.constants import GLASS, GLOW, NEAR, PLAIN, ROUGH, C
from course.scenes.geometry import DOWN, TOWARD_CAMERA, flat_quad, front_quad, side_quad
from course.scenes.palettes import BUILDING_COLORS, ROOF_COLORS, jitter, pick, scaled


def draw_building(canvas, rng, side, x_face, z0, z1, height, color, style, depth=14.0):
    """A block with a street facade (windows, shop fronts) and its end wall toward us."""
    B = C["building"]
    street_normal = (-side, 0, 0)
    x_back = x_face + side * depth
    drawn = canvas.face(side_quad(x_face, 0, height, z0, z1), B, color, street_normal, ROUGH)
    canvas.face(front_quad(z0, x_face, x_back, 0, height), B, scaled(color, 0.95), TOWARD_CAMERA, ROUGH)
    canvas.box_shadow(min(x_face, x_back), max(x_face, x_back), z0, z1, height)
    if not drawn:
        return
    lit = canvas.light.mood == "night"
    glass = np.clip(canvas.light.horizon * 0.55 + 0.05, 0, 1)  # windows mirror the sky
    floor_h, spacing = rng.uniform(2.9, 3.6), rng.uniform(2.2, 4.0)
    win_w, win_h = spacing * rng.uniform(0.35, 0.7), floor_h * rng.uniform(0.4, 0.6)
    n_cols = max(1, int((z1 - z0 - 0.8) / spacing))
    margin = ((z1 - z0) - n_cols * spacing) / 2
    for floor in range(1 if style == "shops" else 0, int((height - 0.8) / floor_h)):
        y0 = floor * floor_h + (floor_h - win_h) * 0.55
        for k in range(n_cols):
            zc = z0 + margin + (k + 0.5) * spacing
            if zc - win_w / 2 < NEAR + 0.5:
                continue
            pane = side_quad(x_face, y0, y0 + win_h, zc - win_w / 2, zc + win_w / 2)
            if lit and rng.random() < 0.45:
                canvas.face(pane, B, jitter(rng, (0.95, 0.8, 0.45), 0.1), texture=GLOW, min_pixels=1.5)
            else:
                tone = glass * rng.uniform(0.6, 1.1) if rng.random() < 0.7 else (0.12, 0.13, 0.15)
                canvas.face(pane, B, tone, street_normal, GLASS, min_pixels=1.5)
    if style == "shops":  # large shop windows and a band above them on the ground floor
        shop_w = rng.uniform(3, 6)
        zc = z0 + 1.0
        while zc + shop_w < z1 - 0.5:
            tone = (0.9, 0.8, 0.55) if lit else glass * rng.uniform(0.5, 0.9)
            canvas.face(side_quad(x_face, 0.4, 2.6, zc, zc + shop_w), B, tone, street_normal,
                        GLOW if lit else GLASS, min_pixels=1.5)
            zc += shop_w + rng.uniform(0.8, 2.0)
        canvas.face(side_quad(x_face, 2.8, 3.3, z0, z1), B, pick(rng, BUILDING_COLORS), street_normal,
                    PLAIN, min_pixels=0.5)
    canvas.face(side_quad(x_face, height - 0.6, height, z0, z1), B, scaled(color, 0.8), street_normal)


def draw_house(canvas, rng, side, x_face, z0, z1, height, color):
    """A house: walls, a pitched roof seen from the street, windows and a door."""
    B = C["building"]
    depth = rng.uniform(8, 12)
    draw_building(canvas, rng, side, x_face, z0, z1, height, color, "plain", depth)
    roof_h = rng.uniform(1.5, 3.5)
    x_ridge, top = x_face + side * depth / 2, height + roof_h
    slope = [(x_face, height, z0), (x_face, height, z1), (x_ridge, top, z1), (x_ridge, top, z0)]
    canvas.face(slope, B, pick(rng, ROOF_COLORS), (-side * 0.6, 0.8, 0), ROUGH)
    gable = [(x_face, height, z0), (x_face + side * depth, height, z0), (x_ridge, top, z0)]
    canvas.face(gable, B, scaled(color, 0.95), TOWARD_CAMERA, ROUGH)
    door = rng.uniform(z0 + 1, max(z0 + 1.1, z1 - 2))
    canvas.face(side_quad(x_face, 0, 2.1, door, door + 1.0), B, pick(rng, ROOF_COLORS), (-side, 0, 0),
                min_pixels=1.0)


def draw_bridge(canvas, rng, z, x_min, x_max, street):
    """An overpass across the street: pillars, the deck's underside, its face and railing."""
    B = C["bridge"]
    bottom, thick, deck = rng.uniform(5.0, 7.5), rng.uniform(1.0, 2.0), rng.uniform(8, 14)
    color = pick(rng, [(0.62, 0.60, 0.56), (0.50, 0.50, 0.50), (0.55, 0.45, 0.38)])
    for edge_x in (street.left - 1.5, street.right + 1.5):  # pillars beside the road
        for zp in (z + deck - 1.0, z + 0.2):
            canvas.face(front_quad(zp, edge_x - 0.5, edge_x + 0.5, 0, bottom), B, color, TOWARD_CAMERA, ROUGH)
    canvas.face(flat_quad(bottom, x_min, x_max, z, z + deck), B, scaled(color, 0.6), DOWN, ROUGH)
    canvas.face(front_quad(z, x_min, x_max, bottom, bottom + thick), B, color, TOWARD_CAMERA, ROUGH)
    top = bottom + thick
    canvas.face(front_quad(z, x_min, x_max, top, top + 1.0), B, scaled(color, 0.85), TOWARD_CAMERA)
    if canvas.light.direct > 0:  # the deck's shadow on the road
        canvas.ground_shadow(flat_quad(0, x_min, x_max, z, z + deck))
