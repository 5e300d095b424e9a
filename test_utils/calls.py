"""How a call reads in a message: `conv_block(Input((96, 128, 3)), n_filters=32)`.

Used by the checks and by the runner that asks for their answers (so neither imports the other
for it).
"""


class Name(str):
    """A placeholder shown as written in a call text: `decode_image(path)`, not `decode_image('path')`."""

    def __repr__(self):
        return str(self)


def describe(value):
    """A short description of an argument for messages: arrays and tensors by shape."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        shape = tuple(None if dim is None else int(dim) for dim in value.shape)
        if type(value).__name__ == "KerasTensor":
            return f"Input({shape[1:]})"
        return f"array(shape={shape}, dtype={getattr(value.dtype, 'name', value.dtype)})"
    if isinstance(value, list) and len(value) > 4:
        return f"[{len(value)} items]"
    return repr(value)


def call_text(name, *args, **kwargs):
    """`name(arg, key=value)` as it reads in a message."""
    parts = [describe(arg) for arg in args] + [f"{key}={describe(value)}" for key, value in kwargs.items()]
    return f"{name}({', '.join(parts)})"
