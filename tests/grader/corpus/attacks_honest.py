"""Attack corpus scenarios: Honest work that must not be punished.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import FUNCTION_NOTEBOOK, code, expect, full, scenario
from .corpus_context import files_of, wrap_function


# Honest work that must not be punished -----------------------------------------------------

NOISE = '''
import logging as _logging, sys as _sys, warnings as _warnings
print("debug: called with", len(args), "arguments")
_sys.stderr.write("debug: this goes to stderr\\n")
_warnings.warn("a harmless warning from the student's code", UserWarning)
_logging.getLogger("student").warning("a log line on stderr")
try:
    from IPython.display import Markdown as _Markdown, display as _display
    _display(_Markdown("**working on it**"))
except Exception:
    pass
'''


@scenario("honest-noisy-output",
          "correct 02_encoder and 05_training whose functions print, warn, log to stderr and display "
          "while they run (nbgrader scored any stderr as a failure): full marks",
          ("02_encoder", "05_training"), expect(full("02_encoder", "05_training"), r""), tags=("honest", "output"))
def _(ctx):
    books = {"02_encoder": ctx.solved("02_encoder"), "05_training": ctx.solved("05_training")}
    for grade_id in ("conv_block", "compile_model", "pixel_accuracy", "mean_iou"):
        nb = books[FUNCTION_NOTEBOOK[grade_id]]
        ctx.replace_function(nb, grade_id, wrap_function(ctx.solution_code(grade_id), grade_id, NOISE))
    ctx.append(books["05_training"], 'import sys\nprint("done", file=sys.stderr)\n')
    return files_of(books)


@scenario("honest-helper-module",
          "05_training whose metrics live in the student's own helper module handed in next to the "
          "notebook (my_metrics.py, bincount-based); a notes file too: full marks",
          ("05_training",), expect(full("05_training"), r""), tags=("honest",))
def _(ctx):
    nb = ctx.solved("05_training")
    helper = code('''
        """My metrics, written once and imported by the notebook."""
        import numpy as np


        def accuracy_of(y_true, y_pred):
            y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
            return float(np.count_nonzero(y_true == y_pred) / y_true.size)


        def iou_mean(y_true, y_pred, n_classes):
            y_true = np.asarray(y_true).astype(np.int64).ravel()
            y_pred = np.asarray(y_pred).astype(np.int64).ravel()
            confusion = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
            confusion = confusion.reshape(n_classes, n_classes)
            intersection = np.diag(confusion)
            union = confusion.sum(0) + confusion.sum(1) - intersection
            present = union > 0
            return float(np.mean(intersection[present] / union[present]))
    ''')
    ctx.replace_function(nb, "pixel_accuracy", code('''
        from my_metrics import accuracy_of


        def pixel_accuracy(y_true, y_pred):
            """Share of pixels whose predicted class is the true class."""
            return accuracy_of(y_true, y_pred)
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        from my_metrics import iou_mean


        def mean_iou(y_true, y_pred, n_classes=23):
            """Mean IoU over the classes present in either array."""
            return iou_mean(y_true, y_pred, n_classes)
    '''))
    return {"05_training.ipynb": nb, "my_metrics.py": helper.encode(), "notes.md": b"# my notes\n\nbincount!\n"}


@scenario("honest-alternative-implementations",
          "03_decoder solved differently from the instructor (kernel-position loops with einsum, "
          "tf.keras.layers.concatenate, an initializer object): full marks",
          ("03_decoder",), expect(full("03_decoder"), r""), tags=("honest",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        def transposed_output_size(n, f, s, p):
            """Output size of a transposed convolution along one axis."""
            return int(s * (n - 1) + f - p - p)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            """Transposed convolution, one kernel position at a time."""
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                           dtype=np.result_type(x, kernel))
            for a in range(kernel_height):
                for b in range(kernel_width):
                    out[a:a + (height - 1) * stride + 1:stride, b:b + (width - 1) * stride + 1:stride] += \\
                        np.einsum("ijc,oc->ijo", x, kernel[a, b])
            return out
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            """Upsample, join the skip connection, two 3x3 convolutions."""
            up = tf.keras.layers.Conv2DTranspose(filters=n_filters, kernel_size=(3, 3), strides=(2, 2),
                                                 padding="same")(expansive_input)
            x = tf.keras.layers.concatenate([up, contractive_input], axis=-1)
            for _ in range(2):
                x = tf.keras.layers.Conv2D(n_filters, (3, 3), padding="same", activation="relu",
                                           kernel_initializer=tf.keras.initializers.HeNormal())(x)
            return x
    '''))
    return files_of({"03_decoder": nb})


@scenario("honest-equivalent-spellings",
          "02_encoder and 04_unet solved in other spellings: each convolution without activation followed "
          "by its own ReLU (a layer, then tf.keras.activations.relu), He's initializer written as VarianceScaling, a 1x1 "
          "head with padding='valid' and He's initializer: full marks",
          ("02_encoder", "04_unet"), expect(full("02_encoder", "04_unet"), r""), tags=("honest",))
def _(ctx):
    encoder = ctx.solved("02_encoder")
    ctx.replace_function(encoder, "conv_block", code('''
        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Two 3x3 convolutions, each followed by its own ReLU layer."""
            he = tf.keras.initializers.VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal")
            x = inputs
            for _ in range(2):
                x = tf.keras.layers.ReLU()(tf.keras.layers.Conv2D(n_filters, 3, padding="same",
                                                                  kernel_initializer=he)(x))
            if dropout_prob:
                x = tf.keras.layers.Dropout(dropout_prob)(x)
            return (tf.keras.layers.MaxPooling2D((2, 2))(x) if max_pooling else x), x
    '''))
    unet = ctx.solved("04_unet")
    ctx.replace_function(unet, "unet_model", code('''
        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            """Encoder steps in a loop, the decoder back up, a separate ReLU, a 1x1 head."""
            inputs = tf.keras.Input(input_size)
            x, skips = inputs, []
            for level in range(5):
                x, skip = conv_block(x, n_filters * 2 ** level, dropout_prob=0.3 if level >= 3 else 0,
                                     max_pooling=level < 4)
                skips.append(skip)
            for level in (3, 2, 1, 0):
                x = upsampling_block(x, skips[level], n_filters * 2 ** level)
            x = tf.keras.layers.Conv2D(n_filters, 3, padding="same", kernel_initializer="he_normal")(x)
            x = tf.keras.activations.relu(x)
            logits = tf.keras.layers.Conv2D(n_classes, 1, padding="valid", kernel_initializer="he_normal")(x)
            return tf.keras.Model(inputs=inputs, outputs=logits)
    '''))
    return files_of({"02_encoder": encoder, "04_unet": unet})


