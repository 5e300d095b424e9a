"""test_utils.checks: the reference passes, wrong students fail with a useful message, right ones pass.

Each check runs in two places with the same code: in the student's notebook ("public": no
GRADER_SOURCE_DIR, the expected answers come from public_answers.json) and in the grader's
judge ("judge": GRADER_SOURCE_DIR set, the expected answers computed from the reference, and
hidden calls with `random_cases`). A wrong student must fail with the same message in both.

A student is a notebook cell: `student(code)` runs `code` after the notebook's imports, from a
file the checks take for the student's notebook (tracebacks and the code check read it as
such). Wrong students call the reference where that is practical (`reference_unet` and the
like are in the cell's namespace) or are a few lines of independent code; the solution is
written only in the source notebooks. The message of every wrong student is checked for the
layer or value it names and for the hint.
"""

import atexit
import itertools
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

import course.tensorflow_setup
import tensorflow as tf
from course.reference import reference_function
from test_utils import checks, runner
from test_utils.failure import CheckFailure
from test_utils.runner import SOURCE_ENV

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "instructor" / "source" / "unet"
MODES = ("public", "judge")


def use_mode(monkeypatch, mode):
    """Run the checks as in the student's notebook ("public") or as in the grader's judge."""
    if mode == "public":
        for name in (SOURCE_ENV, "GRADER_SEED", "GRADER_CELL"):
            monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(SOURCE_ENV, str(SOURCE))
        monkeypatch.setenv("GRADER_SEED", "20240611")
        monkeypatch.setenv("GRADER_CELL", "test_checks")


class Grade:
    """Run a check as in the notebook, then as in the judge; `fails` returns the message, `passes` the output.

    A check that came to its verdict without asking for an expected answer (make_dataset and
    compile_model never ask; a code check fails before asking) would run the very same code in
    the judge, so it is run once.
    """

    def __init__(self, monkeypatch, capsys):
        self.monkeypatch, self.capsys = monkeypatch, capsys
        self.asked = 0
        expected = runner.expected

        def counting(*args, **kwargs):
            self.asked += 1
            return expected(*args, **kwargs)

        monkeypatch.setattr(runner, "expected", counting)

    def _modes(self):
        for mode in MODES:
            if mode == "judge" and not self.asked:
                return
            use_mode(self.monkeypatch, mode)
            yield mode

    def fails(self, check, *args, **kwargs):
        self.asked, messages = 0, []
        for _ in self._modes():
            with pytest.raises(CheckFailure) as failure:
                check(*args, **kwargs)
            messages.append(str(failure.value))
        assert len(set(messages)) == 1, "the notebook and the judge disagree:\n" + "\n---\n".join(messages)
        return messages[0]

    def passes(self, check, *args, hidden=0, **kwargs):
        """The output of a passing check; with `hidden`, the judge's random cases must pass too."""
        self.asked = 0
        for _ in self._modes():
            check(*args, **kwargs)
            output = self.capsys.readouterr().out
            assert "✓" in output, output
        if hidden:
            use_mode(self.monkeypatch, "judge")
            check(*args, random_cases=hidden, **kwargs)
            assert "✓" in self.capsys.readouterr().out
        return output


@pytest.fixture
def grade(monkeypatch, capsys):
    return Grade(monkeypatch, capsys)


# --- students: notebook cells ---------------------------------------------------------------

NOTEBOOK_IMPORTS = """\
import os
import random
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers
"""
# Files under a folder named like IPython's cell files: the checks read their frames and
# source as the student's notebook.
CELLS = Path(tempfile.mkdtemp(prefix="ipykernel_"))
atexit.register(shutil.rmtree, CELLS, ignore_errors=True)
_NUMBERS = itertools.count(1)


def student(code, **namespace):
    """The last function that `code` defines, run as a notebook cell (with `namespace` in scope)."""
    text = textwrap.dedent(code).lstrip("\n")
    path = CELLS / f"cell_{next(_NUMBERS)}.py"
    path.write_text(text, encoding="utf-8")
    scope = {"__name__": "__main__", **namespace}
    exec(NOTEBOOK_IMPORTS, scope)  # the notebook's first cell
    exec(compile(text, str(path), "exec"), scope)  # the tests' own students
    name = re.findall(r"^def (\w+)", text, re.MULTILINE)[-1]
    return scope[name]


def reference(name):
    return reference_function(name)


def with_reference(*names):
    """The reference functions `names`, as `reference_<name>` for a student's cell."""
    return {f"reference_{name.removesuffix('_model')}": reference(name) for name in names}


# --- 1. the reference passes in both modes, and the judge's hidden calls ----------------------

CHECKS = [
    (checks.check_pair_files, ["pair_files"], {}),
    (checks.check_decode_image, ["decode_image"], {}),
    (checks.check_decode_mask, ["decode_mask"], {}),
    (checks.check_resize_pair, ["resize_pair"], {}),
    (checks.check_split_pairs, ["split_pairs"], {}),
    (checks.check_make_dataset, ["make_dataset"], {}),
    (checks.check_conv_block, ["conv_block"], {}),
    (checks.check_conv_block_outputs, ["conv_block"], {}),
    (checks.check_transposed_output_size, ["transposed_output_size"], {}),
    (checks.check_transposed_conv2d, ["transposed_conv2d"], {}),
    (checks.check_upsampling_block, ["upsampling_block"], {}),
    (checks.check_unet_model, ["unet_model"], {}),
    (checks.check_unet_model, ["unet_model"], {"input_size": (64, 80, 1), "n_filters": 8, "n_classes": 5}),
    (checks.check_compile_model, ["compile_model"], {}),
    (checks.check_compile_model, ["compile_model"], {"learning_rate": 0.004}),
    (checks.check_pixel_accuracy, ["pixel_accuracy"], {}),
    (checks.check_mean_iou, ["mean_iou"], {}),
]
IDS = [f"{check.__name__}{'-' + '-'.join(map(str, kwargs)) if kwargs else ''}" for check, _, kwargs in CHECKS]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("check, names, kwargs", CHECKS, ids=IDS)
def test_reference_passes(check, names, kwargs, mode, monkeypatch, capsys):
    """Does the reference pass each public check, in the notebook and in the judge, with a ✓ line?"""
    use_mode(monkeypatch, mode)
    check(*(reference(name) for name in names), **kwargs)
    assert "✓" in capsys.readouterr().out


RANDOM = {checks.check_make_dataset: 1, checks.check_unet_model: 1, checks.check_conv_block: 2,
          checks.check_upsampling_block: 2}


@pytest.mark.parametrize("check, names", [pytest.param(check, names, id=check.__name__,
                                                       marks=[pytest.mark.slow] if check is checks.check_compile_model else [])
                                          for check, names, kwargs in CHECKS if not kwargs])
