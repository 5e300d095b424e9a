"""Helpers shared by the tests (not fixtures: plain functions)."""

import re
import time
from pathlib import Path


def mutated_solution(tmp_path, notebook_stem, replacements, names):
    """The reference solution with some text replaced: a deliberately wrong student.

    Copies every source notebook to tmp_path, applies `replacements` (pairs of old, new;
    each old text must occur in a code cell) to `notebook_stem`, and loads `names`
    (notebook_helpers.patched_definitions).
    """
    from notebook_helpers import patched_definitions

    def patch(source, notebook):
        if source.stem != notebook_stem:
            return
        for old, new in replacements:
            hits = 0
            for cell in notebook["cells"]:
                if cell["cell_type"] != "code":  # narrative may quote the same code
                    continue
                text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                if old in text:
                    hits += 1
                    cell["source"] = text.replace(old, new, 1)
                    break
            assert hits, f"mutation text not found in {source.name}: {old!r}"

    return patched_definitions(tmp_path, patch, names)


def jupyter_token(log, port, process, timeout):
    """The token of the Jupyter server `process` started on `port`, read from its `log` (fails after `timeout` s)."""
    token, deadline = None, time.monotonic() + timeout
    while not token and time.monotonic() < deadline and process.poll() is None:
        found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", Path(log).read_text())
        token = found and found.group(1)
        time.sleep(1)
    assert token, Path(log).read_text()[-3000:]
    return token
