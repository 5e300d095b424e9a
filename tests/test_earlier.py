"""course.earlier: later notebooks get the student's own earlier functions, or the reference while grading."""

import json
import re
import shutil

import pytest

from course import earlier, runtime
from course.reference import reference_function
from notebook_helpers import SOURCE_DIR, copy_notebooks, patch_solution


@pytest.fixture
def student_folder(tmp_path):
    """A folder with the five notebooks, as a student's (here: the solved source notebooks)."""
    return copy_notebooks(SOURCE_DIR, tmp_path / "student")


@pytest.fixture
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(runtime.EARLIER_ENV, raising=False)


def _patch(folder, stem, grade_id, old, new):
    path = folder / f"{stem}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(patch_solution(notebook, grade_id, old, new)), encoding="utf-8")


def test_interactive_run_loads_the_students_own_functions(student_folder, not_grading, capsys):
    """Outside grading, does earlier_functions return the functions defined in the student's notebooks?"""
    conv_block, upsampling_block = earlier.earlier_functions("conv_block", "upsampling_block", folder=student_folder)
    assert conv_block.__code__.co_filename == "<definitions from 02_encoder.ipynb>"
    assert upsampling_block.__code__.co_filename == "<definitions from 03_decoder.ipynb>"
    assert conv_block is not reference_function("conv_block")
    assert re.search(r"Using your own conv_block \(02_encoder\.ipynb, saved [^)]+\)", capsys.readouterr().out)


def test_unet_model_is_built_from_the_students_own_blocks(student_folder, not_grading):
    """Does the student's unet_model (notebook 4) call the student's own conv_block (notebook 2)?"""
    _patch(student_folder, "02_encoder", "conv_block", "MaxPooling2D(pool_size=2, strides=2)",
           "MaxPooling2D(pool_size=2, strides=2, padding='same')")  # the student's own touch
    unet_model = earlier.earlier_functions("unet_model", folder=student_folder, quiet=True)
    model = unet_model(input_size=(32, 32, 3), n_filters=2, n_classes=3)
    poolings = [layer for layer in model.layers if type(layer).__name__ == "MaxPooling2D"]
    assert len(poolings) == 4 and all(layer.padding == "same" for layer in poolings)


def test_grading_uses_the_graders_reference_functions(student_folder, tmp_path, monkeypatch, capsys):
    """With the grader's folder of earlier notebooks (COURSE_EARLIER_DIR), does it use those, not the student's?"""
    graders = tmp_path / "earlier"
    graders.mkdir()
    shutil.copyfile(SOURCE_DIR / "02_encoder.ipynb", graders / "02_encoder.ipynb")
    monkeypatch.setenv(runtime.EARLIER_ENV, str(graders))
    _patch(student_folder, "02_encoder", "conv_block", "MaxPooling2D(pool_size=2, strides=2)",
           "MaxPooling2D(pool_size=2, strides=2, padding='same')")
    conv_block = earlier.earlier_functions("conv_block", folder=student_folder)
    import tensorflow as tf

    next_layer, _ = conv_block(tf.keras.Input((5, 5, 1)), n_filters=2)
    assert tuple(next_layer.shape) == (None, 2, 2, 2)  # the reference's pooling, not the student's 'same'
    assert "Grading: using the reference conv_block" in capsys.readouterr().out


def test_grading_reference_comes_only_from_the_graders_folder(tmp_path):
    """Does the reference come from the folder the grader names, and is a function it lacks a stand-in?"""
    folder = copy_notebooks(SOURCE_DIR, tmp_path / "elsewhere")
    _patch(folder, "05_training", "pixel_accuracy", "return float(accuracy)", "return -1.0")
    functions = earlier.reference_source(["pixel_accuracy"], folder)
    assert functions["pixel_accuracy"]([1], [1]) == -1.0
    (folder / "05_training.ipynb").unlink()
    stand_in = earlier.reference_source(["pixel_accuracy"], folder)["pixel_accuracy"]
    with pytest.raises(NotImplementedError, match="not given to this notebook by the grader"):
        stand_in([1], [1])


