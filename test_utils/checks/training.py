"""Checks of notebook 5: compile_model, whether its set-up learns, and the two metrics."""

import math

import numpy as np

from test_utils import runner
from test_utils.calls import Name, call_text
from test_utils.checks.common import ask, require_own_code
from test_utils.failure import fail, passed
from test_utils.probes.common import call as plain_call
from test_utils.probes.common import tf
from test_utils.probes.training import compile_config

ACCURACY_NAMES = {"accuracy", "acc", "sparse_categorical_accuracy", "SparseCategoricalAccuracy"}
OPTIMIZERS = ("Adam", "AdamW", "SGD", "RMSprop", "Nadam", "Adamax", "Adagrad")
LOSSES = ("SparseCategoricalCrossentropy", "CategoricalCrossentropy", "MeanSquaredError", "BinaryCrossentropy")


def _verdict(call, got, wanted_rate):
    if not got["returned_same"]:
        fail(call, f"returned {got['returned']}; expected the model it was given", "end with `return model`")
    if not got["compiled"]:
        fail(call, "the model is not compiled", "a Keras model is made ready to train by its compile method, which "
                                                "takes the optimizer, the loss and the metrics")
    loss = got["loss"]
    if "string" in loss or "function" in loss:
        name = loss.get("string") or loss.get("function")
        fail(call, f"the loss is {name!r}, which treats the outputs as probabilities (from_logits=False)",
             "a loss given by its name keeps its default options, and by default it reads the outputs as "
             "probabilities; our model outputs logits (no softmax in its last layer), which only a loss object "
             "can be told")
    if loss["class"] == "CategoricalCrossentropy":
        fail(call, "the loss is CategoricalCrossentropy, which expects one-hot targets",
             "the masks hold class ids (one integer per pixel), not one-hot vectors: Keras has a variant of this "
             "cross-entropy for integer targets")
    if loss["class"] != "SparseCategoricalCrossentropy":
        fail(call, f"the loss is {loss['class']}, which does not fit a classification of every pixel",
             "each pixel is classified among the classes: the loss is a cross-entropy over the class ids")
    if not loss["config"].get("from_logits"):
        fail(call, "the loss has from_logits=False",
             "the model's last layer has no softmax: its outputs are logits, and the loss must be told so (it "
             "then applies the softmax itself, the numerically safe way)")
    if got["optimizer"]["class"] != "Adam":
        fail(call, f"the optimizer is {got['optimizer']['class']}; expected Adam",
             "the notebook chose Adam, whose step size hardly depends on the scale of each gradient")
    rate = got["learning_rate"]
    if rate is None or not math.isclose(rate, wanted_rate, rel_tol=1e-5):
        shown = "not a number (a schedule?)" if rate is None else f"{rate:.6g}"  # float32: 0.001, not 0.0010000000474
        fail(call, f"Adam's learning rate is {shown}; expected {wanted_rate:g}",
             "pass the learning_rate argument on to Adam (do not write a number there)")
    if not ACCURACY_NAMES & set(got["metrics"]):
        fail(call, f"the metrics are {got['metrics']}; expected pixel accuracy",
             "Keras reports the share of correct pixels as its accuracy metric: ask compile for it in the metrics")


TRAIN_SEED = 7  # the seed of the two training steps compared with the reference (public cases)


def _same_training(call, got, want):
    """After two steps from the same weights on the same batch, do the weights agree with the reference's?"""
    if got.get("train_error"):
        fail(call, got["train_error"])
    trained, expected = np.asarray(got.get("trained", []), float), np.asarray(want["trained"], float)
    if trained.shape != expected.shape or not np.allclose(trained, expected, rtol=1e-4, atol=1e-6):
        fail(call, "its settings read right, but two training steps move the weights differently from the "
                   "reference set-up's",
             "hand the loss and the optimizer objects to the model's compile method, rather than setting "
             "attributes by hand")


def check_compile_model(compile_model, learning_rate=None, random_cases=0):
    """Check compile_model's loss, optimizer, learning rate and metric on a tiny model.

    Args:
        compile_model: the student's function(model, learning_rate=0.001) that compiles and
            returns the model.
        learning_rate: the rate to pass; None calls compile_model(model) and expects 0.001.
    """
    rng = runner.random_generator("compile_model", learning_rate)
    cases = [(learning_rate, TRAIN_SEED)]
    cases += [(float(10 ** rng.uniform(-4, -2)), int(rng.integers(1, 2**31))) for _ in range(random_cases)]
    rates = [rate for rate, _ in cases]
    for rate, seed in cases:
        kwargs = {} if rate is None else {"learning_rate": rate}
        call = call_text("compile_model", Name("model"), **kwargs)
        spec = {"learning_rate": rate, "train_seed": seed}
        got = ask(compile_model, "compile_model", call, compile_config, spec)
        _verdict(call, got, 1e-3 if rate is None else rate)
        _same_training(call, got, runner.expected("compile_model", compile_config, spec))
    shown = ", ".join(f"{r:g}" for r in rates if r is not None) or "the default 0.001"
    passed(f"compile_model: SparseCategoricalCrossentropy(from_logits=True), Adam({shown}), accuracy")