def test_reference_passes_the_judges_random_cases(check, names, monkeypatch, capsys):
    """Does the reference pass the hidden calls with random_cases (inputs drawn from GRADER_SEED and GRADER_CELL)?"""
    use_mode(monkeypatch, "judge")
    check(*(reference(name) for name in names), random_cases=RANDOM.get(check, 3))
    assert "✓" in capsys.readouterr().out


def test_reference_passes_hidden_calls_with_other_arguments(monkeypatch):
    """Do the judge's hidden calls with other shapes and arguments pass the reference?"""
    use_mode(monkeypatch, "judge")
    checks.check_pair_files(reference("pair_files"), names=("scene_10.png", "scene_2.png", "Scene_1.png", "a b.png"))
    checks.check_conv_block(reference("conv_block"), input_shape=(40, 24, 5), n_filters=6, dropout_prob=0.25)
    checks.check_conv_block_outputs(reference("conv_block"), input_shape=(24, 40, 2), n_filters=5)
    checks.check_upsampling_block(reference("upsampling_block"), (5, 7, 12), (10, 14, 6), n_filters=6)
    checks.check_resize_pair(reference("resize_pair"), in_size=(30, 22), size=(45, 50), seed=11)
    checks.check_split_pairs(reference("split_pairs"), count=37, validation_fraction=0.3, seed=5)
    checks.check_transposed_output_size(reference("transposed_output_size"), cases=((7, 5, 3, 2), (10, 1, 1, 0)))
    checks.check_mean_iou(reference("mean_iou"), seed=5, n_classes=9)


def test_a_hidden_case_is_the_graders_in_the_notebook(monkeypatch):
    """Does a case whose answer the course does not hold fail in the notebook with "checked by the grader only"?"""
    use_mode(monkeypatch, "public")
    with pytest.raises(CheckFailure, match="checked by the grader only") as failure:
        checks.check_split_pairs(reference("split_pairs"), count=37, validation_fraction=0.3, seed=5)
    assert "python -m grader check" in str(failure.value)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_reference_training_learns(mode, monkeypatch, capsys):
    """Does a small reference U-Net compiled by the reference compile_model learn one batch, in both modes?"""
    use_mode(monkeypatch, mode)
    checks.check_training_learns(reference("compile_model"), reference("unet_model"))
    assert "training learns" in capsys.readouterr().out


# --- 2. data functions (notebook 1) ------------------------------------------------------------

PAIR_FILES_PATHLIB = """
import re

def pair_files(data_dir):
    root = Path(data_dir)
    images = {path.name for path in (root / "CameraRGB").glob("*.png")}
    masks = {path.name for path in (root / "CameraMask").glob("*.png")}
    if images != masks:
        raise ValueError("no partner for " + ", ".join(sorted(images ^ masks)))
    return [(str(root / "CameraRGB" / name), str(root / "CameraMask" / name)) for name in sorted(images)]
"""


def test_pair_files_with_pathlib_and_glob_passes(grade):
    """Does a pair_files written with pathlib and glob pass?"""
    grade.passes(checks.check_pair_files, student(PAIR_FILES_PATHLIB), hidden=3)


@pytest.mark.parametrize("old, new, named, hint", [
    ("if images != masks:", "if False:", "expected a ValueError naming street_z.png", "raise ValueError"),
    ("for name in sorted(images)]", "for name in sorted(images, key=str.lower)]",
     "item 1 is ('CameraRGB/scene_10.png', 'CameraMask/scene_10.png'); expected ('CameraRGB/Street_C.png'",
     "Python puts capitals first"),
    ("for name in sorted(images)]", "for name in sorted(images, key=lambda n: [int(t) if t.isdigit() else t "
     "for t in re.split('([0-9]+)', n)])]",
     "item 2 is ('CameraRGB/scene_2.png', 'CameraMask/scene_2.png'); expected ('CameraRGB/scene_10.png'",
     "'scene_10' before 'scene_2'"),
    ('(str(root / "CameraRGB" / name), str(root / "CameraMask" / name))',
     '(root / "CameraRGB" / name, root / "CameraMask" / name)', "the paths are PosixPath", "str(path)"),
], ids=["no-lonely-check", "case-insensitive-sort", "natural-sort", "path-objects"])
def test_pair_files_mistakes_are_named(grade, old, new, named, hint):
    """Does check_pair_files reject a missing lonely-file check, another sort order and Path objects, saying why?"""
    assert old in PAIR_FILES_PATHLIB
    message = grade.fails(checks.check_pair_files, student(PAIR_FILES_PATHLIB.replace(old, new, 1)))
    assert message.startswith("pair_files(") and named in message and hint in message, message


@pytest.mark.parametrize("check, code, named", [
    (checks.check_pair_files, """
        def pair_files(data_dir):
            from course.data import pair_files as course_pair_files
            return course_pair_files(data_dir)
        """, "pair_files: this exercise is written with os (or pathlib) yourself, but the code uses an import of "
             "course.data (the course library) in pair_files, line 2"),
    (checks.check_pair_files, """
        import course.data as library

        def pair_files(data_dir):
            return library.pair_files(data_dir)
        """, "library (the course library) in pair_files, line 2"),
    (checks.check_decode_image, """
        from course.plots import read_for_display

        def decode_image(path):
            return tf.constant(read_for_display(path), tf.float32)
        """, "decode_image: this exercise is written with TensorFlow's tf.io functions, but the code uses "
             "read_for_display (the course library) in decode_image, line 2"),
], ids=["course-data-imported", "library-module-in-namespace", "course-plots-name-in-namespace"])
def test_data_functions_that_call_the_course_library_fail(grade, check, code, named):
    """Does a data function that hands its work to the course library (imported or in the namespace) fail?"""
    message = grade.fails(check, student(code))
    assert named in message and "write the computation yourself" in message, message


DECODE_IMAGE = """
def decode_image(path):
    image = tf.io.{decode}
    return tf.image.convert_image_dtype(image, tf.float32)
"""


def decoder(decode):
    return student(DECODE_IMAGE.format(decode=decode))


def test_decode_image_via_decode_image_without_animations_passes(grade):
    """Does tf.io.decode_image(..., channels=3, expand_animations=False) pass?"""
    grade.passes(checks.check_decode_image,
                 decoder("decode_image(tf.io.read_file(path), channels=3, expand_animations=False)"), hidden=2)


def test_decode_image_with_an_unknown_shape_inside_tf_data_fails(grade, tmp_path):
    """Does tf.io.decode_image without expand_animations=False fail, although it works eagerly?"""
    wrong = decoder("decode_image(tf.io.read_file(path), channels=3)")
    tf.io.write_file(str(tmp_path / "a.png"), tf.io.encode_png(tf.zeros((2, 3, 3), tf.uint8)))
    assert tuple(wrong(str(tmp_path / "a.png")).shape) == (2, 3, 3)  # right outside tf.data
    message = grade.fails(checks.check_decode_image, wrong)
    assert "Dataset.from_tensor_slices([path]).map(decode_image)" in message, message
    assert "inside tf.data the result has shape None" in message and "expand_animations=False" in message, message


