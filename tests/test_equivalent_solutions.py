"""Right answers spelled differently pass; wrong ones that look alike still fail (test_utils.equivalence).

Each student here is written independently of the reference (or wraps it only where the
rest of the model is not the point). A right-but-different student must pass in the notebook
and in the judge, hidden cases included, and its pass line must say what was taken as
equivalent; each near miss must fail and name its layer.
"""

import pytest

from tests.test_checks import SMALL_UNET, Grade, student, with_reference
from test_utils import checks, comparator, summary
from test_utils.equivalence import fold


@pytest.fixture
def grade(monkeypatch, capsys):
    return Grade(monkeypatch, capsys)


CONV_BLOCK = """
def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(n_filters, (3, 3), padding="same", kernel_initializer=INIT)(x)
        x = RELU(x)
    if dropout_prob:
        x = layers.Dropout(rate=dropout_prob)(x)
    down = layers.MaxPooling2D(pool_size=(2, 2))(x) if max_pooling else x
    return down, x
"""
RELUS = {
    "activation-layer": 'layers.Activation("relu")',
    "relu-layer": "layers.ReLU()",
    "activations-function": "keras.activations.relu",
    "ops-function": "keras.ops.relu",
}
INITS = {
    "he-by-name": '"he_normal"',
    "he-object": "keras.initializers.HeNormal()",
    "variance-scaling": 'keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal")',
}


def conv_block(relu, init):
    return student(CONV_BLOCK.replace("RELU", relu).replace("INIT", init))


@pytest.mark.parametrize("init", INITS.values(), ids=INITS.keys())
@pytest.mark.parametrize("relu", RELUS.values(), ids=RELUS.keys())
def test_conv_block_spelled_otherwise_passes_both_checks(grade, relu, init):
    """Do a separate ReLU and He written as VarianceScaling pass the layer check and the pair check?"""
    function = conv_block(relu, init)
    output = grade.passes(checks.check_conv_block, function, hidden=2)
    assert "taken as equivalent: layers 1+2, 3+4: a convolution, then a separate ReLU" in output, output
    if "VarianceScaling" in init:
        assert "VarianceScaling(scale=2.0, mode=fan_in, distribution=truncated_normal) draws as HeNormal does" in output
    grade.passes(checks.check_conv_block_outputs, function, hidden=2)


@pytest.mark.parametrize("relu, init, named", [
    ('layers.Activation("sigmoid")', '"he_normal"', "✗ activation    relu                 linear"),
    ("layers.ReLU(max_value=6.0)", '"he_normal"', "✗ activation    relu                 linear"),
    ('layers.Activation("relu")', 'keras.initializers.VarianceScaling(1.0, "fan_in", "truncated_normal")',
     "LecunNormal"),
    ('layers.Activation("relu")', '"glorot_uniform"', "GlorotUniform"),
], ids=["sigmoid", "relu6", "lecun-as-variance-scaling", "glorot"])
def test_conv_block_near_misses_still_fail(grade, relu, init, named):
    """Is only a plain ReLU folded, and only He's own distribution taken as HeNormal?"""
    message = grade.fails(checks.check_conv_block, conv_block(relu, init))
    assert "(Conv2D) does not match" in message and named in message, message


def test_a_relu_after_a_convolution_that_already_has_one_is_extra(grade):
    """Is Conv2D(activation='relu') followed by another ReLU an extra layer, not folded?"""
    wrong = student(CONV_BLOCK.replace("RELU(x)", "layers.ReLU()(x)").replace(
        'padding="same"', 'padding="same", activation="relu"').replace("INIT", '"he_normal"'))
    message = grade.fails(checks.check_conv_block, wrong)
    assert "Layer 2: expected Conv2D, found ReLU" in message, message
    assert "only when the convolution has no activation of its own" in message, message


