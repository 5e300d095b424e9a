"""Probe of compile_model (notebook 5): what it set on a model, as plain data."""

import numpy as np

from test_utils.probes.common import Unexpected, set_seeded_weights, tf


def tiny_model(n_classes=5):
    keras = tf().keras
    inputs = keras.Input((8, 8, 3))
    return keras.Model(inputs, keras.layers.Conv2D(n_classes, 1)(inputs))


def _plain_config(config):
    """A Keras config with only plain values (numbers, strings, lists, dicts)."""
    if isinstance(config, dict):
        return {str(key): _plain_config(value) for key, value in config.items()}
    if isinstance(config, (list, tuple)):
        return [_plain_config(value) for value in config]
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if hasattr(config, "item"):
        return config.item()
    return repr(config)[:200]


def _describe(item):
    """{"class", "module", "config"} of a loss, optimizer or metric; strings and functions by name."""
    if isinstance(item, str):
        return {"string": item}
    if callable(item) and not hasattr(item, "get_config"):
        return {"function": getattr(item, "__name__", type(item).__name__)}
    config = {}
    try:
        config = _plain_config(item.get_config())
    except Exception:  # a custom object without a config
        pass
    return {"class": type(item).__name__, "module": type(item).__module__, "config": config}


def compile_config(function, spec):
    """compile_model(tiny model[, learning_rate]): what it returned and what it compiled."""
    model = tiny_model()
    kwargs = {} if spec.get("learning_rate") is None else {"learning_rate": spec["learning_rate"]}
    returned = function(model, **kwargs)
    answer = {"returned_same": returned is model, "returned": type(returned).__name__,
              "compiled": bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None) is not None}
    if not answer["compiled"]:
        return answer
    optimizer = model.optimizer
    answer["optimizer"] = _describe(optimizer)
    try:
        rate = optimizer.learning_rate
        answer["learning_rate"] = float(rate.numpy() if hasattr(rate, "numpy") else rate)
    except Exception:  # a schedule: its config says what it does
        answer["learning_rate"] = None
    answer["loss"] = _describe(model.loss)
    metrics = (model.get_compile_config() or {}).get("metrics") or []
    metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
    names = []
    for metric in metrics:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict):
            names.append(str(metric.get("class_name", "")))
        else:
            names.append(type(metric).__name__)
    answer["metrics"] = names
    if spec.get("train_seed") is not None:
        try:
            answer["trained"] = _two_steps(model, int(spec["train_seed"]))
        except Unexpected as error:
            answer["train_error"] = str(error)
    return answer


def _two_steps(model, seed):
    """The model's weights after two training steps on a batch drawn from `seed` (flattened)."""
    rng = np.random.default_rng(seed)
    set_seeded_weights(model, seed)
    images = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    masks = rng.integers(0, 5, (2, 8, 8, 1)).astype(np.uint8)
    try:
        for _ in range(2):
            model.train_on_batch(images, masks)
    except Exception as error:  # a set-up that cannot train is an answer too
        raise Unexpected(f"the compiled model cannot train on a batch of class-id masks ({type(error).__name__}: "
                         f"{str(error).splitlines()[0][:200] if str(error) else ''})") from None
    return np.concatenate([np.asarray(w, np.float64).ravel() for w in model.get_weights()])
