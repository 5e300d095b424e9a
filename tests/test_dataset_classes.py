"""A data folder's classes.json: its classes flow into the plots, the metrics and the data check.

The toy set is a street dataset with 12 classes of its own (tiny images); without a card the
course falls back to the 23 CARLA classes; a card that cannot be used stops with a message
naming the file, the key, what was expected and what was found.
"""

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from course import classes as course_classes
from course import data, data_setup, metrics, plots
from course.classes import CLASS_COLORS, CLASS_NAMES, ClassCardError, load_classes

STREET = ("void", "sky", "building", "pole", "road", "sidewalk", "tree", "sign", "fence", "car", "pedestrian",
          "bicyclist")
STREET_COLORS = [[0, 0, 0], [128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [0, 0, 192],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192]]
README = Path(__file__).resolve().parents[1] / "data" / "README.md"
COURSE_SPEC = Path(__file__).resolve().parents[1] / "docs" / "course-spec.md"


def _write_pairs(folder, masks):
    (folder / "CameraRGB").mkdir(parents=True, exist_ok=True)
    (folder / "CameraMask").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index, mask in enumerate(masks):
        name = f"{index:03d}.png"
        Image.fromarray(rng.integers(0, 256, mask.shape + (3,), dtype=np.uint8)).save(folder / "CameraRGB" / name)
        Image.fromarray(mask.astype(np.uint8)).save(folder / "CameraMask" / name)  # single-channel ids


def _street_masks(count=3, shape=(6, 8)):
    """Masks that use every one of the 12 ids (ids 0..11 on the first rows)."""
    rng = np.random.default_rng(1)
    masks = []
    for _ in range(count):
        mask = rng.integers(0, len(STREET), shape)
        mask.flat[: len(STREET)] = np.arange(len(STREET))
        masks.append(mask)
    return masks


@pytest.fixture
def street_set(tmp_path):
    """A 12-class street data folder with a classes.json (names, colours, ignore id 0)."""
    folder = tmp_path / "street12"
    _write_pairs(folder, _street_masks())
    card = {"names": list(STREET), "colors": STREET_COLORS[:-1] + ["#0080c0"], "ignore_id": 0}
    (folder / "classes.json").write_text(json.dumps(card, indent=1))
    return folder


@pytest.fixture(autouse=True)
def close_figures(monkeypatch):
    monkeypatch.delenv(data_setup.DATA_DIR_ENV, raising=False)
    yield
    plt.close("all")


def _legend_labels(figure):
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


def _tick_labels(figure):
    return [tick.get_text() for axis in figure.axes for tick in axis.get_yticklabels()]


# --- reading the card ----------------------------------------------------------------------


def test_the_card_gives_names_colours_and_ignore_id(street_set):
    """Does load_classes read the 12 names in id order, the colours ('#rrggbb' too) and the ignore id?"""
    classes = load_classes(street_set)
    assert classes.names == STREET and len(classes) == 12
    np.testing.assert_array_equal(classes.colors, np.array(STREET_COLORS, np.uint8))
    assert classes.ignore_id == 0 and classes.source == str(street_set / "classes.json")
    assert classes.label(11) == "11 bicyclist" and classes.ids["car"] == 9


def test_without_a_card_the_carla_classes_are_used(tiny_dataset):
    """Does a folder without classes.json (and no folder at all) give the 23 CARLA classes?"""
    for source in (tiny_dataset, None):
        classes = load_classes(source)
        assert classes.names == CLASS_NAMES and classes.ignore_id is None
        np.testing.assert_array_equal(classes.colors, CLASS_COLORS)
    assert course_classes.course_classes().names == CLASS_NAMES  # COURSE_DATA_DIR unset


def test_colours_left_out_are_generated_and_distinct(tmp_path):
    """Without 'colors', does each class get its own generated colour?"""
    (tmp_path / "classes.json").write_text(json.dumps({"names": [f"class {i}" for i in range(40)]}))
    classes = load_classes(tmp_path)
    assert classes.colors.shape == (40, 3) and classes.colors.dtype == np.uint8
    assert len({tuple(colour) for colour in classes.colors}) == 40


def test_the_card_in_the_data_readme_is_valid(tmp_path):
    """Does the example card in data/README.md load, with its 12 classes?"""
    example = re.search(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL).group(1)
    (tmp_path / "classes.json").write_text(example)
    assert load_classes(tmp_path).names == STREET


