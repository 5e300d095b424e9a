"""Repair a submission's shape before nbgrader sees it, and say what was repaired.

nbgrader grades a student's notebook as it finds it: a renamed notebook is skipped, an
unreadable one fails the whole submission, a deleted test cell is not restored by default,
a test cell moved above the function it tests fails with a NameError. Here each notebook of
a submission is compared with the released notebook of the same name (the structure the
student started from) and put back in that shape:

- unreadable notebooks (empty, not JSON, not a notebook) are removed, so they score 0 with
  the reason recorded instead of stopping the submission;
- a missing notebook is looked for among the unknown ones by its cells' nbgrader ids (an
  LMS download or the student renamed it); other unknown notebooks are ignored;
- nbgrader cells go back to the released order; the student's own cells travel with the
  nbgrader cell they followed;
- of several cells with one nbgrader id, the last one is graded (nbgrader's rule); the
  others become ordinary cells;
- deleted test cells and other read-only cells come back from the release; their contents
  are then restored from the gradebook by nbgrader (OverwriteCells, hidden tests included).
  A deleted solution cell is not restored: the student's answer is gone, and putting the
  empty template back could overwrite an answer the student wrote elsewhere.

Only the notes come back; the files are changed in place (a private copy, never the
student's submitted files).
"""

import ast
import copy
import json
from pathlib import Path

import nbformat

from grader.course import read_notebook_json


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader") or {}


def grade_id(cell):
    meta = _meta(cell)
    if meta.get("grade") or meta.get("solution") or meta.get("locked") or meta.get("task"):
        return meta.get("grade_id")
    return None


