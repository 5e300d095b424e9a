"""Tests of the scene generator (course.scenes)."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from course.classes import CLASS_NAMES, NUM_CLASSES
from course.scenes import generate_scenes, read_manifest, render_scene, scene_name


def _files(folder):
    """{relative path: bytes} of every file a generated set holds."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _read_mask(path):
    return np.asarray(Image.open(path))


def _generate(folder, **settings):
    options = {"count": 4, "height": 48, "width": 64, "seed": 3, "workers": 1, "progress": False}
    options.update(settings)
    generate_scenes(folder, **options)
    return folder


def test_same_seed_gives_byte_identical_files(tmp_path):
    """Does the same seed give byte-identical files, manifest included?"""
    first = _files(_generate(tmp_path / "a"))
    second = _files(_generate(tmp_path / "b"))
    assert len(first) == 2 * 4 + 1
    assert first == second


def test_different_seeds_give_different_scenes(tmp_path):
    """Do different seeds give a different image and mask for every scene?"""
    first = _files(_generate(tmp_path / "a", seed=3))
    second = _files(_generate(tmp_path / "b", seed=4))
    for name in first:
        if name.endswith(".png"):
            assert first[name] != second[name], name


def test_scene_does_not_depend_on_count_or_workers(tmp_path, tiny_dataset):
    """Is scene i the same file whether the set has 4 or 12 scenes, made by 1 or 2 processes?"""
    manifest = read_manifest(tiny_dataset)
    settings = {key: manifest[key] for key in ("height", "width", "seed")}
    small = _files(_generate(tmp_path / "two_workers", count=4, workers=2, **settings))
    tiny = _files(tiny_dataset)
    for name, content in small.items():
        if name.endswith(".png"):
            assert tiny[name] == content, name


def test_files_follow_the_carla_layout(tiny_dataset):
    """Does every image have a mask of the same name and size, RGB with the id in red only?"""
    manifest = read_manifest(tiny_dataset)
    names = sorted(p.name for p in (tiny_dataset / "CameraRGB").iterdir())
    assert names == [scene_name(i) for i in range(manifest["count"])]
    assert names == sorted(p.name for p in (tiny_dataset / "CameraMask").iterdir())
    for name in names:
        image = Image.open(tiny_dataset / "CameraRGB" / name)
        mask = Image.open(tiny_dataset / "CameraMask" / name)
        assert (image.mode, mask.mode) == ("RGB", "RGB")
        assert image.size == mask.size == (manifest["width"], manifest["height"])
        pixels = np.asarray(mask)
        assert not pixels[..., 1:].any(), f"{name}: green or blue channel is not 0"


def test_every_mask_pixel_is_a_valid_class_id(tiny_dataset):
    """Is every mask pixel one of the 23 class ids?"""
    for path in sorted((tiny_dataset / "CameraMask").iterdir()):
        assert _read_mask(path)[..., 0].max() < NUM_CLASSES, path.name


def test_manifest_counts_match_the_masks(tiny_dataset):
    """Does the manifest's pixel count per class equal a count of the mask files?"""
    counts = np.zeros(NUM_CLASSES, np.int64)
    for path in (tiny_dataset / "CameraMask").iterdir():
        counts += np.bincount(_read_mask(path)[..., 0].ravel(), minlength=NUM_CLASSES)
    manifest = json.loads((tiny_dataset / "manifest.json").read_text())
    assert manifest["class_pixel_counts"] == counts.tolist()
    assert manifest["class_names"] == list(CLASS_NAMES)


def test_a_modest_set_shows_at_least_13_classes():
    """Do at least 13 of the 23 classes appear in 40 scenes of 72x96 pixels?"""
    present = set()
    for index in range(40):
        _, mask = render_scene(seed=11, index=index, height=72, width=96)
        present |= set(np.unique(mask).tolist())
    assert len(present) >= 13, sorted(CLASS_NAMES[i] for i in present)


def test_shares_look_like_a_street():
    """At the training size, are road, building and sky large and poles, signs and people small?"""
    counts = np.zeros(NUM_CLASSES)
    for index in range(20):
        _, mask = render_scene(seed=5, index=index, height=96, width=128)
        counts += np.bincount(mask.ravel(), minlength=NUM_CLASSES)
    share = dict(zip(CLASS_NAMES, counts / counts.sum()))
    for large in ("road", "building", "sky"):
        assert share[large] > 0.08, (large, share[large])
    for small in ("pole", "traffic sign", "pedestrian"):
        assert 0 < share[small] < 0.03, (small, share[small])


def _thin_runs(mask, class_id):
    """Lengths of the horizontal runs of class_id pixels in every row."""
    lengths = []
    for row in mask == class_id:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(np.int8), [0]])))
        lengths.extend(edges[1::2] - edges[::2])
    return np.array(lengths)


@pytest.mark.parametrize("class_name", ["pole", "road line"])
def test_thin_structures_stay_thin(class_name):
    """Do poles and lane lines survive as runs only 1 or 2 pixels wide in many rows?"""
    from course.classes import CLASS_IDS

    thin = 0
    for index in range(6):
        _, mask = render_scene(seed=2, index=index, height=96, width=128)
        runs = _thin_runs(mask, CLASS_IDS[class_name])
        thin += int(((runs >= 1) & (runs <= 2)).sum())
    assert thin >= 20


def test_image_edges_follow_mask_edges():
    """Does the image change more across mask boundaries than inside regions (labels aligned)?"""
    across, inside = [], []
    for index in range(6):
        image, mask = render_scene(seed=8, index=index, height=96, width=128)
        step = np.abs(np.diff(image.astype(np.float64), axis=1)).sum(axis=-1)
        boundary = np.diff(mask.astype(np.int16), axis=1) != 0
        across.append(step[boundary].mean())
        inside.append(step[~boundary].mean())
        shifted = np.roll(boundary, 3, axis=1)  # the same boundaries, misplaced by 3 pixels
        assert step[boundary].mean() > step[shifted & ~boundary].mean()
    assert np.mean(across) > 2 * np.mean(inside)


def test_tiny_set_generates_in_a_couple_of_seconds(tmp_path):
    """Does a dozen 48x64 pairs take only a couple of seconds, so other tests can use it?"""
    started = time.perf_counter()
    _generate(tmp_path, count=12)
    seconds = time.perf_counter() - started
    assert seconds < 5.0, f"{seconds:.1f} s"


def test_command_line_writes_the_same_set(tmp_path):
    """Does `python -m course.scenes` write the same files as generate_scenes()?"""
    out = tmp_path / "cli"
    command = [sys.executable, "-m", "course.scenes", "--out", str(out), "--count", "3",
               "--height", "32", "--width", "48", "--seed", "6", "--quiet"]
    subprocess.run(command, check=True, capture_output=True)
    assert _files(out) == _files(_generate(tmp_path / "api", count=3, height=32, width=48, seed=6))


@pytest.mark.parametrize(
    "settings, word",
    [({"count": 0}, "count"), ({"height": 8}, "height"), ({"seed": -1}, "seed"), ({"width": 2.5}, "width")],
)
def test_bad_settings_are_refused(tmp_path, settings, word):
    """Are impossible settings refused with a message naming the setting?"""
    with pytest.raises(ValueError, match=word):
        _generate(tmp_path, **settings)
