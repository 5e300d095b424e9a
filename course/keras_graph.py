"""Reading a built Keras model's graph: which layer or operation feeds which.

Keras keeps the graph on private attributes, the same in Keras 3 and in tf-keras: the
`_inbound_nodes` of a layer or operation (one node per call) and the `_keras_history` of a tensor
(the layer or operation that made it). These functions are the only place the course and its
checkers read them (the U-Net diagram, the layer table, the probes of the model-building checks).
"""


def inbound_nodes(operation):
    """The nodes of a layer or operation: one for each time it was called on tensors."""
    return tuple(getattr(operation, "_inbound_nodes", None) or ())


def input_tensors(operation):
    """The tensors of its first call, in the order they were passed (empty for an input layer)."""
    nodes = inbound_nodes(operation)
    if not nodes:
        return []
    tensors = nodes[0].input_tensors
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def producer(tensor):
    """The layer or operation that made `tensor`, or None for a tensor that no layer made."""
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def inbound_operations(operation):
    """The layers or operations that feed it, in the order their tensors were passed."""
    return [producer(tensor) for tensor in input_tensors(operation)]