@pytest.mark.parametrize("decode, named, hint", [
    ("decode_png(tf.io.read_file(path), channels=3)\n    image = tf.cast(image, tf.float32) * 1.0",
     "RGB file: values up to 248.0; expected [0, 1]", "divide by 255"),
    ("decode_png(tf.io.read_file(path), channels=0)", "RGBA (alpha channel dropped) file: shape (5, 7, 4)",
     "drop the alpha channel"),
    ("decode_png(tf.io.read_file(path), channels=1)", "RGB file: shape (5, 7, 1)", "decode to 3 channels"),
], ids=["not-scaled", "alpha-kept", "grey"])
def test_decode_image_mistakes_are_named(grade, decode, named, hint):
    """Does check_decode_image name the file and value for unscaled, RGBA and grey results?"""
    message = grade.fails(checks.check_decode_image, decoder(decode))
    assert message.startswith("decode_image(") and named in message and hint in message, message


def test_decode_image_read_with_pillow_fails_inside_tf_data(grade):
    """Does a decode_image that opens the file with Pillow fail, because tf.data passes a string tensor?"""
    wrong = student("""
        from PIL import Image

        def decode_image(path):
            return np.asarray(Image.open(path).convert("RGB"), np.float32) / 255
        """)
    message = grade.fails(checks.check_decode_image, wrong)
    assert "fails inside tf.data (AttributeError: 'SymbolicTensor' object has no attribute 'read')" in message, message
    assert "Pillow or NumPy cannot open it" in message, message


DECODE_MASK = """
def decode_mask(path):
    mask = tf.io.decode_png(tf.io.read_file(path), channels={channels})
    return tf.reduce_max(mask, axis=-1, keepdims={keepdims})
"""


def test_decode_mask_that_drops_the_channel_axis_fails(grade):
    """Does check_decode_mask reject (height, width) masks, asking for the channel axis?"""
    message = grade.fails(checks.check_decode_mask, student(DECODE_MASK.format(channels=3, keepdims=False)))
    assert "CARLA (id in red) mask: shape (6, 5); expected (6, 5, 1)" in message, message
    assert "keep the channel axis" in message, message


def test_decode_mask_where_alpha_wins_fails(grade):
    """Does check_decode_mask reject a maximum over RGBA channels, saying the alpha channel won?"""
    message = grade.fails(checks.check_decode_mask, student(DECODE_MASK.format(channels=0, keepdims=True)))
    assert "RGBA (alpha ignored) mask: 30 of 30 class ids differ" in message, message
    assert "alpha channel (255) won the maximum" in message, message


def test_resize_pair_in_numpy_fails_inside_tf_data(grade):
    """Does a NumPy resize_pair that is right eagerly fail, because tf.data gives it symbolic tensors?"""
    wrong = student("""
        def resize_pair(image, mask, size=(96, 128)):
            image, mask = np.asarray(image), np.asarray(mask)
            rows = np.minimum(((np.arange(size[0]) + 0.5) * image.shape[0] / size[0]).astype(int), image.shape[0] - 1)
            cols = np.minimum(((np.arange(size[1]) + 0.5) * image.shape[1] / size[1]).astype(int), image.shape[1] - 1)
            return image[rows][:, cols], mask[rows][:, cols]
        """)
    message = grade.fails(checks.check_resize_pair, wrong)
    assert message.startswith("tf.data: dataset.map(resize_pair): fails inside tf.data (NotImplementedError: "
                              "Cannot convert a symbolic tf.Tensor"), message
    assert "use TensorFlow operations (tf.image.resize)" in message and "not written yet" not in message, message


@pytest.mark.parametrize("code, named, hint", [
    ('image = tf.image.resize(image, size, method="nearest")\n    mask = tf.image.resize(mask, size)',
     "the mask comes back as float32", "nearest-neighbour resizing keeps the dtype"),
    ('image = tf.image.resize(image, size, method="nearest")\n'
     '    mask = tf.cast(tf.round(tf.image.resize(mask, size)), tf.uint8)',
     "the mask holds ids", "use method='nearest' for the mask"),
    ('image = tf.image.resize(image, size)\n    mask = tf.image.resize(mask, size, method="nearest")',
     "the image differs from the expected one", "resize the image as the notebook says"),
    ('image = tf.image.resize(image, (128, 96), method="nearest")\n'
     '    mask = tf.image.resize(mask, (128, 96), method="nearest")',
     "expected (96, 128, 3) and (96, 128, 1)", "the default size is (96, 128)"),
], ids=["mask-bilinear-float", "mask-bilinear-rounded", "image-bilinear", "size-swapped"])
def test_resize_pair_mistakes_are_named(grade, code, named, hint):
    """Does check_resize_pair name a float mask, invented ids, another interpolation and a swapped size?"""
    wrong = student(f"def resize_pair(image, mask, size=(96, 128)):\n    {code}\n    return image, mask\n")
    message = grade.fails(checks.check_resize_pair, wrong)
    assert message.startswith("resize_pair(") and named in message and hint in message, message


SPLIT_WITH_NUMPY = """
def split_pairs(pairs, validation_fraction=0.2, seed=0):
    pairs = sorted(pairs)
    order = np.random.default_rng(seed).permutation(len(pairs))
    chosen = set(order[:round(len(pairs) * validation_fraction)].tolist())
    return ([pair for index, pair in enumerate(pairs) if index not in chosen],
            [pair for index, pair in enumerate(pairs) if index in chosen])
"""


def test_split_pairs_with_numpys_generator_passes(grade):
    """Does a split_pairs that shuffles with np.random.default_rng(seed).permutation pass?"""
    grade.passes(checks.check_split_pairs, student(SPLIT_WITH_NUMPY), hidden=3)


@pytest.mark.parametrize("old, new, named, hint", [
    ("round(len(pairs) * validation_fraction)", "int(len(pairs) * validation_fraction)",
     "fraction=0.3, seed=5): gave 9 training and 3 validation pairs; expected 8 and 4", "Python's round, not int"),
    ("pairs = sorted(pairs)", "pairs = list(pairs)", "the validation pairs change when the same pairs come in "
     "another order", "sort the pairs first"),
    ("np.random.default_rng(seed).permutation(len(pairs))", "np.arange(len(pairs))",
     "the validation pairs are simply the first or last ones", "shuffle (with the seed) before cutting"),
    ("np.random.default_rng(seed)", "np.random.default_rng()", "gave a different split when called again",
     "random.Random(seed)"),
    ("np.random.default_rng(seed)", "np.random.default_rng(0)", "other seeds give the same validation pairs",
     "the seed must drive the shuffle"),
    ("np.random.default_rng(seed).permutation(len(pairs))",
     "np.array((random.seed(seed), random.sample(range(len(pairs)), len(pairs)))[1])",
     "changed the global random state", "a generator of its own"),
    ("np.random.default_rng(seed).permutation(len(pairs))",
     "(np.random.seed(seed), np.random.permutation(len(pairs)))[1]",
     "changed the global random state", "a generator of its own"),
], ids=["int-instead-of-round", "not-sorted", "not-shuffled", "global-generator", "seed-ignored",
        "seeds-pythons-global-random", "seeds-numpys-global-random"])
