"""Generate the data the public checks compare with, from the instructor's solution.

    python -m test_utils.generate            # rewrite reference_tables.json and public_answers.json
    python -m test_utils.generate --check    # exit 1 if either file is out of date

The solution lives only in the nbgrader source notebooks (instructor/source/<assignment>/). The
layer tables are what `summary` gives for the models of `tables.TABLES`; the public answers
are what the reference gives for every case the public tests run: the public part of each
test cell of the source notebooks is run here with the graded functions bound to the
reference, and every expected answer it asks for is recorded. Students' copies of the course
hold these files, never the solution.
"""

import argparse
import ast
import json
import os
import sys
from pathlib import Path

import nbformat

from course.notebook_code import is_test_cell
from test_utils import answers, runner
from test_utils.tables import TABLES, TABLES_FILE, build_model, describe_call

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "instructor" / "source"  # one folder per assignment


def keras_flavour():
    """Which Keras `tf.keras` is here: "keras 3.x" or "tf_keras 2.x" (legacy)."""
    import importlib

    from course.tensorflow_setup import import_tensorflow

    package = import_tensorflow().keras.layers.Layer.__module__.split(".")[0]
    return f"{package} {importlib.import_module(package).__version__}"


def build_tables(tables=None):
    """{name: {"call", "rows"}} for every table whose function the current source defines."""
    from course.tensorflow_setup import import_tensorflow
    from test_utils.layer_table import summary

    tf = import_tensorflow()
    tables = {} if tables is None else tables
    for name, (function_name, _, _) in TABLES.items():
        try:
            function = runner.reference(function_name)
        except KeyError:
            continue  # another assignment's function
        tf.keras.backend.clear_session()
        rows = summary(build_model(name, function))
        tables[name] = {"call": describe_call(name), "rows": [list(row) for row in rows]}
    return tables


def tables_text(tables):
    """The tables file: one row per line, readable diffs when the solution changes."""
    lines = ['{', '  "generated_by": "python -m test_utils.generate (do not edit by hand)",', '  "tables": {']
    for index, (name, table) in enumerate(tables.items()):
        rows = ",\n".join(f"        {json.dumps(row)}" for row in table["rows"])
        comma = "," if index < len(tables) - 1 else ""
        call = json.dumps(table["call"])
        lines.append(f'    {json.dumps(name)}: {{"call": {call}, "rows": [\n{rows}\n      ]}}{comma}')
    return "\n".join(lines + ["  }", "}"]) + "\n"


def public_part(source):
    return source.split("### BEGIN HIDDEN TESTS")[0]


def _seed_everything(seed=0):
    """Python's, NumPy's, TensorFlow's and Keras's random state from `seed` (this process only)."""
    from course.tensorflow_setup import import_tensorflow

    import_tensorflow().keras.utils.set_random_seed(seed)


def record_public_answers(source_dir):
    """Run the public part of every test cell with the reference; {case key: expected answer}."""
    import io
    from contextlib import redirect_stdout

    runner._RECORDING = recorded = {}
    try:
        for path in sorted(Path(source_dir).glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            namespace = {"__name__": "__public_tests__"}
            for cell in notebook.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type != "code":
                    continue
                if meta.get("locked") and not meta.get("grade"):
                    tree = ast.parse(cell.source)
                    for node in tree.body:
                        if isinstance(node, (ast.Import, ast.ImportFrom)):
                            exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
                elif is_test_cell(cell):
                    code = public_part(cell.source)
                    for name in {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}:
                        if name not in namespace:
                            try:
                                namespace[name] = runner.reference(name)
                            except KeyError:
                                pass
                    _seed_everything()  # initial weights are recorded too: the same file on every run
                    with redirect_stdout(io.StringIO()):
                        exec(compile(code, f"{path.name}:{meta['grade_id']}", "exec"), namespace)
    finally:
        runner._RECORDING = None
    return recorded


def _same(path, text):
    """Is the file's text `text`? For the answers, floats may differ in their last digits (answers.same_text)."""
    committed = path.read_text(encoding="utf-8")
    return committed == text or (path == answers.ANSWERS_FILE and answers.same_text(committed, text))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    parser.add_argument("--sources", default=str(SOURCES), help="folder of the assignments' source folders")
    parser.add_argument("--json", action="store_true", help="print the tables and the Keras in use as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_FAST", "1")
    tables, recorded = {}, {}
    for source in sorted(path for path in Path(args.sources).iterdir() if path.is_dir()):
        os.environ[runner.SOURCE_ENV] = str(source.resolve())
        build_tables(tables)
        if not args.json:
            recorded.update(record_public_answers(source))
    tables = {name: tables[name] for name in TABLES if name in tables}
    if args.json:
        print(json.dumps({"keras": keras_flavour(), "tables": tables}))
        return 0
    outputs = {TABLES_FILE: tables_text(tables), answers.ANSWERS_FILE: answers.dumps(recorded)}
    stale = [path for path, text in outputs.items() if not path.exists() or not _same(path, text)]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run python -m test_utils.generate")
        if not stale:
            print("the reference tables and public answers are up to date")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