def is_test(cell):
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_solution(cell):
    return bool(_meta(cell).get("solution"))


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def defined_functions(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def graded_functions(template):
    """Map each test cell's id to the function it grades, from a released notebook.

    The function is the one defined by the nearest solution cell above the test cell (the
    course's layout: the exercise, then its test); a test cell with no solution cell above
    it keeps its own id.
    """
    mapping = {}
    current = None
    for cell in template["cells"]:
        if is_solution(cell):
            names = defined_functions(_source(cell))
            current = names[0] if names else grade_id(cell)
        elif is_test(cell):
            mapping[grade_id(cell)] = current or grade_id(cell)
    return mapping


def _strip(cell):
    cell = copy.deepcopy(cell)
    cell.get("metadata", {}).pop("nbgrader", None)
    return cell


def _as_released(cell, template, notes):
    """The cell with the released cell type and nbgrader metadata (its source is kept)."""
    cell = copy.deepcopy(cell)
    gid = grade_id(template)
    if cell.get("cell_type") != template.get("cell_type"):
        notes.append(f"cell {gid!r} was changed from {template['cell_type']} to "
                     f"{cell.get('cell_type')}: changed back")
        cell["cell_type"] = template["cell_type"]
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            cell.pop("attachments", None)
    if _meta(cell) != _meta(template):
        # Points, ids, lock and checksums come from the release; nbgrader then checks the
        # source of locked cells against the gradebook and restores it.
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(_meta(template))
    return cell


def restructure(cells, template_cells):
    """Return (cells in the released shape, notes). Pure: neither list is changed."""
    notes = []
    order = [grade_id(c) for c in template_cells if grade_id(c)]
    template_by_id = {grade_id(c): c for c in template_cells if grade_id(c)}
    known = set(order)

    # Unknown ids and duplicates become ordinary cells (the last duplicate stays graded).
    last_index = {}
    for index, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid in known:
            last_index[gid] = index
    counts = {}
    tagged = []
    for index, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid is None and _meta(cell):
            # nbgrader metadata without an id: nbgrader would reject the whole notebook.
            notes.append("a cell had broken nbgrader metadata: graded as an ordinary cell")
            tagged.append((None, _strip(cell)))
        elif gid is None:
            tagged.append((None, cell))
        elif gid not in known:
            notes.append(f"a cell carries the unknown nbgrader id {gid!r}: graded as an ordinary cell")
            tagged.append((None, _strip(cell)))
        elif index != last_index[gid]:
            counts[gid] = counts.get(gid, 1) + 1
            tagged.append((None, _strip(cell)))
        else:
            tagged.append((gid, _as_released(cell, template_by_id[gid], notes)))
    for gid, count in counts.items():
        notes.append(f"cell {gid!r} appears {count} times: the last copy is graded, "
                     f"the others run as ordinary cells")

    # Blocks: an nbgrader cell and the student's cells that follow it.
    prelude, blocks = [], {}
    current = None
    for gid, cell in tagged:
        if gid is None:
            (blocks[current] if current else prelude).append(cell)
        else:
            current = gid
            blocks[gid] = [cell]
    present = [gid for gid, _ in tagged if gid]
    expected_order = [gid for gid in order if gid in blocks]
    if present != expected_order:
        notes.append("cells were moved: the graded cells were put back in the released order")

    result = list(prelude)
    for gid in order:
        if gid in blocks:
            result.extend(blocks[gid])
            continue
        template = template_by_id[gid]
        if is_solution(template):
            notes.append(f"solution cell {gid!r} was deleted: its function is graded only "
                         f"if defined elsewhere in the notebook")
            continue
        restored = copy.deepcopy(template)
        if restored.get("cell_type") == "code":
            restored["outputs"] = []
            restored["execution_count"] = None
        result.append(restored)
        kind = "test cell" if is_test(template) else "read-only cell"
        notes.append(f"{kind} {gid!r} was deleted: restored from the release")
    return result, notes


def _write(path, data):
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _validate(data):
    """Return an error message if nbformat cannot use this notebook after its own repairs."""
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validator.normalize(notebook)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 (any failure means: cannot be graded)
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"is not a valid notebook ({message[:200]})"
    return None


def normalize_submission(folder, release_dir, notebook_names, max_file_mb=100):
    """Repair the notebooks in `folder` in place, by the release notebooks.

    Args:
        folder: a private copy of one student's submitted assignment folder.
        release_dir: the folder of released notebooks (the templates).
        notebook_names: the assignment's notebook names, without .ipynb.
        max_file_mb: larger notebook files are not graded (reading them could exhaust memory).

    Returns:
        {notebook name: [notes]}, with the key "" for notes about the submission as a whole
        (extra notebooks). A notebook that cannot be graded is removed and gets a note
        starting with "not graded".
    """
    folder, release_dir = Path(folder), Path(release_dir)
    notes = {name: [] for name in notebook_names}
    notes[""] = []
    readable, unknown = {}, {}
    for path in sorted(folder.glob("*.ipynb")):
        size_mb = path.stat().st_size / 2**20
        if size_mb > max_file_mb:
            data, error = None, f"is too large to grade ({size_mb:.0f} MB; the limit is {max_file_mb} MB)"
        else:
            data, error = read_notebook_json(path)
        if error is None:
            error = _validate(data)
        name = path.stem
        if error is not None:
            path.unlink()
            if name in notes:
                notes[name].append(f"not graded: {path.name} {error}")
            else:
                notes[""].append(f"{path.name} {error}; ignored")
            continue
        (readable if name in notes else unknown)[name] = (path, data)

    templates = {}
    for name in notebook_names:
        data, error = read_notebook_json(release_dir / f"{name}.ipynb")
        if error:
            raise FileNotFoundError(f"release notebook {release_dir / name}.ipynb {error}")
        templates[name] = data

    # A missing notebook may be present under another name: match it by its nbgrader ids.
    for name in notebook_names:
        if name in readable or any(n.startswith("not graded") for n in notes[name]):
            continue
        wanted = {grade_id(c) for c in templates[name]["cells"]} - {None}
        best, best_overlap = None, 0
        for other, (path, data) in unknown.items():
            overlap = len(wanted & {grade_id(c) for c in data["cells"]})
            if overlap > best_overlap:
                best, best_overlap = other, overlap
        if best is None:
            notes[name].append(f"not graded: {name}.ipynb is missing from the submission")
            continue
        path, data = unknown.pop(best)
        target = folder / f"{name}.ipynb"
        path.rename(target)
        readable[name] = (target, data)
        notes[name].append(f"graded {path.name!r} as {name}.ipynb (the file was renamed)")
    for other, (path, _) in unknown.items():
        notes[""].append(f"extra notebook {path.name!r} is not part of the assignment; ignored")
        path.unlink()

    for name, (path, data) in readable.items():
        cells, cell_notes = restructure(data["cells"], templates[name]["cells"])
        notes[name].extend(cell_notes)
        if cell_notes:
            data["cells"] = cells
            _write(path, data)
    return notes


# Tampering: a static look at the student's own cells -----------------------------------------

_INTERPRETER_HOOKS = {
    "set_custom_exc": "installs a custom exception handler (errors could vanish)",
    "input_transformers_cleanup": "rewrites the code of later cells",
    "input_transformers_post": "rewrites the code of later cells",
    "ast_transformers": "rewrites the code of later cells",
    "showtraceback": "replaces IPython's error display",
    "excepthook": "replaces the exception hook",
    "register": None,  # only suspicious on get_ipython().events
}


def tamper_warnings(notebook, template, suspicious_names=()):
    """Statically flag student cells that redefine checkers or patch the interpreter.

    Checker names are the names the test cells use that no solution cell defines (e.g.
    `check_mean`, `test_utils`). The grader restores those before each test cell anyway
    (grader/harness.py); the warning is for the instructor's review.
    """
    test_names, solution_names = set(), set()
    for cell in template["cells"]:
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if is_test(cell):
            try:
                test_names |= {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
            except SyntaxError:
                pass
        elif is_solution(cell):
            solution_names |= set(defined_functions(source))
    checker_names = test_names - solution_names - {"print", "len", "range", "float", "int",
                                                   "abs", "round", "isinstance", "type"}
    warnings = []
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code" or is_test(cell) or _meta(cell).get("locked"):
            continue
        lines = [("" if line.lstrip().startswith(("%", "!")) else line)
                 for line in _source(cell).splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            bound = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                    bound += [e.id for e in elements if isinstance(e, ast.Name)]
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) \
                                and sub.value.id in checker_names:
                            warnings.append(f"replaces {sub.value.id}.{sub.attr}")
                        elif isinstance(sub, ast.Subscript) and _is_sys_modules(sub.value):
                            warnings.append("changes sys.modules")
            elif isinstance(node, ast.Call):
                name = _call_name(node.func)
                if name == "setattr" and node.args and isinstance(node.args[0], ast.Name) \
                        and node.args[0].id in checker_names:
                    warnings.append(f"replaces an attribute of {node.args[0].id} (setattr)")
            elif isinstance(node, ast.Attribute) and node.attr in _INTERPRETER_HOOKS:
                reason = _INTERPRETER_HOOKS[node.attr]
                if reason is None:
                    if isinstance(node.value, ast.Attribute) and node.value.attr == "events":
                        warnings.append("registers IPython event callbacks (sees every cell)")
                else:
                    warnings.append(f"uses {node.attr}: {reason}")
            for name in bound:
                if name in checker_names:
                    warnings.append(f"redefines the checker {name!r}")
            mentioned = None
            if isinstance(node, ast.Name):
                mentioned = node.id
            elif isinstance(node, ast.Attribute):
                mentioned = node.attr
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                mentioned = next((n for n in suspicious_names if n in node.value), None)
            if mentioned in suspicious_names:
                warnings.append(f"uses {mentioned} (the reference solution or the grading "
                                f"environment) in its own code")
    return sorted(set(warnings))


def _is_sys_modules(node):
    return isinstance(node, ast.Attribute) and node.attr == "modules" and \
        isinstance(node.value, ast.Name) and node.value.id == "sys"


def _call_name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
