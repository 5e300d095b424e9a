"""The "predict first" answers: each check passes the reference, fails wrong answers with a reason that
never holds the expected number, and fails a table of the public answers on the judge's fresh cases.

A student here is the reference's solution cell (read from the source notebook, the one source of
truth), run as a notebook cell, or that cell with one slip edited in. Each check runs as in the
student's notebook ("public": expected values from public_answers.json) and as in the judge
(GRADER_SOURCE_DIR set: expected values from the reference, hidden calls with `random_cases`).
"""

import atexit
import itertools
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from test_utils import checks, runner
from test_utils.failure import CheckFailure
from test_utils.runner import SOURCE_ENV

REPO = Path(__file__).resolve().parents[1]
SOURCES = {"unet": REPO / "instructor" / "source" / "unet",
           "unet_original": REPO / "instructor" / "source" / "unet_original"}
CELLS = Path(tempfile.mkdtemp(prefix="ipykernel_"))  # named like IPython's cells: the code check reads them
atexit.register(shutil.rmtree, CELLS, ignore_errors=True)
_NUMBERS = itertools.count(1)

# name: (check, assignment, three slips as (old, new) edits of the solution cell)
PREDICTIONS = {
    "transposed_output_size": (checks.check_transposed_output_size, "unet", [
        [("- 2 * p", "- p")], [("- 2 * p", "")], [("(n - 1) * s", "n * s")]]),
    "conv_block_parameters": (checks.check_conv_block_parameters, "unet", [
        [("(3 * 3 * c_in + 1)", "(3 * 3 * c_in)"), ("(3 * 3 * n_filters + 1)", "(3 * 3 * n_filters)")],
        [("second = (3 * 3 * n_filters + 1)", "second = (3 * 3 * c_in + 1)")],
        [("count = first + second", "count = first")]]),
    "encoder_receptive_field": (checks.check_encoder_receptive_field, "unet", [
        [("size += (2 - 1) * pixel", "size += 0")], [("pixel *= 2", "pixel *= 1")],
        [("size, pixel = 1, 1", "size, pixel = 0, 1")]]),
    "unet_parameters": (checks.check_unet_parameters, "unet", [
        [("convolution(2 * width, width)", "convolution(width, width)")],
        [("convolution(channels, n_filters) + ", "")],
        [("        count += convolution(channels, width)  # the 3x3 transposed convolution\n", "")]]),
    "mean_iou_from_confusion": (checks.check_mean_iou_from_confusion, "unet", [
        [("(true + predicted - found)", "true")], [("(true + predicted - found)", "predicted")],
        [("(true + predicted - found)", "(true + predicted)")]]),
    "logit_for_threshold": (checks.check_logit_for_threshold, "unet", [
        [("(n_classes - 1)", "n_classes")], [("threshold * (n_classes - 1) / (1 - threshold)", "1 / (1 - threshold)")],
        [("float(np.log(", "float((")]]),
    "paper_output_size": (checks.check_paper_output_size, "unet_original", [
        [("size = 2 * size - 4", "size = 2 * size")], [("size -= 4  # the bottom", "size -= 0  # the bottom")],
        [("(size - 4) // 2", "(size - 2) // 2"), ("size -= 4  #", "size -= 2  #"), ("2 * size - 4", "2 * size - 2")]]),
    "skip_crop": (checks.check_skip_crop, "unet_original", [
        [("    ### END SOLUTION", "    crop *= 2\n    ### END SOLUTION")],
        [("2 * convs_per_level * pixel", "convs_per_level * pixel"),
         ("convs_per_level * 2 * pixel", "convs_per_level * pixel")],
        [("crop, pixel = 0, 1", "crop, pixel = 1, 1")]]),
    "original_unet_parameters": (checks.check_original_unet_parameters, "unet_original", [
        [("convolution(channels, width, 2)", "convolution(channels, width, 3)")],
        [("convolution(2 * width, width, 3)", "convolution(width, width, 3)")],
        [("convolution(channels, n_classes, 1)", "convolution(channels, n_classes, 3)")]]),
    "gap_border_term": (checks.check_gap_border_term, "unet_original", [
        [("(gap + 1) ** 2", "gap ** 2")], [("(gap + 1) ** 2 / (2", "(gap + 1) / (2")],
        [("term = w0 * np.exp", "term = np.exp")]]),
}
NAMES = sorted(PREDICTIONS)


