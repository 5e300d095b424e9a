"""course.training: fast mode, settings, the history plot."""

import matplotlib

matplotlib.use("Agg")

from dataclasses import replace

import pytest

from course import experiments, training


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
    import course.tensorflow_setup
    import tensorflow as tf

    inputs = tf.keras.Input((8, 8, 3))
    return tf.keras.Model(inputs, tf.keras.layers.Conv2D(4, 3, padding="same")(inputs))


def test_build_optimizer_creates_adams_slots_before_training():
    """Does build_optimizer create Adam's moments (two per weight) eagerly, and is training unchanged?"""
    import numpy as np
    import tensorflow as tf

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


# --------------------------------------------------------------------------------------
# The learning-rate schedule
# --------------------------------------------------------------------------------------

def test_schedule_formula_at_the_warm_up_start_peak_and_end():
    """Does the plain formula start at peak/warmup, reach the peak, and fall to the floor at the end?"""
    from course.schedule import schedule_value

    peak, total, warmup = 0.01, 100, 10
    assert schedule_value(0, peak, total, warmup) == pytest.approx(peak / warmup)
    assert schedule_value(4, peak, total, warmup) == pytest.approx(peak * 5 / warmup)
    assert schedule_value(warmup - 1, peak, total, warmup) == pytest.approx(peak)
    assert schedule_value(warmup, peak, total, warmup) == pytest.approx(peak)
    assert schedule_value(warmup + 45, peak, total, warmup) == pytest.approx(peak / 2)  # half way: cos(pi/2)
    assert schedule_value(total, peak, total, warmup, floor=1e-4) == pytest.approx(1e-4)
    assert schedule_value(total - 1, peak, total, warmup) < 0.001 * peak
    rates = [schedule_value(s, peak, total, warmup) for s in range(total)]
    assert all(a <= b for a, b in zip(rates[:warmup], rates[1:warmup]))  # rises during the warm-up
    assert all(a >= b for a, b in zip(rates[warmup:], rates[warmup + 1:]))  # then only falls


def _linear_probe():
    """A one-weight model whose loss has gradient exactly 1: an SGD step moves the weight by -lr."""
    import course.tensorflow_setup
    import tensorflow as tf

    inputs = tf.keras.Input((1,))
    outputs = tf.keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")(inputs)
    return tf.keras.Model(inputs, outputs)


def test_the_optimizer_steps_with_the_schedules_rate_at_every_step():
    """Does the optimizer step with exactly the schedule's formula (warm-up start, peak, end), step by step?"""
    import numpy as np
    import tensorflow as tf

    from course.schedule import schedule_value, warmup_cosine

    peak, total, warmup = 0.05, 12, 3
    model = _linear_probe()
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=warmup_cosine(peak, total, warmup)),
                  loss=lambda y_true, y_pred: tf.reduce_mean(y_pred))
    seen, weights = [], []

    class Record(tf.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(tf.convert_to_tensor(self.model.optimizer.learning_rate)))

        def on_train_batch_end(self, batch, logs=None):
            weights.append(float(self.model.get_weights()[0][0, 0]))

    ones = np.ones((total, 1), dtype=np.float32)
    model.fit(ones, ones, batch_size=1, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
    expected = [schedule_value(s, peak, total, warmup) for s in range(total)]
    applied = -np.diff([0.0, *weights])  # gradient 1: each step moved the weight by -lr
    np.testing.assert_allclose(seen, expected, rtol=1e-5)
    np.testing.assert_allclose(applied, expected, rtol=1e-4, atol=1e-7)
    assert applied[0] == pytest.approx(peak / warmup, rel=1e-4)
    assert applied[warmup - 1] == pytest.approx(peak, rel=1e-4)
    assert applied[-1] < 0.05 * peak  # the end: near the floor (0)


def test_learning_rate_from_the_settings():
    """Does learning_rate() give the constant rate, or a schedule with the settings' peak, warm-up and length?"""
    from course.schedule import learning_rate, schedule_value

    constant = replace(training.SETTINGS, schedule="constant", learning_rate=0.004)
    assert learning_rate(constant, 100) == 0.004
    run = replace(training.SETTINGS, schedule="cosine", learning_rate=0.01, epochs=5, warmup_epochs=1)
    schedule = learning_rate(run, 20)
    assert (schedule.peak, schedule.total_steps, schedule.warmup_steps) == (0.01, 100, 20)
    assert float(schedule(0)) == pytest.approx(schedule_value(0, 0.01, 100, 20))
    with pytest.raises(ValueError):
        learning_rate(replace(run, schedule="steps"), 20)


def test_schedule_serializes_with_the_optimizer():
    """Does an Adam with the schedule survive get_config / from_config (the model can be saved)?"""
    import tensorflow as tf

    from course.schedule import warmup_cosine

    schedule = warmup_cosine(0.003, 500, 50, floor=1e-5)
    again = type(schedule).from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config() == {"peak": 0.003, "total_steps": 500, "warmup_steps": 50,
                                                           "floor": 1e-5}
    optimizer = tf.keras.optimizers.Adam.from_config(tf.keras.optimizers.Adam(learning_rate=schedule).get_config())
    assert float(optimizer.learning_rate) == pytest.approx(0.003 / 50)


def test_history_plot_draws_the_schedule_beside_the_losses():
    """With a schedule, does plot_history add a third panel holding the rate at every step?"""
    from course.schedule import warmup_cosine

    history = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9], "accuracy": [0.3, 0.6, 0.8],
               "val_accuracy": [0.3, 0.5, 0.7], "val_mean_iou": [0.1, 0.2, 0.25]}
    figure = training.plot_history(history, schedule=warmup_cosine(0.01, 30, 10), steps_per_epoch=10)
    assert [len(axis.lines) for axis in figure.axes] == [2, 3, 1]
    rates = figure.axes[2].lines[0].get_ydata()
    assert len(rates) == 30 and max(rates) == pytest.approx(0.01) and rates[-1] < rates[0]