def test_missing_notebook_gives_a_stand_in_that_says_what_to_do(student_folder, not_grading, capsys):
    """If 02_encoder.ipynb is missing, is conv_block a stand-in raising a NotImplementedError with advice?"""
    (student_folder / "02_encoder.ipynb").unlink()
    conv_block = earlier.earlier_functions("conv_block", folder=student_folder)
    assert "Not found: conv_block could not be loaded from your notebook 02_encoder.ipynb" in capsys.readouterr().out
    with pytest.raises(NotImplementedError, match="save the notebook"):
        conv_block(None)


def test_misspelt_function_gives_a_stand_in(student_folder, not_grading):
    """If the student renamed the function, is the stand-in's message about that name?"""
    _patch(student_folder, "03_decoder", "upsampling_block", "def upsampling_block(", "def upsampling_blok(")
    upsampling_block = earlier.earlier_functions("upsampling_block", folder=student_folder, quiet=True)
    with pytest.raises(earlier.EarlierFunctionMissing, match="defines no function named upsampling_block"):
        upsampling_block(None, None)


def test_unknown_name_is_refused():
    """Is a name that no earlier notebook defines refused with the list of known names?"""
    with pytest.raises(KeyError, match="no earlier notebook defines compile_model"):
        earlier.earlier_functions("compile_model")


def test_when_done_turns_an_unfinished_function_into_one_message(capsys):
    """Does when_done swallow NotImplementedError and NameError with a message, and nothing else?"""
    def conv_block():
        raise NotImplementedError()

    with earlier.when_done("conv_block"):
        conv_block()
    out = capsys.readouterr().out
    assert "This cell needs conv_block" in out and "conv_block is not written yet" in out
    assert "run this cell again" in out
    with earlier.when_done("conv_block"):
        print(undefined_variable)  # noqa: F821 (a variable an earlier, stopped cell would have made)
    assert "Run the cells above first" in capsys.readouterr().out

    def upsampling_block():
        return layrs.Conv2DTranspose  # noqa: F821 (the student's typo)

    with earlier.when_done("upsampling_block"):
        upsampling_block()
    out = capsys.readouterr().out
    assert "upsampling_block uses a name that is defined nowhere it can see (name 'layrs' is not defined)" in out
    assert "return layrs.Conv2DTranspose" in out and "Run the cells above first" not in out, out
    with pytest.raises(ValueError):
        with earlier.when_done("conv_block"):
            raise ValueError("a real bug")


def test_describe_unfinished_names_the_earlier_notebook(student_folder, not_grading):
    """When the unfinished function comes from an earlier notebook, does the message name that notebook?"""
    _patch(student_folder, "02_encoder", "conv_block", "    features = layers.Conv2D(",
           "    raise NotImplementedError()\n    features = layers.Conv2D(")
    unet_model = earlier.earlier_functions("unet_model", folder=student_folder, quiet=True)
    with pytest.raises(NotImplementedError) as failure:
        unet_model()
    message = earlier.describe_unfinished(failure.value, needed_by="unet_model")
    assert message.startswith("unet_model calls conv_block (from 02_encoder.ipynb), which is not written yet")
    assert "finish it in 02_encoder.ipynb, save that notebook" in message


def test_grading_flag(monkeypatch):
    """Is grading() true exactly when NBGRADER_EXECUTION is set to something other than an off value?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not runtime.grading()
    for off in ("", "0", "false", " no "):
        monkeypatch.setenv("NBGRADER_EXECUTION", off)
        assert not runtime.grading(), off
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert runtime.grading()


def test_every_listed_function_is_defined_where_it_says(student_folder, not_grading):
    """Is every name in DEFINED_IN really defined in that notebook of the source?"""
    functions = earlier.own_functions(list(earlier.DEFINED_IN), folder=student_folder)
    missing = [name for name, function in functions.items() if getattr(function, "missing_reason", None)]
    assert not missing, missing
    shutil.rmtree(student_folder)