def test_split_pairs_mistakes_are_named(grade, old, new, named, hint):
    """Does check_split_pairs reject int(), an unsorted or unshuffled split and a seed not used, saying why?"""
    assert old in SPLIT_WITH_NUMPY
    message = grade.fails(checks.check_split_pairs, student(SPLIT_WITH_NUMPY.replace(old, new, 1)))
    assert message.startswith("split_pairs(") and named in message and hint in message, message


def _split_at_an_end(split_pairs):
    """A (count, fraction, seed) for which `split_pairs` puts exactly the first or last pairs in validation."""
    for seed in range(2000):
        pairs = sorted((f"CameraRGB/{i:04d}.png", f"CameraMask/{i:04d}.png") for i in range(7))
        validation = set(split_pairs(pairs, validation_fraction=0.3, seed=seed)[1])
        if validation in (set(pairs[:2]), set(pairs[-2:])):
            return 7, 0.3, seed
    raise AssertionError("no seed below 2000 puts the validation pairs at an end")


def test_a_right_split_whose_validation_pairs_happen_to_be_the_last_ones_passes(grade, monkeypatch, capsys):
    """About 1 right split in 10 of 7 pairs puts 2 at an end: is that not called "simply the first or last ones"?"""
    use_mode(monkeypatch, "judge")  # a case of the judge's: the notebook has no expected answer for it
    for split_pairs in (reference("split_pairs"), student(SPLIT_WITH_NUMPY)):
        count, fraction, seed = _split_at_an_end(split_pairs)
        checks.check_split_pairs(split_pairs, count=count, validation_fraction=fraction, seed=seed)
        assert "✓" in capsys.readouterr().out
    message = grade.fails(checks.check_split_pairs, student(SPLIT_WITH_NUMPY.replace(
        "np.random.default_rng(seed).permutation(len(pairs))", "np.arange(len(pairs))", 1)))
    assert "simply the first or last ones" in message, message  # unshuffled is still caught


MAKE_DATASET = """
def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
    images, masks = zip(*pairs)
    dataset = tf.data.Dataset.from_tensor_slices((list(images), list(masks)))
    dataset = dataset.map(loader, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).cache()
    if shuffle:
        dataset = dataset.shuffle(seed=seed, reshuffle_each_iteration=True, buffer_size=len(pairs))
    return dataset.batch(batch_size, drop_remainder=False).prefetch(buffer_size=tf.data.AUTOTUNE)
"""


@pytest.mark.slow  # trains or runs tf.data pipelines several times: seconds
def test_make_dataset_with_other_valid_arguments_passes(grade):
    """Does a make_dataset with the optional arguments in another order (all by keyword) pass?"""
    grade.passes(checks.check_make_dataset, student(MAKE_DATASET), hidden=1)


@pytest.mark.parametrize("old, new, named, hint", [
    ("num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).cache()",
     "num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)",
     "the pipeline has no cache step", "add .cache() after map"),
    ("dataset = dataset.map(loader, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).cache()",
     "dataset = dataset.cache().map(loader)", "cache() comes before map", "map the loader first, then cache"),
    ("buffer_size=len(pairs)", "buffer_size=2", "the first pair of an epoch is always one of the first two",
     "a buffer as large as the number of pairs"),
    ("seed=seed, ", "", "two datasets made with the same seed come in different orders", "pass seed to shuffle"),
    ("seed=seed, ", "seed=0, ", "another seed gives the same order", "pass seed to shuffle"),
    ("reshuffle_each_iteration=True", "reshuffle_each_iteration=False", "two epochs come in the same order",
     "reshuffle_each_iteration=True"),
    ("    if shuffle:\n", "    if True:\n", "with shuffle=False the pairs come in the order",
     "only shuffle when shuffle is True"),
    (".prefetch(buffer_size=tf.data.AUTOTUNE)", "", "the pipeline has no prefetch step", ".prefetch(tf.data.AUTOTUNE)"),
], ids=["no-cache", "cache-before-map", "two-element-buffer", "seed-ignored", "seed-fixed", "no-reshuffle",
        "always-shuffled", "no-prefetch"])
def test_make_dataset_mistakes_are_named(grade, old, new, named, hint):
    """Does check_make_dataset reject each pipeline mistake, naming the step and the fix?"""
    assert old in MAKE_DATASET
    message = grade.fails(checks.check_make_dataset, student(MAKE_DATASET.replace(old, new, 1)))
    assert message.startswith("make_dataset(") and named in message and hint in message, message


