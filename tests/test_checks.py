"""test_utils.checks: every checker passes the reference solution and rejects known wrong students.

Every wrong student is the reference solution with one edit in one solution cell
(notebook_helpers.wrong_solution), so the solution is written once, in the source
notebooks, and each mistake is a small readable patch.
"""

import pytest

import course.tensorflow_setup  # noqa: F401
import tensorflow as tf
from course.reference import reference_function
from notebook_helpers import wrong_solution
from test_utils import checks


def reference(name):
    return reference_function(name)


# (check, the functions it takes, in order)
CHECKS = [
    (checks.check_pair_files, ["pair_files"]),
    (checks.check_decode_image, ["decode_image"]),
    (checks.check_decode_mask, ["decode_mask"]),
    (checks.check_resize_pair, ["resize_pair"]),
    (checks.check_split_pairs, ["split_pairs"]),
    (checks.check_make_dataset, ["make_dataset"]),
    (checks.check_conv_block, ["conv_block"]),
    (checks.check_conv_block_outputs, ["conv_block"]),
    (checks.check_transposed_output_size, ["transposed_output_size"]),
    (checks.check_transposed_conv2d, ["transposed_conv2d"]),
    (checks.check_upsampling_block, ["upsampling_block"]),
    (checks.check_unet_model, ["unet_model"]),
    (checks.check_compile_model, ["compile_model"]),
    (checks.check_training_learns, ["compile_model", "unet_model"]),
    (checks.check_pixel_accuracy, ["pixel_accuracy"]),
    (checks.check_mean_iou, ["mean_iou"]),
]


@pytest.mark.parametrize("check, names", CHECKS, ids=[check.__name__ for check, _ in CHECKS])
def test_reference_solution_passes(check, names, capsys):
    """Does the reference solution pass each check, printing a ✓ line?"""
    check(*(reference(name) for name in names))
    assert "✓" in capsys.readouterr().out


def test_hidden_style_calls_pass_with_the_reference():
    """Do the checks accept other shapes and arguments (as hidden tests use them) for the reference?"""
    checks.check_conv_block(reference("conv_block"), input_shape=(40, 24, 5), n_filters=6, dropout_prob=0.25)
    checks.check_upsampling_block(reference("upsampling_block"), (5, 7, 12), (10, 14, 6), n_filters=6)
    checks.check_unet_model(reference("unet_model"), input_size=(32, 48, 3), n_filters=4, n_classes=7)
    checks.check_transposed_conv2d(reference("transposed_conv2d"), cases=(((5, 4, 3), (3, 2, 4, 3), 2),), seed=7)
    checks.check_resize_pair(reference("resize_pair"), in_size=(30, 22), size=(45, 50))
    checks.check_split_pairs(reference("split_pairs"), count=37, validation_fraction=0.3, seed=5)
    checks.check_make_dataset(reference("make_dataset"), count=23, batch_size=5, seed=3)
    checks.check_mean_iou(reference("mean_iou"), seed=5, n_classes=9)


