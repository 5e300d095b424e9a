"""`comparator(learner, instructor)`: compare two layer tables, explain the first difference."""

import math

from test_utils.display import bold, green, red
from test_utils.hints import hints_for
from test_utils.layer_table import BASE_FIELDS, FIELDS, field_names, summary


def _as_table(table_or_model, argument):
    if isinstance(table_or_model, (list, tuple)):
        for position, row in enumerate(table_or_model):
            if not isinstance(row, (list, tuple)) or not row or not isinstance(row[0], str):
                raise TypeError(
                    f"comparator({argument}=...): row {position} should be a list like "
                    f"['Conv2D', (None, 96, 128, 32), 896, ...], got {row!r}"
                )
        return [list(row) for row in table_or_model]
    if hasattr(table_or_model, "layers"):
        return summary(table_or_model)
    raise TypeError(
        f"comparator({argument}=...): expected a Keras model or a layer table (a list of rows "
        f"from summary(model)), got {type(table_or_model).__name__}"
    )


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def rows_equal(expected, received):
    """Do two rows agree in every field?"""
    return _same(expected, received)


def first_difference(expected_rows, received_rows):
    """The index of the first row that differs, or None if one table is a prefix of the other."""
    for index, (expected, received) in enumerate(zip(expected_rows, received_rows)):
        if not rows_equal(expected, received):
            return index
    return None


def _side_by_side(expected, received):
    """The two rows, one field per line, differing fields marked with ✗."""
    names = list(BASE_FIELDS)
    for layer_class in (expected[0], received[0]):
        names += [name for name in FIELDS.get(layer_class, ()) if name not in names]
    want = dict(zip(field_names(expected[0]), expected))
    have = dict(zip(field_names(received[0]), received))
    cells = [(name, str(want.get(name, "-")), str(have.get(name, "-"))) for name in names]
    width_name = max(len("field"), *(len(c[0]) for c in cells))
    width_want = max(len("expected"), *(len(c[1]) for c in cells))
    lines = [f"    {'field'.ljust(width_name)}  {'expected'.ljust(width_want)}  received"]
    for name, want_text, have_text in cells:
        differs = not _same(want.get(name, "-"), have.get(name, "-"))
        mark = "✗" if differs else " "
        line = f"  {mark} {name.ljust(width_name)}  {want_text.ljust(width_want)}  {have_text}"
        lines.append(red(line) if differs else line)
    return lines


def explain(expected_rows, received_rows):
    """The message for two differing tables, or None when they are equal."""
    index = first_difference(expected_rows, received_rows)
    lengths_differ = len(expected_rows) != len(received_rows)
    if index is None and not lengths_differ:
        return None
    lines = []
    if index is not None:
        expected, received = expected_rows[index], received_rows[index]
        title = f"Layer {index} ({expected[0]}) does not match"
        if expected[0] != received[0]:
            title = f"Layer {index}: expected {expected[0]}, found {received[0]}"
        lines.append(bold(title) + (f" (layers 0 to {index - 1} match)." if index else "."))
        lines += _side_by_side(expected, received)
    else:
        shorter = min(len(expected_rows), len(received_rows))
        lines.append(bold(f"The first {shorter} layers match, but the number of layers differs."))
    if lengths_differ:
        lines.append(f"Number of layers: expected {len(expected_rows)}, "
                     f"your model has {len(received_rows)}.")
    for hint in hints_for(index, expected_rows, received_rows):
        lines.append(f"Hint: {hint}")
    return "\n".join(lines)


def comparator(learner, instructor):
    """Compare the learner's layer table with the instructor's, layer by layer.

    Args:
        learner: the student's model, or its table from `summary(model)`.
        instructor: the reference model or table (e.g. `reference_table("unet_model")`).

    Raises:
        AssertionError: at the first differing layer, with its index and class, the expected
            and received rows side by side with the differing fields marked, the layer counts
            when they differ, and a hint for the likely mistake.

    On success, prints one short line.
    """
    expected_rows = _as_table(instructor, "instructor")
    received_rows = _as_table(learner, "learner")
    message = explain(expected_rows, received_rows)
    if message is not None:
        raise AssertionError(message)
    print(green(f"All {len(expected_rows)} layers match the reference."))
