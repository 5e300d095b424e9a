"""The one notebook reader of the grader: nbformat for the file, nbgrader.utils for the cells.

Submitted notebooks are data from students: they are read from bytes already in memory
(grader.intake never follows a link), parsed with nbformat, repaired and validated; what
cannot be read gives a reason instead of an exception.
"""

import ast
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

from grader import protocol


def reads(data, max_bytes=None):
    """Parse notebook bytes or text; return (NotebookNode or None, reason or None)."""
    if max_bytes is not None and len(data) > max_bytes:
        return None, f"is too large to grade ({len(data) / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB)"
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, f"is not UTF-8 text ({error.reason} at byte {error.start})"
    if not data.strip():
        return None, "is empty (0 bytes)" if not data else "is empty (only whitespace)"
    try:
        notebook = nbformat.reads(data, as_version=4)
    except Exception as error:  # JSON errors, nbformat's own, recursion
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, f"is not a readable notebook ({message[:200]})"
    reason = validate(notebook)
    return (None, reason) if reason else (notebook, None)


def read(path, max_bytes=None):
    """Read a notebook file the grader itself wrote (never a student's path)."""
    with open(path, "rb") as file:
        return reads(file.read(), max_bytes)


def validate(notebook):
    """A reason if nbformat cannot use this notebook after its own repairs, else None."""
    try:
        if not isinstance(notebook.get("cells"), list):
            return "is JSON but not a notebook (no list of cells)"
        nbformat.validator.normalize(notebook)
        nbformat.validate(notebook)
    except Exception as error:  # any failure means: cannot be graded
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"is not a valid notebook ({message[:200]})"
    return None


def writes(notebook):
    """Text of a notebook, written the same way every time."""
    text = nbformat.writes(notebook, version=4)
    return text if text.endswith("\n") else text + "\n"


def to_bytes(notebook):
    return writes(notebook).encode("utf-8")


def grade_id(cell):
    """The nbgrader id of a graded, solution, locked or task cell, else None."""
    if nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell) or \
            nbgrader_utils.is_locked(cell) or nbgrader_utils.is_task(cell):
        return cell.metadata.get("nbgrader", {}).get("grade_id")
    return None


def is_test(cell):
    """A graded cell that is not a solution: an autograder test."""
    return nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


def is_solution(cell):
    return nbgrader_utils.is_solution(cell)


def is_locked(cell):
    return nbgrader_utils.is_locked(cell)


parse = protocol.parse_cell  # an ast.Module of cell source with IPython magics blanked, or None


def defined_functions(source):
    """Names of the functions and classes a cell defines at its top level."""
    tree = parse(source)
    if tree is None:
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def graded_functions(notebook):
    """Map each test cell's id to the function it grades, from a released notebook.

    The function is the one defined by the nearest solution cell above the test cell (the
    exercise, then its test); a test cell with no solution cell above keeps its own id.
    """
    mapping, current = {}, None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            names = defined_functions(cell.source)
            current = names[0] if names else grade_id(cell)
        elif is_test(cell):
            mapping[grade_id(cell)] = current or grade_id(cell)
    return mapping


def import_statements(notebook):
    """The import statements of a notebook's locked, non-test code cells, as source lines.

    The judge runs these (from the release, never from a submission) to get the names the
    test cells use: the checkers and the course's helpers.
    """
    statements = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or not is_locked(cell) or is_test(cell):
            continue
        tree = parse(cell.source)
        for node in (tree.body if tree else []):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statements.append(ast.unparse(node))
    return statements


def position(notebook, wanted_id):
    """Index of the cell with this nbgrader id (len(cells) if absent): for sorting."""
    for index, cell in enumerate(notebook.cells):
        if grade_id(cell) == wanted_id:
            return index
    return len(notebook.cells)


def capture_text(text, limit):
    """`text` cut to `limit` characters, with a marker when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."



def code_notebook(notebook):
    """A copy with only the code cells that are not tests, outputs cleared: no test, no marker."""
    import nbformat

    def plain(source):  # without nbgrader's solution markers
        return "\n".join(line for line in source.split("\n")
                         if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)

    cells = [nbformat.v4.new_code_cell(plain(cell.source)) for cell in notebook.cells
             if cell.cell_type == "code" and not is_test(cell)]
    return nbformat.v4.new_notebook(cells=cells)


def write_earlier(folder, source_notebooks, notebook_name):
    """The source notebooks BEFORE `notebook_name` (never its own or later), without test cells."""
    folder = Path(folder)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    written = []
    for path in sorted(source_notebooks):
        if path.stem >= notebook_name:
            continue
        notebook, error = read(path)
        if error:
            continue
        target = folder / path.name
        target.write_text(writes(code_notebook(notebook)), encoding="utf-8")
        target.chmod(0o644)
        written.append(path.name)
    return written
