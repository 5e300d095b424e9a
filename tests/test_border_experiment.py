"""Notebook 7's border-loss experiment (course/border_experiment.py), on tiny inputs."""

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image

from course import border_experiment as experiment
from course.notebook_code import load_definitions

SOURCE = Path(__file__).resolve().parents[1] / "instructor" / "source" / "unet_original"


@functools.lru_cache(maxsize=None)
def reference(name):
    return load_definitions(sorted(SOURCE.glob("[0-9][0-9]_*.ipynb")))[name]


def _two_cars(height=24, width=32, gap=3):
    mask = np.zeros((height, width), np.uint8)
    mask[8:16, 4:14] = 1
    mask[8:16, 14 + gap:26] = 1
    return mask


def test_gap_pixels_are_the_background_between_close_vehicles():
    """Do the gap pixels lie in the background between the two cars, where the border term is added?"""
    masks = np.stack([_two_cars(), _two_cars(gap=12)])
    full, balance, gaps = experiment.weight_maps(reference("border_weights"), masks)
    assert full.shape == balance.shape == gaps.shape == masks.shape
    assert np.all(full >= balance - 1e-6)
    assert not gaps[masks == 1].any()
    assert gaps[0, 10:14, 14:17].all()          # the 3-pixel road between the close cars
    assert gaps[0].sum() > gaps[1].sum()         # a wide gap has fewer pixels with a large border term
    np.testing.assert_allclose(balance[0], reference("border_weights")(masks[0], w0=0))


def _write_scene(folder, name, vehicle_blobs):
    mask = np.zeros((48, 64, 3), np.uint8)
    mask[..., 0] = 7  # road
    for top, left in vehicle_blobs:
        mask[top:top + 12, left:left + 12, 0] = experiment.VEHICLE
    image = np.random.default_rng(len(vehicle_blobs)).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    for sub, array in (("CameraRGB", image), ("CameraMask", mask)):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).save(folder / sub / name)


def test_only_scenes_with_two_vehicles_and_enough_of_them_are_kept(tmp_path):
    """Are the scenes with one vehicle, or vehicles too small, left out, and the kept ones sized and scaled?"""
    _write_scene(tmp_path, "000.png", [(4, 4), (4, 40)])   # two vehicles, 288 of 3072 pixels
    _write_scene(tmp_path, "001.png", [(4, 4)])            # one vehicle
    _write_scene(tmp_path, "002.png", [])                  # none
    images, masks, read = experiment.load_vehicle_scenes(tmp_path, 10, size=(24, 32))
    assert read == 3 and images.shape == (1, 24, 32, 3) and masks.shape == (1, 24, 32)
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    assert set(np.unique(masks)) == {0, 1} and masks.dtype == np.uint8
    _write_scene(tmp_path / "few", "000.png", [(4, 4)])
    none = experiment.load_vehicle_scenes(tmp_path / "few", 10, size=(24, 32))
    assert none[0].shape == (0, 24, 32, 3) and none[1].shape == (0, 24, 32)


def test_tiles_are_mirrored_on_every_side():
    images = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    tiles = experiment.mirrored(images, pad=2)
    assert tiles.shape == (2, 8, 9, 3)
    np.testing.assert_array_equal(tiles[:, 2:-2, 2:-2], images)
    np.testing.assert_array_equal(tiles[:, 1, 2:-2], images[:, 1])  # the row beside the edge, mirrored


@pytest.mark.slow  # trains the paper's network three times: about 15 s
def test_training_is_repeatable_and_scored_on_the_gap_pixels():
    """Does one seed give one model, and is each score what its definition says?"""
    masks = np.zeros((1, 16, 16), np.uint8)   # two cars 2 pixels apart
    masks[:, 3:12, 1:7], masks[:, 3:12, 9:15] = 1, 1
    tiles = np.random.default_rng(0).random((1, 204, 204, 3), dtype=np.float32)  # 16*5 + 124: out 20x20
    full, _, gaps = experiment.weight_maps(reference("border_weights"), masks)
    models = [experiment.train_tiles(reference("original_unet"), tiles, masks, full, n_filters=2, epochs=1, seed=seed)
              for seed in (4, 4, 5)]
    first, again, other = [model.get_weights() for model in models]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    predicted, iou, gap_accuracy = experiment.evaluate(models[0], tiles, masks, gaps)
    assert predicted.shape == masks.shape
    union = np.sum((predicted == 1) | (masks == 1))
    assert iou == pytest.approx(np.sum((predicted == 1) & (masks == 1)) / max(union, 1))
    assert gap_accuracy == pytest.approx(np.mean(predicted[gaps] == 0))


def test_the_picture_marks_gap_pixels_right_and_wrong():
    mask, gap = _two_cars(), np.zeros((24, 32), bool)
    gap[10, 14:17] = True
    predicted = mask.copy()
    predicted[10, 16] = 1  # the network joins the cars at one gap pixel
    picture = experiment.marked(predicted, gap)
    assert tuple(picture[10, 14]) == (0.1, 0.8, 0.2) and tuple(picture[10, 16]) == (0.9, 0.1, 0.1)
    assert tuple(picture[12, 6]) == (0.6, 0.6, 0.6) and tuple(picture[0, 0]) == (0, 0, 0)
    figure = experiment.gap_picture(np.zeros((24, 32, 3)), mask, gap, np.ones((24, 32)),
                                    {"balance": mask, "borders": predicted})
    assert [axis.get_title() for axis in figure.axes] == ["scene", "true vehicles, gap pixels", "weight map w",
                                                          "balance", "borders"]