def test_make_dataset_whose_probe_sends_a_made_up_but_consistent_description_fails(grade, monkeypatch):
    """Does a kernel that replaced the dataset probe, describing a shuffle it never ran, fail on the order?"""
    import numpy as np

    from test_utils.probes import data as data_probes

    real = data_probes.dataset
    honest = student(MAKE_DATASET)

    def made_up(function, spec):  # what a replaced probe sends: every property the check reads, invented
        if function is not honest:
            return real(function, spec)
        n, size, seed = spec["count"], spec["batch_size"], spec["seed"]
        described = real(function, spec)
        orders = [list(np.random.default_rng([seed, k]).permutation(n)) for k in range(10)]
        return {**described, "epochs": orders[:2], "same_seed": orders[0],
                "other_seed": list(np.random.default_rng([seed + 1, 0]).permutation(n)),
                "firsts": [order[:1] for order in orders], "pinned": orders[0],
                "batch_sizes": [size] * (n // size) + ([n % size] if n % size else [])}

    made_up.__module__, made_up.__qualname__ = real.__module__, real.__qualname__  # the answers' key
    monkeypatch.setattr(data_probes, "dataset", made_up)
    message = grade.fails(checks.check_make_dataset, honest)
    assert "do not come in the order" in message, message


def test_make_dataset_that_caches_after_shuffling_fails(grade):
    """Does check_make_dataset reject a shuffle before the cache (which freezes the first epoch's order)?"""
    wrong = student("""
        def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
            dataset = tf.data.Dataset.from_tensor_slices(tuple(map(list, zip(*pairs)))).map(loader)
            if shuffle:
                dataset = dataset.shuffle(len(pairs), seed=seed)
            return dataset.cache().batch(batch_size).prefetch(tf.data.AUTOTUNE)
        """)
    message = grade.fails(checks.check_make_dataset, wrong)
    assert "shuffle comes before cache" in message and "cache, then shuffle" in message, message


def test_tensorflows_own_not_implemented_error_is_not_not_written_yet(grade):
    """Is TensorFlow's NotImplementedError (NumPy on a symbolic tensor) reported as such, not as "not written yet"?"""
    wrong = student("""
        def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
            dataset = tf.data.Dataset.from_tensor_slices(tuple(map(list, zip(*pairs))))
            dataset = dataset.map(lambda image, mask: tuple(np.asarray(t) for t in loader(image, mask)))
            return dataset.cache().batch(batch_size).prefetch(tf.data.AUTOTUNE)
        """)
    message = grade.fails(checks.check_make_dataset, wrong)
    assert "raised NotImplementedError" in message and "not written yet" not in message, message
    assert "where, in your code:" in message and "of your notebook" in message, message


# --- 3. conv_block (notebook 2) ----------------------------------------------------------------

def test_conv_block_missing_a_convolution_says_a_conv2d_is_missing(grade):
    """Does a conv_block with one Conv2D fail with "a Conv2D is missing", not with a hint about the bottleneck?"""
    wrong = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            features = layers.Conv2D(n_filters, 3, activation="relu", padding="same",
                                     kernel_initializer="he_normal")(inputs)
            if dropout_prob > 0:
                features = layers.Dropout(dropout_prob)(features)
            return (layers.MaxPooling2D(2, strides=2)(features) if max_pooling else features), features
        """)
    message = grade.fails(checks.check_conv_block, wrong)
    assert "conv_block(Input((96, 128, 3)), n_filters=32) does not build the expected layers." in message, message
    assert "Layer 2: expected Conv2D, found MaxPooling2D" in message, message
    assert "A Conv2D is missing at layer 2" in message and "two 3x3 convolutions" in message, message
    assert "bottleneck" not in message and "Pooling where none is expected" not in message, message


def test_an_extra_keras_op_in_conv_block_fails(grade):
    """Does a keras.ops.tanh applied inside conv_block (a Keras 3 operation, not a layer) fail, named as extra?"""
    wrong = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            return reference_conv_block(keras.ops.tanh(inputs), n_filters, dropout_prob, max_pooling)
        """, **with_reference("conv_block"))
    message = grade.fails(checks.check_conv_block, wrong)
    assert "Layer 1: expected Conv2D, found Tanh" in message, message
    assert "An extra Tanh at layer 1" in message and "activation= argument" in message, message


def test_conv_block_with_a_fixed_dropout_rate_fails(grade):
    """Does a conv_block that always uses Dropout(0.3) fail on the dropout_prob=0.1 table, naming both rates?"""
    wrong = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            return reference_conv_block(inputs, n_filters, 0.3 if dropout_prob else 0, max_pooling)
        """, **with_reference("conv_block"))
    message = grade.fails(checks.check_conv_block, wrong)
    assert "conv_block(Input((96, 128, 3)), n_filters=32, dropout_prob=0.1)" in message, message
    assert "Layer 3 (Dropout) does not match" in message and "The dropout rate is 0.3 instead of 0.1" in message


@pytest.mark.parametrize("initializer, says", [
    ('"glorot_uniform"', "start as a uniform draw"),
    ("keras.initializers.RandomNormal(stddev=0.05)", "start as a normal draw"),
    ("keras.initializers.TruncatedNormal(stddev=0.01)", "start with a spread"),
], ids=["glorot-uniform", "plain-normal", "too-small"])
def test_conv_block_whose_layer_table_lies_about_its_initializer_fails(grade, monkeypatch, initializer, says):
    """Does a conv_block drawn otherwise, whose layer table claims HeNormal (a replaced probe), still fail?"""
    from test_utils.probes import blocks as block_probes

    real_summary = block_probes.summary

    def lying_summary(model):  # what a kernel that replaced the table's code sends
        return [[("HeNormal" if isinstance(field, str) and field in ("GlorotUniform", "RandomNormal",
                                                                        "TruncatedNormal") else field)
                 for field in row] for row in real_summary(model)]

    monkeypatch.setattr(block_probes, "summary", lying_summary)
    wrong = student(f"""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            conv = keras.layers.Conv2D(n_filters, 3, activation="relu", padding="same",
                                       kernel_initializer={initializer})(inputs)
            conv = keras.layers.Conv2D(n_filters, 3, activation="relu", padding="same",
                                       kernel_initializer={initializer})(conv)
            if dropout_prob > 0:
                conv = keras.layers.Dropout(dropout_prob)(conv)
            next_layer = keras.layers.MaxPooling2D(2)(conv) if max_pooling else conv
            return next_layer, conv
        """)
    message = grade.fails(checks.check_conv_block, wrong)
    assert says in message and "kernel_initializer" in message, message


def test_conv_block_with_fixed_filters_fails(grade):
    """Does a conv_block that ignores n_filters fail, naming the filter counts?"""
    wrong = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            return reference_conv_block(inputs, 32, dropout_prob, max_pooling)
        """, **with_reference("conv_block"))
    message = grade.fails(checks.check_conv_block, wrong)
    assert "n_filters=512, dropout_prob=0.3, max_pooling=False)" in message, message
    assert "This layer has 32 filters instead of 512: every convolution of this block has n_filters" in message, message


@pytest.mark.parametrize("returned, named, hint", [
    ("next_layer, next_layer", "skip_connection (second value) has shape (None, 48, 64, 32); expected "
     "(None, 96, 128, 32)", "skip_connection must be the tensor before pooling"),
    ("skip_connection, next_layer", "skip_connection (second value) has shape (None, 48, 64, 32)",
     "the two values are swapped"),
], ids=["skip-after-pooling", "swapped"])
def test_conv_block_returning_the_wrong_tensors_fails(grade, returned, named, hint):
    """Does check_conv_block_outputs reject a pooled skip connection and swapped values, saying which?"""
    wrong = student(f"""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            next_layer, skip_connection = reference_conv_block(inputs, n_filters, dropout_prob, max_pooling)
            return {returned}
        """, **with_reference("conv_block"))
    message = grade.fails(checks.check_conv_block_outputs, wrong)
    assert message.startswith("conv_block(Input((96, 128, 3)), n_filters=32, dropout_prob=0, max_pooling=True)")
    assert named in message and hint in message, message


def test_unfinished_function_is_not_written_yet(grade):
    """Does a cell that still raises the release placeholder fail with "not written yet", naming the function?"""
    unfinished = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            raise NotImplementedError()
        """)
    message = grade.fails(checks.check_conv_block, unfinished)
    assert message.startswith("conv_block is not written yet: its cell still says `raise NotImplementedError()`")


def test_an_error_in_the_students_code_shows_their_lines_only(grade):
    """Does an ordinary error name the call, the exception and the student's own line, and no checker frame?"""
    wrong = student("""
        def split_pairs(pairs, validation_fraction=0.2, seed=0):
            return pairs[len(pairs)]
        """)
    message = grade.fails(checks.check_split_pairs, wrong)
    assert message.startswith("split_pairs([50 items], validation_fraction=0.2, seed=0) raised IndexError"), message
    assert message.endswith("split_pairs, line 2 of your notebook: return pairs[len(pairs)]"), message
    assert "test_utils" not in message and "File " not in message, message


