"""`summary(model)`: a Keras model as a table, one row per layer or operation, in order.

A row is a list: the class name, the output shape as a tuple (None for the batch), the
parameter count, then the attributes that matter for that class (`FIELDS`). Rows never
depend on layer names, and reading them neither builds, compiles nor changes the model.

Keras 3 records a function applied to a tensor in a Functional model (`keras.ops.tanh(x)`,
`tf.keras.activations.softmax(x)`, `keras.ops.concatenate([a, b])`) as an *operation*, not
a layer, so `model.layers` does not list it: the table walks `model.operations` instead, and
such an operation gets its own row (`keras.ops.concatenate` gives the same row as a
Concatenate layer). Legacy Keras 2 (tf-keras) lists them as layers; both give the same
tables for the course's models. Row numbers count the InputLayer as layer 0.
"""

from course.keras_graph import inbound_nodes, inbound_operations

BASE_FIELDS = ("layer", "output_shape", "params")

# The attributes compared for each layer class, after the three base fields.
FIELDS = {
    "Conv2D": ("padding", "activation", "initializer", "kernel_size"),
    "Conv2DTranspose": ("kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size",),
    "Dropout": ("rate",),
    "Concatenate": ("axis", "inputs"),
    "Activation": ("activation",),
    "UpSampling2D": ("size",),
    "Cropping2D": ("cropping",),
    "ReLU": ("max_value", "negative_slope", "threshold"),
}
HEADER = ("#", "layer", "output shape", "params", "details")


def field_names(layer_class):
    """The names of a row's fields for a layer of this class."""
    return BASE_FIELDS + FIELDS.get(layer_class, ())


def _plain(value):
    """Tuples of ints and None instead of TensorShape, lists or NumPy numbers."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "TensorShape":
        return tuple(_plain(item) for item in value)
    if hasattr(value, "item"):  # NumPy scalar
        return value.item()
    return value


def _output_shape(operation):
    nodes = inbound_nodes(operation)
    if len(nodes) > 1:
        raise ValueError(
            f"summary(model): layer {type(operation).__name__} '{operation.name}' is used twice "
            f"(called on {len(nodes)} inputs), so it shares its weights. Each convolution must be a "
            f"new layer: call layers.Conv2D(...) again, do not reuse one.")
    try:
        outputs = operation.output
    except (AttributeError, ValueError, IndexError) as error:
        raise ValueError(f"summary(model): cannot read the output of {type(operation).__name__} "
                         f"'{getattr(operation, 'name', '?')}' ({error}).") from None
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    shapes = [_plain(tensor.shape) for tensor in outputs]
    return shapes[0] if len(shapes) == 1 else tuple(shapes)


def _name_of(function):
    return getattr(function, "__name__", type(function).__name__)


def _initializer(operation):
    """The kernel initializer's class name; a plain VarianceScaling with its three settings."""
    initializer = operation.kernel_initializer
    name = type(initializer).__name__
    if name != "VarianceScaling":
        return name
    config = initializer.get_config()
    distribution = "truncated_normal" if config["distribution"] == "normal" else config["distribution"]
    return (f"VarianceScaling(scale={float(config['scale'])}, mode={config['mode']}, "
            f"distribution={distribution})")


def _input_classes(operation):
    """Class names of what feeds this layer or operation, in the order passed in."""
    return tuple(type(layer).__name__ for layer in inbound_operations(operation))


def _attributes(operation, layer_class, shape):
    rank = len(shape)
    readers = {
        "padding": lambda: operation.padding,
        "activation": lambda: _name_of(operation.activation),
        "initializer": lambda: _initializer(operation),
        "kernel_size": lambda: _plain(operation.kernel_size),
        "strides": lambda: _plain(operation.strides),
        "pool_size": lambda: _plain(operation.pool_size),
        "rate": lambda: float(operation.rate),
        "axis": lambda: operation.axis % rank if operation.axis < 0 else operation.axis,
        "inputs": lambda: _input_classes(operation),
        "size": lambda: _plain(operation.size),
        "cropping": lambda: _plain(operation.cropping),
        "max_value": lambda: _plain(getattr(operation, "max_value", None)),
        "negative_slope": lambda: float(getattr(operation, "negative_slope", 0.0) or 0.0),
        "threshold": lambda: float(getattr(operation, "threshold", 0.0) or 0.0),
    }
    return [readers[field]() for field in FIELDS.get(layer_class, ())]


def layer_row(operation):
    """The table row of one layer or operation (see the module docstring)."""
    layer_class = type(operation).__name__
    shape = _output_shape(operation)
    params = int(operation.count_params()) if hasattr(operation, "count_params") else 0
    return [layer_class, shape, params] + _attributes(operation, layer_class, shape)


def _detail(row):
    return ", ".join(f"{name}={value}" for name, value in zip(field_names(row[0])[3:], row[3:]))


class LayerTable(list):
    """A list of rows that prints as an aligned table with a header (and equals the plain list)."""

    def __str__(self):
        cells = [list(HEADER)] + [[str(index), str(row[0]), str(row[1]), f"{row[2]:,}" if isinstance(row[2], int)
                                   else str(row[2]), _detail(row)] for index, row in enumerate(self)]
        widths = [max(len(cell[i]) for cell in cells) for i in range(len(HEADER))]
        lines = ["  ".join(cell[i].rjust(widths[i]) if i in (0, 3) else cell[i].ljust(widths[i])
                           for i in range(len(HEADER))).rstrip() for cell in cells]
        total = sum(row[2] for row in self if isinstance(row[2], int))
        return "\n".join(lines + [f"{len(self)} layers (layer 0 is the input), {total:,} parameters"])

    def _repr_pretty_(self, printer, cycle):  # IPython: show the table, not a long list
        printer.text(str(self))


def _operations(model):
    """The model's layers and operations in order (Keras 3 Functional), else its layers."""
    operations = getattr(model, "operations", None)
    if operations is None or type(model).__name__ == "Sequential":
        return list(model.layers)
    return list(operations)


def summary(model):
    """Return the layer table of a Keras model.

    Args:
        model: a built Keras model (Functional or Sequential), Keras 3 or tf-keras.

    Returns:
        A `LayerTable` (a list of rows): for each layer or operation, in order, [class name,
        output shape, parameter count, *attributes]. The model is not changed: nothing is
        built, compiled or called.
    """
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        hint = ""
        if hasattr(model, "shape") and hasattr(model, "dtype"):
            hint = (" It looks like a tensor: wrap it in a model first, e.g. "
                    "tf.keras.Model(inputs=inputs, outputs=outputs).")
        raise TypeError(f"summary(model): expected a Keras model, got {type(model).__name__}.{hint}")
    return LayerTable(layer_row(operation) for operation in _operations(model))