def unet(head, last_relu="layers.Activation('relu')"):
    """A unet_model with the reference's blocks, its own last 3x3 convolution and 1x1 head."""
    return student(f"""
        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            model = reference_unet(input_size, n_filters, n_classes)
            up9 = model.layers[-3].output
            features = layers.Conv2D(n_filters, 3, padding="same", kernel_initializer="he_normal")(up9)
            features = {last_relu}(features)
            return tf.keras.Model(model.input, {head})
        """, **with_reference("unet_model"))


@pytest.mark.parametrize("head", [
    "layers.Conv2D(n_classes, 1)(features)",
    "layers.Conv2D(n_classes, (1, 1), padding='valid', kernel_initializer='he_normal')(features)",
    "layers.Conv2D(n_classes, 1, padding='same', kernel_initializer=keras.initializers.RandomNormal(stddev=0.01))"
    "(features)",
], ids=["valid-padding", "valid-he", "small-normal"])
def test_unet_whose_head_pads_or_starts_otherwise_passes(grade, head):
    """Is a 1x1 head's padding and initializer left free, in the table and in the initial weights?"""
    output = grade.passes(checks.check_unet_model, unet(head), hidden=1, **SMALL_UNET)
    assert "taken as equivalent: layers 33+34: a convolution, then a separate ReLU" in output, output


@pytest.mark.parametrize("head, named", [
    ("layers.Conv2D(n_classes, 3, padding='valid')(features)", "Your layer 35 (the reference's 34)"),
    ("layers.Conv2D(n_classes, 1, activation='relu')(features)", "activation"),
], ids=["3x3-valid", "relu-head"])
def test_unet_head_near_misses_still_fail(grade, head, named):
    """Does a head that is not a linear 1x1 convolution still fail, numbered as the student's table is?"""
    message = grade.fails(checks.check_unet_model, unet(head), **SMALL_UNET)
    assert named in message, message


def test_upsampling_block_whose_transposed_convolution_starts_from_he_passes(grade):
    """Is the transposed convolution's initializer free (the text does not fix it)?"""
    right = student("""
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            up = layers.Conv2DTranspose(n_filters, kernel_size=3, strides=(2, 2), padding="same",
                                        kernel_initializer="he_normal")(expansive_input)
            x = keras.ops.concatenate([up, contractive_input], axis=-1)
            for _ in range(2):
                x = layers.ReLU()(layers.Conv2D(n_filters, 3, padding="same", kernel_initializer="he_normal")(x))
            return x
        """)
    output = grade.passes(checks.check_upsampling_block, right, hidden=2)
    assert "taken as equivalent: layers 4+5, 6+7" in output, output


def test_the_public_comparator_names_the_equivalences_and_the_students_own_numbers(capsys):
    """Does comparator() print the equivalences on success, and number a failure as the student's table?"""
    import keras
    from test_utils.tables import reference_table

    inputs = keras.Input((96, 128, 3))
    right = keras.Model(inputs, conv_block('layers.Activation("relu")', '"he_normal"')(inputs, 32))
    comparator(summary(right), reference_table("conv_block"))
    out = capsys.readouterr().out
    assert "All 4 layers match the reference (6 rows in your table" in out and "layers 1+2, 3+4" in out, out
    wrong = keras.Model(inputs, conv_block('layers.Activation("relu")', '"glorot_uniform"')(inputs, 32))
    with pytest.raises(AssertionError) as failure:
        comparator(summary(wrong), reference_table("conv_block"))
    assert "Your layer 1+2 (the reference's 1) (Conv2D) does not match" in str(failure.value), failure.value


def test_fold_leaves_a_relu_of_another_shape_alone():
    """Is a ReLU whose shape differs from the convolution's never folded into it?"""
    rows = [["InputLayer", (None, 4, 4, 1), 0],
            ["Conv2D", (None, 4, 4, 2), 20, "same", "linear", "HeNormal", (3, 3)],
            ["Activation", (None, 2, 2, 2), 0, "relu"]]
    folded, origins = fold(rows)
    assert len(folded) == 3 and origins == [[0], [1], [2]]
