"""Drawing street furniture: lamps, signs, traffic lights, benches and shelters, cones and bins."""

from __future__ import annotations

import math

import numpy as np

from course.scenes.constants import GLASS, GLOW, PLAIN, ROUGH, C
from course.scenes.geometry import DOWN, TOWARD_CAMERA, UP, flat_quad, front_quad, side_quad
from course.scenes.palettes import pick, scaled


def draw_street_lamp(canvas, rng, x, z, side, night):
    """A lamp post with an arm over the road; lit, with a pool of light, at night."""
    height = rng.uniform(6.5, 9.0)
    color = pick(rng, [(0.35, 0.36, 0.38), (0.55, 0.55, 0.55), (0.15, 0.18, 0.16)])
    canvas.post(x, z, 0, height, 0.18, C["pole"], color)
    end = x - side * rng.uniform(1.2, 2.5)
    canvas.face(front_quad(z, x, end, height - 0.1, height + 0.05), C["pole"], color, UP)
    head = front_quad(z, end - 0.3, end + 0.3, height - 0.25, height)
    canvas.face(head, C["pole"], (1.0, 0.9, 0.6) if night else color, DOWN, GLOW if night else PLAIN)
    if night:
        canvas.ground_glow(end, z, rng.uniform(3, 5))
    canvas.box_shadow(x - 0.1, x + 0.1, z - 0.1, z + 0.1, height)


# sign shape -> (outer colour, inner colour, corners, rotation, width / height)
SIGNS = {
    "round": ((0.80, 0.08, 0.08), (0.95, 0.95, 0.95), 14, 0.0, 1.0),
    "triangle": ((0.85, 0.10, 0.10), (0.95, 0.95, 0.92), 3, math.pi / 2, 1.0),
    "square": ((0.10, 0.30, 0.70), (0.95, 0.95, 0.95), 4, math.pi / 4, 1.0),
    "diamond": ((0.95, 0.80, 0.10), (0.15, 0.15, 0.15), 4, 0.0, 1.0),
    "plate": ((0.10, 0.45, 0.25), (0.95, 0.95, 0.95), 4, math.pi / 4, 2.0),
}


def draw_sign(canvas, rng, x, z):
    """A traffic sign on a post; some are seen from behind (a plain grey plate)."""
    height = rng.uniform(2.0, 2.8)
    canvas.post(x, z, 0, height, 0.07, C["pole"], (0.55, 0.56, 0.58))
    size = rng.uniform(0.3, 0.45)
    outer, inner, corners, turn, stretch = SIGNS[rng.choice(list(SIGNS))]
    if rng.random() < 0.15:
        outer, inner = (0.55, 0.55, 0.55), None
    angle = turn + np.linspace(0, 2 * math.pi, corners, endpoint=False)
    for radius, color in ((size, outer), (size * 0.72, inner)):
        if color is not None:
            middle = height + size * 0.6
            plate = [(x + radius * math.cos(a) * stretch, middle + radius * math.sin(a), z) for a in angle]
            canvas.face(plate, C["traffic sign"], color, TOWARD_CAMERA)


def draw_traffic_light(canvas, rng, x, z, side, overhead, night):
    """A traffic light on a pole at a corner, and sometimes a second one on an arm over the road."""
    T = C["traffic light"]
    height = rng.uniform(3.0, 4.2)
    pole_color = pick(rng, [(0.35, 0.36, 0.38), (0.20, 0.30, 0.22), (0.55, 0.55, 0.55)])
    canvas.post(x, z, 0, height + (2.0 if overhead else 0), 0.16, C["pole"], pole_color)
    housings = [(x, height)]
    if overhead:
        top, end = height + 1.8, x - side * rng.uniform(3.5, 6.5)
        canvas.face(front_quad(z, x, end, top, top + 0.15), C["pole"], pole_color, UP)
        housings.append((end, top - 1.1))
    body = pick(rng, [(0.08, 0.08, 0.08), (0.20, 0.28, 0.20), (0.75, 0.62, 0.15)], 0.05)
    state = int(rng.integers(3))
    for hx, y0 in housings:
        canvas.face(side_quad(hx - 0.17, y0, y0 + 1.0, z, z + 0.3), T, body, (-1, 0, 0))
        canvas.face(front_quad(z, hx - 0.17, hx + 0.17, y0, y0 + 1.0), T, body, TOWARD_CAMERA)
        for k, lamp in enumerate([(1.0, 0.15, 0.1), (1.0, 0.7, 0.1), (0.2, 1.0, 0.4)]):
            on = k == state
            center = (hx, y0 + 0.83 - k * 0.32, z - 0.01)
            canvas.disc(center, 0.11, T, lamp if on else scaled(lamp, 0.2), texture=GLOW if on else PLAIN,
                        sides=8)


