"""The reference layer tables: which calls they describe, and the generated data.

`TABLES` says how each table's model is built from a graded function. The rows themselves
are generated from the instructor's solution (`python -m test_utils.generate`) into
`reference_tables.json`; they are data, never typed by hand, and a test fails if they drift
from what the solution builds.
"""

import json
from pathlib import Path

TABLES_FILE = Path(__file__).with_name("reference_tables.json")

# name -> (graded function, input shapes (no batch), keyword arguments)
TABLES = {
    "conv_block": ("conv_block", [(96, 128, 3)], {"n_filters": 32}),
    "conv_block_dropout": ("conv_block", [(96, 128, 3)], {"n_filters": 32, "dropout_prob": 0.1}),
    "conv_block_no_pooling": ("conv_block", [(12, 16, 256)],
                              {"n_filters": 512, "dropout_prob": 0.3, "max_pooling": False}),
    "upsampling_block": ("upsampling_block", [(6, 8, 512), (12, 16, 256)], {"n_filters": 256}),
    "upsampling_block_top": ("upsampling_block", [(48, 64, 64), (96, 128, 32)], {"n_filters": 32}),
    "unet_model": ("unet_model", [], {}),
    "unet_model_small": ("unet_model", [], {"input_size": (64, 80, 1), "n_filters": 8,
                                            "n_classes": 5}),
    # The extension assignment (unet_original): the paper's first decoder step (skip, upsampled),
    # a crop by an odd number of rows and columns, the paper's network, and a small one.
    "crop_and_concat": ("crop_and_concat", [(64, 64, 512), (56, 56, 512)], {}),
    "crop_and_concat_odd": ("crop_and_concat", [(9, 12, 4), (6, 8, 3)], {}),
    "original_unet": ("original_unet", [], {}),
    "original_unet_small": ("original_unet", [], {"input_size": (188, 220, 3), "n_classes": 5,
                                                  "n_filters": 4}),
}


def describe_call(name):
    """The call a table describes, as a student would write it."""
    function, shapes, kwargs = TABLES[name]
    args = [f"Input({shape})" for shape in shapes]
    args += [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"{function}({', '.join(args)})"


def build_model(name, function):
    """Build the model that table `name` describes, using `function` (student's or reference).

    Block functions are wrapped into a model from fresh Inputs to what they return;
    `unet_model` returns its model directly.
    """
    if name not in TABLES:
        raise KeyError(f"no reference table named {name!r}; known: {', '.join(TABLES)}")
    _, shapes, kwargs = TABLES[name]
    if not shapes:
        return function(**kwargs)
    import course.tensorflow_setup
    import tensorflow as tf

    inputs = [tf.keras.Input(shape) for shape in shapes]
    outputs = function(*inputs, **kwargs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else outputs
    return tf.keras.Model(inputs=inputs if len(inputs) > 1 else inputs[0], outputs=outputs)


def _from_json(value):
    """JSON has no tuples: shapes and sizes come back as lists; make them tuples again."""
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    return value


def load_tables(path=TABLES_FILE):
    """All generated tables: {name: list of rows}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: [[row[0], *(_from_json(value) for value in row[1:])] for row in table["rows"]]
            for name, table in data["tables"].items()}


def reference_table(name):
    """The reference layer table `name` (see `TABLES`), as a list of rows."""
    tables = load_tables()
    if name not in tables:
        raise KeyError(f"no reference table named {name!r}; known: {', '.join(tables)}")
    from test_utils.layer_table import LayerTable

    return LayerTable(tables[name])
