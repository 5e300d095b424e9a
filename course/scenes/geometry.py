"""World geometry: polygon corners in metres, face normals, near clipping and the convex hull."""

from __future__ import annotations

import numpy as np

from course.scenes.constants import NEAR


def side_quad(x, y0, y1, z0, z1):
    """Corners of an upright rectangle in the plane x = const (a face along the street)."""
    return [(x, y0, z0), (x, y0, z1), (x, y1, z1), (x, y1, z0)]


def front_quad(z, x0, x1, y0, y1):
    """Corners of an upright rectangle in the plane z = const (a face toward the camera)."""
    return [(x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)]


def flat_quad(y, x0, x1, z0, z1):
    """Corners of a horizontal rectangle at height y."""
    return [(x0, y, z0), (x1, y, z0), (x1, y, z1), (x0, y, z1)]


TOWARD_CAMERA, UP, DOWN = (0, 0, -1), (0, 1, 0), (0, -1, 0)


def clip_near(points):
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


def convex_hull(points):
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