# --------------------------------------------------------------------------------------
# Validation every epoch, and the best weights kept
# --------------------------------------------------------------------------------------

def _toy_data(n, seed):
    """Images of 4 channels whose mask is the strongest channel: a 1x1 convolution can learn it."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    images = rng.random((n, 8, 8, 4), dtype=np.float32)
    masks = images.argmax(axis=-1)[..., None].astype(np.uint8)
    return tf.data.Dataset.from_tensor_slices((images, masks)).batch(8)


def _toy_model():
    import tensorflow as tf

    inputs = tf.keras.Input((8, 8, 4))
    model = tf.keras.Model(inputs, tf.keras.layers.Conv2D(4, 1)(inputs))
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_evaluate_measures_mean_iou_over_the_whole_set():
    """Do evaluate()'s loss, accuracy and mean IoU match Keras and course.metrics on the whole set?"""
    import numpy as np
    import tensorflow as tf

    from course.reference import reference_function

    tf.keras.utils.set_random_seed(1)
    model, data = _toy_model(), _toy_data(20, 1)  # batches of 8, 8 and 4
    result = training.evaluate(model, data)
    masks = np.concatenate([m for _, m in data.as_numpy_iterator()])
    predicted = model.predict(data, verbose=0).argmax(axis=-1)[..., None]
    assert result["mean_iou"] == pytest.approx(reference_function("mean_iou")(masks, predicted, 4))
    assert result["accuracy"] == pytest.approx(reference_function("pixel_accuracy")(masks, predicted))
    loss, accuracy = model.evaluate(data, verbose=0)
    assert result["loss"] == pytest.approx(loss, rel=1e-5) and result["accuracy"] == pytest.approx(accuracy)
    weights = np.array([0.5, 1.0, 2.0, 4.0], np.float32)  # weighted as Keras weights the training loss
    weighted = training.evaluate(model, data, class_weights=weights)
    keras_loss, _ = model.evaluate(experiments.with_class_weights(data, weights), verbose=0)
    assert weighted["loss"] == pytest.approx(keras_loss, rel=1e-5) and weighted["loss"] != pytest.approx(loss)
    assert weighted["mean_iou"] == result["mean_iou"]


def test_fit_restores_the_best_epochs_weights_after_a_worse_last_epoch(capsys):
    """When the last epoch is made worse, does fit end with the weights of the epoch with the best mean IoU?"""
    import numpy as np
    import tensorflow as tf

    tf.keras.utils.set_random_seed(2)
    model, train, validation = _toy_model(), _toy_data(32, 2), _toy_data(16, 3)
    epochs, snapshots = 4, []

    class SpoilTheLastEpoch(tf.keras.callbacks.Callback):
        """Scrambles the weights after the last training step, before the epoch is validated."""

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == epochs - 1:
                self.model.set_weights([np.random.default_rng(0).normal(size=w.shape) for w in self.model.get_weights()])

    class Snapshot(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append([w.copy() for w in self.model.get_weights()])

    history = training.fit(model, train, validation, epochs=epochs, verbose=0,
                           callbacks=[SpoilTheLastEpoch(), Snapshot()]).history
    scores = history["val_mean_iou"]
    best = int(np.argmax(scores))
    assert len(scores) == epochs and best < epochs - 1 and scores[-1] < scores[best]
    for kept, wanted in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(kept, wanted)
    assert training.evaluate(model, validation)["mean_iou"] == pytest.approx(scores[best])
    assert f"Kept the weights of epoch {best + 1}" in capsys.readouterr().out
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "val_mean_iou"}


