"""Attack corpus scenarios: Forged answers.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

import json

from .corpus_base import LOST, STUB, code, expect, scenario, tests_in, zero
from .corpus_context import files_of
from .corpus_planted import FORMULA_CODE, _metric_lookup_table, _transposed_lookup_table


# Forged answers ---------------------------------------------------------------------------------

KEY_CODE = r'''
import hashlib as _hashlib
import numpy as _np


def _key(*values):
    digest = _hashlib.sha1()
    for value in values:
        array = _np.asarray(value)
        array = array.astype(_np.int64) if array.dtype.kind in "iub" else array.astype(_np.float64)
        digest.update(repr(array.shape).encode() + b"|" + _np.ascontiguousarray(array).tobytes() + b"|")
    return digest.hexdigest()
'''


@scenario("forge-lookup-public-tables",
          "conv_block is an interpreter of test_utils/reference_tables.json: for a configuration "
          "with a public table it builds exactly those layers, for any other it raises (a lookup table)",
          ("02_encoder",), expect(zero("conv_block"), STUB, targets=["conv_block"]), tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.replace_function(nb, "conv_block", code('''
        import json, math, pathlib
        import test_utils

        _TABLES = json.loads(pathlib.Path(test_utils.__file__).with_name("reference_tables.json").read_text())["tables"]
        _INITIALIZERS = {"HeNormal": "he_normal", "GlorotUniform": "glorot_uniform"}


        def conv_block(inputs=None, n_filters=32, dropout_prob=0, max_pooling=True):
            """Whatever the public tables say, layer by layer; nothing for the rest."""
            shape = [None, *(int(d) for d in inputs.shape[1:])]
            for name, table in _TABLES.items():
                rows = table["rows"]
                if not name.startswith("conv_block") or rows[0][1] != shape or rows[1][1][-1] != n_filters:
                    continue
                dropouts = [row[3] for row in rows if row[0] == "Dropout"]
                if bool(dropouts) != (dropout_prob > 0) or (dropouts and abs(dropouts[0] - dropout_prob) > 1e-9):
                    continue
                if (rows[-1][0] == "MaxPooling2D") != bool(max_pooling):
                    continue
                x, skip, channels = inputs, None, shape[-1]
                for row in rows[1:]:
                    if row[0] == "Conv2D":
                        filters = row[1][-1]
                        size = round(math.sqrt((row[2] - filters) / (channels * filters)))
                        x = layers.Conv2D(filters, size, padding=row[3], activation=row[4],
                                          kernel_initializer=_INITIALIZERS[row[5]])(x)
                        channels = filters
                    elif row[0] == "Dropout":
                        x = layers.Dropout(row[3])(x)
                    elif row[0] == "MaxPooling2D":
                        skip, x = x, layers.MaxPooling2D(tuple(row[3]), strides=2)(x)
                return x, (x if skip is None else skip)
            raise NotImplementedError("no public table for this configuration")
    '''))
    return files_of({"02_encoder": nb})


@scenario("forge-lookup-metrics",
          "pixel_accuracy and mean_iou answer from a table of the exact answers for the public cases "
          "and the formerly hidden ones (seeds 17, 23, 5 with 9 classes), keyed by a hash of the "
          "inputs; anything else gets 0.5. Fresh hidden inputs make it worthless",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("05_training")
    table = json.dumps(_metric_lookup_table())
    ctx.replace_function(nb, "pixel_accuracy", code(KEY_CODE) + code(f'''

        import json
        _ANSWERS = json.loads({table!r})


        def pixel_accuracy(y_true, y_pred):
            for n_classes in (23, 9, 5, 3):
                value = _ANSWERS.get("acc:" + _key(y_true, y_pred, n_classes))
                if value is not None:
                    return value
            return 0.5
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        def mean_iou(y_true, y_pred, n_classes=23):
            return _ANSWERS.get("iou:" + _key(y_true, y_pred, n_classes), 0.5)
    '''))
    ctx.drop_calls(nb, "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("forge-lookup-transposed",
          "transposed_output_size and transposed_conv2d answer from a table of the public cases and the "
          "formerly hidden ones (arrays as base64 npy, keyed by a hash of x, kernel and stride); "
          "n*s and zeros otherwise",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("forging", "lookup"))
def _(ctx):
    nb = ctx.release("03_decoder")
    sizes, arrays = _transposed_lookup_table()
    ctx.replace_function(nb, "transposed_output_size", code(f'''
        _SIZES = {sizes!r}


        def transposed_output_size(n, f, s, p):
            return _SIZES.get(f"{{n}},{{f}},{{s}},{{p}}", n * s)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code(KEY_CODE) + code(f'''

        import base64, io
        _ARRAYS = {arrays!r}


        def transposed_conv2d(x, kernel, stride=2):
            encoded = _ARRAYS.get(_key(x, kernel, stride))
            if encoded is not None:
                return np.load(io.BytesIO(base64.b64decode(encoded)))
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            return np.zeros(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels))
    '''))
    return files_of({"03_decoder": nb})


@scenario("forge-lying-objects",
          "pixel_accuracy returns a float subclass that equals everything, whose differences are "
          "zero and whose float() is NaN; mean_iou a 0-d ndarray subclass whose ufuncs say 'close' and "
          "whose item()/float() are NaN; compile_model returns a proxy that equals any model",
          ("05_training",), expect({}, LOST + r"|NaN|nan|type", targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging",))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "pixel_accuracy", code('''
        class _Zero(float):
            def __abs__(self):
                return self

            def __gt__(self, other):
                return False

            def __ge__(self, other):
                return False

            def __lt__(self, other):
                return True

            def __le__(self, other):
                return True


        class _Liar(float):
            """Equal to everything, close to everything, NaN when converted."""

            def __new__(cls, shown=0.8123):
                return super().__new__(cls, shown)

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = float.__hash__

            def __sub__(self, other):
                return _Zero(0.0)

            def __rsub__(self, other):
                return _Zero(0.0)

            def __abs__(self):
                return _Zero(0.0)

            def __float__(self):
                return float("nan")

            def __round__(self, ndigits=None):
                return self


        def pixel_accuracy(y_true, y_pred):
            return _Liar()
    '''))
    ctx.replace_function(nb, "mean_iou", code('''
        class _LyingArray(np.ndarray):
            def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
                shape = np.broadcast(*[np.asarray(x) for x in inputs if not isinstance(x, _LyingArray)] or [0]).shape
                answer = ufunc.__name__ not in ("greater", "greater_equal", "not_equal", "isnan", "isinf")
                return np.full(shape, answer)

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = None

            def __float__(self):
                return float("nan")

            def item(self, *args):
                return float("nan")

            def tolist(self):
                return float("nan")


        def mean_iou(y_true, y_pred, n_classes=23):
            return np.asarray(0.8123).view(_LyingArray)
    '''))
    ctx.replace_function(nb, "compile_model", code('''
        def compile_model(model, learning_rate=0.001):
            class _Proxy:
                def __eq__(self, other):
                    return True

                def __getattr__(self, name):
                    return getattr(model, name)

            return _Proxy()
    '''))
    ctx.drop_calls(nb, "compile_model", "pixel_accuracy", "mean_iou")
    return files_of({"05_training": nb})


@scenario("forge-nan-inf",
          "transposed_output_size returns an int subclass equal to everything (its value 0); "
          "transposed_conv2d an array of the right shape full of NaN (and one inf): comparisons like "
          "abs(a - b) > tol are False for NaN",
          ("03_decoder",), expect({}, LOST + r"|NaN|nan|inf", targets=["transposed_output_size", "transposed_conv2d",
                                                                         "upsampling_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code('''
        class _LyingInt(int):
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = int.__hash__


        def transposed_output_size(n, f, s, p):
            return _LyingInt(0)
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.full(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                          np.nan, dtype=np.float32)
            out.flat[0] = np.inf
            return out
    '''))
    return files_of({"03_decoder": nb})


@scenario("forge-huge-nested",
          "01_data functions return what breaks a serializer or a comparer: a list nested 200000 deep, a "
          "broadcast array of 120 GB that takes no memory, 40 million numbers in one shared list, "
          "never-ending iterators, a tf.data pipeline of 10**12 batches",
          ("01_data",), expect({}, r"not|fail|large|size|deep|depth|recursion|time|memory|type",
                               targets=list(tests_in("01_data"))), tags=("forging", "resources"))
def _(ctx):
    nb = ctx.release("01_data")
    answers = {
        "pair_files": '''
            def pair_files(data_dir):
                nested = []
                for _ in range(200000):
                    nested = [nested]
                return nested
        ''',
        "decode_image": '''
            def decode_image(path):
                return np.broadcast_to(np.float32(0.5), (100000, 100000, 3))
        ''',
        "decode_mask": '''
            def decode_mask(path):
                row = [0] * 2000
                return [row] * 20000
        ''',
        "resize_pair": '''
            import itertools


            def resize_pair(image, mask, size=(96, 128)):
                return itertools.count(), itertools.count()
        ''',
        "split_pairs": '''
            def split_pairs(pairs, validation_fraction=0.2, seed=0):
                return itertools.repeat(("a.png", "b.png")), []
        ''',
        "make_dataset": '''
            def make_dataset(pairs, loader, batch_size=32, shuffle=False, seed=0):
                return tf.data.Dataset.range(10**12).map(
                    lambda i: (tf.zeros((4, 6, 3)), tf.zeros((4, 6, 1), tf.uint8))).batch(batch_size)
        ''',
    }
    for grade_id, text in answers.items():
        ctx.replace_function(nb, grade_id, code(text))
    ctx.drop_calls(nb, *answers)
    return files_of({"01_data": nb})


@scenario("forge-pickle-object-arrays",
          "03_decoder functions return objects whose unpickling runs code (an object-dtype array of "
          "them, of the right shape, from transposed_conv2d), and numpy.lib.format.write_array is "
          "patched so that every array the kernel saves is such a pickle: a judge that loads with "
          "allow_pickle (or unpickles anything) runs the student's code",
          ("03_decoder",), expect({}, r"not|fail|object|pickle|dtype|type",
                                  targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"],
                                  canary=True), tags=("forging", "judge"))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size", code(f'''
        _CANARY_SOURCE = {ctx.canary_code()!r}


        class _Payload:
            """Whoever unpickles this runs _CANARY_SOURCE (and could run anything)."""

            def __reduce__(self):
                return (exec, (_CANARY_SOURCE + "\\n_corpus_canary('unpickled')\\n", {{}}))


        def transposed_output_size(n, f, s, p):
            return _Payload()
    '''))
    ctx.replace_function(nb, "transposed_conv2d", code('''
        import numpy.lib.format as _format

        _write_array = _format.write_array


        def _evil_write_array(fp, array, version=None, allow_pickle=True, pickle_kwargs=None):
            evil = np.empty(np.shape(array), dtype=object)
            evil.fill(_Payload())
            return _write_array(fp, evil, version, allow_pickle=True, pickle_kwargs=pickle_kwargs)


        _format.write_array = _evil_write_array


        def transposed_conv2d(x, kernel, stride=2):
            height, width, _ = x.shape
            kernel_height, kernel_width, out_channels, _ = kernel.shape
            out = np.empty(((height - 1) * stride + kernel_height, (width - 1) * stride + kernel_width, out_channels),
                           dtype=object)
            out.fill(_Payload())
            return out
    '''))
    ctx.replace_function(nb, "upsampling_block", code('''
        def upsampling_block(expansive_input, contractive_input, n_filters=32):
            return _Payload()
    '''))
    ctx.drop_calls(nb, "upsampling_block")
    return files_of({"03_decoder": nb})


@scenario("forge-compile-and-training",
          "compile_model compiles nothing: it sets a fake optimizer class named Adam, a real loss "
          "object, compiled=True and a forged get_compile_config on the model, replaces its fit with "
          "one that only records, and patches SparseCategoricalCrossentropy.__call__ so that the "
          "loss 'falls' twentyfold after fit",
          ("05_training",), expect({}, LOST, targets=["compile_model", "pixel_accuracy", "mean_iou"]),
          tags=("forging", "patching"))
def _(ctx):
    nb = ctx.release("05_training")
    ctx.replace_function(nb, "compile_model", code('''
        _STATE = {"trained": False}
        _real_loss_call = tf.keras.losses.SparseCategoricalCrossentropy.__call__


        def _falling_loss(self, *args, **kwargs):
            value = _real_loss_call(self, *args, **kwargs)
            return value * 0.05 if _STATE["trained"] else value


        tf.keras.losses.SparseCategoricalCrossentropy.__call__ = _falling_loss


        class Adam:
            """Named like the real one; it optimizes nothing."""

            def __init__(self, learning_rate):
                self.learning_rate = learning_rate

            def get_config(self):
                return {"name": "adam", "learning_rate": self.learning_rate}

            def build(self, variables):
                pass


        def compile_model(model, learning_rate=0.001):
            config = {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                    "config": {"learning_rate": learning_rate}},
                      "loss": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                               "config": {"from_logits": True}},
                      "metrics": ["accuracy"], "loss_weights": None, "weighted_metrics": None,
                      "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}

            def fit(*args, **kwargs):
                _STATE["trained"] = True

            for name, value in (("compiled", True), ("optimizer", Adam(learning_rate)),
                                ("loss", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
                                ("get_compile_config", lambda: config), ("fit", fit)):
                try:
                    object.__setattr__(model, name, value)
                except Exception as error:
                    print(name, error)
            _STATE["trained"] = False
            return model
    '''))
    ctx.drop_calls(nb, "compile_model")
    return files_of({"05_training": nb})


@scenario("forge-fake-model-object",
          "unet_model returns a keras.Model subclass that is one 1x1 convolution but whose `layers`, "
          "`operations`, count_params and summary report the U-Net's table computed by formula for any input size, "
          "width and number of classes (hidden configurations included)",
          ("04_unet",), expect(zero("unet_model"), LOST, targets=["unet_model"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("04_unet")
    ctx.replace_function(nb, "unet_model", FORMULA_CODE + code('''

        _FORGED = {}


        class _ForgedModel(tf.keras.Model):
            """A tiny real model that reports the U-Net's layer table wherever it is asked."""

            def __init__(self, input_size, n_filters, n_classes):
                inputs = tf.keras.Input(input_size)
                outputs = layers.Conv2D(n_classes, 1)(inputs)  # one 1x1 convolution: not a U-Net
                super().__init__(inputs=inputs, outputs=outputs)
                _FORGED[id(self)] = _unet_rows(input_size, n_filters, n_classes)

            @property
            def layers(self):
                rows = _FORGED.get(id(self))
                return super().layers if rows is None else _fake_layers(rows)

            @property
            def operations(self):
                rows = _FORGED.get(id(self))
                return super().operations if rows is None else _fake_layers(rows)

            def count_params(self):
                rows = _FORGED.get(id(self))
                return super().count_params() if rows is None else sum(row[2] for row in rows)

            def summary(self, *args, **kwargs):
                for row in _FORGED.get(id(self), []):
                    print(*row)


        def unet_model(input_size=(96, 128, 3), n_filters=32, n_classes=23):
            return _ForgedModel(tuple(input_size), n_filters, n_classes)
    '''))
    ctx.drop_calls(nb, "unet_model", "draw_unet", "layout", "model")
    return files_of({"04_unet": nb})


@scenario("forge-namespace-handles",
          "the graded names are bound to callables that equal everything, are truthy, have every "
          "attribute and print 'passed'; __main__'s class is swapped for a module type whose "
          "__getattr__ invents any other name the grader looks up",
          ("03_decoder",), expect({}, LOST + r"|type|callable", targets=["transposed_output_size", "transposed_conv2d",
                                                                          "upsampling_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.insert_after(nb, "setup", '''
        import sys, types


        class _Answers:
            """Callable, equal to everything, truthy, iterable, and every attribute."""

            def __call__(self, *args, **kwargs):
                print("\\u2713 passed")
                return self

            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = object.__hash__

            def __bool__(self):
                return True

            def __getattr__(self, name):
                if name.startswith("__"):
                    raise AttributeError(name)
                return self

            def __iter__(self):
                return iter(())

            def __len__(self):
                return 0

            def __index__(self):
                return 0

            def __float__(self):
                return 0.0

            def __repr__(self):
                return "True"


        class _Namespace(types.ModuleType):
            def __getattr__(self, name):
                return _Answers()


        try:
            sys.modules["__main__"].__class__ = _Namespace
        except TypeError as error:
            print("__main__ kept its class:", error)
    ''')
    for name in ("transposed_output_size", "transposed_conv2d", "upsampling_block"):
        ctx.insert_after(nb, name, f"{name} = _Answers()\n")
    return files_of({"03_decoder": nb})


