"""Helpers shared by the tests (not fixtures: plain functions)."""

import json
import re
import time
from pathlib import Path

from course.notebook_code import load_definitions
from course.reference import source_notebooks


def mutated_solution(tmp_path, notebook_stem, replacements, names):
    """The reference solution with some text replaced: a deliberately wrong student.

    Copies every source notebook to tmp_path, applies `replacements` (pairs of old, new;
    each old text must occur in a code cell) to `notebook_stem`, and loads `names`.
    Building wrong models from the one source of the solution keeps a single copy of it.
    """
    paths = []
    for source in source_notebooks():
        notebook = json.loads(source.read_text(encoding="utf-8"))
        if source.stem == notebook_stem:
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
        target = Path(tmp_path) / source.name
        target.write_text(json.dumps(notebook), encoding="utf-8")
        paths.append(target)
    return load_definitions(paths, names=names)


def jupyter_token(log, port, process, timeout):
    """The token of the Jupyter server `process` started on `port`, read from its `log` (fails after `timeout` s)."""
    token, deadline = None, time.monotonic() + timeout
    while not token and time.monotonic() < deadline and process.poll() is None:
        found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", Path(log).read_text())
        token = found and found.group(1)
        time.sleep(1)
    assert token, Path(log).read_text()[-3000:]
    return token
