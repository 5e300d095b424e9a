"""Tests of the data card (data/README.md) and the command that draws its pictures."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course import data_card
from course.classes import CLASS_COLORS, CLASS_NAMES

CARD = Path(__file__).resolve().parents[1] / "data" / "README.md"
MAX_BYTES = 300_000


def test_card_command_draws_both_pictures(tmp_path):
    """Does build_card write the class-share chart and the sample grid as small PNGs?"""
    paths = data_card.build_card(tmp_path, count=6, samples=4, height=48, width=64, progress=False)
    assert sorted(paths) == sorted(data_card.PICTURES)
    for path in paths.values():
        assert path.parent == tmp_path
        with Image.open(path) as picture:
            assert picture.format == "PNG" and min(picture.size) > 100
        assert path.stat().st_size < MAX_BYTES


def test_card_pictures_keep_exact_class_colours(tmp_path):
    """Are the masks in the sample grid drawn in the exact class colours despite the palette?"""
    from course.scenes import render_scene

    paths = data_card.build_card(tmp_path, count=2, samples=2, height=48, width=64, progress=False)
    path = paths["samples.png"]
    shown = {tuple(c) for c in np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)}
    present = set()
    for index in range(2):
        present |= set(np.unique(render_scene(0, index, 48, 64)[1]).tolist())
    for class_id in present:
        assert tuple(CLASS_COLORS[class_id]) in shown, CLASS_NAMES[class_id]


def test_card_lists_every_class_with_its_colour():
    """Does data/README.md list all 23 classes with their ids and RGB colours?"""
    text = CARD.read_text(encoding="utf-8")
    for class_id, (name, colour) in enumerate(zip(CLASS_NAMES, CLASS_COLORS)):
        row = rf"\|\s*{class_id}\s*\|\s*{re.escape(name)}\s*\|\s*{colour[0]}, {colour[1]}, {colour[2]}\s*\|"
        assert re.search(row, text), f"no table row for class {class_id} {name}"


@pytest.mark.parametrize("picture", data_card.PICTURES)
def test_card_embeds_committed_pictures(picture):
    """Does the card embed each picture, and is the committed file there and small?"""
    assert f"card/{picture}" in CARD.read_text(encoding="utf-8")
    path = CARD.parent / "card" / picture
    assert path.is_file() and path.stat().st_size < MAX_BYTES
