"""The extension assignment unet_original (notebooks 6 and 7): the paper's U-Net and its weight map.

The reference (instructor/source/unet_original/) passes every check, in the student's notebook
("public": the expected answers from public_answers.json) and in the grader's judge ("judge":
GRADER_SOURCE_DIR set, hidden calls with random cases); wrong students fail with the same
message in both, naming their mistake. Wrong students are the reference with one edit of its
solution cell (the solution is written only in the source notebooks), or a few lines of their own.
"""

import atexit
import functools
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

import course.tensorflow_setup
from tests.goldens import check_or_regenerate, updating
from course.notebook_code import load_definitions
from notebook_helpers import (REPO, cell_text, errors_of, execute_notebooks, is_test_cell, nbgrader_meta,
                              solved_submission)
from test_utils import checks
from test_utils.failure import CheckFailure
from test_utils.runner import SOURCE_ENV
from test_utils.tables import load_tables

SOURCE = REPO / "instructor" / "source" / "unet_original"
RELEASE = REPO / "notebooks" / "extension"
NOTEBOOKS = ["06_crop_and_concat.ipynb", "07_original_unet.ipynb"]
MODES = ("public", "judge")


def use_mode(monkeypatch, mode):
    """Run the checks as in the student's notebook ("public") or as in the grader's judge."""
    for name in (SOURCE_ENV, "GRADER_SEED", "GRADER_CELL"):
        monkeypatch.delenv(name, raising=False)
    if mode == "judge":
        monkeypatch.setenv(SOURCE_ENV, str(SOURCE))
        monkeypatch.setenv("GRADER_SEED", "20250101")
        monkeypatch.setenv("GRADER_CELL", "test_original")


