"""comparator(): deliberately wrong students are rejected with the right layer, field and hint.

Every wrong student is the reference solution with one edit (tests/helpers.py), so the
solution is written once and each mistake is a small, readable patch.
"""

import re

import pytest

import course.tensorflow_setup
import tensorflow as tf
from helpers import mutated_solution
from test_utils import comparator, reference_table, summary
from test_utils.tables import build_model

CONV_RELU = ('activation="relu", padding="same",\n                             '
             'kernel_initializer="he_normal")(inputs)')
DROPOUT = "    if dropout_prob > 0:\n        features = layers.Dropout(dropout_prob)(features)\n"
POOL = "        next_layer = layers.MaxPooling2D(pool_size=2, strides=2)(features)\n"
UP_CONV_INIT = ',\n                         kernel_initializer="he_normal")(merged)'

# (scenario, notebook, replacements, table, first differing layer or None, text in the
#  message naming the field or classes, text of the hint)
WRONG_STUDENTS = [
    ("filters-not-doubled", "04_unet",
     [("conv_block(block1[0], n_filters * 2)", "conv_block(block1[0], n_filters)")],
     "unet_model", 4, "✗ output_shape", "filters doubles at each encoder step"),
    ("filters-not-halved", "04_unet",
     [("upsampling_block(up6, block3[1], n_filters * 4)", "upsampling_block(up6, block3[1], n_filters * 8)")],
     "unet_model", 21, "✗ output_shape", "filters halves at each decoder step"),
    ("missing-dropout", "04_unet",
     [("conv_block(block3[0], n_filters * 8, dropout_prob=0.3)", "conv_block(block3[0], n_filters * 8)")],
     "unet_model", 12, "expected Dropout, found MaxPooling2D", "Dropout is missing"),
    ("dropout-after-pooling", "02_encoder",
     [(DROPOUT, ""), (POOL, POOL + "        if dropout_prob > 0:\n"
                          "            next_layer = layers.Dropout(dropout_prob)(next_layer)\n")],
     "conv_block_dropout", 3, "expected Dropout, found MaxPooling2D", "before the pooling"),
    ("dropout-rate", "04_unet",
     [("n_filters * 8, dropout_prob=0.3)", "n_filters * 8, dropout_prob=0.5)")],
     "unet_model", 12, "✗ rate", "dropout rate is 0.5 instead of 0.3"),
    ("pooling-on-the-wrong-block", "04_unet",
     [("max_pooling=False)\n", "max_pooling=True)\n"),
      ("n_filters * 8, dropout_prob=0.3)", "n_filters * 8, dropout_prob=0.3, max_pooling=False)")],
     "unet_model", 13, "expected MaxPooling2D, found Conv2D", "Pooling is missing"),
    ("valid-padding", "02_encoder",
     [('padding="same",\n                             kernel_initializer="he_normal")(inputs)',
       'padding="valid",\n                             kernel_initializer="he_normal")(inputs)')],
     "conv_block", 1, "✗ padding", "padding='valid' instead of 'same'"),
    ("missing-he-normal", "03_decoder", [(UP_CONV_INIT, ")(merged)")],
     "upsampling_block", 4, "✗ initializer", "starts from He's draw"),
    ("missing-relu", "02_encoder", [(CONV_RELU, CONV_RELU.replace('activation="relu", ', ""))],
     "conv_block", 1, "✗ activation", "activation='relu' is missing"),
    ("skip-after-pooling", "04_unet",
     [("upsampling_block(block5[0], block4[1]", "upsampling_block(block5[0], block3[0]")],
     "unet_model", 18, "✗ inputs", "skip must be taken before pooling"),
    ("concatenation-order", "03_decoder",
     [("[upsampled, contractive_input]", "[contractive_input, upsampled]")],
     "unet_model", 18, "✗ inputs", "wrong order"),
    ("concatenation-axis", "03_decoder", [("Concatenate(axis=3)", "Concatenate(axis=1)")],
     "upsampling_block", 3, "✗ axis", "channel axis"),
    ("transposed-kernel", "03_decoder",
     [("Conv2DTranspose(n_filters, 3, strides=2", "Conv2DTranspose(n_filters, 2, strides=2")],
     "upsampling_block", 1, "✗ kernel_size", "the stride sets how much it enlarges the image"),
    ("activation-on-logits", "04_unet",
     [('layers.Conv2D(n_classes, 1, padding="same")',
       'layers.Conv2D(n_classes, 1, padding="same", activation="softmax")')],
     "unet_model", 34, "✗ activation", "must output logits"),
    ("truncated-model", "04_unet", [("outputs=logits", "outputs=features")],
     "unet_model", None, "expected 35, your model has 34", "stops early"),
    ("extra-softmax-layer", "04_unet", [("outputs=logits", "outputs=layers.Softmax()(logits)")],
     "unet_model", None, "expected 35, your model has 36", "extra layer(s) at the end (Softmax)"),
]


