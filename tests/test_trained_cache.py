"""course.trained_cache: notebook 5's trained weights, saved under a key of settings, data and code.

The key must change with anything that decides the weights (a setting, a data file, the code
of a function or of a helper it calls) and with nothing else; the same key loads instead of
training; a file that cannot be read means training again, with a message; grading neither
reads nor writes. The model is a one-layer Keras model trained for two epochs.
"""

import dataclasses
import itertools
import linecache

import numpy as np
import pytest

import course.tensorflow_setup
import tensorflow as tf
from course import trained_cache
from course.training import TrainingSettings

SETTINGS = TrainingSettings(n_train=None, n_filters=8, epochs=2, batch_size=2, learning_rate=1e-2)
_NUMBERS = itertools.count()


def define(code, namespace=None):
    """The functions `code` defines, as a notebook's loader would make them (source in linecache)."""
    filename = f"<definitions from test_{next(_NUMBERS)}.ipynb>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "earlier_notebooks"} if namespace is None else namespace
    exec(compile(code, filename, "exec"), namespace)  # the test's own code
    return namespace


BLOCKS = """
def block(n):
    return n * 2


def build(n):
    return block(n) + 1
"""


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    for sub in ("CameraRGB", "CameraMask"):
        (folder / sub).mkdir(parents=True)
        for name in ("a.png", "b.png"):
            (folder / sub / name).write_bytes(b"png" + name.encode())
    return folder


def key(data_dir, settings=SETTINGS, functions=None, extra=None):
    functions = functions or [define(BLOCKS)["build"]]
    return trained_cache.cache_key(trained_cache.key_parts(settings, data_dir, functions, extra))


def test_the_key_is_the_same_for_the_same_run(data_dir):
    """Do the same settings, data and code give the same key, twice?"""
    assert key(data_dir) == key(data_dir)


@pytest.mark.parametrize("change", [{"epochs": 3}, {"n_filters": 16}, {"learning_rate": 3e-3}, {"seed": 1},
                                    {"augment": True}])
def test_the_key_changes_with_a_setting(data_dir, change):
    """Does changing any one setting change the key?"""
    assert key(data_dir, dataclasses.replace(SETTINGS, **change)) != key(data_dir)


def test_the_key_changes_with_the_extra_values(data_dir):
    """Does another number of classes change the key?"""
    assert key(data_dir, extra={"n_classes": 23}) != key(data_dir, extra={"n_classes": 12})


@pytest.mark.parametrize("edit", ["new file", "bigger file", "touched file", "removed file"])
def test_the_key_changes_with_the_data(data_dir, edit):
    """Does adding, growing, touching or removing a data file change the key?"""
    import os

    before = key(data_dir)
    target = data_dir / "CameraRGB" / "a.png"
    if edit == "new file":
        (data_dir / "CameraRGB" / "c.png").write_bytes(b"png")
    elif edit == "bigger file":
        target.write_bytes(b"png-a-longer-one")
    elif edit == "touched file":
        stat = target.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    else:
        target.unlink()
    assert key(data_dir) != before


def test_hidden_files_in_the_data_folder_do_not_change_the_key(data_dir):
    """Does a hidden file or folder in the data folder (.trained/, .DS_Store) leave the key alone?"""
    before = key(data_dir)
    (data_dir / ".trained").mkdir()
    (data_dir / ".trained" / "x.weights.h5").write_bytes(b"x")
    (data_dir / ".DS_Store").write_bytes(b"x")
    assert key(data_dir) == before


def test_the_key_changes_with_the_code_of_a_function_or_its_helper(data_dir):
    """Does editing the function, or a helper it calls (conv_block under unet_model), change the key?"""
    before = key(data_dir, functions=[define(BLOCKS)["build"]])
    assert key(data_dir, functions=[define(BLOCKS.replace("+ 1", "+ 2"))["build"]]) != before
    assert key(data_dir, functions=[define(BLOCKS.replace("n * 2", "n * 3"))["build"]]) != before
    assert key(data_dir, functions=[define(BLOCKS.replace("return n * 2", "return n * 2  # same"))["build"]]) != before


def test_the_code_part_follows_helpers_but_not_libraries():
    """Does code_part hold the function and its helper, and no NumPy or TensorFlow function?"""
    namespace = define("import numpy as np\n\ndef helper(x):\n    return np.sum(x)\n\n"
                       "def main(x):\n    return helper(x) + np.mean(x)\n")
    assert sorted(name.split(".")[-1] for name in trained_cache.code_part([namespace["main"]])) == ["helper", "main"]


def test_what_changed_is_said_in_words(data_dir):
    """Does `changes` name the setting, the data and the function that differ between two runs?"""
    old = trained_cache.key_parts(SETTINGS, data_dir, [define(BLOCKS)["build"]])
    (data_dir / "CameraRGB" / "c.png").write_bytes(b"png")
    new = trained_cache.key_parts(dataclasses.replace(SETTINGS, epochs=5), data_dir,
                                  [define(BLOCKS.replace("n * 2", "n * 3"))["build"]])
    said = trained_cache.changes(old, new)
    assert "setting epochs: 2 -> 5" in said and "the data folder (its files, sizes or dates)" in said, said
    assert "the code of block" in said, said