_PATCHED = Path(tempfile.mkdtemp(prefix="unet-original-students-"))
atexit.register(shutil.rmtree, _PATCHED, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def _definitions(folder, patches=()):
    """The definitions of the notebooks in `folder`, with (grade_id, old, new) edits of their solution cells.

    An edited notebook is written under a name of its own: the code check and the tracebacks read a
    function's source by the name of its notebook, which must not be the reference's.
    """
    if not patches:
        return load_definitions(sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")))
    tag = hashlib.sha256(repr(patches).encode()).hexdigest()[:10]
    files = []
    for path in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            for grade_id, old, new in patches:
                if nbgrader_meta(cell).get("grade_id") == grade_id:
                    assert old in cell_text(cell), f"{old!r} is not in the solution of {grade_id}"
                    cell["source"] = cell_text(cell).replace(old, new, 1)
        target = _PATCHED / f"{path.stem}-student-{tag}.ipynb"
        target.write_text(json.dumps(notebook), encoding="utf-8")
        files.append(target)
    return load_definitions(files)


def reference(name):
    return _definitions(str(SOURCE))[name]


def wrong(name, *patches):
    """The reference `name` with edits (grade_id, old, new) of the solution cells: a wrong student."""
    return _definitions(str(SOURCE), tuple(patches))[name]


def fails(monkeypatch, check, *args, **kwargs):
    """The message of a failing check, the same in the notebook and in the judge."""
    messages = []
    for mode in MODES:
        use_mode(monkeypatch, mode)
        with pytest.raises(CheckFailure) as failure:
            check(*args, **kwargs)
        messages.append(str(failure.value))
    assert messages[0] == messages[1], "the notebook and the judge disagree:\n" + "\n---\n".join(messages)
    return messages[0]


# --- the reference passes ----------------------------------------------------------------------

CHECKS = [(checks.check_crop_and_concat, "crop_and_concat", {}),
          (checks.check_original_unet, "original_unet", {}),
          (checks.check_original_unet, "original_unet", {"input_size": (204, 236, 1), "n_classes": 3, "n_filters": 2}),
          (checks.check_border_weights, "border_weights", {})]
IDS = ["crop_and_concat", "original_unet", "original_unet-other-sizes", "border_weights"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("check, name, kwargs", CHECKS, ids=IDS)
def test_reference_passes_the_public_checks(check, name, kwargs, mode, monkeypatch, capsys):
    """Does the reference pass each public check, in the notebook and in the judge, with ✓ lines?"""
    use_mode(monkeypatch, mode)
    check(reference(name), **kwargs)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("check, name, count", [(checks.check_crop_and_concat, "crop_and_concat", 4),
                                                (checks.check_original_unet, "original_unet", 2),
                                                (checks.check_border_weights, "border_weights", 6)],
                         ids=["crop_and_concat", "original_unet", "border_weights"])
def test_reference_passes_the_judges_random_cases(check, name, count, monkeypatch, capsys):
    """Does the reference pass the hidden calls with random cases (drawn from GRADER_SEED and GRADER_CELL)?"""
    use_mode(monkeypatch, "judge")
    check(reference(name), random_cases=count)
    assert capsys.readouterr().out.count("✓") >= 1


def test_reference_passes_the_hidden_calls_with_other_arguments(monkeypatch, capsys):
    """Do the hidden calls of the source notebooks with fixed arguments pass the reference in the judge?"""
    use_mode(monkeypatch, "judge")
    checks.check_crop_and_concat(reference("crop_and_concat"), skip_shape=(21, 17, 3), upsampled_shape=(8, 10, 5))
    checks.check_original_unet(reference("original_unet"), input_size=(220, 188, 2), n_classes=7, n_filters=3)
    assert capsys.readouterr().out.count("✓") == 2


def test_a_hidden_case_is_the_graders_in_the_notebook(monkeypatch):
    """Does a case whose answer the course does not hold fail in the notebook with "checked by the grader only"?"""
    use_mode(monkeypatch, "public")
    with pytest.raises(CheckFailure, match="checked by the grader only"):
        checks.check_border_weights(reference("border_weights"), random_cases=1)


# --- the paper's numbers -----------------------------------------------------------------------

def test_the_papers_network_has_the_papers_numbers():
    """Does the reference original_unet() give 572x572x1 -> 388x388x2, 23 convolutions, 31,030,658 parameters,
    64..1024 channels and the encoder sizes of the paper (568, 280, 136, 64 before pooling, 28 at the bottom)?"""
    model = reference("original_unet")()
    rows = [[type(layer).__name__, tuple(layer.output.shape), layer.count_params()] for layer in model.layers]
    assert tuple(model.input.shape) == (None, 572, 572, 1) and tuple(model.output.shape) == (None, 388, 388, 2)
    assert sum(row[0] in ("Conv2D", "Conv2DTranspose") for row in rows) == 23
    assert model.count_params() == 31_030_658
    before_pooling = [rows[i - 1][1][1] for i, row in enumerate(rows) if row[0] == "MaxPooling2D"]
    assert before_pooling == [568, 280, 136, 64]
    convolutions = [row[1] for row in rows if row[0] == "Conv2D"]
    assert [shape[3] for shape in convolutions[:10:2]] == [64, 128, 256, 512, 1024]
    assert convolutions[9][1] == 28
    transposed = [row for row in rows if row[0] == "Conv2DTranspose"]
    assert [row[1][1:] for row in transposed] == [(56, 56, 512), (104, 104, 256), (200, 200, 128), (392, 392, 64)]
    crops = [layer.cropping for layer in model.layers if type(layer).__name__ == "Cropping2D"]
    assert crops == [((4, 4), (4, 4)), ((16, 16), (16, 16)), ((40, 40), (40, 40)), ((88, 88), (88, 88))]
    table = load_tables()["original_unet"]
    assert len(table) == 36 and sum(row[2] for row in table) == 31_030_658 and table[-1][1] == (None, 388, 388, 2)


# --- wrong students: crop_and_concat -----------------------------------------------------------

CROP = "crop_and_concat"


@pytest.mark.parametrize("old, new, named, hint", [
    ("merged = layers.Concatenate(axis=3)([upsampled, cropped])",
     "merged = layers.Concatenate(axis=3)([upsampled, skip])",
     "raised ValueError", "crop it at its centre first"),
    ("top, left = extra_height // 2, extra_width // 2", "top, left = 0, 0",
     "Layer 2 (Cropping2D) does not match", "The crop is ((0, 8), (0, 8)) instead of ((4, 4), (4, 4))"),
    ("top, left = extra_height // 2, extra_width // 2", "top, left = extra_height - extra_height // 2, "
     "extra_width - extra_width // 2", "Layer 2 (Cropping2D) does not match",
     "((2, 1), (2, 2)) instead of ((1, 2), (2, 2))"),
    ("[upsampled, cropped]", "[cropped, upsampled]", "the concatenation joins (Cropping2D, InputLayer)",
     "the upsampled tensor comes first"),
], ids=["no-crop", "crop-top-left", "odd-extra-row-at-the-top", "skip-first"])
def test_crop_and_concat_mistakes_are_named(monkeypatch, old, new, named, hint):
    """Does check_crop_and_concat name a missing crop, an off-centre crop and the wrong order?"""
    message = fails(monkeypatch, checks.check_crop_and_concat, wrong(CROP, (CROP, old, new)))
    assert message.startswith("crop_and_concat(Input(") and named in message and hint in message, message


def test_crop_and_concat_by_slicing_is_told_to_use_cropping2d(monkeypatch):
    """Does a crop by slicing the tensor (a GetItem operation, not the Cropping2D the table lists) fail, saying so?"""
    from tensorflow.keras import layers

    def crop_and_concat(skip, upsampled):
        top = (skip.shape[1] - upsampled.shape[1]) // 2
        left = (skip.shape[2] - upsampled.shape[2]) // 2
        cropped = skip[:, top:top + upsampled.shape[1], left:left + upsampled.shape[2], :]
        return layers.Concatenate(axis=3)([upsampled, cropped])

    message = fails(monkeypatch, checks.check_crop_and_concat, crop_and_concat)
    assert "expected Cropping2D, found GetItem" in message and "the Cropping2D layer its table lists" in message, message


# --- wrong students: original_unet -------------------------------------------------------------

UNET = "original_unet"


@pytest.mark.parametrize("old, new, named, hint", [
    ('padding="valid"', 'padding="same"', "Layer 1 (Conv2D) does not match",
     "padding='same' instead of 'valid': the original U-Net pads nothing"),
    ("Conv2DTranspose(n_filters * 2 ** level, 2, strides=2)", "Conv2DTranspose(n_filters * 2 ** level, 3, strides=2)",
     "Layer 15 (Conv2DTranspose) does not match", "a 2x2 kernel with a stride of 2"),
    ("Conv2DTranspose(n_filters * 2 ** level, 2, strides=2)",
     "Conv2DTranspose(n_filters * 2 ** (level + 1), 2, strides=2)",
     "Layer 15 (Conv2DTranspose) does not match", "This layer has 1024 filters instead of 512"),
    ("tensor = two_convolutions(tensor, n_filters * 2 ** level)", "tensor = two_convolutions(tensor, 32 * 2 ** level)",
     "Layer 1 (Conv2D) does not match", "This layer has 32 filters instead of 64"),
    ("crop_and_concat(skips[level], upsampled)", "layers.Concatenate(axis=3)([upsampled, skips[level]])",
     "original_unet() raised ValueError", "crop it at its centre first"),
    ("logits = layers.Conv2D(n_classes, 1)(tensor)",
     "logits = layers.Conv2D(n_classes, 1, activation='softmax')(tensor)", "Layer 35 (Conv2D) does not match",
     "must output logits"),
], ids=["padding-same", "up-convolution-3x3", "up-convolution-keeps-channels", "channels-32", "no-crop",
        "softmax-head"])
def test_original_unet_mistakes_are_named(monkeypatch, old, new, named, hint):
    """Does check_original_unet name same padding, a 3x3 up-convolution, wrong channels, a missing crop, a softmax?"""
    message = fails(monkeypatch, checks.check_original_unet, wrong(UNET, (UNET, old, new)))
    assert message.startswith("original_unet(") and named in message and hint in message, message


def test_original_unet_with_an_off_centre_crop_fails_with_a_note(monkeypatch):
    """Is an original_unet built with an off-centre crop_and_concat (notebook 6) failed at the crop, noting where
    crop_and_concat comes from?"""
    student = wrong(UNET, (CROP, "top, left = extra_height // 2, extra_width // 2", "top, left = 0, 0"))
    message = fails(monkeypatch, checks.check_original_unet, student)
    assert "Layer 16 (Cropping2D) does not match" in message and "((0, 8), (0, 8))" in message, message
    assert "Note: original_unet is built with crop_and_concat" in message, message


@pytest.mark.slow  # builds the paper's network twice: seconds
def test_original_unet_that_ignores_its_arguments_fails_on_the_small_network(monkeypatch):
    """Does an original_unet that always builds 64 filters pass the paper's table but fail on the small network?"""
    student = wrong(UNET, (UNET, "inputs = layers.Input(input_size)", "inputs = layers.Input(input_size)\n"
                                                                       "    n_filters = 64"))
    message = fails(monkeypatch, checks.check_original_unet, student)
    assert message.startswith("original_unet(input_size=(188, 220, 3), n_classes=5, n_filters=4)"), message
    assert "This layer has 64 filters instead of 4" in message, message


# --- wrong students: border_weights ------------------------------------------------------------

WEIGHTS = "border_weights"
BORDER_LINE = "weights = weights + w0 * np.exp(-(d1 + d2) ** 2 / (2 * sigma ** 2)) * (mask == 0)"
FIRST_CLASS_ONLY = "objects of the first class only"


@pytest.mark.parametrize("old, new, named, hint", [
    (BORDER_LINE, "weights = weights + 0 * w0", "two cells of one class, one pixel apart",
     "your weights are w_c alone: the border term"),
    (BORDER_LINE, BORDER_LINE.replace("2 * sigma ** 2", "2 * 5 ** 2"), "a vehicle (10) touching a pedestrian (4)",
     "your weights are those for sigma=5, not sigma=3: use the sigma argument"),
    (BORDER_LINE, BORDER_LINE.replace("(d1 + d2) ** 2", "(d1 + d1) ** 2"), "two cells of one class",
     "only the distance d1 to the nearest object was used"),
    (BORDER_LINE, BORDER_LINE.replace("(d1 + d2) ** 2", "d1 ** 2"), "two cells of one class",
     "only the distance d1 to the nearest object was used"),
    (BORDER_LINE, BORDER_LINE.replace(" * (mask == 0)", ""), "two cells of one class",
     "add it on the background pixels only (mask == 0)"),
    (BORDER_LINE, BORDER_LINE.replace("w0 *", "10 *"), "a vehicle (10) touching a pedestrian (4)",
     "your border term is that of w0=10, not w0=8"),
    ("class_weights = mask.size / (len(classes) * counts)", "class_weights = 1 / counts",
     "two cells of one class", "the class-balancing part w_c differs"),
    (FIRST_CLASS_ONLY, "ndimage.label(mask != 0)", "a vehicle (10) touching a pedestrian (4)",
     "two touching regions of different classes are two objects"),
    ("ndimage.label(mask == class_id)", "ndimage.label(mask == class_id, structure=np.ones((3, 3)))",
     "two squares touching at a corner only", "4-connected"),
], ids=["without-w0-term", "sigma-ignored", "nearest-only-twice", "nearest-only", "term-on-objects-too",
        "w0-ignored", "w_c-wrong", "foreground-as-one-class", "8-connected"])
def test_border_weights_mistakes_are_named(monkeypatch, old, new, named, hint):
    """Does check_border_weights name a missing border term, an ignored sigma or w0, distances to the nearest object
    only, the term added on the objects too, another w_c, and objects of the whole foreground or 8-connected?"""
    patches = [(WEIGHTS, old, new)]
    if old == FIRST_CLASS_ONLY:  # label the whole foreground, once
        patches = [(WEIGHTS, "for class_id in classes[classes != 0]:", "for class_id in classes[classes != 0][:1]:"),
                   (WEIGHTS, "ndimage.label(mask == class_id)", new)]
    message = fails(monkeypatch, checks.check_border_weights, wrong(WEIGHTS, *patches))
    assert message.startswith("border_weights(array(shape=") and named in message, message
    assert hint is None or hint in message, message


def test_border_weights_without_the_fewer_than_two_rule_is_told(monkeypatch):
    """Does a map that adds a border term for a single object fail on the one-object mask with that hint?"""
    student = wrong(WEIGHTS, (WEIGHTS, "    if len(distances) < 2:\n        return weights\n",
                              "    if len(distances) < 2:\n        distances += [np.zeros(mask.shape)] * 2\n"))
    message = fails(monkeypatch, checks.check_border_weights, student)
    assert "one object only" in message and "d2 is infinite and the border term is 0" in message, message


def test_border_weights_that_changes_its_mask_fails(monkeypatch):
    """Does a border_weights that writes into the mask it was given fail?"""
    student = wrong(WEIGHTS, (WEIGHTS, "mask = np.asarray(mask)", "mask = np.asarray(mask)\n    mask[-1, -1] = 7"))
    message = fails(monkeypatch, checks.check_border_weights, student)
    assert "changed its input mask" in message, message


def test_border_weights_with_tensorflow_fails_the_code_check(monkeypatch):
    """Is a border_weights that computes with TensorFlow refused (NumPy and scipy.ndimage only)?"""
    student = wrong(WEIGHTS, (WEIGHTS, BORDER_LINE,
                              "weights = weights + w0 * tf.exp(-(d1 + d2) ** 2 / (2 * sigma ** 2)).numpy() "
                              "* (mask == 0)"))
    message = fails(monkeypatch, checks.check_border_weights, student)
    assert "written with NumPy and scipy.ndimage, but the code uses tf (tensorflow)" in message, message


# --- the weight map against a twin that shares no code with it ----------------------------------

def twin_border_weights(mask, w0=10, sigma=5):
    """The weight map by brute force: every pixel's distance to every pixel of every object; the border term on
    the background only."""
    mask = np.asarray(mask)
    values, inverse, counts = np.unique(mask, return_inverse=True, return_counts=True)
    balance = (mask.size / (len(values) * counts))[inverse.reshape(mask.shape)]
    grid = np.stack(np.indices(mask.shape), axis=-1).reshape(-1, 2).astype(float)
    distances = []
    for value in values[values != 0]:
        labels, count = ndimage.label(mask == value)  # 4-connected
        for k in range(1, count + 1):
            pixels = np.argwhere(labels == k).astype(float)
            gaps = np.sqrt(((grid[:, None, :] - pixels[None, :, :]) ** 2).sum(-1)).min(axis=1)
            distances.append(gaps.reshape(mask.shape))
    if len(distances) < 2:
        return balance
    d1, d2 = np.sort(np.stack(distances), axis=0)[:2]
    return balance + np.where(mask == 0, w0 * np.exp(-(d1 + d2) ** 2 / (2 * sigma ** 2)), 0)


def test_reference_border_weights_equal_a_brute_force_twin():
    """Does the reference (SciPy's distance transform) equal brute-force distances on the public masks and on
    random masks of touching objects, with w_c averaging 1?"""
    function = reference("border_weights")
    cases = checks.original.public_masks()
    rng = np.random.default_rng(3)
    for _ in range(8):
        mask = np.zeros((int(rng.integers(10, 25)), int(rng.integers(10, 25))), np.uint8)
        for _ in range(4):
            top, left = rng.integers(0, mask.shape[0] - 2), rng.integers(0, mask.shape[1] - 2)
            mask[top:top + rng.integers(2, 7), left:left + rng.integers(2, 7)] = rng.integers(1, 4)
        cases.append(("random", mask, {"w0": float(rng.uniform(1, 15)), "sigma": float(rng.uniform(1, 6))}, None))
    for _, mask, kwargs, _ in cases:
        assert np.allclose(function(mask, **kwargs), twin_border_weights(mask, **kwargs), rtol=1e-9, atol=1e-9)
        assert np.isclose(function(mask, w0=0).mean(), 1.0)


def test_border_term_is_largest_in_the_gap_between_two_objects():
    """Is the border term of two cells one pixel apart w0·exp(-(1 + 1)²/(2σ²)) in the gap, small far away, and 0
    on the cells?"""
    mask = checks.original.public_masks()[0][1]
    border = reference("border_weights")(mask) - reference("border_weights")(mask, w0=0)
    gap = border[8, 12]  # the gap column between the two cells
    assert np.isclose(gap, 10 * np.exp(-4 / 50)) and np.isclose(gap, border.max())
    assert border[17, 0] < 0.5 * gap and np.all(border[mask != 0] == 0)


# --- the assignment: source, release, generated answers ----------------------------------------

def _cells(name):
    return json.loads((SOURCE / name).read_text(encoding="utf-8"))["cells"]


def test_the_extension_has_fifty_points_and_public_and_hidden_tests():
    """Do the two notebooks carry 50 points, every graded function with a public check and hidden tests?"""
    points = sum(nbgrader_meta(cell).get("points", 0) for name in NOTEBOOKS for cell in _cells(name)
                 if is_test_cell(cell))
    assert points == 50
    for name in NOTEBOOKS:
        tests = [cell_text(cell) for cell in _cells(name) if is_test_cell(cell)]
        assert tests and all("### BEGIN HIDDEN TESTS" in text and "random_cases=" in text for text in tests), name
        for cell in _cells(name):
            if nbgrader_meta(cell).get("solution"):
                function = nbgrader_meta(cell)["grade_id"]
                public = [re.sub(r"### BEGIN HIDDEN TESTS.*", "", text, flags=re.DOTALL) for text in tests]
                assert any(f"({function}" in text for text in public), function


def test_no_outputs_are_committed_and_the_setup_cells_are_locked():
    """Are the source notebooks without outputs, with read-only setup cells that import the checks?"""
    for name in NOTEBOOKS:
        cells = _cells(name)
        assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
        setup = next(cell for cell in cells if nbgrader_meta(cell).get("grade_id") == "setup")
        assert nbgrader_meta(setup)["locked"] and "from test_utils.checks import" in cell_text(setup)


def test_the_course_library_holds_no_copy_of_the_graded_functions():
    """Does no module of course/ or test_utils/ define crop_and_concat, original_unet or border_weights?"""
    for folder in ("course", "test_utils"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for name in ("crop_and_concat", "original_unet", "border_weights"):
                assert f"def {name}(" not in text, f"{path} defines {name}"


@pytest.mark.slow
def test_the_release_regenerates_unchanged(request):
    """Does `grader release --check` find notebooks/extension/ up to date with the source?"""
    result = check_or_regenerate(request, [sys.executable, "-m", "grader", "release", "--course-root", "instructor",
                                           "--assignment", "unet_original"], cwd=REPO, timeout=300)
    assert updating(request) or "up to date (2 notebooks)" in result.stdout, result.stdout


@pytest.mark.slow
def test_the_extension_runs_headless_in_fast_mode_with_the_solutions(tmp_path):
    """Do the released notebooks, with the solutions put in, run in fast mode with every public test passing?"""
    folder = solved_submission(RELEASE, SOURCE, tmp_path / "solved")
    ran = execute_notebooks([folder / name for name in NOTEBOOKS], allow_errors=True, timeout=900,
                            COURSE_FAST="1")  # side by side
    for name in NOTEBOOKS:
        notebook, seconds = ran[folder / name]
        assert not errors_of(notebook), [output.get("evalue") for _, _, output in errors_of(notebook)]
        text = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
        assert "✓" in text and "not written yet" not in text
        assert seconds < 180, f"{name} took {seconds:.0f} s in fast mode"
    assert "23 convolutional layers: 19 Conv2D and 4 Conv2DTranspose" in text and "31,030,658 parameters" in text
    assert "class balance and borders: vehicle IoU" in text
