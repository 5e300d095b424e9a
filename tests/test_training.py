"""course.training: fast mode, settings, the history plot."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course import training  # noqa: E402


@pytest.mark.parametrize("variable", ["NBGRADER_EXECUTION", "COURSE_FAST"])
def test_fast_mode_when_grading_or_asked(monkeypatch, variable):
    """Is fast mode on while nbgrader grades or when COURSE_FAST is set, and off otherwise?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_FAST", raising=False)
    assert not training.fast_mode()
    assert training.settings() == training.SETTINGS
    monkeypatch.setenv(variable, "1")
    assert training.fast_mode()
    assert training.settings() == training.FAST_SETTINGS
    monkeypatch.setenv(variable, "0")
    assert not training.fast_mode()


def test_fast_settings_are_a_few_steps():
    """Are the fast settings a few small steps, far below the real run?"""
    fast, real = training.FAST_SETTINGS, training.SETTINGS
    assert fast.n_train <= 32 and fast.epochs <= 2 and fast.n_filters <= real.n_filters
    assert real.epochs > fast.epochs


def test_settings_can_be_changed_by_keyword(monkeypatch):
    """Does settings(n_filters=32) change that field and keep the others?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_FAST", raising=False)
    wide = training.settings(n_filters=32)
    assert wide.n_filters == 32 and wide.epochs == training.SETTINGS.epochs


def test_history_plot_has_training_and_validation_curves():
    """Does plot_history draw loss and accuracy, each with a training and a validation line?"""
    history = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9], "accuracy": [0.3, 0.6, 0.8],
               "val_accuracy": [0.3, 0.5, 0.7]}
    figure = training.plot_history(history)
    assert [len(axis.lines) for axis in figure.axes] == [2, 2]


def test_stopwatch_is_silent_when_the_block_fails(capsys):
    """Does the stopwatch report a time only for a block that finished?"""
    with training.Stopwatch("work"):
        pass
    assert capsys.readouterr().out.startswith("work: ")
    with pytest.raises(RuntimeError):
        with training.Stopwatch("work"):
            raise RuntimeError
    assert capsys.readouterr().out == ""


def _small_model():
    import course.tensorflow_setup  # noqa: F401, PLC0415
    import tensorflow as tf  # noqa: PLC0415

    inputs = tf.keras.Input((8, 8, 3))
    return tf.keras.Model(inputs, tf.keras.layers.Conv2D(4, 3, padding="same")(inputs))


def test_build_optimizer_creates_adams_slots_before_training():
    """Does build_optimizer create Adam's moments (two per weight) eagerly, and is training unchanged?"""
    import numpy as np  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    images = np.random.default_rng(0).random((2, 8, 8, 3), dtype=np.float32)
    masks = np.random.default_rng(1).integers(0, 4, (2, 8, 8, 1))
    losses = []
    for prebuild in (False, True):
        tf.keras.utils.set_random_seed(0)
        model = _small_model()
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        if prebuild:
            assert not model.optimizer.built
            training.build_optimizer(model)
            assert model.optimizer.built
            slots = [v for v in model.optimizer.variables if "iteration" not in v.path and "learning_rate" not in v.path]
            assert len(slots) == 2 * len(model.trainable_variables)
        losses.append(model.fit(images, masks, epochs=3, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)


def test_build_optimizer_leaves_an_uncompiled_model_alone():
    """Is build_optimizer a no-op on a model without an optimizer?"""
    model = _small_model()
    training.build_optimizer(model)
    assert getattr(model, "optimizer", None) is None