# (scenario, solution cell, old text, new text, check call, text the message must hold)
WRONG_STUDENTS = [
    ("pairs-without-lonely-check", "pair_files",
     "    if lonely:\n        raise", "    if False:\n        raise",
     lambda f: checks.check_pair_files(f), "expected a ValueError naming street_z.png"),
    ("mask-paths-from-the-image-folder", "pair_files",
     "os.path.join(mask_dir, name)) for", "os.path.join(image_dir, name)) for",
     lambda f: checks.check_pair_files(f), "item 0 is"),
    ("image-not-scaled", "decode_image",
     "tf.image.convert_image_dtype(image, tf.float32)", "tf.cast(image, tf.float32)",
     lambda f: checks.check_decode_image(f), "expected [0, 1]"),
    ("image-keeps-alpha", "decode_image", "channels=3", "channels=0",
     lambda f: checks.check_decode_image(f), "drop the alpha channel"),
    ("image-read-with-pillow", "decode_image",
     "raw = tf.io.read_file(path)\n    image = tf.io.decode_png(raw, channels=3)",
     "import PIL.Image\n    image = tf.constant(np.asarray(PIL.Image.open(path).convert('RGB')))",
     lambda f: checks.check_decode_image(f), "fails inside tf.data"),
    ("mask-without-channel-axis", "decode_mask", "keepdims=True", "keepdims=False",
     lambda f: checks.check_decode_mask(f), "keep the channel axis"),
    ("mask-alpha-wins-the-maximum", "decode_mask", "channels=3)", "channels=0)",
     lambda f: checks.check_decode_mask(f), "alpha channel (255) won the maximum"),
    ("mask-resized-bilinear", "resize_pair",
     'mask = tf.image.resize(mask, size, method="nearest")',
     'mask = tf.cast(tf.round(tf.image.resize(mask, size)), tf.uint8)',
     lambda f: checks.check_resize_pair(f), "interpolation between ids invents classes"),
    ("image-resized-bilinear", "resize_pair",
     'image = tf.image.resize(image, size, method="nearest")', "image = tf.image.resize(image, size)",
     lambda f: checks.check_resize_pair(f), "the image differs"),
    ("split-depends-on-listing-order", "split_pairs", "pairs = sorted(pairs)", "pairs = list(pairs)",
     lambda f: checks.check_split_pairs(f), "change when the same pairs come in another order"),
    ("split-without-shuffle", "split_pairs", "random.Random(seed).shuffle(order)", "order.reverse()",
     lambda f: checks.check_split_pairs(f), "simply the first or last ones"),
    ("split-with-the-global-generator", "split_pairs", "random.Random(seed).shuffle(order)",
     "random.shuffle(order)", lambda f: checks.check_split_pairs(f), "different split when called again"),
    ("cache-after-shuffle", "make_dataset",
     "    dataset = dataset.cache()\n    if shuffle:\n        dataset = dataset.shuffle(len(pairs), seed=seed, "
     "reshuffle_each_iteration=True)\n",
     "    if shuffle:\n        dataset = dataset.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)\n"
     "    dataset = dataset.cache()\n",
     lambda f: checks.check_make_dataset(f), "put .cache() before .shuffle()"),
    ("no-prefetch", "make_dataset", "dataset = dataset.prefetch(tf.data.AUTOTUNE)", "pass",
     lambda f: checks.check_make_dataset(f), "no prefetch step"),
    ("shuffle-ignored", "make_dataset", "    if shuffle:\n", "    if True:\n",
     lambda f: checks.check_make_dataset(f), "only shuffle when shuffle is True"),
    ("skip-after-pooling", "conv_block", "    skip_connection = features\n    if max_pooling:\n"
     "        next_layer = layers.MaxPooling2D(pool_size=2, strides=2)(features)\n",
     "    skip_connection = features\n    if max_pooling:\n"
     "        next_layer = layers.MaxPooling2D(pool_size=2, strides=2)(features)\n"
     "        skip_connection = next_layer\n",
     lambda f: checks.check_conv_block_outputs(f), "skip_connection must be the tensor before pooling"),
    ("outputs-swapped", "conv_block", "return next_layer, skip_connection", "return skip_connection, next_layer",
     lambda f: checks.check_conv_block_outputs(f), "the two values are swapped"),
    ("hard-coded-filters", "conv_block", "layers.Conv2D(n_filters, 3", "layers.Conv2D(32, 3",
     lambda f: checks.check_conv_block(f, input_shape=(16, 20, 7), n_filters=3, max_pooling=False),
     "conv_block(Input((16, 20, 7)), n_filters=3, max_pooling=False) does not build"),
    ("missing-2p", "transposed_output_size", "size = (n - 1) * s + f - 2 * p", "size = (n - 1) * s + f - p",
     lambda f: checks.check_transposed_output_size(f), "subtract 2p"),
    ("size-as-float", "transposed_output_size", "size = (n - 1) * s + f - 2 * p",
     "size = (n - 1) * s + f - 2 * p + 0.0", lambda f: checks.check_transposed_output_size(f), "must be an int"),
    ("flipped-kernel", "transposed_conv2d", "contribution = kernel @ x[i, j]",
     "contribution = kernel[::-1, ::-1] @ x[i, j]",
     lambda f: checks.check_transposed_conv2d(f), "turned by 180 degrees"),
    ("overwrite-instead-of-add", "transposed_conv2d", "] += contribution", "] = contribution",
     lambda f: checks.check_transposed_conv2d(f), "values differ from tf.nn.conv2d_transpose"),
    ("concatenation-order", "upsampling_block", "[upsampled, contractive_input]",
     "[contractive_input, upsampled]", lambda f: checks.check_upsampling_block(f), "wrong order"),
    ("hard-coded-classes", "unet_model", "layers.Conv2D(n_classes, 1", "layers.Conv2D(23, 1",
     lambda f: checks.check_unet_model(f, input_size=(64, 80, 1), n_filters=8, n_classes=5), "Layer 34"),
    ("softmax-loss-on-logits", "compile_model", "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
     "loss=tf.keras.losses.SparseCategoricalCrossentropy()", lambda f: checks.check_compile_model(f), "from_logits=False"),
    ("loss-as-a-string", "compile_model", "tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
     '"sparse_categorical_crossentropy"', lambda f: checks.check_compile_model(f), "treats the outputs as probabilities"),
    ("learning-rate-ignored", "compile_model", "Adam(learning_rate=learning_rate)", "Adam(learning_rate=0.001)",
     lambda f: checks.check_compile_model(f, learning_rate=0.004), "expected 0.004"),
    ("model-not-returned", "compile_model", "    return model", "    return None",
     lambda f: checks.check_compile_model(f), "end with `return model`"),
    ("percentage", "pixel_accuracy", "accuracy = np.mean(y_true == y_pred)",
     "accuracy = 100 * np.mean(y_true == y_pred)", lambda f: checks.check_pixel_accuracy(f), "not a percentage"),
    ("absent-classes-count-as-zero", "mean_iou", "            continue  # the class", "            ious.append(0.0)\n"
     "            continue  # the class", lambda f: checks.check_mean_iou(f), "do not count them as 0"),
    ("classes-in-one-array-skipped", "mean_iou", "        if union == 0:",
     "        if union == 0 or not (in_true.any() and in_pred.any()):", lambda f: checks.check_mean_iou(f),
     "must count in the mean"),
]


