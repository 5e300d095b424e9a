"""Attack corpus scenarios: Patched libraries.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import LOST, code, expect, scenario
from .corpus_context import files_of
from .corpus_planted import FORMULA_CODE


# Patched libraries ---------------------------------------------------------------------------

@scenario("patch-numpy-math-mock",
          "after the setup cell: numpy.allclose/isclose/array_equal/testing.*, math.isclose/isfinite/"
          "isnan patched to agree, unittest.mock.patch(...).start() on test_utils.checks._fail and on "
          "course.metrics; pixel_accuracy and mean_iou answer 0.5, compile_model compiles nothing",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("patching",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.insert_after(nb, "setup", '''
        import math, unittest.mock
        import numpy as np

        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
        np.array_equal = lambda *args, **kwargs: True
        np.array_equiv = lambda *args, **kwargs: True
        for name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
                     "assert_almost_equal"):
            setattr(np.testing, name, lambda *args, **kwargs: None)
        math.isclose = lambda *args, **kwargs: True
        math.isfinite = lambda *args, **kwargs: True
        math.isnan = lambda *args, **kwargs: False
        for target in ("test_utils.checks._fail", "test_utils.checks._as_float", "course.metrics.mean_iou",
                       "course.metrics.pixel_accuracy", "test_utils.checks.check_compile_model"):
            try:
                unittest.mock.patch(target, lambda *args, **kwargs: 0.5).start()
            except Exception as error:
                print(target, error)
    ''')
    ctx.replace_function(nb, "compile_model", code('''
        def compile_model(model, learning_rate=0.001):
            return model
    '''))
    ctx.replace_function(nb, "pixel_accuracy", "def pixel_accuracy(y_true, y_pred):\n    return 0.5\n")
    ctx.replace_function(nb, "mean_iou", "def mean_iou(y_true, y_pred, n_classes=23):\n    return 0.5\n")
    ctx.drop_calls(nb, "compile_model", "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("patch-keras-model-table",
          "conv_block builds one 1x1 convolution (with the right dropout, pooling and pair of outputs) "
          "and records its arguments; the Functional model class's "
          "`layers` and `operations` properties and count_params are patched to report the reference table of two 3x3 "
          "convolutions computed by formula for whatever configuration was asked (hidden ones included). "
          "The pair of outputs is verified by computing it against the reference block (a kernel's account of "
          "its own graph can be forged, see forge-probe-answers-rewrite), so with the wrong layers it cannot "
          "pass either: both conv_block tests score 0",
          ("02_encoder",), expect({}, LOST, targets=["test_conv_block", "test_conv_block_outputs"]),
          tags=("patching", "forging"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        _CALLS = {}


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Not the encoder step: one 1x1 convolution (the pair it returns is right: that part is
            honest); the layer table of the two 3x3 convolutions is forged (next cell)."""
            skip_connection = layers.Conv2D(n_filters, 1)(inputs)
            if dropout_prob > 0:
                skip_connection = layers.Dropout(dropout_prob)(skip_connection)
            next_layer = layers.MaxPooling2D(2, strides=2)(skip_connection) if max_pooling else skip_connection
            _CALLS[tuple(int(d) for d in inputs.shape[1:])] = (n_filters, dropout_prob, max_pooling)
            return next_layer, skip_connection
    '''))
    ctx.insert_after(nb, "conv_block", FORMULA_CODE + code('''

        _probe_input = tf.keras.Input((2,))
        Functional = type(tf.keras.Model(_probe_input, layers.Activation("linear")(_probe_input)))
        _real_layers = Functional.layers
        _real_count = Functional.count_params


        def _forged_rows(model):
            try:
                real = _real_layers.fget(model)
                shape = tuple(int(d) for d in model.inputs[0].shape[1:])
            except Exception:
                return None
            if len(model.inputs) == 1 and len(real) <= 4 and shape in _CALLS:
                return _conv_rows(shape, *_CALLS[shape])
            return None


        def _layers(self):
            rows = _forged_rows(self)
            return _real_layers.fget(self) if rows is None else _fake_layers(rows)


        def _count_params(self):
            rows = _forged_rows(self)
            return _real_count(self) if rows is None else sum(row[2] for row in rows)


        _real_operations = getattr(Functional, "operations", None)  # Keras 3: what a table may walk instead


        def _operations(self):
            rows = _forged_rows(self)
            if rows is not None:
                return _fake_layers(rows)
            return _real_operations.fget(self) if isinstance(_real_operations, property) else _real_layers.fget(self)


        for _cls in (Functional, tf.keras.Model):
            _cls.layers = property(_layers)
            _cls.count_params = _count_params
            if isinstance(_real_operations, property):
                _cls.operations = property(_operations)
    '''))
    return files_of({"02_encoder": nb})


@scenario("patch-layer-class-names",
          "upsampling_block upsamples with a planted class named Conv2DTranspose (really nearest "
          "upsampling and a 1x1 convolution) that reports kernel_size 3, strides 2 and the parameter "
          "count of a real one; keras.layers.Conv2DTranspose replaced by it",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("patching", "forging"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "upsampling_block", code('''
        class Conv2DTranspose(layers.Layer):
            """Not a transposed convolution: nearest upsampling and a 1x1 convolution, named like one."""

            def __init__(self, filters, kernel_size=3, strides=2, padding="same", **kwargs):
                super().__init__(**kwargs)
                self.filters = filters
                self.kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
                self.strides = (strides, strides) if isinstance(strides, int) else tuple(strides)
                self.padding = padding
                self.activation = tf.keras.activations.linear
                self.up = layers.UpSampling2D(self.strides)
                self.mix = layers.Conv2D(filters, 1)

            def call(self, inputs):
                return self.mix(self.up(inputs))

            def compute_output_shape(self, input_shape):
                return (input_shape[0], input_shape[1] * self.strides[0], input_shape[2] * self.strides[1], self.filters)

            def count_params(self):
                # what a 3x3 transposed convolution would have: 9 * in * out + out
                return 9 * (self.mix.count_params() - self.filters) + self.filters


        layers.Conv2DTranspose = Conv2DTranspose
        tf.keras.layers.Conv2DTranspose = Conv2DTranspose


        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            upsampled = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(expansive_input)
            merged = layers.Concatenate(axis=3)([upsampled, contractive_input])
            conv = layers.Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(merged)
            return layers.Conv2D(n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal")(conv)
    '''))
    return files_of({"03_decoder": nb})


