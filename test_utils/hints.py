"""Hints for the common mistakes, chosen from the first row where two tables differ."""

from test_utils.equivalence import RELU_CLASSES, same_field
from test_utils.layer_table import field_names

_SAME = "every 3x3 convolution here uses padding='same', which keeps the height and width"
_VALID = ("the original U-Net pads nothing: padding='valid' (Keras's default) everywhere, so each 3x3 "
          "convolution trims one pixel on every side and the skip connections are cropped to fit")


def _as_tuple(value):
    """A shape-like field as nested tuples (rows that came through JSON hold lists)."""
    return tuple(_as_tuple(item) for item in value) if isinstance(value, (list, tuple)) else value


def _channels(row):
    shape = row[1]
    return shape[-1] if isinstance(shape, tuple) and shape and isinstance(shape[-1], int) else None


def _class_hint(expected, received):
    pair = (expected[0], received[0])
    return {
        ("Dropout", "MaxPooling2D"):
            "Dropout is missing here: with dropout_prob > 0, Dropout comes right after the "
            "two convolutions and before the pooling (the last two encoder blocks use 0.3).",
        ("MaxPooling2D", "Dropout"):
            "Unexpected Dropout: this block should not use dropout, or Dropout was placed "
            "after the pooling instead of before it.",
        ("Dropout", "Conv2D"):
            "Dropout is missing: the last two encoder blocks use dropout_prob=0.3.",
        ("Conv2D", "Dropout"):
            "Unexpected Dropout: only the last two encoder blocks use dropout_prob=0.3.",
        ("MaxPooling2D", "Conv2D"):
            "Pooling is missing: every encoder block except the last ends with "
            "MaxPooling2D(2, strides=2).",
        ("Conv2D", "MaxPooling2D"):
            "Pooling where none is expected: the last encoder block (the bottleneck) is built "
            "with max_pooling=False; check which block pools.",
        ("Conv2DTranspose", "MaxPooling2D"):
            "Pooling where the decoder should start: the last encoder block is built with "
            "max_pooling=False.",
        ("Cropping2D", "GetItem"):
            "The skip connection is sliced: the reference crops it with the Cropping2D layer its table lists "
            "(a slice is an operation, not that layer, so the two tables cannot be compared row by row).",
        ("Conv2DTranspose", "UpSampling2D"):
            "The decoder's upsampling is learned here: a transposed convolution has weights that training "
            "adjusts, while UpSampling2D only repeats each pixel.",
    }.get(pair)


def _is_head(expected, index, expected_rows):
    """The final 1x1 convolution: the last row, a linear Conv2D with Keras's default initializer."""
    return index == len(expected_rows) - 1 and expected[0] == "Conv2D" and \
        dict(zip(field_names("Conv2D"), expected)).get("activation") == "linear"


def _place(index, expected_rows):
    """Where layer `index` is: "head", "block" (a table of one block), "encoder" or "decoder"."""
    if _is_head(expected_rows[index], index, expected_rows):
        return "head"
    convolutions = [row for i, row in enumerate(expected_rows) if row[0] in ("Conv2D", "Conv2DTranspose")
                    and not _is_head(row, i, expected_rows)]
    if len({_channels(row) for row in convolutions}) <= 1:
        return "block"
    upsampled = any(row[0] in ("Conv2DTranspose", "UpSampling2D") for row in expected_rows[:index + 1])
    return "decoder" if upsampled else "encoder"


def _where_filters(place):
    """What sets the number of filters at this place in the model."""
    return {
        "head": "the final 1x1 convolution has one filter per class (n_classes).",
        "block": "every convolution of this block has n_filters filters.",
        "encoder": "this layer is in the encoder, where the number of filters doubles at each encoder step "
                   "(n_filters x 1, 2, 4, 8, 16): check the multiple of n_filters this block gets.",
        "decoder": "this layer is in the decoder, where the number of filters halves at each decoder step "
                   "(n_filters x 8, 4, 2, 1): check the multiple of n_filters this block gets.",
    }[place]


