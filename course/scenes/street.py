"""The street's cross-section: lanes, markings, sidewalks, verges, crossings, rails and water."""

from __future__ import annotations


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
