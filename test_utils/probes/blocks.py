"""Probes of the model-building functions: conv_block, upsampling_block, unet_model."""

from course.keras_graph import input_tensors, producer
from test_utils.layer_table import summary
from test_utils.probes.common import Unexpected, initial_weights, output_sketch, pair_of, tf


def _shape(tensor):
    return tuple(None if dim is None else int(dim) for dim in tensor.shape)


def build(function, spec):
    """The model `function` builds: from fresh Inputs of spec["inputs"], or unet_model(**kwargs)."""
    keras = tf().keras
    kwargs = dict(spec.get("kwargs", {}))
    shapes = spec.get("inputs", [])
    if not shapes:
        model = function(**kwargs)
        if not hasattr(model, "layers") or not hasattr(model, "count_params"):
            raise Unexpected(f"returned {type(model).__name__}; expected a keras Model",
                             "end with return tf.keras.Model(inputs=inputs, outputs=...)")
        return model
    inputs = [keras.Input(tuple(shape)) for shape in shapes]
    outputs = function(*inputs, **kwargs)
    if outputs is None:
        raise Unexpected("returned None", "did you forget the return statement?")
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else outputs
    try:
        return keras.Model(inputs=inputs if len(inputs) > 1 else inputs[0], outputs=outputs)
    except Exception as error:  # Keras raises several types
        raise Unexpected(f"its result cannot be made into a model from the given inputs ({error})",
                         "build every layer on the function's own arguments and return tensors, not layers") from None


def layers(function, spec):
    """What `function` builds: {"rows": layer table, "output": output shape, "params": count,
    "sketch": what the model computes with weights and an input drawn from spec["seed"],
    "initial": a sample of each kernel's weights as built}."""
    model = build(function, spec)
    try:
        rows = summary(model)
    except (TypeError, ValueError) as error:
        raise Unexpected(str(error)) from None
    output = model.output
    output = [_shape(t) for t in output] if isinstance(output, (list, tuple)) else _shape(output)
    sketch = initial = None
    if spec.get("seed") is not None:
        initial = initial_weights(model, int(spec["seed"]))  # before the sketch sets seeded weights
        try:
            sketch = output_sketch(model, int(spec["seed"]))
        except Exception as error:  # a model that cannot run is an answer too
            raise Unexpected(f"the model it builds cannot run on an input ({type(error).__name__}: "
                             f"{str(error).splitlines()[0][:200] if str(error) else ''})") from None
    return {"rows": [list(row) for row in rows], "output": output, "params": int(model.count_params()),
            "sketch": sketch, "initial": initial}


def block_outputs(function, spec):
    """What conv_block returns, as data: shapes and the layers that produced the two tensors."""
    keras = tf().keras
    inputs = keras.Input(tuple(spec["inputs"][0]))
    result = function(inputs, **dict(spec.get("kwargs", {})))
    next_layer, skip = pair_of(result, "two tensors (next_layer, skip_connection)")
    for value, what in ((next_layer, "next_layer"), (skip, "skip_connection")):
        if not hasattr(value, "shape"):
            raise Unexpected(f"{what} is a {type(value).__name__}; expected a tensor",
                             "return the tensors the layers give, not the layers")
    pool = producer(next_layer)
    sketch = rows = None
    if spec.get("seed") is not None:
        try:
            pair = keras.Model(inputs, [next_layer, skip])
            sketch = output_sketch(pair, int(spec["seed"]))
        except Exception as error:  # tensors that make no model are an answer too
            raise Unexpected(f"its two tensors cannot be computed from the input ({type(error).__name__}: "
                             f"{str(error).splitlines()[0][:200] if str(error) else ''})") from None
        try:
            rows = [list(row) for row in summary(pair)]
        except (TypeError, ValueError):
            rows = None
    return {"sketch": sketch, "rows": rows, "next_shape": _shape(next_layer), "skip_shape": _shape(skip),
            "next_producer": type(pool).__name__, "skip_producer": type(producer(skip)).__name__,
            "next_is_skip": next_layer is skip,
            "pools_skip": any(tensor is skip for tensor in input_tensors(pool))}