# --- 4. transposed convolution and upsampling_block (notebook 3) -------------------------------

@pytest.mark.parametrize("formula, named, hint", [
    ("(n - 1) * s + f - p", "transposed_output_size(4, 3, 1, 1): returned 5, which is not the output size",
     "on *each* side"),
    ("(n - 1) * s + f", "returned 6, which is not", "removes p pixels on each side"),
    ("n * s", "transposed_output_size(3, 3, 2, 0): returned 6, which is not", "n·s is the size with padding='same'"),
    ("((n - 1) * s + f - 2 * p) / 1", "returned 7.0, a float", "use integer arithmetic"),
], ids=["p-once", "p-ignored", "same-padding", "float"])
def test_transposed_output_size_mistakes_are_named(grade, formula, named, hint):
    """Does check_transposed_output_size name the case and the likely mistake?"""
    wrong = student(f"def transposed_output_size(n, f, s, p):\n    return {formula}\n")
    message = grade.fails(checks.check_transposed_output_size, wrong)
    assert named in message and hint in message, message
    assert "expected" not in message, message  # a prediction's feedback never gives the answer


def test_transposed_conv2d_by_zero_insertion_passes(grade):
    """Does a NumPy transposed convolution by zero insertion (stretch, pad, flip, convolve) pass?"""
    right = student("""
        def transposed_conv2d(x, kernel, stride=2):
            (height, width, channels), (kh, kw, _, _) = x.shape, kernel.shape
            stretched = np.zeros(((height - 1) * stride + 1, (width - 1) * stride + 1, channels))
            stretched[::stride, ::stride] = x
            padded = np.pad(stretched, ((kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
            flipped = kernel[::-1, ::-1]
            out_height, out_width = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1
            return sum(padded[a:a + out_height, b:b + out_width] @ flipped[a, b].T
                       for a in range(kh) for b in range(kw))
        """)
    grade.passes(checks.check_transposed_conv2d, right, hidden=3)


def test_transposed_conv2d_returning_tensorflows_fails(grade):
    """Does a transposed_conv2d that returns tf.nn.conv2d_transpose(...) fail the code check, naming the line?"""
    wrong = student("""
        def transposed_conv2d(x, kernel, stride=2):
            (height, width, _), (kh, kw, out_channels, _) = x.shape, kernel.shape
            shape = (1, (height - 1) * stride + kh, (width - 1) * stride + kw, out_channels)
            return tf.nn.conv2d_transpose(x[None], kernel, shape, stride, padding="VALID")[0].numpy()
        """)
    message = grade.fails(checks.check_transposed_conv2d, wrong)
    assert message.startswith("transposed_conv2d: this exercise is written with NumPy only"), message
    assert "tf (tensorflow) in transposed_conv2d, line 4" in message and "write the computation yourself" in message


@pytest.mark.parametrize("old, new, named, hint", [
    ("contribution = kernel @ x[i, j]", "contribution = kernel[::-1, ::-1] @ x[i, j]",
     "values differ from tf.nn.conv2d_transpose", "turned by 180 degrees"),
    ("+= contribution", "= contribution", "values differ from tf.nn.conv2d_transpose", None),
    ("kernel_height, kernel_width, out_channels, _ = kernel.shape",
     "kernel_height, _, out_channels, _ = kernel.shape\n    kernel_width = kernel_height",
     "array(shape=(2, 3, 1, 2), dtype=float32), stride=2) raised ValueError", None),
], ids=["flipped-kernel", "overwrite-instead-of-add", "square-kernel-assumed"])
def test_transposed_conv2d_mistakes_are_named(grade, tmp_path, old, new, named, hint):
    """Does check_transposed_conv2d reject a flipped kernel and overwritten overlaps (the reference, one edit)?"""
    from notebook_helpers import wrong_solution

    message = grade.fails(checks.check_transposed_conv2d, wrong_solution(tmp_path, "transposed_conv2d", old, new))
    assert message.startswith("transposed_conv2d(array(shape=(") and named in message, message
    assert hint is None or hint in message, message


UPSAMPLING_BLOCK = """
def upsampling_block(expansive_input, contractive_input, n_filters=32):
    upsampled = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(expansive_input)
    merged = {merge}
    for _ in range(2):
        merged = layers.Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(merged)
    return merged
"""


def upsampling(merge="keras.ops.concatenate([upsampled, contractive_input], axis=-1)", **edits):
    code = UPSAMPLING_BLOCK.format(merge=merge)
    for old, new in edits.items():
        code = code.replace(old, new, 1)
    return student(code)


def test_upsampling_block_with_keras_ops_concatenate_passes(grade):
    """Does keras.ops.concatenate([upsampled, skip], axis=-1) pass, like layers.Concatenate(axis=3)?"""
    grade.passes(checks.check_upsampling_block, upsampling(), hidden=2)


def test_upsampling_block_with_swapped_concatenation_fails(grade):
    """Does a concatenation with the skip connection first fail, saying which comes first?"""
    message = grade.fails(checks.check_upsampling_block,
                          upsampling("layers.Concatenate(axis=3)([contractive_input, upsampled])"))
    assert message.startswith("upsampling_block(Input((6, 8, 512)), Input((12, 16, 256)), n_filters=256): the "
                              "concatenation joins (InputLayer, Conv2DTranspose)"), message
    assert "the upsampled tensor comes first, then the skip connection" in message, message


@pytest.mark.parametrize("edits, named, hint", [
    ({"Conv2DTranspose(n_filters, 3, strides=2, padding=\"same\")": "UpSampling2D(2)"},
     "Layer 1: expected Conv2DTranspose, found UpSampling2D", "UpSampling2D only repeats each pixel"),
    ({"Conv2DTranspose(n_filters, 3,": "Conv2DTranspose(n_filters, 2,"},
     "Layer 1 (Conv2DTranspose) does not match", "the stride sets how much it enlarges the image"),
    ({"axis=-1": "axis=1"}, "Layer 3 (Concatenate) does not match", None),
    ({"for _ in range(2):": "for _ in range(1):"}, "The first 5 layers match, but the number of layers differs",
     "its last 1 layer(s) are missing (Conv2D). Each block has two 3x3 convolutions"),
], ids=["upsampling2d", "kernel-2", "wrong-axis", "one-convolution"])
def test_upsampling_block_mistakes_are_named(grade, edits, named, hint):
    """Does check_upsampling_block name the layer and the fix for each mistake?"""
    message = grade.fails(checks.check_upsampling_block, upsampling(**edits))
    assert named in message and (hint is None or hint in message), message
    assert "1x1" not in message and "n_classes" not in message, message


# --- 5. unet_model (notebook 4) ----------------------------------------------------------------

