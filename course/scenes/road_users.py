"""Drawing road users: cars, vans, trucks and buses, and pedestrians."""

from __future__ import annotations

import math

import numpy as np

from course.scenes.constants import GLASS, GLOW, PLAIN, C
from course.scenes.geometry import TOWARD_CAMERA, UP, flat_quad, front_quad, side_quad
from course.scenes.palettes import CAR_COLORS, CLOTHES_COLORS, SKIN_COLORS, pick, scaled


VEHICLE_SIZES = {  # kind -> ranges of (length, width, height) in metres
    "car": ((3.9, 4.9), (1.7, 1.9), (1.35, 1.6)),
    "van": ((4.8, 5.6), (2.0, 2.0), (2.0, 2.5)),
    "truck": ((7.0, 10.0), (2.4, 2.4), (3.0, 3.6)),
    "bus": ((10.0, 12.0), (2.5, 2.5), (3.2, 3.2)),
}
TYRE = (0.05, 0.05, 0.05)


def draw_vehicle(canvas, rng, x, z, facing, kind=None):
    """A car, van, truck or bus as boxes: body, glass, wheels, lights and number plate."""
    V = C["vehicle"]
    kind = kind or rng.choice(["car", "car", "car", "car", "van", "truck", "bus"])
    length, width, height = (rng.uniform(*limits) for limits in VEHICLE_SIZES[kind])
    color = pick(rng, CAR_COLORS, 0.05)
    cam_x = canvas.camera.position[0]
    x0, x1, z0, z1 = x - width / 2, x + width / 2, z, z + length
    belt = height * (0.58 if kind == "car" else 0.7)
    glass = np.clip(canvas.light.horizon * 0.45 + 0.05, 0, 1)
    canvas.box_shadow(x0 - 0.1, x1 + 0.1, z0 - 0.1, z1 + 0.1, 0.3)  # a dark patch under the car
    side_x = x0 if cam_x < x0 else (x1 if cam_x > x1 else None)
    if side_x is not None:  # the side we can see, with its windows and wheels
        normal = (-1, 0, 0) if side_x == x0 else (1, 0, 0)
        canvas.face(side_quad(side_x, 0.25, belt, z0, z1), V, color, normal)
        if kind == "car":
            cabin = [(side_x, belt, z0 + 0.3 * length), (side_x, belt, z0 + 0.92 * length),
                     (side_x, height, z0 + 0.78 * length), (side_x, height, z0 + 0.42 * length)]
            canvas.face(cabin, V, glass, normal, GLASS)
        else:
            canvas.face(side_quad(side_x, belt, height, z0, z1), V, color, normal)
            step, end = (1.6, z1) if kind == "bus" else (length, z0 + 2.0)
            zw = z0 + 0.3
            while zw + 1.0 < end:
                window = side_quad(side_x, belt + 0.1, height - 0.3, zw, zw + 1.2)
                canvas.face(window, V, glass, normal, GLASS, min_pixels=1)
                zw += step
        for zw in (z0 + 0.75, z1 - 0.85):
            angle = np.linspace(0, 2 * math.pi, 10, endpoint=False)
            wheel = [(side_x, 0.33 + 0.33 * math.sin(a), zw + 0.33 * math.cos(a)) for a in angle]
            canvas.face(wheel, V, TYRE, normal)
    if canvas.camera.position[1] > height:  # the roof, seen from above
        zr0, zr1 = (z0 + 0.42 * length, z0 + 0.78 * length) if kind == "car" else (z0, z1)
        inset = 0.12 if kind == "car" else 0.0
        canvas.face(flat_quad(height, x0 + inset, x1 - inset, zr0, zr1), V, color, UP)
    if kind == "car":  # boot lid (or bonnet), then the rear (or front) window
        lid = z0 + 0.3 * length
        canvas.face(flat_quad(belt, x0, x1, z0, lid), V, color, UP)
        screen = [(x0 + 0.12, belt, lid), (x1 - 0.12, belt, lid), (x1 - 0.12, height, z0 + 0.42 * length),
                  (x0 + 0.12, height, z0 + 0.42 * length)]
        canvas.face(screen, V, glass, (0, 0.5, -0.8), GLASS)
    # the face toward the camera: the rear of traffic going our way, the front of oncoming traffic
    canvas.face(front_quad(z0, x0, x1, 0.25, belt if kind == "car" else height), V, color, TOWARD_CAMERA)
    if kind != "car":
        tone = glass if facing < 0 or kind == "bus" else scaled(color, 0.85)
        window = front_quad(z0 - 0.01, x0 + 0.15, x1 - 0.15, belt, height - 0.2)
        canvas.face(window, V, tone, TOWARD_CAMERA, GLASS)
    for wx in (x0, x1 - 0.28):
        canvas.face(front_quad(z0 + 0.5, wx, wx + 0.28, 0, 0.3), V, TYRE, TOWARD_CAMERA)
    canvas.face(front_quad(z0 - 0.02, x0, x1, 0.2, 0.4), V, (0.12, 0.12, 0.12), TOWARD_CAMERA)  # bumper
    lamp = (0.9, 0.1, 0.08) if facing > 0 else (0.95, 0.95, 0.85)
    on = canvas.light.mood in ("night", "dusk", "fog") or rng.random() < 0.15
    for lx in (x0 + 0.08, x1 - 0.33):
        canvas.face(front_quad(z0 - 0.03, lx, lx + 0.25, belt - 0.25, belt - 0.08), V,
                    lamp if on else scaled(lamp, 0.6), TOWARD_CAMERA, GLOW if on else PLAIN)
    canvas.face(front_quad(z0 - 0.03, x - 0.25, x + 0.25, 0.45, 0.58), V, (0.9, 0.9, 0.85), TOWARD_CAMERA)