# --- training or loading a real (tiny) model ------------------------------------------------------

def tiny_model():
    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input((4, 4, 3))
    model = tf.keras.Model(inputs, tf.keras.layers.Conv2D(3, 1)(inputs))
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


class Trainer:
    """train() for train_or_load: two epochs on four tiny images; counts its calls and what was printed first."""

    def __init__(self, model, capsys):
        self.model, self.capsys, self.calls, self.printed_before = model, capsys, 0, ""

    def __call__(self):
        self.calls += 1
        self.printed_before = self.capsys.readouterr().out
        rng = np.random.default_rng(0)
        images = rng.random((4, 4, 4, 3)).astype(np.float32)
        masks = rng.integers(0, 3, (4, 4, 4, 1))
        return self.model.fit(images, masks, epochs=2, verbose=0)


@pytest.fixture
def training_run(data_dir, tmp_path, monkeypatch, capsys):
    """train_or_load on a fresh tiny model; returns (model, trainer, history, printed)."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    functions = [define(BLOCKS)["build"]]

    def go(settings=SETTINGS, retrain=False):
        model = tiny_model()
        trainer = Trainer(model, capsys)
        history = trained_cache.train_or_load(model, trainer, settings=settings, data_dir=data_dir,
                                              functions=functions, n_images=4, retrain=retrain,
                                              folder=tmp_path / ".trained")
        return model, trainer, history, trainer.printed_before + capsys.readouterr().out

    return go


def test_a_second_run_loads_instead_of_training(training_run, tmp_path):
    """Does the same run a second time load the saved weights and history, train nothing, and say how to retrain?"""
    first, trainer, history, printed = training_run()
    assert trainer.calls == 1 and "Training 2 epochs on 4 images, about" in printed
    assert "later cells wait for it" in trainer.printed_before  # said before the long step
    assert "Saved the trained weights in" in printed
    second, trainer, loaded, printed = training_run()
    assert trainer.calls == 0
    assert "Loaded the weights trained on" in printed and "set retrain = True in this cell" in printed, printed
    assert "or delete that file" in printed
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.history["loss"] == pytest.approx(history.history["loss"])
    assert len(list((tmp_path / ".trained").glob("*.weights.h5"))) == 1


def test_retrain_trains_again(training_run):
    """Does retrain=True train even when weights for the key are saved?"""
    training_run()
    _, trainer, _, printed = training_run(retrain=True)
    assert trainer.calls == 1 and "retrain = True: training again." in printed


def test_another_setting_trains_and_says_why(training_run):
    """Does a run with another setting train again, saying which setting differs?"""
    training_run()
    _, trainer, _, printed = training_run(dataclasses.replace(SETTINGS, epochs=3))
    assert trainer.calls == 1 and "setting epochs: 2 -> 3" in printed, printed


def test_a_corrupt_file_means_training_again_with_a_message(training_run, tmp_path):
    """Does an unreadable weights file lead to training again, with a message naming it, and a good file after?"""
    training_run()
    weights, = (tmp_path / ".trained").glob("*.weights.h5")
    weights.write_bytes(b"not an HDF5 file")
    _, trainer, _, printed = training_run()
    assert trainer.calls == 1
    assert f"Could not read the saved weights {weights}" in printed and "training again" in printed, printed
    _, trainer, _, printed = training_run()
    assert trainer.calls == 0 and "Loaded the weights" in printed


def test_a_missing_description_means_training_again(training_run, tmp_path):
    """Do weights without their .json (an interrupted save) lead to training again?"""
    training_run()
    description, = (tmp_path / ".trained").glob("*.json")
    description.unlink()
    _, trainer, _, printed = training_run()
    assert trainer.calls == 1 and "Could not read the saved weights" in printed


def test_only_the_newest_runs_are_kept(training_run, tmp_path):
    """Are older saved runs deleted, KEEP kept?"""
    for epochs in range(1, trained_cache.KEEP + 3):
        training_run(dataclasses.replace(SETTINGS, epochs=epochs))
    assert len(list((tmp_path / ".trained").glob("*.weights.h5"))) == trained_cache.KEEP
    assert len(list((tmp_path / ".trained").glob("*.json"))) == trained_cache.KEEP


def test_grading_neither_reads_nor_writes(training_run, tmp_path, monkeypatch):
    """While nbgrader runs the notebook, is nothing saved or loaded?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    _, trainer, _, printed = training_run()
    assert trainer.calls == 1 and "Grading: nothing is saved or loaded." in printed
    assert not (tmp_path / ".trained").exists()


def test_the_estimate_uses_this_machines_last_run(training_run, tmp_path):
    """After one run, is the next announcement's estimate from this machine?"""
    minutes, where = trained_cache.estimate_minutes(SETTINGS, 800, tmp_path / ".trained")
    assert where.startswith("on the course's 2-vCPU test machine") and minutes == pytest.approx(846 / 25 * 2 / 60)
    training_run()
    _, where = trained_cache.estimate_minutes(SETTINGS, 800, tmp_path / ".trained")
    assert where == "on this machine"
