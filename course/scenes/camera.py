"""The pinhole camera (world to pixels, rays) and the light of the time of day."""

from __future__ import annotations

import math

import numpy as np


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
        def j(c, a=0.06):  # a colour, jittered
            return np.clip(np.array(c) * (1 + rng.normal(0, a, 3)), 0, 1)

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