def draw_pedestrian(canvas, rng, x, z, crossing=False):
    """A person as a flat figure, facing the camera or walking sideways; children too."""
    P = C["pedestrian"]
    height = rng.uniform(1.5, 1.95) if rng.random() > 0.1 else rng.uniform(1.0, 1.3)
    shirt, trousers = pick(rng, CLOTHES_COLORS), pick(rng, CLOTHES_COLORS[:6])
    sideways = crossing or rng.random() < 0.5
    direction = rng.choice([-1, 1])
    hip, shoulder = 0.5 * height, 0.82 * height
    parts = []  # (corners in (x, y) metres, colour)
    if sideways:
        stride = rng.uniform(0.0, 0.35) * height
        for k, s in enumerate((-1, 1)):
            foot = x + s * stride / 2
            parts.append(([(x - 0.07, hip), (x + 0.07, hip), (foot + 0.06, 0), (foot - 0.08, 0)],
                          scaled(trousers, 0.85 if k else 1.0)))
        torso = [(x - 0.13, hip - 0.05), (x + 0.13, hip - 0.05), (x + 0.12, shoulder), (x - 0.12, shoulder)]
        parts.append((torso, shirt))
        hand = x + stride * 0.6 * direction
        top = shoulder - 0.02
        arm = [(x - 0.04, top), (x + 0.04, top), (hand + 0.04, hip), (hand - 0.04, hip)]
        parts.append((arm, scaled(shirt, 0.85)))
    else:
        for s in (-1, 1):
            leg = [(x + s * 0.03, hip), (x + s * 0.17, hip), (x + s * 0.15, 0), (x + s * 0.05, 0)]
            parts.append((leg, trousers))
        torso = [(x - 0.2, hip - 0.05), (x + 0.2, hip - 0.05), (x + 0.22, shoulder), (x - 0.22, shoulder)]
        parts.append((torso, shirt))
        for s in (-1, 1):
            arm = [(x + s * 0.2, shoulder), (x + s * 0.28, shoulder - 0.02), (x + s * 0.27, hip - 0.02),
                   (x + s * 0.21, hip - 0.02)]
            parts.append((arm, scaled(shirt, 0.9)))
    head = 0.065 * height
    hair = [(x - head, shoulder + head * 1.5), (x + head, shoulder + head * 1.5),
            (x + head * 0.7, shoulder + head * 2.4), (x - head * 0.7, shoulder + head * 2.4)]
    if rng.random() < 0.25:  # a bag or backpack
        near, far = x + direction * 0.12, x + direction * 0.32
        bag = [(near, hip), (far, hip), (far, hip + 0.3), (near, hip + 0.3)]
        parts.append((bag, pick(rng, CLOTHES_COLORS)))
    for corners, color in parts:
        canvas.face([(px, py, z) for px, py in corners], P, color, TOWARD_CAMERA)
    canvas.disc((x, shoulder + head * 1.4, z), head, P, pick(rng, SKIN_COLORS, 0.04), sides=10)
    hair_color = pick(rng, [(0.1, 0.07, 0.05), (0.35, 0.22, 0.1), (0.75, 0.6, 0.35), (0.5, 0.5, 0.5)])
    canvas.face([(px, py, z - 0.01) for px, py in hair], P, hair_color, TOWARD_CAMERA)
    canvas.box_shadow(x - 0.2, x + 0.2, z - 0.15, z + 0.15, height)