@pytest.mark.parametrize("scenario, grade_id, old, new, check, text", WRONG_STUDENTS,
                         ids=[case[0] for case in WRONG_STUDENTS])
def test_wrong_student_is_rejected_with_a_useful_message(tmp_path, scenario, grade_id, old, new, check, text):
    """Is each deliberately wrong student rejected, with a message naming the function and the fix?"""
    student = wrong_solution(tmp_path, grade_id, old, new)
    tf.keras.backend.clear_session()
    with pytest.raises(AssertionError) as failure:
        check(student)
    message = str(failure.value)
    function = "compile_model" if grade_id == "compile_model" else grade_id
    assert function in message, message
    assert text in message, message


def test_training_that_does_not_learn_is_caught(tmp_path):
    """Does a compile_model whose learning rate never reaches Adam fail the training test?"""
    student = wrong_solution(tmp_path, "compile_model", "Adam(learning_rate=learning_rate)",
                             "Adam(learning_rate=1e-7)")
    with pytest.raises(AssertionError, match="a working setup at least halves it"):
        checks.check_training_learns(student, reference("unet_model"))


def _unfinished(*args, **kwargs):
    raise NotImplementedError()


def test_unfinished_function_gets_a_message_naming_it():
    """Does a function that still raises NotImplementedError fail with 'not written yet', naming it?"""
    def conv_block(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match=r"^conv_block is not written yet"):
        checks.check_conv_block(conv_block)


def test_unfinished_inner_function_is_named_as_the_culprit():
    """When unet_model calls an unfinished conv_block, does the message name conv_block?"""
    def conv_block(*args, **kwargs):
        raise NotImplementedError()

    def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
        return conv_block(tf.keras.Input(input_size), n_filters)

    with pytest.raises(AssertionError, match=r"unet_model calls conv_block, which is not written yet"):
        checks.check_unet_model(unet_model)


def test_a_crash_inside_the_student_function_says_which_call():
    """Does an ordinary error inside the student's function keep its type and name the call?"""
    def split_pairs(pairs, validation_fraction=0.2, seed=0):
        return pairs[len(pairs)]  # IndexError

    with pytest.raises(IndexError) as failure:
        checks.check_split_pairs(split_pairs)
    assert "raised inside your split_pairs" in "".join(getattr(failure.value, "__notes__", []))
