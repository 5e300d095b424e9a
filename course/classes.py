"""The classes of a data set: ids, names and display colours (pure Python and NumPy).

By default these are the 23 CARLA semantic classes below. A data folder may carry its own
list in a small card, `classes.json`, beside `CameraRGB/` and `CameraMask/`:

    {
      "names": ["void", "road", "sidewalk", "building", ...],
      "colors": [[0, 0, 0], [128, 64, 128], "#f423e8", ...],
      "ignore_id": 0
    }

- `names` (required): one name per class, in id order (the id is the position: the mask
  value). At least 2, at most 256 (masks are 8-bit), no duplicates.
- `colors` (optional): one display colour per name, [r, g, b] with 0..255 or "#rrggbb";
  left out, a palette of distinct colours is generated.
- `ignore_id` (optional): a class id whose pixels the metrics leave out (e.g. "void" or
  "unlabeled"). It must be one of the listed ids: the model still has a logit for it.

`load_classes(data_dir)` reads the card, or gives the CARLA classes when there is none;
`course_classes()` does so for the course's data folder. Plots and metrics follow it.
"""

from __future__ import annotations

import colorsys
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course.data import DATA_DIR_ENV

CARD_NAME = "classes.json"
CARD_KEYS = ("names", "colors", "ignore_id")
MAX_CLASSES = 256  # mask ids are uint8

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


