"""The 23 CARLA semantic classes: ids, names and display colours (pure Python and NumPy)."""

import numpy as np

# Index = class id, as stored in the red channel of a CARLA mask (CARLA 0.9 semantic tags).
CLASS_NAMES = (
    "unlabeled",
    "building",
    "fence",
    "other",
    "pedestrian",
    "pole",
    "road line",
    "road",
    "sidewalk",
    "vegetation",
    "vehicle",
    "wall",
    "traffic sign",
    "sky",
    "ground",
    "bridge",
    "rail track",
    "guard rail",
    "traffic light",
    "static",
    "dynamic",
    "water",
    "terrain",
)

NUM_CLASSES = len(CLASS_NAMES)

# The customary display colour of each class, RGB, row = class id.
CLASS_COLORS = np.array(
    [
        (0, 0, 0),
        (70, 70, 70),
        (100, 40, 40),
        (55, 90, 80),
        (220, 20, 60),
        (153, 153, 153),
        (157, 234, 50),
        (128, 64, 128),
        (244, 35, 232),
        (107, 142, 35),
        (0, 0, 142),
        (102, 102, 156),
        (220, 220, 0),
        (70, 130, 180),
        (81, 0, 81),
        (150, 100, 100),
        (230, 150, 140),
        (180, 165, 180),
        (250, 170, 30),
        (110, 190, 160),
        (170, 120, 50),
        (45, 60, 150),
        (145, 170, 100),
    ],
    dtype=np.uint8,
)
CLASS_COLORS.setflags(write=False)

# Class ids by name, for code that reads better with names: CLASS_IDS["road"] == 7.
CLASS_IDS = {name: class_id for class_id, name in enumerate(CLASS_NAMES)}
