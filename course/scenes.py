"""Generate CARLA-style street scenes: RGB images with pixel-exact class masks.

Each scene is a forward-looking view along a straight street, seen through a pinhole camera
with a random height, pitch, yaw and focal length. Objects are described in metres in the
world and projected into the picture, so the road narrows to a vanishing point and things
shrink with distance. Drawing happens once, into a buffer of *instance numbers* (painter's
order, far to near); every instance has one class id and one look. The mask and the image
are both read from that buffer, so every pixel's label is exact by construction. The image
then gets what the mask must not: lighting, shadows, textures, haze, blur and sensor noise.

    python -m course.scenes --out data/generated/mine --count 200 --seed 7

Only NumPy and Pillow are used, so the generator runs without TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from course.classes import CLASS_IDS, CLASS_NAMES, NUM_CLASSES
from course.data import IMAGE_DIR, MASK_DIR

# Bump when the pictures change for a given seed, so stale generated sets are rebuilt.
GENERATOR_VERSION = 1

# The default set: about as many pairs as the real CARLA set; twice the training size
# (96 x 128) in each direction, which keeps the files small and the resize exact.
DEFAULT_COUNT = 1000
DEFAULT_HEIGHT = 192
DEFAULT_WIDTH = 256
DEFAULT_SEED = 0

MANIFEST_NAME = "manifest.json"
PNG_COMPRESS_LEVEL = 6  # fixed, so equal pixels always give equal bytes

C = CLASS_IDS  # short alias: C["road"] == 7
NEAR = 0.3  # near clipping distance in metres

# Texture kinds of an instance (rows of the per-image texture fields).
PLAIN, ROUGH, LEAFY, GLASS, GLOW = range(5)

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


# --------------------------------------------------------------------------------------
# Camera and lighting
# --------------------------------------------------------------------------------------


class Camera:
    """A pinhole camera at (x, height, 0) looking along +z, turned by yaw and pitch."""

    def __init__(self, height, width, rng, cam_x, cam_height):
        self.height, self.width = height, width
        self.focal = width * rng.uniform(0.55, 0.85)
        self.cx, self.cy = (width - 1) / 2, (height - 1) / 2
        self.horizon = height * rng.uniform(0.34, 0.50)  # row of the horizon
        pitch = math.atan((self.cy - self.horizon) / self.focal)  # > 0: looking down
        yaw = math.radians(rng.normal(0.0, 4.0))
        cy_, sy_, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
        yaw_m = np.array([[cy_, 0, -sy_], [0, 1, 0], [sy_, 0, cy_]])
        pitch_m = np.array([[1, 0, 0], [0, cp, sp], [0, -sp, cp]])
        self.rotation = pitch_m @ yaw_m  # world direction -> camera direction
        self.position = np.array([cam_x, cam_height, 0.0])

    def to_camera(self, points):
        return (np.asarray(points, dtype=np.float64) - self.position) @ self.rotation.T

    def to_pixels(self, camera_points):
        z = camera_points[..., 2]
        u = self.cx + self.focal * camera_points[..., 0] / z
        v = self.cy - self.focal * camera_points[..., 1] / z
        return np.stack([u, v], axis=-1)

    def rays(self):
        """World direction of every pixel centre, shape (H, W, 3)."""
        u = (np.arange(self.width) - self.cx) / self.focal
        v = (self.cy - np.arange(self.height)) / self.focal
        d = np.empty((self.height, self.width, 3))
        d[..., 0], d[..., 1], d[..., 2] = u[None, :], v[:, None], 1.0
        return d @ self.rotation  # inverse rotation = transpose

    def pixel_size(self, depth):
        """Metres covered by one pixel at the given depth."""
        return depth / self.focal


class Light:
    """Time of day: sun direction, ambient and direct light, sky and haze colours."""

    def __init__(self, rng):
        mood = rng.choice(
            ["noon", "afternoon", "dusk", "overcast", "night", "fog"],
            p=[0.28, 0.22, 0.14, 0.16, 0.10, 0.10],
        )
        self.mood = mood
        azimuth = math.radians(rng.uniform(-180, 180))
        elevation = {"noon": (45, 70), "afternoon": (18, 40), "dusk": (3, 12)}.get(mood, (30, 60))
        elevation = math.radians(rng.uniform(*elevation))
        self.sun = np.array(
            [
                math.cos(elevation) * math.sin(azimuth),
                math.sin(elevation),
                math.cos(elevation) * math.cos(azimuth),
            ]
        )
        j = lambda c, a=0.06: np.clip(np.array(c) * (1 + rng.normal(0, a, 3)), 0, 1)  # noqa: E731
        if mood in ("noon", "afternoon"):
            self.ambient, self.direct = rng.uniform(0.45, 0.6), rng.uniform(0.45, 0.65)
            self.zenith, self.horizon = j((0.22, 0.42, 0.78)), j((0.66, 0.78, 0.92))
            self.tint = np.array((1.0, 1.0, 1.0)) if mood == "noon" else j((1.05, 1.0, 0.92), 0.02)
            self.visibility = rng.uniform(400, 2500)
            self.clouds = rng.uniform(0.0, 0.6)
        elif mood == "dusk":
            self.ambient, self.direct = rng.uniform(0.35, 0.45), rng.uniform(0.5, 0.7)
            self.zenith, self.horizon = j((0.25, 0.28, 0.50)), j((0.98, 0.62, 0.38))
            self.tint = j((1.15, 0.88, 0.68), 0.03)
            self.visibility = rng.uniform(300, 1200)
            self.clouds = rng.uniform(0.1, 0.6)
        elif mood == "night":
            self.ambient, self.direct = rng.uniform(0.22, 0.35), 0.0
            self.zenith, self.horizon = j((0.02, 0.03, 0.08)), j((0.12, 0.12, 0.20))
            self.tint = j((0.85, 0.90, 1.1), 0.03)
            self.visibility = rng.uniform(300, 1000)
            self.clouds = rng.uniform(0.0, 0.3)
        else:  # overcast and fog: no direct sun, grey sky close to grey buildings and road
            self.ambient, self.direct = rng.uniform(0.8, 0.95), 0.0
            grey = rng.uniform(0.62, 0.80)
            self.zenith, self.horizon = j((grey - 0.08,) * 3, 0.03), j((grey,) * 3, 0.03)
            self.tint = j((0.97, 0.99, 1.02), 0.02)
            self.visibility = rng.uniform(50, 140) if mood == "fog" else rng.uniform(250, 900)
            self.clouds = rng.uniform(0.3, 0.8)
        self.casts_shadows = self.direct > 0 and self.sun[1] > 0.02
        self.exposure = rng.uniform(0.85, 1.2)

    def shade(self, normal):
        return self.ambient + self.direct * max(0.0, float(np.dot(normal, self.sun)))


# --------------------------------------------------------------------------------------
# The instance canvas
# --------------------------------------------------------------------------------------


def _clip_near(points):
    """Clip a polygon given in camera coordinates to the part in front of the near plane."""
    inside = points[:, 2] >= NEAR
    if inside.all():
        return points
    out = []
    for i in range(len(points)):
        a, b = points[i], points[(i + 1) % len(points)]
        if inside[i]:
            out.append(a)
        if inside[i] != inside[(i + 1) % len(points)]:
            t = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out)


class Canvas:
    """Draws polygons as instance numbers; each instance has a class and a look."""

    def __init__(self, camera, light):
        self.camera, self.light = camera, light
        size = (camera.width, camera.height)
        self.buffer = Image.new("I", size, 0)
        self.draw = ImageDraw.Draw(self.buffer)
        self.shadow = Image.new("L", size, 0)
        self.shadow_draw = ImageDraw.Draw(self.shadow)
        self.lamps = []  # (x, z, radius) of light pools on the ground at night
        # instance 0 = the background (ground and sky), computed per pixel elsewhere
        self.classes, self.colors, self.shades = [0], [(0, 0, 0)], [1.0]
        self.textures, self.depths = [0], [0.0]

    def new(self, class_id, color, shade, texture, depth):
        self.classes.append(class_id)
        self.colors.append(tuple(color))
        self.shades.append(shade)
        self.textures.append(texture)
        self.depths.append(depth)
        return len(self.classes) - 1

    def project(self, world_points):
        """Pixels of a world polygon after near clipping (None when nothing is in front)."""
        pc = _clip_near(self.camera.to_camera(world_points))
        if len(pc) < 3:
            return None, 0.0
        return self.camera.to_pixels(pc), float(pc[:, 2].min())

    def face(self, world_points, class_id, color, normal=None, texture=PLAIN, min_pixels=0.0):
        """Draw one planar polygon given in world metres; returns False when not drawn."""
        pixels, depth = self.project(world_points)
        if pixels is None:
            return False
        if min_pixels and np.ptp(pixels[:, 1]) < min_pixels:
            return False
        shade = 1.0 if texture == GLOW else (self.light.shade(normal) if normal is not None else 1.0)
        instance = self.new(class_id, color, shade, texture, depth)
        self.draw.polygon([tuple(p) for p in pixels], fill=instance)
        return True

    def disc(self, center, radius, class_id, color, normal=(0, 0, -1), texture=PLAIN, sides=12):
        """A vertical disc facing the camera (heads, wheels seen from behind, tree crowns)."""
        angle = np.linspace(0, 2 * math.pi, sides, endpoint=False)
        pts = np.stack(
            [center[0] + radius * np.cos(angle), center[1] + radius * np.sin(angle),
             np.full(sides, center[2])],
            axis=1,
        )
        return self.face(pts, class_id, color, normal, texture)

    def post(self, x, z, bottom, top, width, class_id, color, texture=PLAIN):
        """A thin vertical post that stays at least one pixel wide at any distance."""
        pc = self.camera.to_camera([(x, bottom, z), (x, top, z)])
        if pc[0, 2] < NEAR:
            return False
        (ub, vb), (ut, vt) = self.camera.to_pixels(pc)
        # Pillow fills a polygon's edge pixels too (about one pixel wider than its corners
        # say), so take half a pixel off each side; a zero-width post is still one pixel wide
        half = max(0.5 * width * self.camera.focal / pc[0, 2] - 0.5, 0.0)
        normal = (-np.sign(x - self.camera.position[0]), 0, 0)
        instance = self.new(class_id, color, self.light.shade(normal) * 1.05, texture, float(pc[0, 2]))
        self.draw.polygon([(ub - half, vb), (ub + half, vb), (ut + half, vt), (ut - half, vt)], fill=instance)
        return True

    def ground_shadow(self, world_points):
        pixels, _ = self.project(world_points)
        if pixels is not None:
            self.shadow_draw.polygon([tuple(p) for p in pixels], fill=1)

    def box_shadow(self, x0, x1, z0, z1, top):
        """Shadow on the ground of an upright box, when the sun is out."""
        if not self.light.casts_shadows:
            return
        sun = self.light.sun
        dx, dz = -top * sun[0] / sun[1], -top * sun[2] / sun[1]
        if abs(dx) > 80 or abs(dz) > 80:  # very low sun: clamp the shadow length
            scale = 80 / max(abs(dx), abs(dz))
            dx, dz = dx * scale, dz * scale
        corners = [(x0, z0), (x1, z0), (x1, z1), (x0, z1)]
        pts = corners + [(x + dx, z + dz) for x, z in corners]
        hull = _convex_hull(pts)
        self.ground_shadow([(x, 0.0, z) for x, z in hull])

    def ground_glow(self, x, z, radius):
        self.lamps.append((x, z, radius))


def _convex_hull(points):
    """Convex hull of 2-D points (monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _jitter(rng, color, amount=0.07):
    return tuple(np.clip(np.asarray(color) * rng.uniform(1 - amount, 1 + amount, 3), 0, 1))


def _pick(rng, palette, amount=0.07):
    return _jitter(rng, palette[rng.integers(len(palette))], amount)


# --------------------------------------------------------------------------------------
# The street: lanes, sidewalks, verges; the background layer (ground and sky per pixel)
# --------------------------------------------------------------------------------------


class Street:
    """Cross-section of the street and where the camera sits in it (metres)."""

    def __init__(self, rng, kind):
        self.kind = kind
        self.lane = rng.uniform(3.0, 3.7)
        one_way = kind == "city" and rng.random() < 0.2
        n_right = int(rng.integers(1, 3)) if kind == "city" else 1
        n_left = 0 if one_way else (int(rng.integers(1, 3)) if kind == "city" else 1)
        if one_way:
            n_right = int(rng.integers(2, 4))
        self.n_left, self.n_right = n_left, n_right
        self.left, self.right = -n_left * self.lane, n_right * self.lane  # road edges
        lane_index = int(rng.integers(n_right))
        self.cam_x = self.right - (lane_index + 0.5) * self.lane + rng.normal(0, 0.25)
        self.cam_height = rng.uniform(1.2, 2.4)
        # markings: (x, half width, dash period, dash length, colour name)
        self.markings = []
        yellow = rng.random() < 0.35
        if n_left and n_right:
            if rng.random() < 0.5:
                self.markings += [(-0.12, 0.06, 0, 0, "yellow" if yellow else "white"),
                                  (0.12, 0.06, 0, 0, "yellow" if yellow else "white")]
            else:
                self.markings.append((0.0, 0.07, rng.uniform(8, 14), rng.uniform(3, 5), "white"))
        for k in range(1, n_right):
            self.markings.append((self.right - k * self.lane, 0.07, 12.0, rng.uniform(3, 5), "white"))
        for k in range(1, n_left):
            self.markings.append((self.left + k * self.lane, 0.07, 12.0, rng.uniform(3, 5), "white"))
        if kind == "rural" or rng.random() < 0.4:
            self.markings += [(self.left + 0.3, 0.08, 0, 0, "white"), (self.right - 0.3, 0.08, 0, 0, "white")]
        self.dash_phase = rng.uniform(0, 20)
        # cross-section beyond each road edge: list of (width, surface); the last is unbounded
        self.sides = {}
        self.building_line = {}
        for side in (-1, 1):
            if kind == "city":
                bands = [(0.2, "curb"), (rng.uniform(2.5, 5.5), "paving")]
            elif kind == "suburb":
                bands = [(0.2, "curb")]
                if rng.random() < 0.6:
                    bands.append((rng.uniform(0.8, 2.5), "grass"))
                bands += [(rng.uniform(1.5, 2.5), "paving")]
            else:
                bands = [(rng.uniform(0.5, 2.0), "gravel")]
            self.building_line[side] = sum(w for w, _ in bands)
            lot = {"city": "paving", "suburb": "grass", "rural": "grass"}[kind]
            if kind == "city" and rng.random() < 0.3:
                lot = "lot"
            bands.append((1e9, lot))
            self.sides[side] = bands
        self.intersection = None  # (z_start, width)
        if kind != "rural" and rng.random() < 0.5:
            self.intersection = (rng.uniform(14, 60), rng.uniform(9, 16))
        self.crosswalk = self.intersection is not None and rng.random() < 0.8
        self.rail_side = int(rng.choice([-1, 1])) if kind == "rural" and rng.random() < 0.3 else 0
        self.rail_offset = rng.uniform(4, 12)
        self.water = None
        if kind == "rural" and rng.random() < 0.45:
            self.water = (int(rng.choice([-1, 1])), rng.uniform(5, 25))

    def edge(self, side):
        return self.right if side > 0 else self.left

    def in_intersection(self, z, margin=0.0):
        if self.intersection is None:
            return False
        z0, width = self.intersection
        return z0 - margin < z < z0 + width + margin


# surface name -> (class, base colour)
SURFACES = {
    "asphalt": ("road", (0.30, 0.30, 0.32)),
    "white": ("road line", (0.85, 0.85, 0.82)),
    "yellow": ("road line", (0.85, 0.68, 0.15)),
    "curb": ("sidewalk", (0.68, 0.67, 0.64)),
    "paving": ("sidewalk", (0.58, 0.57, 0.55)),
    "grass": ("terrain", (0.36, 0.46, 0.20)),
    "gravel": ("ground", (0.52, 0.48, 0.42)),
    "lot": ("ground", (0.42, 0.40, 0.38)),
    "rail": ("rail track", (0.40, 0.36, 0.32)),
    "water": ("water", (0.25, 0.35, 0.45)),
}
SURFACE_NAMES = list(SURFACES)


def _value_noise(grid, x, y):
    """Smooth noise: bilinear lookup of a random grid at real-valued (wrapped) positions."""
    n = grid.shape[0]
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
    x0, y0 = x0.astype(np.int64) % n, y0.astype(np.int64) % n
    x1, y1 = (x0 + 1) % n, (y0 + 1) % n
    top = grid[y0, x0] * (1 - fx) + grid[y0, x1] * fx
    bottom = grid[y1, x0] * (1 - fx) + grid[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def _background(rng, camera, light, street):
    """Per-pixel class, colour and depth of the ground and the sky."""
    h, w = camera.height, camera.width
    rays = camera.rays()
    cls = np.full((h, w), C["sky"], np.uint8)
    rgb = np.zeros((h, w, 3))
    depth = np.zeros((h, w))
    grid = rng.normal(0, 1, (64, 64))

    # sky: gradient by elevation, clouds, a glow around a low sun
    norm = np.linalg.norm(rays, axis=-1)
    elevation = rays[..., 1] / norm
    t = np.clip(elevation / 0.45, 0, 1) ** 0.7
    sky = light.horizon * (1 - t[..., None]) + light.zenith * t[..., None]
    cloud_u = rays[..., 0] / np.maximum(rays[..., 1], 0.02) * 1.5
    cloud_v = rays[..., 2] / np.maximum(rays[..., 1], 0.02) * 1.5
    cloud = _value_noise(grid, cloud_u, cloud_v) + 0.5 * _value_noise(grid, cloud_u * 2.7 + 9, cloud_v * 2.7)
    cover = np.clip((cloud - (1.2 - 2.0 * light.clouds)) / 0.9, 0, 1) * np.clip(elevation * 12, 0, 1)
    cloud_color = np.clip(light.horizon * 1.25 + 0.1, 0, 1) if light.mood != "night" else light.horizon * 1.3
    sky = sky * (1 - cover[..., None]) + cloud_color * cover[..., None]
    if light.mood in ("dusk", "afternoon"):
        closeness = np.clip((rays @ light.sun) / norm, 0, 1)
        sky = sky + (np.array((1.0, 0.8, 0.5)) * 0.6 * closeness[..., None] ** 12)
    rgb[:] = sky

    # ground: intersect each downward ray with the plane y = 0
    down = rays[..., 1] < -1e-4
    t_hit = camera.position[1] / -rays[..., 1][down]
    gx = camera.position[0] + t_hit * rays[..., 0][down]
    gz = t_hit * rays[..., 2][down]
    surface = np.full(gx.shape, SURFACE_NAMES.index("asphalt"))
    inside = (gx >= street.left) & (gx <= street.right)
    beyond = np.where(gx > 0, gx - street.right, street.left - gx)  # metres past the road edge
    for side in (-1, 1):
        on_side = ~inside & ((gx > 0) if side > 0 else (gx < 0))
        start = 0.0
        for width, name in street.sides[side]:
            band = on_side & (beyond >= start) & (beyond < start + width)
            surface[band] = SURFACE_NAMES.index(name)
            start += width
    if street.rail_side:
        side_ok = (gx > 0) if street.rail_side > 0 else (gx < 0)
        rail = side_ok & (beyond >= street.rail_offset) & (beyond < street.rail_offset + 3.2)
        surface[rail] = SURFACE_NAMES.index("rail")
    if street.water:
        side, start = street.water
        side_ok = (gx > 0) if side > 0 else (gx < 0)
        surface[side_ok & (beyond >= start)] = SURFACE_NAMES.index("water")
    crossing = np.zeros(gx.shape, bool)
    if street.intersection is not None:
        z0, width = street.intersection
        crossing = (gz >= z0) & (gz < z0 + width)
        surface[crossing & ~inside & (beyond < 40)] = SURFACE_NAMES.index("asphalt")
        mid = (np.abs(gz - (z0 + width / 2)) < np.maximum(0.07, 0.5 * camera.pixel_size(gz))) & ((gx % 6) < 3)
        surface[crossing & ~inside & mid & (beyond < 40)] = SURFACE_NAMES.index("white")
    # lane markings stay at least about one pixel wide, so they survive as thin lines
    min_half = 0.55 * camera.pixel_size(gz)
    for x, half, period, dash, color in street.markings:
        hit = inside & ~crossing & (np.abs(gx - x) < np.maximum(half, min_half))
        if period:
            hit &= ((gz + street.dash_phase) % period) < dash
        surface[hit] = SURFACE_NAMES.index(color)
    if street.crosswalk:
        z0, _ = street.intersection
        stripes = inside & (gz > z0 - 4.5) & (gz < z0 - 1.0) & (((gx - street.left) % 1.2) < 0.6)
        stop = (gx > 0) & inside & (gz > z0 - 5.4) & (gz < z0 - 4.9)
        surface[stripes | stop] = SURFACE_NAMES.index("white")

    classes = np.array([C[SURFACES[name][0]] for name in SURFACE_NAMES], np.uint8)
    # jitter brightness strongly, hue a little (white lines must stay white)
    base = np.array([np.clip(np.array(SURFACES[name][1]) * rng.uniform(0.8, 1.2), 0, 1)
                     for name in SURFACE_NAMES])
    base = np.clip(base * rng.uniform(0.95, 1.05, base.shape), 0, 1)
    if rng.random() < 0.3:  # some roads are pale concrete
        base[SURFACE_NAMES.index("asphalt")] = _jitter(rng, (0.55, 0.54, 0.52), 0.05)
    if rng.random() < 0.3:  # some sidewalks are red paving, close to brick buildings
        base[SURFACE_NAMES.index("paving")] = _jitter(rng, (0.60, 0.38, 0.32), 0.05)
    if rng.random() < 0.3:  # dry grass
        base[SURFACE_NAMES.index("grass")] = _jitter(rng, (0.58, 0.52, 0.30), 0.05)
    color = base[surface]
    # world-space textures: patches and grain that shrink with distance
    patches = _value_noise(grid, gx * 0.5 + 17, gz * 0.25)
    grain = _value_noise(grid, gx * 6 + 3, gz * 6 + 5)
    fade = np.exp(-gz / 30)
    name_of = np.array(SURFACE_NAMES)[surface]
    factor = 1 + 0.07 * patches + 0.06 * grain * fade
    road = name_of == "asphalt"
    for wheel_track in (-0.85, 0.85):  # darker tyre tracks in every lane
        offset = ((gx - street.left) % street.lane) - street.lane / 2 - wheel_track
        factor[road & (np.abs(offset) < 0.35)] *= 0.93
    paving = (name_of == "paving") | (name_of == "lot")
    joints = ((gx % 0.6) < 0.05) | ((gz % 0.6) < 0.05)
    factor[paving & joints] *= 1 - 0.25 * fade[paving & joints]
    green = (name_of == "grass")
    factor[green] += 0.15 * _value_noise(grid, gx[green] * 2 + 40, gz[green] * 2)
    rail = name_of == "rail"
    sleepers = ((gz % 0.65) < 0.25) & rail
    color[sleepers] = color[sleepers] * 0.6
    inner = beyond - street.rail_offset
    for rail_x in (0.85, 2.35):
        steel = rail & (np.abs(inner - rail_x) < np.maximum(0.05, 0.5 * camera.pixel_size(gz)))
        color[steel] = (0.62, 0.62, 0.64)
    water = name_of == "water"
    color[water] = light.horizon * 0.8 + 0.08 * _value_noise(grid, gx[water] * 3, gz[water] * 8)[:, None]
    shade = light.shade((0, 1, 0))
    rgb[down] = color * factor[:, None] * shade
    cls[down] = classes[surface]
    depth[down] = gz
    ground_xz = np.full((h, w, 2), np.nan)
    ground_xz[down] = np.stack([gx, gz], axis=1)
    return cls, rgb, depth, shade, ground_xz


# --------------------------------------------------------------------------------------
# Things in the scene. Each function draws one object into the canvas.
# --------------------------------------------------------------------------------------


def side_quad(x, y0, y1, z0, z1):
    """Corners of an upright rectangle in the plane x = const (a face along the street)."""
    return [(x, y0, z0), (x, y0, z1), (x, y1, z1), (x, y1, z0)]


def front_quad(z, x0, x1, y0, y1):
    """Corners of an upright rectangle in the plane z = const (a face toward the camera)."""
    return [(x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)]


def flat_quad(y, x0, x1, z0, z1):
    """Corners of a horizontal rectangle at height y."""
    return [(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)]


def _scaled(color, factor):
    return tuple(np.clip(np.asarray(color) * factor, 0, 1))


TOWARD_CAMERA, UP, DOWN = (0, 0, -1), (0, 1, 0), (0, -1, 0)


def draw_building(canvas, rng, side, x_face, z0, z1, height, color, style, depth=14.0):
    """A block with a street facade (windows, shop fronts) and its end wall toward us."""
    B = C["building"]
    street_normal = (-side, 0, 0)
    x_back = x_face + side * depth
    drawn = canvas.face(side_quad(x_face, 0, height, z0, z1), B, color, street_normal, ROUGH)
    canvas.face(front_quad(z0, x_face, x_back, 0, height), B, _scaled(color, 0.95), TOWARD_CAMERA, ROUGH)
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
                canvas.face(pane, B, _jitter(rng, (0.95, 0.8, 0.45), 0.1), texture=GLOW, min_pixels=1.5)
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
        canvas.face(side_quad(x_face, 2.8, 3.3, z0, z1), B, _pick(rng, BUILDING_COLORS), street_normal,
                    PLAIN, min_pixels=0.5)
    canvas.face(side_quad(x_face, height - 0.6, height, z0, z1), B, _scaled(color, 0.8), street_normal)


def draw_house(canvas, rng, side, x_face, z0, z1, height, color):
    """A house: walls, a pitched roof seen from the street, windows and a door."""
    B = C["building"]
    depth = rng.uniform(8, 12)
    draw_building(canvas, rng, side, x_face, z0, z1, height, color, "plain", depth)
    roof_h = rng.uniform(1.5, 3.5)
    x_ridge, top = x_face + side * depth / 2, height + roof_h
    slope = [(x_face, height, z0), (x_face, height, z1), (x_ridge, top, z1), (x_ridge, top, z0)]
    canvas.face(slope, B, _pick(rng, ROOF_COLORS), (-side * 0.6, 0.8, 0), ROUGH)
    gable = [(x_face, height, z0), (x_face + side * depth, height, z0), (x_ridge, top, z0)]
    canvas.face(gable, B, _scaled(color, 0.95), TOWARD_CAMERA, ROUGH)
    door = rng.uniform(z0 + 1, max(z0 + 1.1, z1 - 2))
    canvas.face(side_quad(x_face, 0, 2.1, door, door + 1.0), B, _pick(rng, ROOF_COLORS), (-side, 0, 0),
                min_pixels=1.0)


def draw_wall(canvas, rng, x, z0, z1, height):
    """A low wall along a lot, with a lighter coping on top."""
    color = _pick(rng, [(0.62, 0.60, 0.56), (0.72, 0.68, 0.60), (0.50, 0.40, 0.35), (0.80, 0.80, 0.78)])
    side = np.sign(x) or 1
    canvas.face(side_quad(x, 0, height, z0, z1), C["wall"], color, (-side, 0, 0), ROUGH)
    canvas.face(side_quad(x, height, height + 0.12, z0, z1), C["wall"], _scaled(color, 1.15), UP)
    canvas.box_shadow(x - 0.1, x + 0.1, z0, z1, height)


def draw_fence(canvas, rng, x, z0, z1, height, style):
    """A see-through fence: pickets, bars or posts, joined by rails."""
    color = _pick(rng, [(0.45, 0.30, 0.20), (0.85, 0.85, 0.82), (0.20, 0.22, 0.22), (0.55, 0.50, 0.45)])
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
    color = _pick(rng, FOLIAGE_COLORS[:4])
    V = C["vegetation"]
    x_far = x + side * 0.8
    canvas.face(side_quad(x, 0, height, z0, z1), V, color, (-side, 0, 0), LEAFY)
    canvas.face(flat_quad(height, x, x_far, z0, z1), V, color, UP, LEAFY)
    canvas.face(front_quad(z0, x, x_far, 0, height), V, color, TOWARD_CAMERA, LEAFY)


def draw_tree(canvas, rng, x, z, size=1.0, conifer=False):
    """A tree: a trunk and a crown of overlapping blobs, or tiers of a conifer."""
    V = C["vegetation"]
    trunk_h = rng.uniform(1.8, 3.2) * size
    canvas.post(x, z, 0, trunk_h + 0.8 * size, 0.25 * size, V, _jitter(rng, (0.30, 0.22, 0.15)), ROUGH)
    color = _pick(rng, FOLIAGE_COLORS if not conifer else FOLIAGE_COLORS[:3])
    if conifer:
        for k in range(4):
            y0, half = trunk_h * 0.5 + k * 1.4 * size, (4 - k) * 0.7 * size
            tier = [(x - half, y0, z), (x + half, y0, z), (x, y0 + 2.2 * size, z)]
            canvas.face(tier, V, _jitter(rng, color, 0.1), TOWARD_CAMERA, LEAFY)
        canvas.box_shadow(x - 1.5 * size, x + 1.5 * size, z - 1, z + 1, trunk_h + 4 * size)
        return
    radius = rng.uniform(1.4, 2.6) * size
    cy = trunk_h + radius * 0.8
    for _ in range(int(rng.integers(5, 9))):
        offset = rng.normal(0, 0.45 * radius, 2)
        blob = (x + offset[0], cy + offset[1] * 0.7, z - 0.2 * rng.random())
        canvas.disc(blob, radius * rng.uniform(0.45, 0.75), V, _jitter(rng, color, 0.12), texture=LEAFY)
    canvas.box_shadow(x - radius, x + radius, z - radius, z + radius, cy + radius)


def draw_street_lamp(canvas, rng, x, z, side, night):
    """A lamp post with an arm over the road; lit, with a pool of light, at night."""
    height = rng.uniform(6.5, 9.0)
    color = _pick(rng, [(0.35, 0.36, 0.38), (0.55, 0.55, 0.55), (0.15, 0.18, 0.16)])
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
    pole_color = _pick(rng, [(0.35, 0.36, 0.38), (0.20, 0.30, 0.22), (0.55, 0.55, 0.55)])
    canvas.post(x, z, 0, height + (2.0 if overhead else 0), 0.16, C["pole"], pole_color)
    housings = [(x, height)]
    if overhead:
        top, end = height + 1.8, x - side * rng.uniform(3.5, 6.5)
        canvas.face(front_quad(z, x, end, top, top + 0.15), C["pole"], pole_color, UP)
        housings.append((end, top - 1.1))
    body = _pick(rng, [(0.08, 0.08, 0.08), (0.20, 0.28, 0.20), (0.75, 0.62, 0.15)], 0.05)
    state = int(rng.integers(3))
    for hx, y0 in housings:
        canvas.face(side_quad(hx - 0.17, y0, y0 + 1.0, z, z + 0.3), T, body, (-1, 0, 0))
        canvas.face(front_quad(z, hx - 0.17, hx + 0.17, y0, y0 + 1.0), T, body, TOWARD_CAMERA)
        for k, lamp in enumerate([(1.0, 0.15, 0.1), (1.0, 0.7, 0.1), (0.2, 1.0, 0.4)]):
            on = k == state
            center = (hx, y0 + 0.83 - k * 0.32, z - 0.01)
            canvas.disc(center, 0.11, T, lamp if on else _scaled(lamp, 0.2), texture=GLOW if on else PLAIN,
                        sides=8)


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
    color = _pick(rng, CAR_COLORS, 0.05)
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
        tone = glass if facing < 0 or kind == "bus" else _scaled(color, 0.85)
        window = front_quad(z0 - 0.01, x0 + 0.15, x1 - 0.15, belt, height - 0.2)
        canvas.face(window, V, tone, TOWARD_CAMERA, GLASS)
    for wx in (x0, x1 - 0.28):
        canvas.face(front_quad(z0 + 0.5, wx, wx + 0.28, 0, 0.3), V, TYRE, TOWARD_CAMERA)
    canvas.face(front_quad(z0 - 0.02, x0, x1, 0.2, 0.4), V, (0.12, 0.12, 0.12), TOWARD_CAMERA)  # bumper
    lamp = (0.9, 0.1, 0.08) if facing > 0 else (0.95, 0.95, 0.85)
    on = canvas.light.mood in ("night", "dusk", "fog") or rng.random() < 0.15
    for lx in (x0 + 0.08, x1 - 0.33):
        canvas.face(front_quad(z0 - 0.03, lx, lx + 0.25, belt - 0.25, belt - 0.08), V,
                    lamp if on else _scaled(lamp, 0.6), TOWARD_CAMERA, GLOW if on else PLAIN)
    canvas.face(front_quad(z0 - 0.03, x - 0.25, x + 0.25, 0.45, 0.58), V, (0.9, 0.9, 0.85), TOWARD_CAMERA)


def draw_pedestrian(canvas, rng, x, z, crossing=False):
    """A person as a flat figure, facing the camera or walking sideways; children too."""
    P = C["pedestrian"]
    height = rng.uniform(1.5, 1.95) if rng.random() > 0.1 else rng.uniform(1.0, 1.3)
    shirt, trousers = _pick(rng, CLOTHES_COLORS), _pick(rng, CLOTHES_COLORS[:6])
    sideways = crossing or rng.random() < 0.5
    direction = rng.choice([-1, 1])
    hip, shoulder = 0.5 * height, 0.82 * height
    parts = []  # (corners in (x, y) metres, colour)
    if sideways:
        stride = rng.uniform(0.0, 0.35) * height
        for k, s in enumerate((-1, 1)):
            foot = x + s * stride / 2
            parts.append(([(x - 0.07, hip), (x + 0.07, hip), (foot + 0.06, 0), (foot - 0.08, 0)],
                          _scaled(trousers, 0.85 if k else 1.0)))
        torso = [(x - 0.13, hip - 0.05), (x + 0.13, hip - 0.05), (x + 0.12, shoulder), (x - 0.12, shoulder)]
        parts.append((torso, shirt))
        hand = x + stride * 0.6 * direction
        top = shoulder - 0.02
        arm = [(x - 0.04, top), (x + 0.04, top), (hand + 0.04, hip), (hand - 0.04, hip)]
        parts.append((arm, _scaled(shirt, 0.85)))
    else:
        for s in (-1, 1):
            leg = [(x + s * 0.03, hip), (x + s * 0.17, hip), (x + s * 0.15, 0), (x + s * 0.05, 0)]
            parts.append((leg, trousers))
        torso = [(x - 0.2, hip - 0.05), (x + 0.2, hip - 0.05), (x + 0.22, shoulder), (x - 0.22, shoulder)]
        parts.append((torso, shirt))
        for s in (-1, 1):
            arm = [(x + s * 0.2, shoulder), (x + s * 0.28, shoulder - 0.02), (x + s * 0.27, hip - 0.02),
                   (x + s * 0.21, hip - 0.02)]
            parts.append((arm, _scaled(shirt, 0.9)))
    head = 0.065 * height
    hair = [(x - head, shoulder + head * 1.5), (x + head, shoulder + head * 1.5),
            (x + head * 0.7, shoulder + head * 2.4), (x - head * 0.7, shoulder + head * 2.4)]
    if rng.random() < 0.25:  # a bag or backpack
        near, far = x + direction * 0.12, x + direction * 0.32
        bag = [(near, hip), (far, hip), (far, hip + 0.3), (near, hip + 0.3)]
        parts.append((bag, _pick(rng, CLOTHES_COLORS)))
    for corners, color in parts:
        canvas.face([(px, py, z) for px, py in corners], P, color, TOWARD_CAMERA)
    canvas.disc((x, shoulder + head * 1.4, z), head, P, _pick(rng, SKIN_COLORS, 0.04), sides=10)
    hair_color = _pick(rng, [(0.1, 0.07, 0.05), (0.35, 0.22, 0.1), (0.75, 0.6, 0.35), (0.5, 0.5, 0.5)])
    canvas.face([(px, py, z - 0.01) for px, py in hair], P, hair_color, TOWARD_CAMERA)
    canvas.box_shadow(x - 0.2, x + 0.2, z - 0.15, z + 0.15, height)


def draw_static(canvas, rng, x, z, side):
    """Fixed street furniture: a bench, a bus shelter, bollards or a utility box."""
    S = C["static"]
    kind = rng.choice(["bench", "shelter", "bollards", "box"])
    inward = (-side, 0, 0)
    if kind == "bench":
        color = _pick(rng, [(0.45, 0.30, 0.18), (0.25, 0.35, 0.25), (0.4, 0.4, 0.42)])
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
        color = _pick(rng, [(0.35, 0.45, 0.38), (0.6, 0.6, 0.58), (0.2, 0.22, 0.3)])
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
    color = _pick(rng, [(0.15, 0.35, 0.2), (0.3, 0.3, 0.32), (0.15, 0.25, 0.55), (0.55, 0.4, 0.15)])
    for k in range(int(rng.integers(1, 4))):
        zb = z + k * 0.8
        body = [(x - 0.3, 0, zb), (x + 0.3, 0, zb), (x + 0.32, 1.05, zb), (x - 0.32, 1.05, zb)]
        canvas.face(body, D, color, TOWARD_CAMERA, ROUGH)
        back = zb + 0.7
        lid = [(x - 0.34, 1.05, zb), (x + 0.34, 1.05, zb), (x + 0.34, 1.12, back), (x - 0.34, 1.12, back)]
        canvas.face(lid, D, _scaled(color, 0.8), UP)


def draw_guard_rail(canvas, rng, x, z0, z1):
    """A guard rail: a steel band on posts along the road edge."""
    G = C["guard rail"]
    side = np.sign(x) or 1
    z = z1
    while z > max(z0, NEAR + 0.5):
        canvas.post(x, z, 0, 0.75, 0.1, G, (0.45, 0.45, 0.45))
        z -= rng.uniform(2.0, 4.0) if z == z1 else 4.0
    canvas.face(side_quad(x, 0.45, 0.75, z0, z1), G, (0.70, 0.71, 0.72), (-side, 0.3, 0))


def draw_bridge(canvas, rng, z, x_min, x_max, street):
    """An overpass across the street: pillars, the deck's underside, its face and railing."""
    B = C["bridge"]
    bottom, thick, deck = rng.uniform(5.0, 7.5), rng.uniform(1.0, 2.0), rng.uniform(8, 14)
    color = _pick(rng, [(0.62, 0.60, 0.56), (0.50, 0.50, 0.50), (0.55, 0.45, 0.38)])
    for edge_x in (street.left - 1.5, street.right + 1.5):  # pillars beside the road
        for zp in (z + deck - 1.0, z + 0.2):
            canvas.face(front_quad(zp, edge_x - 0.5, edge_x + 0.5, 0, bottom), B, color, TOWARD_CAMERA, ROUGH)
    canvas.face(flat_quad(bottom, x_min, x_max, z, z + deck), B, _scaled(color, 0.6), DOWN, ROUGH)
    canvas.face(front_quad(z, x_min, x_max, bottom, bottom + thick), B, color, TOWARD_CAMERA, ROUGH)
    top = bottom + thick
    canvas.face(front_quad(z, x_min, x_max, top, top + 1.0), B, _scaled(color, 0.85), TOWARD_CAMERA)
    if canvas.light.direct > 0:  # the deck's shadow on the road
        canvas.ground_shadow(flat_quad(0, x_min, x_max, z, z + deck))


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
        color = _jitter(rng, (0.35, 0.45, 0.30) if forest else (0.50, 0.52, 0.38), 0.1)
        canvas.face(outline, C["vegetation"] if forest else C["terrain"], color, TOWARD_CAMERA, ROUGH)
    if kind == "city":
        for _ in range(int(rng.integers(10, 25))):
            z = rng.uniform(250, 500)
            x = rng.uniform(-1.2, 1.2) * z * cam.width / cam.focal / 2 + cam.position[0]
            tower = front_quad(z, x, x + rng.uniform(15, 50), -5, rng.uniform(20, 120))
            canvas.face(tower, C["building"], _pick(rng, BUILDING_COLORS, 0.1), TOWARD_CAMERA, ROUGH)
    if kind != "city" and rng.random() < 0.7:
        z = rng.uniform(120, 300)
        xs = np.linspace(-z * 2, z * 2, 60)
        tops = rng.uniform(8, 16) + 3 * rng.normal(0, 1, 60)
        outline = [(x, y, z) for x, y in zip(xs, tops)] + [(xs[-1], -1, z), (xs[0], -1, z)]
        canvas.face(outline, C["vegetation"], _pick(rng, FOLIAGE_COLORS[:3]), TOWARD_CAMERA, LEAFY)


# --------------------------------------------------------------------------------------
# Composing a scene
# --------------------------------------------------------------------------------------


class Plan:
    """Things to draw in front of the background, sorted far to near before drawing."""

    def __init__(self):
        self.items = []

    def add(self, depth, lateral, draw, *args):
        """Queue draw(canvas, rng, *args); `depth` (metres ahead) orders it, then `lateral`."""
        self.items.append((depth, lateral, draw, args))

    def draw_all(self, canvas, rng):
        # painter's order: farthest first; at equal depth, the one farther to the side first
        for _, _, draw, args in sorted(self.items, key=lambda item: (-item[0], -item[1])):
            draw(canvas, rng, *args)


# Backdrops (buildings, fences along the lots) are drawn before everything on the street.
BACKDROP, LOT_LINE = 1000.0, 500.0


def _plan_side(rng, street, side, plan, z_end):
    """Plan what stands beyond one road edge, from behind the camera to z_end."""
    kind = street.kind
    line = side * (abs(street.edge(side)) + street.building_line[side])
    cross = street.intersection

    def clear(z0, z1):
        return not (cross and z0 < cross[0] + cross[1] + 2 and z1 > cross[0] - 2)

    if kind == "city":
        z = rng.uniform(-25, 0)
        while z < z_end:
            length = rng.uniform(7, 28)
            if not clear(z, z + length):
                z = cross[0] + cross[1] + 2
                continue
            if rng.random() < 0.12:  # an alley, with a tree in it
                gap = rng.uniform(3, 8)
                plan.add(BACKDROP + z + gap / 2, 0, draw_tree, line + side * 6, z + gap / 2, 1.2)
                z += gap
                continue
            height = rng.uniform(7, 42) if rng.random() < 0.8 else rng.uniform(42, 70)
            setback = 0.0 if rng.random() < 0.8 else rng.uniform(0.5, 3)
            style = "shops" if rng.random() < 0.5 else "plain"
            color = _pick(rng, BUILDING_COLORS)
            plan.add(BACKDROP + max(z, 0), 0, draw_building, side, line + side * setback, z, z + length,
                     height, color, style)
            z += length
        return
    z = rng.uniform(-15, 5)
    while z < z_end:
        lot = rng.uniform(12, 30) if kind == "suburb" else rng.uniform(30, 120)
        if not clear(z, z + lot):
            z = cross[0] + cross[1] + 2
            continue
        if kind == "rural":
            boundary = rng.choice(["fence", "none", "none"])
        else:
            boundary = rng.choice(["fence", "wall", "hedge", "none"], p=[0.35, 0.2, 0.25, 0.2])
        fence_x = line + side * (0.0 if kind == "suburb" else rng.uniform(2, 6))
        if boundary == "fence":
            style = "rails" if kind == "rural" else rng.choice(["pickets", "bars"])
            height = rng.uniform(0.9, 1.6)
            plan.add(LOT_LINE + max(z, 0), abs(fence_x), draw_fence, fence_x, z, z + lot - 0.5, height, style)
        elif boundary == "wall":
            height = rng.uniform(0.6, 2.2)
            plan.add(LOT_LINE + max(z, 0), abs(fence_x), draw_wall, fence_x, z, z + lot - 0.5, height)
        elif boundary == "hedge":
            height = rng.uniform(0.8, 2.0)
            plan.add(LOT_LINE + max(z, 0), abs(fence_x), draw_hedge, fence_x, z, z + lot - 0.5, height, side)
        if kind == "suburb" and rng.random() < 0.85:
            setback = rng.uniform(3, 9)
            width = min(lot - 2, rng.uniform(8, 15))
            plan.add(BACKDROP + max(z, 0), 0, draw_house, side, line + side * setback, z + 1, z + 1 + width,
                     rng.uniform(3.0, 7.0), _pick(rng, BUILDING_COLORS))
            if rng.random() < 0.6:  # a tree in the front garden
                tz = z + rng.uniform(0, lot)
                plan.add(tz, abs(line) + 2, draw_tree, line + side * rng.uniform(1.5, 3), tz)
        elif kind == "rural":
            if rng.random() < 0.5:  # a row of trees across the field
                tz, tx = z + rng.uniform(0, lot), line + side * rng.uniform(6, 40)
                for k in range(int(rng.integers(3, 12))):
                    zz, xx = tz + k * rng.uniform(3, 8), tx + side * rng.normal(0, 2)
                    size, conifer = rng.uniform(1, 1.6), rng.random() < 0.4
                    plan.add(LOT_LINE + 100 + zz / 10, abs(xx), draw_tree, xx, zz, size, conifer)
            if rng.random() < 0.15:  # a farm building
                fz, fx = z + rng.uniform(5, 40), line + side * rng.uniform(15, 50)
                length, height, color = rng.uniform(10, 25), rng.uniform(4, 9), _pick(rng, BUILDING_COLORS)
                plan.add(BACKDROP + fz, 0, draw_house, side, fx, fz, fz + length, height, color)
        z += lot


def _plan(rng, street, light):
    """Plan everything drawn in front of the background."""
    plan = Plan()
    kind = street.kind
    z_end = rng.uniform(90, 180)
    night = light.mood == "night"
    for side in (-1, 1):
        _plan_side(rng, street, side, plan, z_end)
        edge = street.edge(side)
        curb_x = edge + side * 0.6
        if kind != "rural" or rng.random() < 0.4:  # street lamps or utility poles, regularly spaced
            spacing = rng.uniform(18, 35)
            z = rng.uniform(2, spacing)
            while z < z_end:
                if not street.in_intersection(z, 1.0):
                    plan.add(z, abs(curb_x), draw_street_lamp, curb_x, z, side, night)
                z += spacing
        if kind == "city" and rng.random() < 0.5:  # trees in the sidewalk
            spacing = rng.uniform(8, 16)
            z = rng.uniform(2, spacing)
            tree_x = edge + side * 1.4
            while z < z_end * 0.7:
                if not street.in_intersection(z, 2.0):
                    plan.add(z, abs(tree_x), draw_tree, tree_x, z, rng.uniform(0.8, 1.1))
                z += spacing + rng.normal(0, 1)
        for _ in range(int(rng.integers(0, 3))):  # traffic signs
            z = rng.uniform(6, 70)
            if not street.in_intersection(z, 1.0):
                plan.add(z, abs(curb_x), draw_sign, edge + side * 0.4, z)
        if kind == "rural" and rng.random() < 0.5:
            rail_x, z0 = edge + side * 0.5, rng.uniform(-5, 20)
            plan.add(max(z0, 0), abs(rail_x), draw_guard_rail, rail_x, z0, z0 + rng.uniform(30, 120))
        if kind == "rural":
            continue
        sidewalk = street.building_line[side]
        for _ in range(int(rng.integers(0, 7 if kind == "city" else 3))):  # people, sometimes in groups
            z = rng.uniform(3, 45)
            x = edge + side * rng.uniform(0.6, max(0.8, sidewalk - 0.4))
            for k in range(1 if rng.random() < 0.7 else int(rng.integers(2, 4))):
                zz, xx = z + k * rng.uniform(0.5, 1.2), x + side * (rng.normal(0, 0.3) + k * 0.5)
                plan.add(zz, abs(xx), draw_pedestrian, xx, zz)
        if rng.random() < 0.35:
            z = rng.uniform(5, 40)
            plan.add(z, abs(edge) + 1, draw_static, edge + side * rng.uniform(1.0, 2.0), z, side)
        if rng.random() < 0.35:
            z = rng.uniform(4, 40)
            plan.add(z, abs(edge) + 1, draw_dynamic, edge + side * rng.uniform(0.6, 1.2), z, False)
        if rng.random() < 0.5:  # parked cars along the curb
            z = rng.uniform(3, 15)
            while z < 60:
                if rng.random() < 0.7 and not street.in_intersection(z, 6):
                    park_x = edge - side * 1.1
                    plan.add(z, abs(park_x), draw_vehicle, park_x, z, 1 if side > 0 else -1, "car")
                z += rng.uniform(5.5, 9)
    # traffic in every lane; our own lane's first car is a little ahead
    lanes = [(street.right - (k + 0.5) * street.lane, 1) for k in range(street.n_right)]
    lanes += [(street.left + (k + 0.5) * street.lane, -1) for k in range(street.n_left)]
    density = rng.uniform(0.2, 1.0)
    for lane_x, facing in lanes:
        own = abs(lane_x - street.cam_x) < street.lane / 2
        z = rng.uniform(6, 20) if own else rng.uniform(3, 15)
        while z < 110:
            if rng.random() < density:
                x = lane_x + rng.normal(0, 0.2)
                plan.add(z, abs(x), draw_vehicle, x, z, facing)
                z += rng.uniform(10, 25)
            z += rng.uniform(4, 25) / density
    if street.crosswalk:
        z0, _ = street.intersection
        for _ in range(int(rng.integers(0, 5))):
            z, x = z0 - rng.uniform(1.5, 4.0), rng.uniform(street.left, street.right)
            plan.add(z, abs(x), draw_pedestrian, x, z, True)
    if street.intersection is not None:  # traffic lights at the corners, sometimes overhead
        z0, width = street.intersection
        for side in (-1, 1):
            x = street.edge(side) + side * 0.5
            if rng.random() < 0.85:
                overhead = side > 0 and rng.random() < 0.5
                plan.add(z0 - 0.5, abs(x), draw_traffic_light, x, z0 - 0.5, side, overhead, night)
            if rng.random() < 0.5:
                far = z0 + width + 0.5
                plan.add(far, abs(x), draw_traffic_light, x, far, side, False, night)
    if rng.random() < 0.25:  # road works
        z, x = rng.uniform(8, 40), street.right - rng.uniform(0.3, 1.0)
        plan.add(z, abs(x), draw_dynamic, x, z, True)
    if rng.random() < 0.15:  # an overpass
        z = rng.uniform(25, 80)
        right = 300.0 if kind == "rural" else street.right + street.building_line[1]
        left = -300.0 if kind == "rural" else street.left - street.building_line[-1]
        plan.add(z, 0, draw_bridge, z, left, right, street)
    return plan


def _texture_fields(rng, height, width):
    """Per-pixel texture multipliers for PLAIN, ROUGH, LEAFY, GLASS and GLOW instances."""

    def smooth(cell):
        small = rng.normal(0, 1, (height // cell + 2, width // cell + 2)).astype(np.float32)
        big = Image.fromarray(small, "F").resize((width + 2 * cell, height + 2 * cell), Image.BILINEAR)
        return np.asarray(big)[cell : cell + height, cell : cell + width]

    fine = rng.normal(0, 1, (height, width))
    rows = np.linspace(-1, 1, height)[:, None] * np.ones((1, width))
    return np.stack(
        [
            0.03 * fine,
            0.07 * smooth(4) + 0.05 * fine,
            0.20 * smooth(2) + 0.12 * smooth(5) + 0.08 * fine,
            0.18 * rows + 0.05 * smooth(6),
            np.zeros((height, width)),
        ]
    )


def render_scene(seed, index, height=DEFAULT_HEIGHT, width=DEFAULT_WIDTH):
    """Draw scene number `index` of the set with the given seed.

    Args:
        seed: the set's seed; with `index` it fixes the scene completely.
        index: the scene's position in the set (0, 1, ...).
        height, width: the picture size in pixels.

    Returns:
        (image, mask): uint8 arrays of shape (height, width, 3) and (height, width).
    """
    rng = np.random.default_rng([int(seed), int(index), GENERATOR_VERSION])
    kind = rng.choice(["city", "suburb", "rural"], p=[0.5, 0.32, 0.18])
    light = Light(rng)
    street = Street(rng, kind)
    camera = Camera(height, width, rng, street.cam_x, street.cam_height)
    canvas = Canvas(camera, light)
    bg_class, bg_rgb, bg_depth, ground_shade, ground_xz = _background(rng, camera, light, street)

    draw_horizon(canvas, rng, kind)
    _plan(rng, street, light).draw_all(canvas, rng)

    ids = np.asarray(canvas.buffer)
    drawn = ids > 0
    classes = np.array(canvas.classes, np.uint8)
    colors = np.array(canvas.colors, np.float64)
    shades = np.array(canvas.shades, np.float64)
    textures = np.array(canvas.textures, np.int64)
    depths = np.array(canvas.depths, np.float64)

    mask = np.where(drawn, classes[ids], bg_class).astype(np.uint8)
    fields = _texture_fields(rng, height, width)
    rows, cols = np.indices((height, width))
    texture = fields[textures[ids], rows, cols]
    rgb = np.where(drawn[..., None], colors[ids] * (shades[ids] * (1 + texture))[..., None], bg_rgb)
    depth = np.where(drawn, depths[ids], bg_depth)

    # light on the ground: cast shadows, and lamp light at night
    ground = ~drawn & (bg_class != C["sky"])
    shadow = (np.asarray(canvas.shadow) > 0) & ground
    rgb[shadow] *= light.ambient / ground_shade
    if canvas.lamps:
        x, z = ground_xz[ground, 0], ground_xz[ground, 1]
        glow = sum(np.exp(-((x - lx) ** 2 + (z - lz) ** 2) / r**2) for lx, lz, r in canvas.lamps)
        warm = np.array((1.0, 0.85, 0.5))
        rgb[ground] = rgb[ground] * (1 + 1.5 * glow[:, None]) + 0.08 * glow[:, None] * warm

    # camera: haze with distance, colour of the light, exposure, vignetting, blur, noise
    haze = 1 - np.exp(-depth / light.visibility)
    haze[(bg_class == C["sky"]) & ~drawn] = 0
    rgb = rgb * (1 - haze[..., None]) + light.horizon * haze[..., None]
    rgb = rgb * light.tint * light.exposure
    yy, xx = np.linspace(-1, 1, height)[:, None], np.linspace(-1, 1, width)[None, :]
    rgb *= (1 - rng.uniform(0.0, 0.25) * (xx**2 + yy**2) / 2)[..., None]
    image = Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8))
    blur = float(rng.choice([0.0, rng.uniform(0.3, 0.6), rng.uniform(0.6, 1.2)], p=[0.3, 0.45, 0.25]))
    if blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    noisy = np.asarray(image, np.float64) + rng.normal(0, rng.uniform(1.0, 5.0), (height, width, 3))
    if light.mood == "night":
        noisy += rng.normal(0, 3.0, (height, width, 3))
    return np.clip(noisy + 0.5, 0, 255).astype(np.uint8), mask


# --------------------------------------------------------------------------------------
# Writing a set
# --------------------------------------------------------------------------------------


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
        import multiprocessing  # noqa: PLC0415

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
    from tqdm.auto import tqdm  # noqa: PLC0415

    return tqdm(total=total, desc="Generating scenes", unit="scene")


def read_manifest(out_dir):
    """The manifest of a generated set, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None


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


if __name__ == "__main__":
    sys.exit(main())
