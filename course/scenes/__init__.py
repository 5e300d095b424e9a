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

The package, one job a module: `constants` and `palettes` (fixed numbers and colours),
`camera` (camera and light), `geometry` and `canvas` (polygons in metres, drawn as instance
numbers), `street` and `background` (the street's layout; ground and sky per pixel),
`buildings`, `boundaries`, `scenery`, `furniture` and `road_users` (one draw_* function per
kind of thing), `plan` (what stands where), `render` (one scene), `writer` (a set on disk)
and `cli` (the command line).
"""

from __future__ import annotations

from course.scenes.background import SURFACE_NAMES, SURFACES
from course.scenes.boundaries import draw_fence, draw_guard_rail, draw_hedge, draw_wall
from course.scenes.buildings import draw_bridge, draw_building, draw_house
from course.scenes.camera import Camera, Light
from course.scenes.canvas import Canvas
from course.scenes.cli import main
from course.scenes.constants import (
    DEFAULT_COUNT,
    DEFAULT_HEIGHT,
    DEFAULT_SEED,
    DEFAULT_WIDTH,
    GENERATOR_VERSION,
    GLASS,
    GLOW,
    LEAFY,
    MANIFEST_NAME,
    NEAR,
    PLAIN,
    PNG_COMPRESS_LEVEL,
    ROUGH,
    C,
)
from course.scenes.furniture import SIGNS, draw_dynamic, draw_sign, draw_static, draw_street_lamp, draw_traffic_light
from course.scenes.geometry import DOWN, TOWARD_CAMERA, UP, flat_quad, front_quad, side_quad
from course.scenes.palettes import (
    BUILDING_COLORS,
    CAR_COLORS,
    CLOTHES_COLORS,
    FOLIAGE_COLORS,
    ROOF_COLORS,
    SKIN_COLORS,
)
from course.scenes.plan import BACKDROP, LOT_LINE, Plan
from course.scenes.render import render_scene
from course.scenes.road_users import TYRE, VEHICLE_SIZES, draw_pedestrian, draw_vehicle
from course.scenes.scenery import draw_horizon, draw_tree
from course.scenes.street import Street
from course.scenes.writer import generate_scenes, read_manifest, scene_name

__all__ = [
    "BACKDROP", "BUILDING_COLORS", "C", "CAR_COLORS", "CLOTHES_COLORS", "DEFAULT_COUNT", "DEFAULT_HEIGHT",
    "DEFAULT_SEED", "DEFAULT_WIDTH", "DOWN", "FOLIAGE_COLORS", "GENERATOR_VERSION", "GLASS", "GLOW", "LEAFY",
    "LOT_LINE", "MANIFEST_NAME", "NEAR", "PLAIN", "PNG_COMPRESS_LEVEL", "ROOF_COLORS", "ROUGH", "SIGNS",
    "SKIN_COLORS", "SURFACES", "SURFACE_NAMES", "TOWARD_CAMERA", "TYRE", "UP", "VEHICLE_SIZES", "Camera",
    "Canvas", "Light", "Plan", "Street", "draw_bridge", "draw_building", "draw_dynamic", "draw_fence",
    "draw_guard_rail", "draw_hedge", "draw_horizon", "draw_house", "draw_pedestrian", "draw_sign",
    "draw_static", "draw_street_lamp", "draw_traffic_light", "draw_tree", "draw_vehicle", "draw_wall",
    "flat_quad", "front_quad", "generate_scenes", "main", "read_manifest", "render_scene", "scene_name",
    "side_quad",
]