def solution_code(name):
    """The solution cell of `name` in its source notebook, without the solution markers."""
    for path in sorted(SOURCES[PREDICTIONS[name][1]].glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
                return "".join(cell["source"])
    raise KeyError(name)


def student(code, name):
    """`code` run as a notebook cell after the notebook's imports; its function `name`."""
    path = CELLS / f"cell_{next(_NUMBERS)}.py"
    path.write_text(code, encoding="utf-8")
    scope = {"__name__": "__main__"}
    exec("import math\nimport numpy as np\nimport tensorflow as tf\n", scope)
    exec(compile(code, str(path), "exec"), scope)
    return scope[name]


def variant(name, edits):
    code = solution_code(name)
    for old, new in edits:
        assert old in code, f"{name}: {old!r} is no longer in the solution"
        code = code.replace(old, new)
    return student(code, name)


@pytest.fixture
def modes(monkeypatch):
    """Set up the student's notebook ("public") or the judge; records every expected value asked for."""
    asked = []
    expected = runner.expected

    def recording(*args, **kwargs):
        value = expected(*args, **kwargs)
        asked.append(value["value"])
        return value

    monkeypatch.setattr(runner, "expected", recording)

    def use(mode, name):
        asked.clear()
        if mode == "public":
            for variable in (SOURCE_ENV, "GRADER_SEED", "GRADER_CELL"):
                monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(SOURCE_ENV, str(SOURCES[PREDICTIONS[name][1]]))
            monkeypatch.setenv("GRADER_SEED", "20261207")
            monkeypatch.setenv("GRADER_CELL", f"test_{name}")
        return asked

    return use


def forms(value):
    """How a number could be written in a message."""
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    return {repr(value), f"{value:.2f}", f"{value:.3f}", f"{value:.4f}", f"{value:.3g}", f"{value:.4g}"}


def shows_none_of(message, values):
    """Does the message, past the call and the returned value, show none of these numbers?"""
    reason = message.split(", which is not", 1)[-1]
    for value in values:
        for text in forms(value):
            if re.search(rf"(?<![\d.]){re.escape(text)}(?![\d.])", reason):
                return False
    return True


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["public", "judge"])
def test_the_reference_passes(modes, capsys, name, mode):
    """Does the reference pass its public cases, and in the judge its fresh ones too?"""
    check = PREDICTIONS[name][0]
    reference = student(solution_code(name), name)
    modes(mode, name)
    check(reference)
    if mode == "judge":
        check(reference, cases=(), random_cases=12)
    assert capsys.readouterr().out.count("✓") == (2 if mode == "judge" else 1)


@pytest.mark.parametrize("slip", [0, 1, 2])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["public", "judge"])
def test_a_wrong_prediction_gets_a_reason_not_the_number(modes, name, slip, mode):
    """Does a wrong prediction fail, with a hint, in both places, without the expected number?"""
    check, _, slips = PREDICTIONS[name]
    wrong = variant(name, slips[slip])
    asked = modes(mode, name)
    with pytest.raises(CheckFailure) as failure:
        check(wrong)
        check(wrong, cases=(), random_cases=12)  # the judge only: a slip right on every public case
    message = str(failure.value)
    assert message.startswith(f"{name}(") and ", which is not " in message and "\nHint: " in message, message
    assert asked and shows_none_of(message, asked[-1:]), message
    assert "expected" not in message, message


@pytest.mark.parametrize("name", NAMES)
def test_a_table_of_the_public_answers_fails_on_fresh_cases(modes, capsys, name):
    """Does a function that answers the public cases from a table pass in the notebook, and fail in the judge?"""
    check = PREDICTIONS[name][0]
    reference = student(solution_code(name), name)
    public = {}
    for args in check.__defaults__[0]:
        args = ([list(row) for row in args],) if name == "mean_iou_from_confusion" else tuple(args)
        public[repr(args)] = reference(*args)
    first = next(iter(public.values()))
    table = student(f"def {name}(*args):\n    table = {public!r}\n    return table.get(repr(args), {first!r})\n",
                    name)
    modes("public", name)
    check(table)
    assert "✓" in capsys.readouterr().out
    modes("judge", name)
    with pytest.raises(CheckFailure, match=", which is not "):
        check(table, cases=(), random_cases=12)


@pytest.mark.parametrize("name", ["unet_parameters", "conv_block_parameters"])
def test_counting_the_weights_of_a_model_is_not_a_prediction(modes, name):
    """Does a prediction that builds a Keras model and counts its weights fail the code check?"""
    code = (f"def {name}(*args):\n    inputs = tf.keras.Input((8, 8, 3))\n"
            f"    return tf.keras.Model(inputs, tf.keras.layers.Conv2D(4, 3)(inputs)).count_params()\n")
    modes("public", name)
    with pytest.raises(CheckFailure, match="plain arithmetic"):
        PREDICTIONS[name][0](student(code, name))


def test_a_nested_helper_with_parameters_is_plain_arithmetic():
    """Does the strict code check take a nested helper's (and a lambda's) parameters as the function's own?"""
    from test_utils.codecheck import delegations

    code = ("def count(n):\n    def conv(c_in, c_out):\n        return (9 * c_in + 1) * c_out\n"
            "    double = lambda width: 2 * width\n    return conv(n, double(n))\n")
    assert delegations(code, "count", strict=True) == []


def test_a_nested_parameter_named_like_a_library_hides_no_library_call():
    """Does a nested function's parameter named `tf` leave the outer function's use of TensorFlow visible?"""
    from test_utils.codecheck import delegations

    code = ("import tensorflow as tf\n\ndef count(n):\n    def helper(tf):\n        return tf\n"
            "    return helper(tf.keras.Input((n, n, 3)).shape[1])\n")
    assert any("tf (tensorflow)" in problem for problem in delegations(code, "count", strict=True))