def draw_static(canvas, rng, x, z, side):
    """Fixed street furniture: a bench, a bus shelter, bollards or a utility box."""
    S = C["static"]
    kind = rng.choice(["bench", "shelter", "bollards", "box"])
    inward = (-side, 0, 0)
    if kind == "bench":
        color = pick(rng, [(0.45, 0.30, 0.18), (0.25, 0.35, 0.25), (0.4, 0.4, 0.42)])
        canvas.face(flat_quad(0.45, x - 0.3, x + 0.3, z, z + 1.6), S, color, UP)
        for leg in (z, z + 1.5):
            canvas.post(x, leg, 0, 0.45, 0.08, S, (0.2, 0.2, 0.2))
        canvas.face(side_quad(x + side * 0.3, 0.5, 0.9, z, z + 1.6), S, color, inward)
    elif kind == "shelter":
        frame = (0.3, 0.32, 0.35)
        x_back, x_roof = x + side * 1.4, x - side * 0.2
        glass = tuple(np.clip(canvas.light.horizon * 0.6 + 0.2, 0, 1))
        canvas.face(side_quad(x_back, 0.1, 2.3, z, z + 3.5), S, glass, inward, GLASS)
        canvas.face(front_quad(z, x, x_back, 0.1, 2.3), S, glass, TOWARD_CAMERA, GLASS)
        canvas.face(front_quad(z - 0.2, x_roof, x_back, 2.3, 2.5), S, frame, TOWARD_CAMERA)
        canvas.face(side_quad(x_roof, 2.3, 2.5, z - 0.2, z + 3.7), S, frame, inward)
        for post_x in (x, x_back):
            canvas.post(post_x, z, 0, 2.4, 0.08, S, frame)
    elif kind == "bollards":
        for k in range(int(rng.integers(3, 7))):
            canvas.post(x, z + 6 - k * 1.5, 0, 0.9, 0.15, S, (0.3, 0.3, 0.3))
    else:
        color = pick(rng, [(0.35, 0.45, 0.38), (0.6, 0.6, 0.58), (0.2, 0.22, 0.3)])
        canvas.face(front_quad(z, x - 0.4, x + 0.4, 0, 1.3), S, color, TOWARD_CAMERA, ROUGH)
        x_side = x - 0.4 if canvas.camera.position[0] < x else x + 0.4
        canvas.face(side_quad(x_side, 0, 1.3, z, z + 0.5), S, color, inward, ROUGH)


def draw_dynamic(canvas, rng, x, z, on_road):
    """Movable things: a row of traffic cones on the road, wheelie bins on the sidewalk."""
    D = C["dynamic"]
    if on_road:
        for k in range(int(rng.integers(3, 7))):
            zc, xc = z + k * rng.uniform(1.5, 3.0), x + rng.normal(0, 0.15)
            cone = [(xc - 0.18, 0, zc), (xc + 0.18, 0, zc), (xc + 0.03, 0.7, zc), (xc - 0.03, 0.7, zc)]
            canvas.face(cone, D, (0.95, 0.45, 0.1), TOWARD_CAMERA)
            zs = zc - 0.01
            stripe = [(xc - 0.11, 0.35, zs), (xc + 0.11, 0.35, zs),
                      (xc + 0.08, 0.48, zs), (xc - 0.08, 0.48, zs)]
            canvas.face(stripe, D, (0.95, 0.95, 0.95), TOWARD_CAMERA)
        return
    color = pick(rng, [(0.15, 0.35, 0.2), (0.3, 0.3, 0.32), (0.15, 0.25, 0.55), (0.55, 0.4, 0.15)])
    for k in range(int(rng.integers(1, 4))):
        zb = z + k * 0.8
        body = [(x - 0.3, 0, zb), (x + 0.3, 0, zb), (x + 0.32, 1.05, zb), (x - 0.32, 1.05, zb)]
        canvas.face(body, D, color, TOWARD_CAMERA, ROUGH)
        back = zb + 0.7
        lid = [(x - 0.34, 1.05, zb), (x + 0.34, 1.05, zb), (x + 0.34, 1.12, back), (x - 0.34, 1.12, back)]
        canvas.face(lid, D, scaled(color, 0.8), UP)