def test_fit_without_keep_best_ends_with_the_last_weights():
    """With keep_best=False, are the last epoch's (spoilt) weights left in place?"""
    import numpy as np
    import tensorflow as tf

    tf.keras.utils.set_random_seed(2)
    model, data = _toy_model(), _toy_data(16, 4)
    spoilt = [np.zeros(w.shape, dtype=w.dtype) for w in model.get_weights()]

    class Spoil(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1:
                self.model.set_weights(spoilt)

    training.fit(model, data, data, epochs=2, verbose=0, keep_best=False, callbacks=[Spoil()])
    for kept, wanted in zip(model.get_weights(), spoilt):
        np.testing.assert_array_equal(kept, wanted)


def test_fast_mode_fit_is_a_few_steps_with_one_line_per_epoch(monkeypatch, capsys):
    """In fast mode, do the settings' epochs of a tiny model take seconds and print one line per epoch?"""
    import time

    import tensorflow as tf

    monkeypatch.setenv("COURSE_FAST", "1")
    run = training.settings()
    assert run == training.FAST_SETTINGS and run.epochs <= 2 and run.n_train <= 32
    tf.keras.utils.set_random_seed(0)
    model, data = _toy_model(), _toy_data(run.n_train, 5)
    steps = []

    class Count(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    started = time.perf_counter()
    training.fit(model, data, data, epochs=run.epochs, callbacks=[Count()])
    assert time.perf_counter() - started < 30
    assert len(steps) == run.epochs * -(-run.n_train // 8) <= 8
    lines = [line for line in capsys.readouterr().out.splitlines() if "val_mean_iou" in line]
    assert len(lines) == run.epochs


# --------------------------------------------------------------------------------------
# The two experiments: joint flips, class weights
# --------------------------------------------------------------------------------------

def test_flip_augment_flips_image_and_mask_together_and_is_repeatable():
    """Is every pair either unchanged or mirrored as a whole, about half of them mirrored, the same for a seed?"""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    images = rng.random((64, 4, 6, 3), dtype=np.float32)
    masks = (images[..., :1] * 10).astype(np.uint8)  # the mask is a function of the image's pixel
    data = tf.data.Dataset.from_tensor_slices((images, masks)).batch(16)
    flipped = experiments.flip_augment(data, seed=7)
    assert flipped.cardinality() == 4

    def flags(dataset):
        out = []
        for (new_images, new_masks), (old_images, _) in zip(dataset.as_numpy_iterator(), data.as_numpy_iterator()):
            np.testing.assert_array_equal(new_masks, (new_images[..., :1] * 10).astype(np.uint8))
            mirrored = [np.array_equal(n, o[:, ::-1]) for n, o in zip(new_images, old_images)]
            same = [np.array_equal(n, o) for n, o in zip(new_images, old_images)]
            assert all(m or s for m, s in zip(mirrored, same))
            out += mirrored
        return out

    first, second = flags(flipped), flags(flipped)
    assert 16 <= sum(first) <= 48 and first != second  # each epoch draws anew
    assert flags(experiments.flip_augment(data, seed=7)) == first  # the same seed, the same flips


def test_class_weights_lift_rare_classes_and_reach_the_pixels():
    """Do rare classes weigh more (clipped), the average pixel about 1, and each pixel get its class's weight?"""
    import numpy as np
    import tensorflow as tf

    masks = np.zeros((4, 10, 10, 1), dtype=np.uint8)
    masks[:, :, :2] = 1  # 20 % of the pixels
    masks[:, 0, 9] = 2  # 1 %
    data = tf.data.Dataset.from_tensor_slices((np.zeros((4, 10, 10, 3), np.float32), masks)).batch(2)
    for method in ("sqrt", "median"):
        weights = experiments.class_weights(data, 4, method=method, clip=(0.01, 100))
        assert weights[2] > weights[1] > weights[0] and weights[3] == 1.0
        assert np.dot(weights[:3], [0.79, 0.2, 0.01]) == pytest.approx(1.0, rel=1e-5)
    assert experiments.class_weights(data, 4, method="sqrt", clip=(0.5, 2.0)).max() == 2.0
    weights = experiments.class_weights(data, 4)
    images, labels, pixel_weights = next(experiments.with_class_weights(data, weights).as_numpy_iterator())
    assert pixel_weights.shape == (2, 10, 10)
    np.testing.assert_allclose(pixel_weights, weights[labels[..., 0]])


def test_training_data_applies_what_the_settings_ask_for():
    """Does training_data add per-pixel weights only with class_weighting, and keep the batches otherwise?"""
    run = replace(training.SETTINGS, augment=True, class_weighting=None)
    data = _toy_data(16, 6)
    augmented, weights = experiments.training_data(run, data, n_classes=4)
    assert weights is None and len(next(iter(augmented))) == 2
    weighted, weights = experiments.training_data(replace(run, class_weighting="sqrt"), data, n_classes=4)
    assert weights.shape == (4,) and len(next(iter(weighted))) == 3