def test_the_course_spec_lists_the_default_classes():
    """Does docs/course-spec.md list the 23 CARLA classes with the ids, names and colours of course.classes?"""
    rows = re.findall(r"^\| (\d+) \| ([a-z ]+) \| (\d+), (\d+), (\d+) \|$",
                      COURSE_SPEC.read_text(encoding="utf-8"), re.MULTILINE)
    assert [int(row[0]) for row in rows] == list(range(23))
    assert tuple(row[1] for row in rows) == CLASS_NAMES
    np.testing.assert_array_equal(np.array([row[2:] for row in rows], int), CLASS_COLORS)


# --- the card's classes flow into the plots and the metrics -------------------------------


def test_a_grid_of_the_folder_shows_the_cards_names_and_colours(street_set):
    """Does sample_grid(folder) colour the masks with the card's colours and name the card's classes?"""
    figure = plots.sample_grid(street_set, count=2, columns=2)
    labels = _legend_labels(figure)
    assert labels == ["0 void (ignored)"] + [f"{i} {STREET[i]}" for i in range(1, 12)]
    masks = [data.read_mask_ids(mask) for _, mask in data.list_pairs(street_set)[:2]]
    shown = [axis.images[0].get_array() for axis in figure.axes if axis.images]
    np.testing.assert_array_equal(shown[1], np.array(STREET_COLORS, np.uint8)[masks[0]])


def test_the_course_data_folder_card_is_the_default_for_every_plot(street_set, monkeypatch):
    """With COURSE_DATA_DIR on the 12-class set, do show_prediction, the share bars and the IoU bars name its classes?"""
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(street_set))
    truth, predicted = _street_masks(2)
    figure = plots.show_prediction(np.zeros(truth.shape + (3,)), truth, predicted)
    assert "10 pedestrian" in _legend_labels(figure) and "11 bicyclist" in _legend_labels(figure)
    assert not any(name in " ".join(_legend_labels(figure)) for name in ("vegetation", "traffic light"))
    shares = plots.class_share_bar(np.stack([truth, predicted]))
    assert sorted(_tick_labels(shares)) == sorted(f"{name} ({i})" for i, name in enumerate(STREET))
    matrix = metrics.confusion_matrix(truth, predicted)  # n_classes from the card
    assert matrix.shape == (12, 12)
    bars = metrics.plot_class_iou(metrics.iou_from_confusion(matrix, ignore_id=0))
    assert _tick_labels(bars) == [f"{i} {name}" for i, name in enumerate(STREET)]
    assert "ignored" in [text.get_text() for text in bars.axes[0].texts]
    grid = metrics.plot_confusion_matrix(matrix)
    assert [tick.get_text() for tick in grid.axes[0].get_xticklabels()] == list(STREET)


def test_classes_can_be_given_explicitly(street_set):
    """Does classes= (a folder or a Classes) override the course's default, CARLA here?"""
    mask = _street_masks(1)[0]
    for given in (street_set, load_classes(street_set)):
        np.testing.assert_array_equal(plots.colorize_mask(mask, classes=given), np.array(STREET_COLORS, np.uint8)[mask])
    np.testing.assert_array_equal(plots.colorize_mask(mask), CLASS_COLORS[mask])  # CARLA: 12 ids fit in 23


def test_the_ignore_id_leaves_its_pixels_out_of_the_metrics():
    """Are pixels whose true id is the ignore id left out, and that class given no IoU?"""
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([1, 2, 1, 1, 2, 0])  # the two void pixels are "wrong", one real pixel is predicted void
    matrix = metrics.confusion_matrix(y_true, y_pred, n_classes=3, ignore_id=0)
    assert matrix.sum() == 4 and matrix[0].sum() == 0 and matrix[2, 0] == 1
    ious = metrics.iou_from_confusion(matrix, ignore_id=0)
    assert np.isnan(ious[0]) and ious[1] == 1.0 and ious[2] == 0.5
    counted = metrics.iou_from_confusion(metrics.confusion_matrix(y_true, y_pred, n_classes=3), ignore_id=0)
    np.testing.assert_allclose(counted, ious)  # a matrix that counted them gives the same IoU
    with pytest.raises(ValueError, match="ignore_id 3 is not a class id"):
        metrics.confusion_matrix(y_true, y_pred, n_classes=3, ignore_id=3)


def test_ids_beyond_the_cards_classes_are_refused_by_the_plots(street_set):
    """Does a mask with id 12 on a 12-class set fail, naming the valid ids and the card?"""
    mask = np.full((2, 3), 12)
    with pytest.raises(ValueError, match=r"valid class ids are 0\.\.11 \(.*classes\.json\)"):
        plots.colorize_mask(mask, classes=street_set)


# --- the data check -----------------------------------------------------------------------


