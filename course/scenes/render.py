"""Rendering one scene: the image and its exact mask for a (seed, index) pair."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from course.scenes.background import ground_and_sky
from course.scenes.camera import Camera, Light
from course.scenes.canvas import Canvas
from course.scenes.constants import DEFAULT_HEIGHT, DEFAULT_WIDTH, GENERATOR_VERSION, C
from course.scenes.plan import plan_scene
from course.scenes.scenery import draw_horizon
from course.scenes.street import Street


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
    bg_class, bg_rgb, bg_depth, ground_shade, ground_xz = ground_and_sky(rng, camera, light, street)

    draw_horizon(canvas, rng, kind)
    plan_scene(rng, street, light).draw_all(canvas, rng)

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