SMALL_UNET = {"input_size": (64, 80, 1), "n_filters": 8, "n_classes": 5}  # a public case


def unet_with_head(code):
    """A unet_model that takes the reference's features (before the 1x1 head) and ends with `code`."""
    return student(f"""
        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            model = reference_unet(input_size, n_filters, n_classes)
            inputs, features = model.input, model.layers[-2].output
            return tf.keras.Model(inputs, {code})
        """, **with_reference("unet_model"))


def test_unet_ending_in_a_softmax_operation_fails(grade):
    """Does a unet_model ending in tf.keras.activations.softmax(logits) (a Keras 3 operation) fail?"""
    wrong = student("""
        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            model = reference_unet(input_size, n_filters, n_classes)
            return tf.keras.Model(model.input, tf.keras.activations.softmax(model.output))
        """, **with_reference("unet_model"))
    message = grade.fails(checks.check_unet_model, wrong, **SMALL_UNET)
    assert "unet_model(input_size=(64, 80, 1), n_filters=8, n_classes=5) does not build the expected layers." in message
    assert "Number of layers: expected 35, your model has 36." in message, message
    assert "1 extra layer(s) at the end (Softmax)" in message and "from_logits=True" in message, message
    assert "one logit per class" not in message, message


def test_unet_ending_in_a_softmax_layer_fails(grade):
    """Does a unet_model ending in a Softmax layer fail the same way?"""
    message = grade.fails(checks.check_unet_model, unet_with_head("layers.Softmax()(model.output)"), **SMALL_UNET)
    assert "1 extra layer(s) at the end (Softmax)" in message and "the loss applies the softmax" in message, message


@pytest.mark.parametrize("head", [
    'layers.Conv2D(n_classes, 1, padding="same", kernel_initializer="he_normal")(features)',
    "layers.Conv2D(n_classes, 1)(features)",
], ids=["he-normal", "valid-padding"])
def test_unet_head_whose_padding_or_initializer_differs_passes(grade, head):
    """Is a 1x1 head's padding (it changes nothing) and initializer (the text leaves it free) not held against it?"""
    grade.passes(checks.check_unet_model, unet_with_head(head), hidden=1, **SMALL_UNET)


def test_unet_head_with_an_activation_fails(grade):
    """Does a 1x1 head with activation='softmax' fail, saying the model must output logits?"""
    wrong = unet_with_head('layers.Conv2D(n_classes, 1, padding="same", activation="softmax")(features)')
    message = grade.fails(checks.check_unet_model, wrong, **SMALL_UNET)
    assert "✗ activation    linear" in message and "must output logits" in message, message


def test_unet_without_its_head_fails(grade):
    """Does a unet_model that returns the features (no 1x1 Conv2D) fail, asking about the final layer?"""
    message = grade.fails(checks.check_unet_model, unet_with_head("features"), **SMALL_UNET)
    assert "its last 1 layer(s) are missing (Conv2D)" in message and "final 1x1 Conv2D(n_classes)" in message


@pytest.mark.parametrize("old, new, named, hint", [
    ("block2 = conv_block(block1[0], n_filters * 2)", "block2 = conv_block(block1[0], n_filters)",
     "Layer 4 (Conv2D) does not match", "This layer has 8 filters instead of 16: this layer is in the encoder, where the number of filters doubles"),
    ("block4 = conv_block(block3[0], n_filters * 8, dropout_prob=0.3)",
     "block4 = conv_block(block3[0], n_filters * 8, dropout_prob=0.5)",
     "Layer 12 (Dropout) does not match", "The dropout rate is 0.5 instead of 0.3"),
    ("block4 = conv_block(block3[0], n_filters * 8, dropout_prob=0.3)", "block4 = conv_block(block3[0], n_filters * 8)",
     "Layer 12: expected Dropout, found MaxPooling2D", "A Dropout is missing at layer 12"),
    ("up7 = upsampling_block(up6, block3[1], n_filters * 4)", "up7 = upsampling_block(up6, block2[0], n_filters * 4)",
     "Layer 22 (Concatenate) does not match", "The skip connection comes from a MaxPooling2D layer"),
], ids=["filters-not-doubled", "dropout-0.5", "no-dropout", "skip-after-pooling"])
def test_unet_mistakes_are_named(grade, tmp_path, old, new, named, hint):
    """Does check_unet_model name the layer and the fix for each mistake (the reference with one edit)?"""
    from notebook_helpers import wrong_solution

    message = grade.fails(checks.check_unet_model, wrong_solution(tmp_path, "unet_model", old, new), **SMALL_UNET)
    assert named in message and hint in message, message
    assert "Note: unet_model is built from conv_block and upsampling_block" in message, message


def test_unet_calling_an_unfinished_conv_block_names_conv_block(grade):
    """When unet_model calls a conv_block still at the placeholder, does the message name conv_block?"""
    unfinished = student("""
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            raise NotImplementedError()

        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            return conv_block(layers.Input(input_size), n_filters)
        """)
    message = grade.fails(checks.check_unet_model, unfinished)
    assert message.startswith("unet_model calls conv_block, which is not written yet"), message


# --- 6. compile_model, training, metrics (notebook 5) ------------------------------------------

COMPILE_MODEL = """
def compile_model(model, learning_rate=0.001):
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=METRICS)
    return model
"""


def compiler(metrics='["sparse_categorical_accuracy"]', **edits):
    code = COMPILE_MODEL.replace("METRICS", metrics)
    for old, new in edits.items():
        assert old in code
        code = code.replace(old, new, 1)
    return student(code)


@pytest.mark.slow  # each case trains a small U-Net: seconds
@pytest.mark.parametrize("metrics", ['["sparse_categorical_accuracy"]', '["acc"]',
                                     "[tf.keras.metrics.SparseCategoricalAccuracy()]"])
def test_compile_model_with_another_accuracy_metric_passes(grade, metrics):
    """Does compile_model pass with what "accuracy" resolves to, by name or as a metric object?"""
    grade.passes(checks.check_compile_model, compiler(metrics), hidden=2)
    if metrics == '["sparse_categorical_accuracy"]':  # another learning rate: the metric changes nothing there
        grade.passes(checks.check_compile_model, compiler(metrics), learning_rate=0.004)


