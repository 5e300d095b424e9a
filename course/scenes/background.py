"""The background layer: class, colour and depth of the ground and the sky, pixel by pixel."""

from __future__ import annotations

import numpy as np

from course.scenes.constants import C
from course.scenes.palettes import jitter


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


def ground_and_sky(rng, camera, light, street):
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
        base[SURFACE_NAMES.index("asphalt")] = jitter(rng, (0.55, 0.54, 0.52), 0.05)
    if rng.random() < 0.3:  # some sidewalks are red paving, close to brick buildings
        base[SURFACE_NAMES.index("paving")] = jitter(rng, (0.60, 0.38, 0.32), 0.05)
    if rng.random() < 0.3:  # dry grass
        base[SURFACE_NAMES.index("grass")] = jitter(rng, (0.58, 0.52, 0.30), 0.05)
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