def test_the_data_check_names_masks_with_ids_the_card_does_not_list(street_set, capsys, monkeypatch):
    """Does `python -m course.data_setup --check` name the masks holding ids 12 and 30, and the card?"""
    bad = _street_masks(1)[0]
    bad[0, 0], bad[1, 1] = 12, 30
    Image.fromarray(bad.astype(np.uint8)).save(street_set / "CameraMask" / "001.png")
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(street_set))
    assert data_setup.main(["--check", "--quiet"]) == 1
    message = capsys.readouterr().err
    assert "check_mask_ids: 1 mask(s) hold class ids 12, 30, outside the 12 classes of" in message, message
    assert "classes.json (ids 0 to 11): 001.png" in message and "Add the missing classes to" in message, message


def test_the_data_check_reports_the_cards_classes(street_set, capsys, monkeypatch):
    """Does a clean 12-class set pass the check and say where its classes come from?"""
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(street_set))
    assert data_setup.main(["--check", "--quiet"]) == 0
    output = capsys.readouterr().out
    assert f"12 classes from {street_set / 'classes.json'}; id 0 (void) is left out of the metrics" in output


def test_carla_masks_with_ids_beyond_22_ask_for_a_card(tiny_dataset, tmp_path):
    """Without a card, does an id of 23 point to writing a classes.json?"""
    pairs = data.list_pairs(tiny_dataset)[:2]
    mask = np.full((4, 4), 23, np.uint8)
    Image.fromarray(mask).save(tmp_path / "odd.png")
    with pytest.raises(data.DatasetError, match="outside the 23 classes of the built-in CARLA classes") as failure:
        data.check_mask_ids(pairs + [(pairs[0][0], str(tmp_path / "odd.png"))], load_classes(tiny_dataset))
    assert "Put a classes.json that names every class" in str(failure.value)


# --- cards that cannot be used ------------------------------------------------------------

BAD_CARDS = [
    ('{"names": ["a", "b",]}', "not valid JSON", "remove it to use the 23 CARLA classes"),
    ('["road", "car"]', "the card is a JSON list; expected an object", '{"names": [...]'),
    ('{"names": ["road", "car"], "colours": [[1, 2, 3], [4, 5, 6]]}', "unknown key(s) 'colours'", "'colors', not"),
    ('{"colors": [[1, 2, 3]]}', "the key 'names' is missing", "List the class names"),
    ('{"names": "road, car"}', "'names' must be a list of non-empty strings", '"names": ["void"'),
    ('{"names": ["road"]}', "'names' lists 1 class(es); a segmentation needs 2 to 256", "in id order"),
    ('{"names": ["road", "car", "road", "sky", "car"]}', "'names' repeats 'road' at ids [0, 2]; 'car' at ids [1, 4]",
     "its own name"),
    ('{"names": ["road", "car", "sky"], "colors": [[1, 2, 3], [4, 5, 6]]}', "'colors' has 2 colours for 3 names",
     "one colour per name"),
    ('{"names": ["road", "car"], "colors": [[1, 2, 3], [4, 5, 300]]}',
     "'colors'[1] (for 'car') is [4, 5, 300]; expected [r, g, b] with integers 0..255 or '#rrggbb'", "Fix that colour"),
    ('{"names": ["road", "car"], "ignore_id": 255}', "'ignore_id' is 255; expected a class id from 0 to 1",
     "Name the ignored class in 'names'"),
    ('{"names": ["road", "car"], "ignore_id": true}', "'ignore_id' is true", "leave 'ignore_id' out"),
]


@pytest.mark.parametrize("text, problem, fix", BAD_CARDS, ids=[
    "invalid-json", "not-an-object", "unknown-key", "no-names", "names-not-a-list", "one-name", "duplicate-names",
    "colour-count", "bad-colour", "ignore-id-out-of-range", "ignore-id-bool"])
def test_a_card_that_cannot_be_used_says_what_and_how_to_fix_it(tmp_path, text, problem, fix):
    """Does each bad card raise ClassCardError naming the file, the problem (key, expected, found) and the fix?"""
    (tmp_path / "classes.json").write_text(text)
    with pytest.raises(ClassCardError) as failure:
        load_classes(tmp_path)
    message = str(failure.value)
    assert message.startswith(f"{tmp_path / 'classes.json'}: "), message
    assert problem in message and fix in message, message


def test_a_bad_card_stops_the_data_setup_with_its_message(tmp_path, capsys, monkeypatch):
    """Does `python -m course.data_setup` exit 1 with the card's message instead of a traceback?"""
    _write_pairs(tmp_path, _street_masks(1))
    (tmp_path / "classes.json").write_text('{"names": ["road", "car"], "colors": []}')
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(tmp_path))
    assert data_setup.main(["--quiet"]) == 1
    assert "'colors' has 0 colours for 2 names" in capsys.readouterr().err