@pytest.mark.parametrize(
    "scenario, notebook, replacements, table, index, field_text, hint_text",
    WRONG_STUDENTS, ids=[case[0] for case in WRONG_STUDENTS])
def test_wrong_student_is_rejected_at_the_right_layer(
        tmp_path, scenario, notebook, replacements, table, index, field_text, hint_text):
    """Is each deliberately wrong student rejected, naming the right layer, field and hint?"""
    function_name = "unet_model" if table.startswith("unet") else table.split("_block")[0] + "_block"
    student = mutated_solution(tmp_path, notebook, replacements, [function_name])
    tf.keras.backend.clear_session()
    model = build_model(table, student[function_name])
    with pytest.raises(AssertionError) as failure:
        comparator(summary(model), reference_table(table))
    message = str(failure.value)
    if index is None:
        assert "layers match, but the number of layers differs" in message
    else:
        assert re.search(rf"^Layer {index}\b", message, re.MULTILINE), message
    assert field_text in message, message
    assert hint_text in message, message


def test_at_least_ten_kinds_of_mistake_are_covered():
    """Are there at least ten distinct wrong students, truncated and extra layers among them?"""
    scenarios = {case[0] for case in WRONG_STUDENTS}
    assert len(scenarios) >= 10
    assert {"truncated-model", "extra-softmax-layer"} <= scenarios


def test_reference_solution_passes_with_one_short_line(capsys):
    """Does the reference U-Net pass, printing one short line?"""
    from course.reference import reference_function

    tf.keras.backend.clear_session()
    comparator(reference_function("unet_model")(), reference_table("unet_model"))
    out = capsys.readouterr().out
    assert out.strip() == "All 35 layers match the reference."


def test_message_is_plain_text_outside_a_notebook():
    """Does a failure message carry no colour codes in a log?"""
    table = reference_table("conv_block")
    wrong = [list(row) for row in table]
    wrong[1][3] = "valid"
    with pytest.raises(AssertionError) as failure:
        comparator(wrong, table)
    assert "\033[" not in str(failure.value)


def test_missing_layers_in_the_middle_are_found():
    """Is a model missing a middle layer reported at that layer, not passed?"""
    table = reference_table("unet_model")
    received = list(table[:12]) + list(table[13:])  # drops the first Dropout
    with pytest.raises(AssertionError, match=r"Layer 12: expected Dropout, found MaxPooling2D"):
        comparator(received, table)


def test_comparator_rejects_something_that_is_not_a_table():
    """Does passing a string say which argument was wrong and what was expected?"""
    with pytest.raises(TypeError, match=r"comparator\(learner=...\).*Keras model or a layer table"):
        comparator("my model", reference_table("conv_block"))
    with pytest.raises(TypeError, match=r"comparator\(instructor=...\): row 0"):
        comparator(reference_table("conv_block"), [("Conv2D",), "oops"][1:])
