"""Import TensorFlow quietly: no C++ start-up lines in notebooks or logs.

Notebooks start with::

    import course.tensorflow_setup  # TensorFlow without its C++ start-up lines
    import tensorflow as tf

Importing this module imports TensorFlow once, silenced; the `import tensorflow` that
follows then finds it already loaded.
"""

import contextlib
import os
import sys

# Python-level TensorFlow logging: errors only. Set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null for the duration (C++ writes there directly)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters): nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Return the `tensorflow` module, imported with its C++ start-up lines silenced.

    TensorFlow 2.21 prints lines such as "oneDNN custom operations are on" through absl
    before any log level applies, so TF_CPP_MIN_LOG_LEVEL alone cannot hide them; the first
    import therefore runs with stderr pointed at /dev/null. Real import errors still raise.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with _stderr_to_devnull():
        import tensorflow  # deliberately late

        # Create the CPU device now, inside the silenced block: that prints a line too.
        tensorflow.config.list_logical_devices()
    return tensorflow


tensorflow = import_tensorflow()
