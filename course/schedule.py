"""The learning-rate schedule of notebook 5: a short linear warm-up, then a cosine decay.

    lr(step) = peak * (step + 1) / warmup_steps                          for step < warmup_steps
    lr(step) = floor + (peak - floor) * (1 + cos(pi * t)) / 2            afterwards,
               t = min(step - warmup_steps, decay_steps) / decay_steps,
               decay_steps = total_steps - warmup_steps

`step` is the optimizer's iteration counter, 0 for the first training step. The warm-up lets
Adam's running averages settle before the steps reach full size; the cosine keeps the rate
high for most of the run and brings it down smoothly to `floor` at the last step, so the last
epochs make small, careful steps and the weights settle instead of jumping between minima.
After `total_steps` the rate stays at `floor`.

TensorFlow is imported only when a schedule is made, so importing this module is cheap.
"""

from __future__ import annotations

import math


def schedule_value(step, peak, total_steps, warmup_steps=0, floor=0.0):
    """The schedule's learning rate at `step`, in plain Python (the formula above)."""
    if warmup_steps > 0 and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    decay_steps = max(total_steps - warmup_steps, 1)
    progress = min(max(step - warmup_steps, 0), decay_steps) / decay_steps
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


_CLASS = None


def warmup_cosine(peak, total_steps, warmup_steps=0, floor=0.0):
    """A Keras LearningRateSchedule with the formula above (pass it to Adam as its learning_rate).

    Args:
        peak: the learning rate at the end of the warm-up.
        total_steps: training steps of the whole run (epochs * steps per epoch); the rate
            reaches `floor` at the last of them.
        warmup_steps: steps of the linear warm-up (0: start at the peak).
        floor: the rate at the end, e.g. 0 or a small fraction of the peak.
    """
    return _schedule_class()(peak, total_steps, warmup_steps, floor)


def learning_rate(run, steps_per_epoch):
    """What to pass to compile_model as its learning_rate: a float, or the warm-up + cosine schedule.

    Args:
        run: TrainingSettings (its schedule, learning_rate, epochs and warmup_epochs are used).
        steps_per_epoch: training steps per epoch, e.g. len(train_dataset).
    """
    if run.schedule == "constant":
        return run.learning_rate
    if run.schedule != "cosine":
        raise ValueError(f"unknown schedule {run.schedule!r}: use 'cosine' or 'constant'")
    total = max(int(run.epochs * steps_per_epoch), 2)
    warmup = min(int(round(run.warmup_epochs * steps_per_epoch)), total - 1)
    return warmup_cosine(run.learning_rate, total, warmup_steps=warmup)


def plot_schedule(schedule, steps_per_epoch, epochs, axis=None):
    """The learning rate at every training step (x axis in epochs); returns the axis."""
    import matplotlib.pyplot as plt

    if axis is None:
        _, axis = plt.subplots(figsize=(5, 3.6))
    steps = list(range(int(steps_per_epoch * epochs)))
    if hasattr(schedule, "values"):  # a WarmupCosine: its formula in plain Python, no TensorFlow per step
        rates = schedule.values(len(steps))
    else:
        rates = [float(schedule(step)) if callable(schedule) else float(schedule) for step in steps]
    axis.plot([(step + 1) / steps_per_epoch for step in steps], rates, "-")
    axis.set_xlabel("epoch")
    axis.set_ylabel("learning rate")
    axis.set_title("Learning rate per step")
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    return axis


def _schedule_class():
    """The WarmupCosine class, defined on first use (it subclasses a TensorFlow class)."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import course.tensorflow_setup
    import tensorflow as tf

    class WarmupCosine(tf.keras.optimizers.schedules.LearningRateSchedule):
        """Linear warm-up to `peak`, then a cosine decay to `floor` at `total_steps`."""

        def __init__(self, peak, total_steps, warmup_steps=0, floor=0.0):
            super().__init__()
            if total_steps < 1 or not 0 <= warmup_steps < total_steps:
                raise ValueError(f"need 0 <= warmup_steps ({warmup_steps}) < total_steps ({total_steps})")
            self.peak = float(peak)
            self.total_steps = int(total_steps)
            self.warmup_steps = int(warmup_steps)
            self.floor = float(floor)

        def __call__(self, step):
            step = tf.cast(step, tf.float32)
            warmup = tf.constant(float(self.warmup_steps))
            decay = tf.constant(float(max(self.total_steps - self.warmup_steps, 1)))
            progress = tf.clip_by_value((step - warmup) / decay, 0.0, 1.0)
            cosine = self.floor + (self.peak - self.floor) * 0.5 * (1.0 + tf.cos(math.pi * progress))
            if self.warmup_steps == 0:
                return cosine
            return tf.where(step < warmup, self.peak * (step + 1.0) / warmup, cosine)

        def get_config(self):
            return {"peak": self.peak, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps,
                    "floor": self.floor}

        def values(self, steps=None):
            """The rate at steps 0 .. steps - 1 (default: the whole run), as a list of floats."""
            steps = self.total_steps if steps is None else steps
            return [schedule_value(s, self.peak, self.total_steps, self.warmup_steps, self.floor)
                    for s in range(steps)]

    WarmupCosine.__module__ = __name__
    keras = tf.keras
    register = getattr(getattr(keras, "saving", None), "register_keras_serializable", None)
    if register is None:  # legacy Keras 2 keeps it in utils
        register = keras.utils.register_keras_serializable
    _CLASS = register(package="course")(WarmupCosine)
    return _CLASS


def __getattr__(name):
    """`course.schedule.WarmupCosine`: the class, made on first access (imports TensorFlow)."""
    if name == "WarmupCosine":
        return _schedule_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
