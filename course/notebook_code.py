"""Take function definitions out of a notebook without running the notebook.

This is how the course keeps one source of truth: the reference solutions live in the
nbgrader source notebooks (grader/source/), and the reference tables, benchmarks and tests
load them from there; a later notebook uses the student's own earlier functions the same way.
Only imports and `def`/`class` statements are executed, so loading never trains a model,
reads data or draws a figure.
"""

import ast
import json
import linecache
from pathlib import Path

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookCodeError(ValueError):
    """A notebook could not be read, or does not define what was asked for."""


def _is_test_cell(cell):
    """Is this an nbgrader test cell (graded, not a solution)? Those are never executed here."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def definition_source(notebook_path):
    """Return the imports and definitions of a notebook's code cells as one Python source.

    Args:
        notebook_path: path to an .ipynb file.

    Returns:
        Source text: the import, def and class statements of every code cell that is not an
        nbgrader test cell, in notebook order. Cells that do not parse are skipped (a student
        may leave a half-written cell); a definition that never appears is reported by
        `load_definitions`.
    """
    path = Path(notebook_path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except FileNotFoundError:
        raise NotebookCodeError(f"notebook not found: {path}") from None
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise NotebookCodeError(f"{path} is not a readable notebook ({error})") from None
    pieces = []
    for cell in cells:
        if cell.get("cell_type") != "code" or _is_test_cell(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        # IPython magics and shell escapes are not Python; they never hold definitions.
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, _DEFINITIONS):
                pieces.append(ast.get_source_segment("\n".join(lines), node))
    return "\n\n".join(pieces) + "\n"


def load_definitions(notebook_paths, names=None, namespace=None):
    """Execute the definitions of one or more notebooks, in order, in one namespace.

    Args:
        notebook_paths: a path or a list of paths; later notebooks may use what earlier
            ones define (as the U-Net notebook uses `conv_block`).
        names: if given, the names that must be defined; a missing one raises
            `NotebookCodeError` naming the notebooks searched.
        namespace: a dict to execute into (a fresh one by default).

    Returns:
        The namespace dict, or, when `names` is given, a dict of just those names.
    """
    if isinstance(notebook_paths, (str, Path)):
        notebook_paths = [notebook_paths]
    namespace = {"__name__": "notebook_definitions"} if namespace is None else namespace
    for path in notebook_paths:
        source = definition_source(path)
        # Register the extracted source so that tracebacks show the student's own lines.
        filename = f"<definitions from {Path(path).name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec")
        exec(code, namespace)  # noqa: S102 (our own notebooks, or the student's own work)
    if names is None:
        return namespace
    missing = [name for name in names if not callable(namespace.get(name))]
    if missing:
        searched = ", ".join(Path(p).name for p in notebook_paths)
        raise NotebookCodeError(
            f"{', '.join(missing)} not defined in {searched}: run and save that notebook's "
            f"cell that defines it (the name must be spelled exactly)."
        )
    return {name: namespace[name] for name in names}
