"""One training run of bench_recipe.py, in the fresh process it needs (TensorFlow's thread settings).

    python benchmarks/recipe_worker.py --worker '<OPTIONS as JSON>'

Prints one JSON line per epoch and a final summary line; bench_recipe.run_one starts it and
reads them. The options are DEFAULT_RUN's keys.
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS

PROGRESS_FILE = RESULTS / "recipe-progress.log"

# One run: "course" recipes train like notebook 5; "original" like the exercise's original.
DEFAULT_RUN = {"recipe": "course", "n_filters": None, "batch_size": None, "epochs": None, "learning_rate": None,
               "schedule": None, "warmup_epochs": None, "augment": None, "class_weighting": None,
               "keep_best": True, "seed": 0, "model": "unet", "validation": "keeper", "threads": None,
               "save_predictions": 0, "n_train": None, "label": None, "steps": None}


def _settings(options):
    """TrainingSettings from the course's defaults, with what the run's options change."""
    from dataclasses import fields, replace

    from course.training import SETTINGS

    names = {f.name for f in fields(SETTINGS)}
    changes = {k: v for k, v in options.items() if k in names and v is not None}
    return replace(SETTINGS, **changes)


def no_skip_unet(input_size=(96, 128, 3), n_filters=32, n_classes=23):
    """The reference unet_model with zeros in place of every skip connection (same layers otherwise)."""
    import course.tensorflow_setup
    import tensorflow as tf
    from course.reference import reference_function

    conv_block = reference_function("conv_block")
    upsampling_block = reference_function("upsampling_block")
    zeros = tf.keras.layers.Lambda(lambda t: tf.zeros_like(t), name=None)
    inputs = tf.keras.layers.Input(input_size)
    block1 = conv_block(inputs, n_filters)
    block2 = conv_block(block1[0], n_filters * 2)
    block3 = conv_block(block2[0], n_filters * 4)
    block4 = conv_block(block3[0], n_filters * 8, dropout_prob=0.3)
    block5 = conv_block(block4[0], n_filters * 16, dropout_prob=0.3, max_pooling=False)
    up6 = upsampling_block(block5[0], zeros(block4[1]), n_filters * 8)
    up7 = upsampling_block(up6, zeros(block3[1]), n_filters * 4)
    up8 = upsampling_block(up7, zeros(block2[1]), n_filters * 2)
    up9 = upsampling_block(up8, zeros(block1[1]), n_filters)
    features = tf.keras.layers.Conv2D(n_filters, 3, activation="relu", padding="same",
                                      kernel_initializer="he_normal")(up9)
    logits = tf.keras.layers.Conv2D(n_classes, 1, padding="same")(features)
    return tf.keras.Model(inputs=inputs, outputs=logits)


def worker(options):
    """Train one recipe in this process; print one JSON line per epoch, then a final one."""
    import numpy as np

    import course.tensorflow_setup
    import tensorflow as tf
    from course.experiments import training_data
    from course import training
    from course.schedule import learning_rate
    from course.classes import NUM_CLASSES
    from course.data_setup import ensure_dataset
    from course.reference import reference_function

    pair_files, split_pairs, load_pair, make_dataset, unet_model, compile_model = (
        reference_function(name) for name in
        ("pair_files", "split_pairs", "load_pair", "make_dataset", "unet_model", "compile_model"))
    run = _settings(options)
    RESULTS.mkdir(parents=True, exist_ok=True)  # git-ignored: absent from a fresh clone
    if options["recipe"] == "speed":
        return speed_worker(options, run)
    train_pairs, validation_pairs = split_pairs(pair_files(ensure_dataset(progress=False)),
                                                validation_fraction=0.2, seed=0)
    if options.get("n_train"):
        train_pairs = train_pairs[:options["n_train"]]
    validation = make_dataset(validation_pairs, load_pair, batch_size=32)
    tf.keras.utils.set_random_seed(run.seed)

    if options["recipe"] == "original":
        paths = tf.data.Dataset.from_tensor_slices(([i for i, _ in train_pairs], [m for _, m in train_pairs]))
        train = paths.map(load_pair).cache().shuffle(500, seed=run.seed).batch(32)
        model = unet_model()
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        schedule, weights = 0.001, None
        described = "unet_model() (32 filters), Adam defaults, batch 32, cache().shuffle(500).batch(32), no validation"
    else:
        train = make_dataset(train_pairs, load_pair, batch_size=run.batch_size, shuffle=True, seed=run.seed)
        train, weights = training_data(run, train, NUM_CLASSES)
        builder = no_skip_unet if options["model"] == "noskip" else unet_model
        schedule = learning_rate(run, len(train))
        model = compile_model(builder(input_size=(96, 128, 3), n_filters=run.n_filters, n_classes=NUM_CLASSES),
                              learning_rate=schedule)
        described = (f"{options['model']}(n_filters={run.n_filters}), batch {run.batch_size}, "
                     f"{run.schedule} learning rate {run.learning_rate:g} (warm-up {run.warmup_epochs:g} epochs), "
                     f"augment {run.augment}, class weighting {run.class_weighting}, "
                     f"validation: {options['validation']}")
    training.build_optimizer(model)
    steps_per_epoch = int(train.cardinality())

    keeper = training.validation_keeper(validation, restore=run.keep_best, class_weights=weights) \
        if options["validation"] == "keeper" else None

    class Measure(tf.keras.callbacks.Callback):
        """Step times; after each epoch the mean IoU (the keeper's, or measured with the clock paused)."""

        paused, step_times = 0.0, []

        def on_train_batch_begin(self, batch, logs=None):
            self.step_started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.step_times.append(time.perf_counter() - self.step_started)

        def on_epoch_end(self, epoch, logs=None):
            paused_at = time.perf_counter()
            result = keeper.result if keeper is not None else training.evaluate(self.model, validation)
            learning_rate = schedule(epoch * steps_per_epoch + steps_per_epoch - 1) if callable(schedule) else schedule
            record = {"epoch": epoch + 1, "seconds": paused_at - started - self.paused,
                      "step_seconds": sum(self.step_times), "mean_iou": result["mean_iou"],
                      "ious": [None if np.isnan(v) else round(float(v), 4) for v in result["ious"]],
                      "loss": float(logs["loss"]), "val_loss": result["loss"], "learning_rate": float(learning_rate)}
            print(json.dumps(record), flush=True)
            with PROGRESS_FILE.open("a") as progress:  # to follow a long run: tail -f
                progress.write(f"{options.get('label')} {json.dumps(record)}\n")
            self.paused += time.perf_counter() - paused_at

    measure = Measure()
    fit_options = {"validation_data": validation} if options["validation"] == "keras" else {}
    callbacks = [keeper, measure] if keeper is not None else [measure]
    started = time.perf_counter()
    model.fit(train, epochs=run.epochs if options["recipe"] == "course" else options["epochs"] or 5,
              verbose=0, shuffle=False, callbacks=callbacks, **fit_options)
    total = time.perf_counter() - started - measure.paused
    final = training.evaluate(model, validation)  # after the best weights are restored (keeper)
    steps = measure.step_times
    summary = {"described": described, "options": options, "train_pairs": len(train_pairs),
               "validation_pairs": len(validation_pairs), "params": model.count_params(),
               "steps_per_epoch": steps_per_epoch, "total_seconds": total,
               "median_step": statistics.median(steps), "steps": len(steps),
               "final_mean_iou": final["mean_iou"],
               "final_ious": [None if np.isnan(v) else round(float(v), 4) for v in final["ious"]],
               "restored_epoch": keeper.restored[0] if keeper is not None and keeper.restored else None}
    if options.get("save_predictions"):
        images, masks = next(iter(validation.unbatch().batch(options["save_predictions"])))
        predictions = np.asarray(tf.argmax(model(images, training=False), axis=-1))
        path = RESULTS / f"predictions-{options['model']}-seed{run.seed}.npz"
        np.savez_compressed(path, images=np.asarray(images), masks=np.asarray(masks)[..., 0], predictions=predictions)
        summary["predictions"] = str(path)
    print(json.dumps(summary), flush=True)


def speed_worker(options, run):
    """Seconds per training step of one width and batch size, on the cached training set (steady state)."""
    import course.tensorflow_setup
    import tensorflow as tf
    from course import training
    from course.data_setup import ensure_dataset
    from course.reference import reference_function

    pair_files, split_pairs, load_pair, make_dataset, unet_model, compile_model = (
        reference_function(name) for name in
        ("pair_files", "split_pairs", "load_pair", "make_dataset", "unet_model", "compile_model"))
    train_pairs, _ = split_pairs(pair_files(ensure_dataset(progress=False)), validation_fraction=0.2, seed=0)
    train = make_dataset(train_pairs, load_pair, batch_size=run.batch_size, shuffle=True, seed=0)
    for _ in train:  # decode every pair once: the cache is full before the clock starts
        pass
    model = compile_model(unet_model(n_filters=run.n_filters), learning_rate=1e-3)
    training.build_optimizer(model)
    times = []

    class Steps(tf.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.started)

    model.fit(train.repeat(), epochs=1, steps_per_epoch=options["steps"] + 5, verbose=0, callbacks=[Steps()])
    steady = times[5:]  # the first steps trace the function
    print(json.dumps({"n_filters": run.n_filters, "batch_size": run.batch_size, "steps": len(steady),
                      "median_step": statistics.median(steady), "mean_step": statistics.mean(steady),
                      "images_per_second": run.batch_size / statistics.median(steady)}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--worker":
        sys.exit(__doc__)
    worker(json.loads(sys.argv[2]))
