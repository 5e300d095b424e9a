"""Composing a scene: what stands where along the street, drawn far to near."""

from __future__ import annotations

from course.scenes.boundaries import draw_fence, draw_guard_rail, draw_hedge, draw_wall
from course.scenes.buildings import draw_bridge, draw_building, draw_house
from course.scenes.furniture import (
    draw_dynamic,
    draw_sign,
    draw_static,
    draw_street_lamp,
    draw_traffic_light,
)
from course.scenes.palettes import BUILDING_COLORS, pick
from course.scenes.road_users import draw_pedestrian, draw_vehicle
from course.scenes.scenery import draw_tree


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
            color = pick(rng, BUILDING_COLORS)
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
                     rng.uniform(3.0, 7.0), pick(rng, BUILDING_COLORS))
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
                length, height, color = rng.uniform(10, 25), rng.uniform(4, 9), pick(rng, BUILDING_COLORS)
                plan.add(BACKDROP + fz, 0, draw_house, side, fx, fz, fz + length, height, color)
        z += lot


def plan_scene(rng, street, light):
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