def toy_segmentation(count=4, height=32, width=48, seed=0):
    """Images of sky, road and two kinds of box, with their masks (4 classes), and a little noise."""
    rng = np.random.default_rng(seed)
    colours = np.array([[0.45, 0.65, 0.9], [0.4, 0.4, 0.42], [0.85, 0.2, 0.15], [0.1, 0.2, 0.7]], np.float32)
    masks = np.zeros((count, height, width), np.uint8)
    masks[:, height // 2:] = 1
    for k in range(count):
        for class_id in (2, 3):
            top, left = rng.integers(2, height - 12), rng.integers(2, width - 14)
            masks[k, top:top + rng.integers(6, 11), left:left + rng.integers(6, 13)] = class_id
    images = colours[masks] + rng.normal(0, 0.04, (count, height, width, 3)).astype(np.float32)
    return np.clip(images, 0, 1), masks[..., None]


def _compiled_like(model, got):
    """Compile `model` the way the student's compile_model did (from its configuration)."""
    keras = tf().keras
    optimizer, loss = got["optimizer"], got["loss"]
    if optimizer.get("class") not in OPTIMIZERS or loss.get("class") not in LOSSES:
        return None
    model.compile(optimizer=keras.optimizers.get({"class_name": optimizer["class"], "config": optimizer["config"]}),
                  loss=keras.losses.get({"class_name": loss["class"], "config": loss["config"]}))
    return model


def check_training_learns(compile_model, unet_model, steps=50, learning_rate=3e-3, seed=0):
    """Does the student's training set-up learn? Train a small U-Net on one batch and watch the loss.

    A small unet_model(input_size=(32, 48, 3), n_filters=8, n_classes=4), compiled the way
    compile_model compiles, takes `steps` steps on one batch of four toy scenes; its loss on
    that batch must at least halve (a working set-up gets far lower). The training runs
    where the check runs, from the configuration compile_model set, with a fixed seed; the
    U-Net is the reference one under the grader and your own while you work.
    """
    t = tf()
    call = call_text("compile_model", Name("unet_model(input_size=(32, 48, 3), n_filters=8, n_classes=4)"),
                     learning_rate=learning_rate)
    spec = {"learning_rate": learning_rate, "train_seed": TRAIN_SEED}
    got = ask(compile_model, "compile_model", call, compile_config, spec)
    if not got["compiled"]:
        fail(call, "the model is not compiled", "a Keras model is made ready to train by its compile method, which "
                                                "takes the optimizer, the loss and the metrics")
    builder = runner.reference("unet_model") if runner.is_remote(unet_model) else unet_model
    images, masks = toy_segmentation(seed=seed)
    t.keras.utils.set_random_seed(seed)
    model = ask(builder, "unet_model", "unet_model(input_size=(32, 48, 3), n_filters=8, n_classes=4)", None,
                input_size=(32, 48, 3), n_filters=8, n_classes=4)
    if _compiled_like(model, got) is None:
        fail(call, f"compiled with {got['optimizer'].get('class')} and {got['loss'].get('class') or got['loss']}, "
                   f"which this check cannot train with",
             "the set-up of section 3: Adam, and a cross-entropy loss over class ids that reads logits")
    loss = t.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    first = float(loss(masks, model(images, training=False)))
    model.optimizer.build(model.trainable_variables)
    batches = t.data.Dataset.from_tensors((images, masks)).repeat()
    model.fit(batches, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    last = float(loss(masks, model(images, training=False)))
    if not math.isfinite(last):
        fail(call, f"after {steps} training steps the loss is {last}",
             "a loss of NaN usually means from_logits=False on logits, or a far too large learning rate")
    if not last <= 0.5 * first:
        fail(call, f"after {steps} training steps on one batch the loss went from {first:.3f} to {last:.3f}; "
                   f"a working set-up at least halves it",
             "check the loss (SparseCategoricalCrossentropy(from_logits=True)), the optimizer (Adam) and that "
             "learning_rate reaches it")
    _same_training(call, got, runner.expected("compile_model", compile_config, spec))
    passed(f"training learns: on one small batch the loss fell from {first:.3f} to {last:.3f} in {steps} steps")


def metric_cases(seed, n_classes):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, (2, 6, 8, 1)).astype(np.uint8)
    noisy = np.where(rng.random(truth.shape) < 0.3, rng.integers(0, 5, truth.shape), truth).astype(np.int64)
    flat_truth = rng.integers(0, 4, (5, 7)).astype(np.int64)
    absent_both = np.array([[0, 0, 1], [1, 3, 3]], np.int64)  # classes 2 and 4 appear nowhere
    absent_pred = np.array([[0, 2, 2], [1, 1, 0]], np.int64)  # class 2 only in the truth
    absent_pred_guess = np.array([[0, 0, 1], [1, 1, 0]], np.int64)
    return [
        ("random masks (2, 6, 8, 1), 30% of pixels wrong", truth, noisy, n_classes, None),
        ("a perfect prediction", flat_truth, flat_truth.copy(), n_classes, None),
        ("every pixel wrong", flat_truth, (flat_truth + 1) % 4, n_classes, None),
        ("classes 2 and 4 absent from both", absent_both, absent_both[::-1].copy(), 5,
         "a class absent from both arrays has no IoU: leave it out of the mean (do not count it as 0 or 1)"),
        ("class 2 only in y_true", absent_pred, absent_pred_guess, 3,
         "a class present in only one of the arrays has IoU 0, and it counts in the mean"),
        ("class 2 only in y_pred", absent_pred_guess, absent_pred, 3,
         "a class present in only one of the arrays has IoU 0, and it counts in the mean"),
    ]


def _random_metric_cases(name, count):
    rng = runner.random_generator(name)
    cases = []
    for _ in range(count):
        classes = int(rng.integers(2, 12))
        shape = tuple(int(size) for size in rng.integers(1, 9, int(rng.integers(1, 4))))
        truth = rng.integers(0, classes, shape).astype(np.int64)
        guess = np.where(rng.random(shape) < rng.random(), rng.integers(0, classes, shape), truth).astype(np.int64)
        cases.append(("random masks", truth, guess, classes, None))
    return cases


def _check_metric(function, name, seed, n_classes, random_cases, with_classes):
    require_own_code(function, name, lesson="with NumPy", strict=True)
    cases = metric_cases(seed, n_classes) + _random_metric_cases(name, random_cases)
    for label, y_true, y_pred, classes, hint in cases:
        kwargs = {"n_classes": classes} if with_classes and classes != 23 else {}
        call = call_text(name, y_true, y_pred, **kwargs)
        got = ask(function, name, call, plain_call, y_true, y_pred, **kwargs)
        try:
            result = float(np.asarray(got["value"]).item())
        except (TypeError, ValueError):
            fail(call, f"returned {got['value']!r}; expected one number")
        if got["changed"]:
            fail(call, "changed its input arrays")
        expected = float(runner.expected(name, plain_call, y_true, y_pred, **kwargs)["value"])
        if not math.isclose(result, expected, abs_tol=1e-6):
            hint = hint if with_classes else None
            if math.isclose(result, expected * 100, abs_tol=1e-4):
                hint = "return a fraction in [0, 1], not a percentage"
            elif with_classes:
                hint = _absent_classes_hint(y_true, y_pred, classes, result, expected) or hint
            fail(call, f"{label}: returned {result:.6f}; expected {expected:.6f}", hint)


def _absent_classes_hint(y_true, y_pred, n_classes, result, expected):
    """A hint when `result` is the mean over all n_classes with the absent classes counted as 0 or as 1."""
    present = len(np.union1d(np.unique(y_true), np.unique(y_pred)))
    absent = n_classes - present
    for value in (0, 1):
        if absent > 0 and math.isclose(result, (expected * present + value * absent) / n_classes, abs_tol=1e-6):
            return (f"{absent} of the {n_classes} classes appear in neither array, and your mean counts them as "
                    f"{value}: a class absent from both arrays has no IoU, leave it out of the mean")
    return None


def check_pixel_accuracy(pixel_accuracy, seed=0, random_cases=0):
    """Compare pixel_accuracy with the reference on random masks and edge cases."""
    _check_metric(pixel_accuracy, "pixel_accuracy", seed, 23, random_cases, with_classes=False)
    passed("pixel_accuracy agrees with the reference on random masks and edge cases")


def check_mean_iou(mean_iou, seed=0, n_classes=23, random_cases=0):
    """Compare mean_iou with the reference, including classes absent from one or both arrays."""
    _check_metric(mean_iou, "mean_iou", seed, n_classes, random_cases, with_classes=True)
    passed("mean_iou agrees with the reference, absent classes included")
