"""When two layer tables describe the same network in different spellings.

An exercise stated as a goal has more than one right answer, so tables are compared up to
these equivalences, each one a fact about the computation, never a guess:

- a convolution without activation followed at once by a ReLU (an `Activation('relu')`
  layer, a `ReLU()` layer with its defaults, or `keras.activations.relu` / `keras.ops.relu`
  applied to the tensor) is one convolution with `activation='relu'`;
- an initializer is compared by the distribution it draws from, not its name:
  `VarianceScaling(2.0, 'fan_in', 'truncated_normal')` is `HeNormal`;
- a 1x1 convolution's padding changes nothing (its window never leaves the image), and its
  initializer is not fixed by the course's text, so neither is compared there; the course
  fixes He initialisation for the 3x3 convolutions only.

`fold(rows)` merges the convolution + ReLU pairs and says where each row came from;
`same_field` compares one field with the rest in mind; `notes` lists what was taken as equal,
in the student's own spelling, for the message a student reads.
"""

import math

from test_utils.layer_table import field_names

NOT_COMPARED = "(not compared)"
RELU_CLASSES = ("Activation", "ReLU", "Relu")  # what a ReLU applied on its own shows as, layer or operation
# VarianceScaling's (scale, mode, distribution) of Keras's named initializers.
NAMED_INITIALIZERS = {
    (2.0, "fan_in", "truncated_normal"): "HeNormal",
    (2.0, "fan_in", "uniform"): "HeUniform",
    (1.0, "fan_avg", "uniform"): "GlorotUniform",
    (1.0, "fan_avg", "truncated_normal"): "GlorotNormal",
    (1.0, "fan_in", "truncated_normal"): "LecunNormal",
    (1.0, "fan_in", "uniform"): "LecunUniform",
}


def initializer_name(text):
    """The Keras name of the distribution an initializer's table text draws from, or the text."""
    if not isinstance(text, str) or not text.startswith("VarianceScaling("):
        return text
    try:
        fields = dict(part.split("=") for part in text[len("VarianceScaling("):-1].split(", "))
        key = (float(fields["scale"]), fields["mode"], fields["distribution"])
    except (KeyError, ValueError):
        return text
    return NAMED_INITIALIZERS.get(key, text)


def _field(row, name):
    names = field_names(row[0])
    return row[names.index(name)] if name in names and names.index(name) < len(row) else None


def _relu_of(row):
    """Is this row a plain ReLU applied on its own (a layer or an operation)?"""
    if len(row) > 2 and row[2]:
        return False
    if row[0] == "Activation":
        return _field(row, "activation") == "relu"
    if row[0] == "Relu":  # keras.ops.relu
        return True
    if row[0] == "ReLU":  # the layer, or keras.activations.relu as an operation
        limits = row[3:6]
        return len(limits) < 3 or (limits[0] is None and not limits[1] and not limits[2])
    return False


def fold(rows):
    """(rows, origins): each convolution without activation followed at once by a plain ReLU
    of the same shape becomes one row with activation relu; origins[i] lists the original rows."""
    folded, origins, index = [], [], 0
    while index < len(rows):
        row = list(rows[index])
        following = rows[index + 1] if index + 1 < len(rows) else None
        if row[0] == "Conv2D" and _field(row, "activation") == "linear" and following is not None \
                and _relu_of(following) and _same(row[1], following[1]):
            row[field_names("Conv2D").index("activation")] = "relu"
            folded.append(row)
            origins.append([index, index + 1])
            index += 2
            continue
        folded.append(row)
        origins.append([index])
        index += 1
    return folded, origins


def _one_by_one(row):
    size = _field(row, "kernel_size")
    return isinstance(size, (list, tuple)) and all(value == 1 for value in size)


def _free(name, expected_row):
    """Is this field left to the student: the padding or initializer of a 1x1 convolution?"""
    return expected_row[0] == "Conv2D" and name in ("padding", "initializer") and _one_by_one(expected_row)


def same_field(name, expected_row, want, have):
    """Do two values of field `name` agree, given the expected row they belong to?"""
    if _free(name, expected_row):
        return True
    if name == "initializer":
        return initializer_name(want) == initializer_name(have)
    return _same(want, have)


def shown(name, expected_row, value):
    """A value as the side-by-side view shows it: NOT_COMPARED where the field is free."""
    if _free(name, expected_row):
        return f"{value} {NOT_COMPARED}"
    return str(value)


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def notes(received_rows, origins):
    """What was taken as equal, in the student's spelling: one line per kind of equivalence."""
    folded = [f"{o[0]}+{o[1]}" for o in origins if len(o) == 2]
    lines = []
    if folded:
        lines.append(f"layers {', '.join(folded)}: a convolution, then a separate ReLU, taken as one convolution "
                     f"with activation relu")
    spelled = sorted({str(_field(row, "initializer")) for row in received_rows if row[0] == "Conv2D"
                      and initializer_name(_field(row, "initializer")) != _field(row, "initializer")})
    for text in spelled:
        lines.append(f"{text} draws as {initializer_name(text)} does")
    return lines
