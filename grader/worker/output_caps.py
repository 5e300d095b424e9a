"""Output caps for nbclient's Execute: a cell's and a notebook's outputs, cut with a note past their limits.

A mixin for grader.worker.execute.SandboxedExecute (before Execute in its bases). It reads the limits from
the preprocessor's grading context (`self.context.limits`: output_cell_kb, output_notebook_kb) and
records what it cut with the preprocessor's `_record`; without a context it changes nothing.
"""

import json

from nbformat import NotebookNode


def _content_size(content):
    if "text" in content:
        return len(content["text"])
    if "data" in content:
        return sum(len(value) if isinstance(value, str) else len(json.dumps(value))
                   for value in content["data"].values())
    return len(json.dumps(content, default=str))


class CappedOutput:
    """Cut a cell's output past `output_cell_kb` and a notebook's past `output_notebook_kb`, with one note."""

    _output_cell = None
    _cell_bytes = _notebook_bytes = 0
    _cell_truncated = False

    def output(self, outs, msg, display_id, cell_index):
        limits = self.context.limits if self.context else None
        if limits is None or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        if cell_index != self._output_cell:
            self._output_cell = cell_index
            self._cell_bytes = 0
            self._cell_truncated = False
        cell_cap = limits.output_cell_kb * 1024
        notebook_cap = limits.output_notebook_kb * 1024
        allowance = min(cell_cap - self._cell_bytes, notebook_cap - self._notebook_bytes)
        content = msg["content"]
        size = _content_size(content)
        if size > allowance:
            if allowance > 0 and "text" in content:
                content["text"] = content["text"][:allowance]
                size = allowance
                super().output(outs, msg, display_id, cell_index)
            if not self._cell_truncated:
                self._cell_truncated = True
                note = (f"[output truncated by the grader: more than {limits.output_cell_kb} kB "
                        f"in this cell or {limits.output_notebook_kb} kB in the notebook]\n")
                outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
                self._record("output", cell_index, note.strip("[]\n"))
            self._cell_bytes += max(size, 0)
            self._notebook_bytes += max(size, 0)
            return None
        self._cell_bytes += size
        self._notebook_bytes += size
        return super().output(outs, msg, display_id, cell_index)