def _field_hints(expected, received, place):
    hints = []
    head = place == "head"
    layer_class = expected[0]
    fields = dict(zip(field_names(layer_class), expected))
    got = dict(zip(field_names(received[0]), received))
    differs = {name for name in fields if name in got and not same_field(name, expected, fields[name], got[name])}

    if "output_shape" in differs and layer_class in ("Conv2D", "Conv2DTranspose"):
        want, have = _channels(expected), _channels(received)
        if want and have and want != have:
            hints.append(f"This layer has {have} filters instead of {want}: {_where_filters(place)}")
        if fields["output_shape"][1:3] != got["output_shape"][1:3] and "padding" not in differs:
            hints.append("The height and width differ: check the strides, and that the input "
                         "of this layer is the right tensor.")
    if "padding" in differs:
        reason = _VALID if fields["padding"] == "valid" else _SAME
        hints.append(f"padding='{got['padding']}' instead of '{fields['padding']}': {reason}.")
    if "initializer" in differs:
        hints.append(f"The kernel initializer is {got['initializer']}, not {fields['initializer']}: a convolution "
                     "followed by a ReLU starts from He's draw, whose spread, the square root of 2 / fan-in, "
                     "keeps the signal's size from layer to layer although ReLU zeroes half of it (Keras's "
                     "default, Glorot's, is smaller).")
    if "activation" in differs:
        if fields["activation"] == "linear" and layer_class == "Conv2D":
            hints.append("The final layer must output logits: no activation on it. The loss "
                         "(SparseCategoricalCrossentropy(from_logits=True)) applies the "
                         "softmax itself.")
        elif fields["activation"] == "linear":
            hints.append(f"No activation on {layer_class} here (got '{got['activation']}').")
        else:
            hints.append(f"activation='{fields['activation']}' is missing "
                         f"(got '{got['activation']}').")
    if ("kernel_size" in differs or "strides" in differs) and layer_class == "Conv2D":
        hints.append("The kernel size differs: the final convolution scores each pixel from its own features "
                     "alone (a 1x1 window), the others look at a 3x3 neighbourhood." if head else
                     "The kernel size differs: every convolution of the blocks looks at a 3x3 neighbourhood.")
    elif ("kernel_size" in differs or "strides" in differs) and _as_tuple(fields.get("kernel_size")) == (2, 2):
        hints.append("The up-convolution of the original U-Net has a 2x2 kernel with a stride of 2: it doubles "
                     "height and width, its windows do not overlap, and it halves the channels.")
    elif "kernel_size" in differs or "strides" in differs:
        hints.append(f"The transposed convolution's kernel or stride differs (expected kernel "
                     f"{fields.get('kernel_size')}, strides {fields.get('strides')}): the stride sets how much "
                     "it enlarges the image, the kernel how far each input pixel spreads.")
    if "cropping" in differs:
        hints.append(f"The crop is {got['cropping']} instead of {fields['cropping']}: the skip connection keeps "
                     "its centre, so the rows it loses are shared between top and bottom as evenly as they can "
                     "be (and the columns between left and right); when their number is odd, compare which side "
                     "the expected crop gives the extra one.")
    if "pool_size" in differs:
        hints.append("Each encoder step halves height and width: a 2x2 window moved by 2 pixels keeps the "
                     "largest of every four values.")
    if "rate" in differs:
        hints.append(f"The dropout rate is {got['rate']} instead of {fields['rate']}.")
    if "axis" in differs:
        hints.append("Concatenate along the channel axis (axis=3, or -1): the two tensors have "
                     "the same height and width, and their channels are stacked.")
    if "inputs" in differs:
        have, want = got["inputs"], fields["inputs"]
        if "MaxPooling2D" in have:
            hints.append("The skip connection comes from a MaxPooling2D layer: the skip must be "
                         "taken before pooling (conv_block returns it as its second value).")
        elif tuple(reversed(have)) == tuple(want):
            hints.append("The concatenation is in the wrong order: the upsampled tensor comes first, then the "
                         "skip connection (the order decides which of the next convolution's weights see "
                         "which channels, so a model saved with one order cannot be read with the other).")
        else:
            hints.append(f"This layer joins {', '.join(have)} instead of {', '.join(want)}.")
    if "params" in differs and not hints:
        hints.append(f"The parameter count differs ({got['params']} instead of "
                     f"{fields['params']}): check the kernel size and the number of filters.")
    return hints


def hints_for(index, expected_rows, received_rows):
    """Hints for the first difference, at `index` (None when one table is a prefix)."""
    if index is None:
        missing = expected_rows[len(received_rows):]
        extra = received_rows[len(expected_rows):]
        if missing:
            hint = (f"The model stops early: its last {len(missing)} layer(s) are missing "
                    f"({', '.join(row[0] for row in missing)}).")
            if len(missing) == 1 and _is_head(missing[0], len(expected_rows) - 1, expected_rows):
                hint += " Did you return the model before the final 1x1 Conv2D(n_classes)?"
            elif len(missing) == 1:
                hint += " " + _what_it_is(_classes(expected_rows), len(received_rows))
            return [hint]
        extra_classes = [row[0] for row in extra]
        hint = f"The model has {len(extra)} extra layer(s) at the end ({', '.join(extra_classes)})."
        if {"Softmax", "Activation"} & set(extra_classes):
            hint += (" The model must end with the logits of the 1x1 Conv2D: the loss applies "
                     "the softmax itself (from_logits=True).")
        return [hint]
    expected, received = expected_rows[index], received_rows[index]
    if expected[0] != received[0]:
        shifted = _missing_or_extra(index, expected_rows, received_rows)
        if shifted:
            return [shifted]
        hint = _class_hint(expected, received)
        if not hint and received[0] in RELU_CLASSES and expected[0] != received[0]:
            hint = (f"A separate {received[0]} where the reference has a {expected[0]}: a convolution followed by "
                    "a ReLU counts as one convolution with activation relu only when the convolution has no "
                    "activation of its own; here the activation is applied once too often, or to another layer.")
        return [hint or f"Expected a {expected[0]} layer here, found {received[0]}."]
    return _field_hints(expected, received, _place(index, expected_rows))


def _classes(rows):
    return [row[0] for row in rows]


def _missing_or_extra(index, expected_rows, received_rows):
    """A hint when one layer is missing, or one is extra, and the rest lines up after it."""
    want, have = _classes(expected_rows), _classes(received_rows)
    if want[index + 1:] == have[index:]:
        return (f"A {want[index]} is missing at layer {index}: after it, the layers line up with the "
                f"reference again. " + _what_it_is(want, index))
    if want[index:] == have[index + 1:]:
        extra = have[index]
        text = f"An extra {extra} at layer {index}: without it, the layers line up with the reference."
        if extra in ("Softmax", "Activation", "Tanh", "Sigmoid", "Relu"):
            text += " Apply activations through the layers' activation= argument, as the reference does."
        return text
    return None


def _what_it_is(classes, index):
    if classes[index] == "Conv2D":
        return "Each block has two 3x3 convolutions, one after the other, before any dropout or pooling."
    if classes[index] == "Dropout":
        return "With dropout_prob > 0, Dropout comes right after the two convolutions and before the pooling."
    if classes[index] == "MaxPooling2D":
        return "Every encoder block except the last ends with MaxPooling2D(2, strides=2)."
    return ""