class ClassCardError(ValueError):
    """A classes.json that cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True, eq=False)
class Classes:
    """The classes of a data set: names and colours by id, an optional ignored id, where they came from."""

    names: tuple
    colors: np.ndarray  # (len(names), 3) uint8, read-only
    ignore_id: int | None = None
    source: str = "the built-in CARLA classes"

    def __len__(self):
        return len(self.names)

    @property
    def ids(self):
        """{name: id}."""
        return {name: class_id for class_id, name in enumerate(self.names)}

    def label(self, class_id):
        """'7 road': how legends and ticks name a class."""
        return f"{class_id} {self.names[class_id]}"

    def __repr__(self):
        ignored = "" if self.ignore_id is None else f", ignore_id={self.ignore_id}"
        return f"Classes({len(self)} classes from {self.source}{ignored})"


CARLA = Classes(CLASS_NAMES, CLASS_COLORS)


def distinct_colors(count):
    """`count` distinct RGB colours (uint8): hues a golden angle apart, in three brightness steps."""
    colours = []
    for index in range(count):
        hue = (index * 0.618033988749895) % 1.0
        saturation, value = ((0.65, 0.95), (0.9, 0.7), (0.45, 0.85))[index % 3]
        colours.append([round(255 * c) for c in colorsys.hsv_to_rgb(hue, saturation, value)])
    return np.array(colours, dtype=np.uint8).reshape(count, 3)


def _card_error(path, problem, fix):
    return ClassCardError(f"{path}: {problem}. {fix}")


def _names(path, card):
    names = card.get("names")
    if not isinstance(names, list) or not all(isinstance(name, str) and name.strip() for name in names):
        raise _card_error(path, f"'names' must be a list of non-empty strings, one per class id; got "
                                f"{json.dumps(names)[:80]}", 'Write e.g. "names": ["void", "road", "car"]')
    if not 2 <= len(names) <= MAX_CLASSES:
        raise _card_error(path, f"'names' lists {len(names)} class(es); a segmentation needs 2 to {MAX_CLASSES}",
                          "List every class the masks use, in id order")
    seen, doubles = set(), []
    for name in names:
        if name in seen and name not in doubles:
            doubles.append(name)
        seen.add(name)
    if doubles:
        where = "; ".join(f"{name!r} at ids {[i for i, n in enumerate(names) if n == name]}" for name in doubles)
        raise _card_error(path, f"'names' repeats {where}", "Give every class id its own name")
    return tuple(names)


def _color(value):
    """One colour as [r, g, b]; None when it is neither [r, g, b] in 0..255 nor '#rrggbb'."""
    if isinstance(value, str) and len(value) == 7 and value.startswith("#"):
        try:
            return [int(value[i:i + 2], 16) for i in (1, 3, 5)]
        except ValueError:
            return None
    if isinstance(value, list) and len(value) == 3 and all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value):
        return value
    return None


def _colors(path, card, names):
    count = len(names)
    if card.get("colors") is None:
        return distinct_colors(count)
    values = card["colors"]
    if not isinstance(values, list) or len(values) != count:
        given = f"{len(values)} colours" if isinstance(values, list) else f"a {type(values).__name__}"
        raise _card_error(path, f"'colors' has {given} for {count} names",
                          "Give one colour per name, in id order, or leave 'colors' out for a generated palette")
    colours = []
    for class_id, value in enumerate(values):
        colour = _color(value)
        if colour is None:
            raise _card_error(path, f"'colors'[{class_id}] (for {names[class_id]!r}) is {json.dumps(value)}; "
                                    f"expected [r, g, b] with integers 0..255 or '#rrggbb'", "Fix that colour")
        colours.append(colour)
    return np.array(colours, dtype=np.uint8)


def _ignore_id(path, card, names):
    value = card.get("ignore_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(names):
        raise _card_error(path, f"'ignore_id' is {json.dumps(value)}; expected a class id from 0 to {len(names) - 1} "
                                f"(the card lists {len(names)} names)",
                          "Name the ignored class in 'names' (e.g. \"void\") and give its id, or leave "
                          "'ignore_id' out")
    return value


def parse_card(card, path=CARD_NAME):
    """Classes from the contents of a card (a dict); `path` is only used in messages."""
    if not isinstance(card, dict):
        raise _card_error(path, f"the card is a JSON {type(card).__name__}; expected an object",
                          'Write {"names": [...], "colors": [...], "ignore_id": ...}')
    unknown = sorted(set(card) - set(CARD_KEYS))
    if unknown:
        raise _card_error(path, f"unknown key(s) {', '.join(map(repr, unknown))}; a card holds "
                                f"{', '.join(map(repr, CARD_KEYS))}", "Rename or remove them ('colors', not 'colours')")
    if "names" not in card:
        raise _card_error(path, "the key 'names' is missing", "List the class names in id order under 'names'")
    names = _names(path, card)
    colours = _colors(path, card, names)
    colours.setflags(write=False)
    return Classes(names, colours, _ignore_id(path, card, names), source=str(path))


def load_classes(data_dir=None):
    """The classes of a data folder: its classes.json, or the 23 CARLA classes when it has none.

    Args:
        data_dir: a folder holding CameraRGB/ and CameraMask/ (and maybe classes.json), or
            the path of a card itself; None gives the CARLA classes.

    Returns:
        A Classes (names, colors, ignore_id, source).

    Raises:
        ClassCardError (a ValueError) naming the file, the key, what was expected and what
        was found: invalid JSON, unknown keys, missing or repeated names, a wrong number of
        colours, a bad colour, an ignore id that is not a listed class.
    """
    if data_dir is None:
        return CARLA
    path = Path(data_dir)
    if path.is_dir():
        path = path / CARD_NAME
        if not path.exists():
            return CARLA
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise _card_error(path, f"not valid JSON ({error.msg}, line {error.lineno} column {error.colno})",
                          f"Fix the file, or remove it to use the {NUM_CLASSES} CARLA classes") from None
    except OSError as error:
        raise _card_error(path, f"cannot be read ({error.strerror})", "Check the path") from None
    return parse_card(card, path)


def course_classes():
    """The classes of the course's data: the card of $COURSE_DATA_DIR if it has one, else CARLA's."""
    folder = os.environ.get(DATA_DIR_ENV)
    return load_classes(Path(folder).expanduser()) if folder else CARLA


def as_classes(classes=None):
    """A Classes from None (the course's classes), a Classes, or a data folder or card path."""
    if classes is None:
        return course_classes()
    if isinstance(classes, Classes):
        return classes
    if isinstance(classes, (str, os.PathLike)):
        return load_classes(classes)
    raise TypeError(f"classes must be None, a Classes or a data folder; got {type(classes).__name__}")
