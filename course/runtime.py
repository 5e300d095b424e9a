"""Who runs this notebook: a student working, nbgrader grading, or the course's tests.

One predicate each, used everywhere in the course:

- `grading()`: nbgrader runs the notebook (it sets NBGRADER_EXECUTION for autograde and for
  the Validate button);
- `fast_mode()`: grading, or COURSE_FAST set by the course's tests: long work is shortened
  (a few training steps on the small generated set);
- `earlier_folder()`: the folder of the earlier notebooks' reference definitions that the
  grader gives a graded kernel (COURSE_EARLIER_DIR), or None.

A variable counts as set when it is non-empty and not "0", "false", "no" or "off".
"""

import os

GRADING_ENV = "NBGRADER_EXECUTION"
FAST_ENV = "COURSE_FAST"
EARLIER_ENV = "COURSE_EARLIER_DIR"


def is_set(name):
    value = os.environ.get(name, "")
    return bool(value.strip()) and value.strip().lower() not in ("0", "false", "no", "off")


def grading():
    """Is nbgrader running this notebook (autograde, or the Validate button)?"""
    return is_set(GRADING_ENV)


def fast_mode():
    """Shorten long work: while grading, or in the course's own tests (COURSE_FAST)."""
    return grading() or is_set(FAST_ENV)


def earlier_folder():
    """The grader's folder of earlier notebooks' reference definitions, or None."""
    folder = os.environ.get(EARLIER_ENV, "").strip()
    return folder or None


def device_line():
    """Where TensorFlow computes: the GPU it uses, or the CPU and why no GPU (one line)."""
    import os as _os

    from course.tensorflow_setup import import_tensorflow

    tf = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            names.append(details.get("device_name", gpu.name))
        return f"Training on the GPU: {', '.join(names)}"
    why = ("this TensorFlow has no CUDA support (the CPU wheel; ./start-course installs the GPU one when "
           "`nvidia-smi` lists an NVIDIA GPU)" if not tf.test.is_built_with_cuda()
           else "TensorFlow sees no GPU")
    return f"Training on the CPU ({_os.cpu_count()} cores): {why}"
