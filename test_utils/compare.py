"""`comparator(learner, instructor)`: compare two layer tables, explain the first difference."""

from test_utils.display import bold, green, red
from test_utils.hints import hints_for
from test_utils.equivalence import fold, notes, same_field, shown
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


def _row_same(expected, received):
    if expected[0] != received[0] or len(expected) != len(received):
        return False
    names = field_names(expected[0])
    return all(same_field(names[i] if i < len(names) else "", expected, want, have)
               for i, (want, have) in enumerate(zip(expected, received)))


def rows_equal(expected, received):
    """Do two rows agree in every field that is compared (see test_utils.equivalence)?"""
    return _row_same(list(expected), list(received))


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
    cells = [(name, shown(name, expected, want.get(name, "-")), str(have.get(name, "-"))) for name in names]
    width_name = max(len("field"), *(len(c[0]) for c in cells))
    width_want = max(len("expected"), *(len(c[1]) for c in cells))
    lines = [f"    {'field'.ljust(width_name)}  {'expected'.ljust(width_want)}  received"]
    for name, want_text, have_text in cells:
        differs = not (name in want and name in have and same_field(name, expected, want[name], have[name]))
        differs = differs and not (name not in want and name not in have)
        mark = "✗" if differs else " "
        line = f"  {mark} {name.ljust(width_name)}  {want_text.ljust(width_want)}  {have_text}"
        lines.append(red(line) if differs else line)
    return lines


def _numbered(index, origins):
    """The student's own layer number(s) of folded row `index`."""
    rows = origins[index] if index < len(origins) else [index]
    return str(rows[0]) if len(rows) == 1 else f"{rows[0]}+{rows[1]}"


def equivalences(expected_rows, received_rows):
    """What a comparison took as equal although spelled differently (a line each), for equal tables."""
    _, origins = fold(received_rows)
    return notes(received_rows, origins)


def explain(expected_rows, received_rows):
    """The message for two differing tables, or None when they are equal up to equivalence."""
    expected_rows, _ = fold(expected_rows)
    received_original = received_rows
    received_rows, origins = fold(received_rows)
    index = first_difference(expected_rows, received_rows)
    lengths_differ = len(expected_rows) != len(received_rows)
    if index is None and not lengths_differ:
        return None
    lines = []
    if index is not None:
        expected, received = expected_rows[index], received_rows[index]
        yours = _numbered(index, origins)
        where = f"Layer {index}" if yours == str(index) else f"Your layer {yours} (the reference's {index})"
        title = f"{where} ({expected[0]}) does not match"
        if expected[0] != received[0]:
            title = f"{where}: expected {expected[0]}, found {received[0]}"
        lines.append(bold(title) + (f" (layers 0 to {index - 1} match)." if index else "."))
        lines += _side_by_side(expected, received)
    else:
        shorter = min(len(expected_rows), len(received_rows))
        lines.append(bold(f"The first {shorter} layers match, but the number of layers differs."))
    if lengths_differ:
        lines.append(f"Number of layers: expected {len(expected_rows)}, "
                     f"your model has {len(received_rows)}"
                     + (f" ({len(received_original)} before the equivalences below)."
                        if len(received_original) != len(received_rows) else "."))
    for hint in hints_for(index, expected_rows, received_rows):
        lines.append(f"Hint: {hint}")
    for note in notes(received_original, origins):
        lines.append(f"Note: {note}.")
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
    folded = "" if len(received_rows) == len(expected_rows) else \
        f" ({len(received_rows)} rows in your table, with what was taken as equivalent)"
    print(green(f"All {len(expected_rows)} layers match the reference{folded}."))
    for note in equivalences(expected_rows, received_rows):
        print(f"  taken as equivalent: {note}")
