"""Repair a submission's shape before nbgrader sees it, and say what was repaired.

nbgrader grades a student's notebook as it finds it: a renamed notebook is skipped, an
unreadable one fails the whole submission, a deleted test cell is not restored by default,
a test cell moved above the function it tests fails. Here each submitted notebook (bytes,
from grader.intake) is compared with the released notebook of the same name (the structure
the student started from) and put back in that shape:

- unreadable notebooks (empty, not JSON, not a notebook, too large) score 0 with the reason;
- a missing notebook is looked for among the unknown ones by its cells' nbgrader ids (an
  LMS download or the student renamed it); other unknown notebooks are ignored;
- nbgrader cells go back to the released order, with the released cell type and metadata
  (a forged `points` or `grade` flag is replaced); the student's own cells travel with the
  nbgrader cell they followed; cells with unknown nbgrader ids become ordinary cells;
- of several cells with one nbgrader id, the last one is graded (nbgrader's rule);
- a solution cell that still holds nbgrader's solution markers is the instructor's source
  notebook handed in, not an answer: it is put back as released (not written);
- deleted test cells and other read-only cells come back from the release (nbgrader then
  restores their contents from the gradebook, hidden tests included). A deleted solution
  cell is not restored: the function is graded only if defined elsewhere.
"""

import copy

from nbformat import NotebookNode

from grader import notebooks as nb

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _strip(cell):
    cell = copy.deepcopy(cell)
    cell.metadata.pop("nbgrader", None)
    return cell


def _as_released(cell, template, notes):
    """The cell with the released cell type and nbgrader metadata (its source is kept)."""
    cell = copy.deepcopy(cell)
    gid = nb.grade_id(template)
    if cell.cell_type != template.cell_type:
        notes.append(f"cell {gid!r} was changed from {template.cell_type} to {cell.cell_type}: changed back")
        fresh = NotebookNode(cell_type=template.cell_type, metadata=cell.metadata, source=cell.source)
        if template.cell_type == "code":
            fresh.outputs, fresh.execution_count = [], None
        cell = fresh
    cell.metadata["nbgrader"] = copy.deepcopy(template.metadata.get("nbgrader", {}))
    for key in ("editable", "deletable"):
        if key in template.metadata:
            cell.metadata[key] = template.metadata[key]
    return cell


def restructure(cells, template_cells):
    """Return (cells in the released shape, notes). Pure: neither list is changed."""
    notes = []
    order = [nb.grade_id(c) for c in template_cells if nb.grade_id(c)]
    template_by_id = {nb.grade_id(c): c for c in template_cells if nb.grade_id(c)}
    known = set(order)

    last_index = {nb.grade_id(cell): index for index, cell in enumerate(cells) if nb.grade_id(cell) in known}
    counts, tagged = {}, []
    for index, cell in enumerate(cells):
        gid = nb.grade_id(cell)
        if gid is None and "nbgrader" in cell.metadata:
            if cell.metadata["nbgrader"]:
                notes.append("a cell had incomplete nbgrader metadata: graded as an ordinary cell")
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
            cell = _as_released(cell, template_by_id[gid], notes)
            if nb.is_solution(cell) and any(marker in cell.source for marker in SOLUTION_MARKERS):
                notes.append(f"cell {gid!r} holds nbgrader's solution markers: it is the instructor's source "
                             f"notebook, not an answer; graded as not written")
                cell.source = template_by_id[gid].source
            tagged.append((gid, cell))
    for gid, count in counts.items():
        notes.append(f"cell {gid!r} appears {count} times: the last copy is graded, the others run as ordinary cells")

    prelude, blocks, current = [], {}, None
    for gid, cell in tagged:
        if gid is None:
            (blocks[current] if current else prelude).append(cell)
        else:
            current = gid
            blocks[gid] = [cell]
    present = [gid for gid, _ in tagged if gid]
    if present != [gid for gid in order if gid in blocks]:
        notes.append("cells were moved: the graded cells were put back in the released order")

    result = list(prelude)
    for gid in order:
        if gid in blocks:
            result.extend(blocks[gid])
            continue
        template = template_by_id[gid]
        if nb.is_solution(template):
            notes.append(f"solution cell {gid!r} was deleted: its function is graded only if defined "
                         f"elsewhere in the notebook")
            continue
        restored = copy.deepcopy(template)
        if restored.cell_type == "code":
            restored.outputs, restored.execution_count = [], None
        result.append(restored)
        kind = "test cell" if nb.is_test(template) else "read-only cell"
        notes.append(f"{kind} {gid!r} was deleted: restored from the release")
    return result, notes


def normalize_submission(files, templates, max_notebook_bytes):
    """Put a submission's notebooks in the released shape.

    Args:
        files: {relative path: bytes} as read by grader.intake (notebooks at the top level).
        templates: {notebook name: released NotebookNode}, in course order.
        max_notebook_bytes: larger notebook files are not graded.

    Returns:
        (notebooks, notes): {name: NotebookNode} of the notebooks to grade, and
        {name: [notes]} with "" for notes about the submission as a whole. A notebook that
        cannot be graded is absent and has a note starting with "not graded".
    """
    notes = {name: [] for name in templates}
    notes[""] = []
    readable, unknown = {}, {}
    for path in sorted(p for p in files if p.endswith(".ipynb") and "/" not in p):
        name = path[: -len(".ipynb")]
        notebook, error = nb.reads(files[path], max_notebook_bytes)
        if error is not None:
            if name in notes:
                notes[name].append(f"not graded: {path} {error}")
            else:
                notes[""].append(f"{path} {error}; ignored")
            continue
        (readable if name in notes else unknown)[name] = notebook

    for name, template in templates.items():
        if name in readable or notes[name]:
            continue
        wanted = {nb.grade_id(c) for c in template.cells} - {None}
        best, best_overlap = None, 0
        for other, notebook in unknown.items():
            overlap = len(wanted & {nb.grade_id(c) for c in notebook.cells})
            if overlap > best_overlap:
                best, best_overlap = other, overlap
        if best is None:
            notes[name].append(f"not graded: {name}.ipynb is missing from the submission")
            continue
        readable[name] = unknown.pop(best)
        notes[name].append(f"graded {best + '.ipynb'!r} as {name}.ipynb (the file was renamed)")
    for other in unknown:
        notes[""].append(f"extra notebook {other + '.ipynb'!r} is not part of the assignment; ignored")

    for name, notebook in readable.items():
        notebook.cells, cell_notes = restructure(notebook.cells, templates[name].cells)
        notes[name].extend(cell_notes)
        notebook.metadata["kernelspec"] = copy.deepcopy(templates[name].metadata.get("kernelspec", {}))
    return readable, notes
