"""The instance canvas: draws world polygons as instance numbers, each with a class and a look."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from course.scenes.constants import GLOW, NEAR, PLAIN
from course.scenes.geometry import clip_near, convex_hull


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
        pc = clip_near(self.camera.to_camera(world_points))
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
        hull = convex_hull(pts)
        self.ground_shadow([(x, 0.0, z) for x, z in hull])

    def ground_glow(self, x, z, radius):
        self.lamps.append((x, z, radius))
