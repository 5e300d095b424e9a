"""Take function definitions out of a notebook without running the notebook.

This is how a later notebook uses the student's own earlier functions (course.earlier), and
how the course's tools read the reference solution from the instructor's source notebooks.
Executed: imports, `def` and `class` statements, and module-level assignments that call
nothing (`AUTOTUNE = tf.data.AUTOTUNE`, `SIZE = (96, 128)`), which functions often use.
Never run: anything else (training, data loading, figures) and nbgrader test cells.
"""

import ast
import json
import linecache
from pathlib import Path

# The file name of an earlier notebook's definitions, as tracebacks show it ("<definitions from
# 02_encoder.ipynb>"): the grader's protocol marks such frames as the student's own
# (grader.protocol.LOADED_NOTEBOOK_PREFIX, the same text; tests/grader/test_protocol.py holds them equal).
LOADED_NOTEBOOK_PREFIX = "<definitions from "

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookCodeError(ValueError):
    """A notebook could not be read, or does not define what was asked for."""


def is_test_cell(cell):
    """Is this an nbgrader test cell (graded, not a solution)? Those are never executed here.

    The course's one test-cell predicate (the checkers' generator and the tests use it); the
    grader has nbgrader's own (grader.notebooks.is_test), held equal by tests/grader/test_notebooks.py.
    """
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _names_only(target):
    """A target that binds names (`A = ...`, `s, f = ...`), not one that writes into an object."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_names_only(item) for item in target.elts)
    return isinstance(target, ast.Name)


def _calls_nothing(node):
    """A module-level assignment safe to run: names bound, no call, no lambda, no comprehension."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or getattr(node, "value", None) is None:
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(_names_only(target) for target in targets):
        return False  # `stretched[:, ::s] = x` writes into an array a later cell made
    risky = (ast.Call, ast.Lambda, ast.Await, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
             ast.NamedExpr)
    return not any(isinstance(part, risky) for part in ast.walk(node.value))


class Definitions:
    """What a notebook defines: the source to run, and the cells that could not be read."""

    def __init__(self, source, broken):
        self.source = source
        self.broken = broken  # [(cell number, the names it would define, "SyntaxError: ... (line n)")]


def read_definitions(notebook_path):
    """The definitions of a notebook's code cells (see the module docstring), and its broken cells."""
    path = Path(notebook_path)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError:
        raise NotebookCodeError(f"notebook not found: {path}") from None
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise NotebookCodeError(f"{path} is not a readable notebook ({error})") from None
    pieces, broken = [], []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        # IPython magics and shell escapes are not Python; they never hold definitions (the course's own
        # copy of grader.protocol.python_lines: the course imports nothing of the grader).
        text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            names = [line.split("(")[0].split()[-1] for line in text.splitlines() if line.startswith("def ")]
            broken.append((number, names, f"SyntaxError: {error.msg} (line {error.lineno} of that cell)"))
            continue
        for node in tree.body:
            if isinstance(node, _DEFINITIONS) or _calls_nothing(node):
                pieces.append(ast.get_source_segment(text, node))
    return Definitions("\n\n".join(pieces) + "\n", broken)


def definition_source(notebook_path):
    """The source that `load_definitions` runs for a notebook (see the module docstring)."""
    return read_definitions(notebook_path).source


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
        filename = f"{LOADED_NOTEBOOK_PREFIX}{Path(path).name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)  # our own notebooks, or the student's own work
    if names is None:
        return namespace
    missing = [name for name in names if not callable(namespace.get(name))]
    if missing:
        searched = ", ".join(Path(p).name for p in notebook_paths)
        raise NotebookCodeError(f"{', '.join(missing)} not defined in {searched}: run and save that notebook's "
                                f"cell that defines it (the name must be spelled exactly).")
    return {name: namespace[name] for name in names}
