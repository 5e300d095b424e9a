"""Generate test_utils/reference_tables.json from the instructor's solution.

    python -m course.reference_tables           # rewrite the file
    python -m course.reference_tables --check   # exit 1 if the file is out of date

The solution is read from the nbgrader source notebooks (course.reference); the tables are
what `test_utils.summary` gives for the models listed in `test_utils.tables.TABLES`.
"""

import argparse
import json
import sys

from course.reference import reference_function
from test_utils.layer_table import summary
from test_utils.tables import TABLES, TABLES_FILE, build_model, describe_call


def keras_flavour():
    """Which Keras `tf.keras` is here: "keras 3.x" or "tf_keras 2.x" (legacy)."""
    import course.tensorflow_setup  # noqa: F401  (quiet TensorFlow import)
    import tensorflow as tf

    import importlib

    package = tf.keras.layers.Layer.__module__.split(".")[0]  # "keras" or "tf_keras"
    return f"{package} {importlib.import_module(package).__version__}"


def build_tables():
    """{name: {"call": ..., "rows": [...]}} for every table, from the reference solution."""
    import course.tensorflow_setup  # noqa: F401  (quiet TensorFlow import)
    import tensorflow as tf

    tables = {}
    for name, (function_name, _, _) in TABLES.items():
        tf.keras.backend.clear_session()
        model = build_model(name, reference_function(function_name))
        rows = summary(model)
        tables[name] = {"call": describe_call(name), "rows": [list(row) for row in rows]}
    return tables


def generate():
    """Return the JSON text of all reference tables, built from the reference solution."""
    tables = build_tables()
    document = {
        "generated_by": "python -m course.reference_tables (do not edit by hand)",
        "tables": tables,
    }
    # One row per line: readable diffs when the solution changes.
    lines = ['{', f'  "generated_by": {json.dumps(document["generated_by"])},', '  "tables": {']
    for index, (name, table) in enumerate(tables.items()):
        rows = ",\n".join(f"        {json.dumps(row)}" for row in table["rows"])
        comma = "," if index < len(tables) - 1 else ""
        lines.append(f'    {json.dumps(name)}: {{"call": {json.dumps(table["call"])}, "rows": [\n'
                     f'{rows}\n      ]}}{comma}')
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the committed file differs")
    parser.add_argument("--json", action="store_true",
                        help="print the tables and the Keras in use as JSON; write nothing")
    args = parser.parse_args(argv)
    if args.json:
        print(json.dumps({"keras": keras_flavour(), "tables": build_tables()}))
        return 0
    text = generate()
    current = TABLES_FILE.read_text(encoding="utf-8") if TABLES_FILE.exists() else ""
    if args.check:
        if text != current:
            print(f"{TABLES_FILE} is out of date: run python -m course.reference_tables")
            return 1
        print(f"{TABLES_FILE} is up to date ({len(TABLES)} tables)")
        return 0
    TABLES_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {len(TABLES)} tables to {TABLES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