@pytest.mark.parametrize("edits, named, hint", [
    ({"SparseCategoricalCrossentropy(from_logits=True)": "SparseCategoricalCrossentropy()"},
     "the loss has from_logits=False", "its outputs are logits, and the loss must be told so"),
    ({"tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)": '"sparse_categorical_crossentropy"'},
     "the loss is 'sparse_categorical_crossentropy', which treats the outputs as probabilities",
     "only a loss object can be told"),
    ({"SparseCategoricalCrossentropy(from_logits=True)": "CategoricalCrossentropy(from_logits=True)"},
     "expects one-hot targets", "the masks hold class ids"),
    ({"optimizers.Adam(learning_rate=learning_rate)": "optimizers.SGD(learning_rate=learning_rate)"},
     "the optimizer is SGD; expected Adam", "the notebook chose Adam"),
    ({"    return model": "    return None"}, "returned NoneType; expected the model it was given", "`return model`"),
    ({'metrics=["sparse_categorical_accuracy"]': "metrics=[]"}, "the metrics are []; expected pixel accuracy",
     "as its accuracy metric"),
], ids=["no-from-logits", "loss-as-a-string", "categorical", "sgd", "model-not-returned", "no-metric"])
def test_compile_model_mistakes_are_named(grade, edits, named, hint):
    """Does check_compile_model name the loss, optimizer, return value or metric that is wrong?"""
    message = grade.fails(checks.check_compile_model, compiler(**edits))
    assert message.startswith("compile_model(") and named in message and hint in message, message
    hint_line = message.split("Hint:")[-1]
    assert "from_logits=True" not in hint_line and "Adam(learning_rate" not in hint_line, message  # no solution


def test_compile_model_ignoring_the_learning_rate_fails(grade):
    """Does a compile_model that writes a fixed learning rate fail the public learning_rate=0.004 case?"""
    wrong = compiler(**{"Adam(learning_rate=learning_rate)": "Adam(learning_rate=0.001)"})
    grade.passes(checks.check_compile_model, wrong)  # the default happens to match
    message = grade.fails(checks.check_compile_model, wrong, learning_rate=0.004)
    assert message.startswith("compile_model(model, learning_rate=0.004): Adam's learning rate is 0.001;"), message
    assert "expected 0.004" in message and "pass the learning_rate argument on to Adam" in message, message


@pytest.mark.slow  # trains or runs tf.data pipelines several times: seconds
def test_training_that_does_not_learn_fails(grade):
    """Does a compile_model whose Adam never gets a useful learning rate fail the training check?"""
    wrong = compiler(**{"Adam(learning_rate=learning_rate)": "Adam(learning_rate=1e-7)"})
    message = grade.fails(checks.check_training_learns, wrong, reference("unet_model"), steps=5)
    assert "after 5 training steps on one batch the loss went from" in message, message
    assert "a working set-up at least halves it" in message and "learning_rate reaches it" in message, message


MEAN_IOU_BINCOUNT = """
def mean_iou(y_true, y_pred, n_classes=23):
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    intersection = np.diag(counts)
    union = counts.sum(axis=0) + counts.sum(axis=1) - intersection
    return float(np.mean(intersection[union > 0] / union[union > 0]))
"""


def test_mean_iou_from_bincount_confusion_counts_passes(grade):
    """Does a mean_iou computed from np.bincount confusion counts pass?"""
    grade.passes(checks.check_mean_iou, student(MEAN_IOU_BINCOUNT), hidden=3)


@pytest.mark.parametrize("old, new, named, hint", [
    ("intersection[union > 0] / union[union > 0]", "np.divide(intersection, np.maximum(union, 1))",
     "random masks (2, 6, 8, 1), 30% of pixels wrong: returned 0.127903; expected 0.588355",
     "18 of the 23 classes appear in neither array, and your mean counts them as 0"),
    ("intersection[union > 0] / union[union > 0]", "np.where(union > 0, intersection / np.maximum(union, 1), 1)",
     "random masks (2, 6, 8, 1), 30% of pixels wrong: returned 0.910512",
     "your mean counts them as 1: a class absent from both arrays has no IoU, leave it out of the mean"),
    ("intersection[union > 0] / union[union > 0]",
     "(intersection / np.maximum(union, 1))[(counts.sum(axis=0) > 0) & (counts.sum(axis=1) > 0)]",
     "class 2 only in y_true: returned", "a class present in only one of the arrays has IoU 0"),
    ("return float(", "return 100 * float(", "returned", "return a fraction in [0, 1], not a percentage"),
], ids=["absent-as-zero", "absent-as-one", "one-sided-classes-skipped", "percentage"])
def test_mean_iou_mistakes_are_named(grade, old, new, named, hint):
    """Does check_mean_iou reject absent classes counted as 0 or 1, one-sided classes skipped, and percentages?"""
    assert old in MEAN_IOU_BINCOUNT
    message = grade.fails(checks.check_mean_iou, student(MEAN_IOU_BINCOUNT.replace(old, new, 1)))
    assert message.startswith("mean_iou(") and named in message and hint in message, message


@pytest.mark.parametrize("check, code, named", [
    (checks.check_pixel_accuracy, """
        def pixel_accuracy(y_true, y_pred):
            from course.metrics import pixel_accuracy as course_pixel_accuracy
            return course_pixel_accuracy(y_true, y_pred)
        """, "an import of course.metrics (the course library) in pixel_accuracy, line 2"),
    (checks.check_mean_iou, """
        from course.metrics import confusion_matrix, iou_from_confusion

        def mean_iou(y_true, y_pred, n_classes=23):
            return float(np.nanmean(iou_from_confusion(confusion_matrix(y_true, y_pred, n_classes))))
        """, "(the course library) in mean_iou, line 2"),
    (checks.check_mean_iou, """
        def mean_iou(y_true, y_pred, n_classes=23):
            from sklearn.metrics import jaccard_score
            return jaccard_score(np.ravel(y_true), np.ravel(y_pred), average="macro")
        """, "an import of sklearn.metrics (scikit-learn) in mean_iou, line 2"),
    (checks.check_pixel_accuracy, """
        def pixel_accuracy(y_true, y_pred):
            return float(tf.keras.metrics.Accuracy()(y_true, y_pred))
        """, "tf (tensorflow) in pixel_accuracy, line 2"),
], ids=["pixel-accuracy-course-metrics", "mean-iou-course-metrics-in-namespace", "mean-iou-sklearn",
        "pixel-accuracy-keras"])
def test_metrics_that_call_a_library_fail(grade, check, code, named):
    """Does a metric that hands its work to the course library, scikit-learn or Keras fail the code check?"""
    message = grade.fails(check, student(code))
    assert "this exercise is written with NumPy" in message and named in message, message


def test_pixel_accuracy_as_a_percentage_fails(grade):
    """Does a pixel_accuracy that returns a percentage fail, saying so?"""
    wrong = student("""
        def pixel_accuracy(y_true, y_pred):
            return 100 * float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
        """)
    message = grade.fails(checks.check_pixel_accuracy, wrong)
    assert "returned" in message and "return a fraction in [0, 1], not a percentage" in message, message


def test_a_failure_shows_as_its_message_alone(grade):
    """Does IPython show a failed check as its message (first line highlighted), without the checker's frames?"""
    message = grade.fails(checks.check_split_pairs, student(SPLIT_WITH_NUMPY.replace("round(", "int(", 1)))
    shown = CheckFailure(message)._render_traceback_()
    assert "\n".join(shown) == message and "Traceback" not in message, shown
