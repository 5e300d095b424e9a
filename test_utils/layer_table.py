"""`summary(model)`: a Keras model as a table of layers, one row per layer, in order.

A row is a list: the layer's class name, its output shape as a tuple (None for the batch),
its parameter count, then the attributes that matter for that class (`FIELDS`). Rows never
depend on layer names, and reading them neither builds, compiles nor changes the model.
The same code reads Keras 3 and legacy Keras 2 (tf-keras) models.
"""

BASE_FIELDS = ("layer", "output_shape", "params")

# The attributes compared for each layer class, after the three base fields.
FIELDS = {
    "Conv2D": ("padding", "activation", "initializer"),
    "Conv2DTranspose": ("kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size",),
    "Dropout": ("rate",),
    "Concatenate": ("axis", "inputs"),
    "Activation": ("activation",),
    "UpSampling2D": ("size",),
}


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


def _output_shape(layer):
    if len(getattr(layer, "_inbound_nodes", ())) > 1:
        raise ValueError(
            f"summary(model): layer {type(layer).__name__} '{layer.name}' is used twice "
            f"(called on {len(layer._inbound_nodes)} inputs), so it shares its weights. Each "
            f"convolution must be a new layer: call layers.Conv2D(...) again, do not reuse one."
        )
    try:
        output = layer.output
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"summary(model): cannot read the output of layer {type(layer).__name__} "
            f"'{layer.name}' ({error})."
        ) from None
    if isinstance(output, (list, tuple)):
        return tuple(_plain(tensor.shape) for tensor in output)
    return _plain(output.shape)


def _name_of(function):
    return getattr(function, "__name__", type(function).__name__)


def _input_classes(layer):
    """Class names of the layers feeding this layer, in the order they are passed in."""
    node = layer._inbound_nodes[0]  # same private API in Keras 3 and tf-keras
    tensors = node.input_tensors
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return tuple(type(tensor._keras_history[0]).__name__ for tensor in tensors)


def _attributes(layer, layer_class, shape):
    rank = len(shape)
    readers = {
        "padding": lambda: layer.padding,
        "activation": lambda: _name_of(layer.activation),
        "initializer": lambda: type(layer.kernel_initializer).__name__,
        "kernel_size": lambda: _plain(layer.kernel_size),
        "strides": lambda: _plain(layer.strides),
        "pool_size": lambda: _plain(layer.pool_size),
        "rate": lambda: float(layer.rate),
        "axis": lambda: layer.axis % rank if layer.axis < 0 else layer.axis,
        "inputs": lambda: _input_classes(layer),
        "size": lambda: _plain(layer.size),
    }
    return [readers[field]() for field in FIELDS.get(layer_class, ())]


def layer_row(layer):
    """The table row of one layer (see the module docstring)."""
    layer_class = type(layer).__name__
    shape = _output_shape(layer)
    return [layer_class, shape, int(layer.count_params())] + _attributes(layer, layer_class, shape)


class LayerTable(list):
    """A list of rows that prints as an aligned table (and equals the plain list)."""

    def __str__(self):
        cells = [[str(value) for value in row] for row in self]
        widths = [max(len(cell[i]) for cell in cells if i < len(cell))
                  for i in range(max(map(len, cells), default=0))]
        return "\n".join(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
            for row in cells
        )

    def _repr_pretty_(self, printer, cycle):  # IPython: show the table, not a long list
        printer.text(str(self))


def summary(model):
    """Return the layer table of a Keras model.

    Args:
        model: a built Keras model (Functional or Sequential), Keras 3 or tf-keras.

    Returns:
        A `LayerTable` (a list of rows): for each layer in `model.layers`, in order,
        [class name, output shape, parameter count, *attributes]. The model is not
        changed: nothing is built, compiled or called.
    """
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        hint = ""
        if hasattr(model, "shape") and hasattr(model, "dtype"):
            hint = (" It looks like a tensor: wrap it in a model first, e.g. "
                    "tf.keras.Model(inputs=inputs, outputs=outputs).")
        raise TypeError(
            f"summary(model): expected a Keras model, got {type(model).__name__}.{hint}"
        )
    return LayerTable(layer_row(layer) for layer in model.layers)
