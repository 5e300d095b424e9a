"""The learner's own copy of the notebooks, the folder ./start-course opens (my-notebooks/).

`notebooks/` is the course's release: git tracks it, so a learner who filled it in would see
every notebook as modified and a `git pull` of a course update would conflict. ./start-course
works on a copy instead: `python -m course.my_notebooks` copies every notebook of `notebooks/`
(its `extension/` too) that the copy does not have yet, and never touches one it has. When the
course's version of a notebook changed after it was copied, it says so and keeps the learner's.

Each copy gets the `language_info` that this machine's Python kernel reports, so JupyterLab
opens it unmodified (it fills that field in when the kernel starts, and marks a notebook whose
field differed as unsaved). `.course-copies.json` in the copy records what each copy was made
from.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
DEFAULT_TARGET = ROOT / "my-notebooks"
RECORD = ".course-copies.json"


def kernel_language_info():
    """The language_info that an IPython kernel started by this Python reports."""
    try:
        from ipykernel.ipkernel import IPythonKernel  # heavy, and only needed here

        return json.loads(json.dumps(IPythonKernel.language_info))
    except ImportError:  # no Jupyter here: the release's field stays
        return None


def _notebooks(source):
    """The notebooks under `source`, relative paths, leaving out hidden folders (.trained, checkpoints)."""
    found = []
    for path in sorted(Path(source).rglob("*.ipynb")):
        relative = path.relative_to(source)
        if not any(part.startswith(".") for part in relative.parts):
            found.append(relative)
    return found


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _with_language_info(data, language_info):
    if language_info is None:
        return data
    notebook = json.loads(data)
    notebook.setdefault("metadata", {})["language_info"] = language_info
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def prepare(source=SOURCE, target=DEFAULT_TARGET):
    """Copy the notebooks that `target` lacks; return (copied, changed upstream), relative paths."""
    source, target = Path(source).resolve(), Path(target).resolve()
    if source == target:
        return [], []
    record_path = target / RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    language_info = kernel_language_info()
    copied, changed = [], []
    for relative in _notebooks(source):
        data = (source / relative).read_bytes()
        key = relative.as_posix()
        destination = target / relative
        if destination.exists():
            if key in record and record[key] != _digest(data):
                changed.append(relative)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        partial.write_bytes(_with_language_info(data, language_info))
        os.replace(partial, destination)
        record[key] = _digest(data)
        copied.append(relative)
    if copied:
        record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return copied, changed


def _shown(path):
    try:
        return f"{Path(path).resolve().relative_to(Path.cwd().resolve())}/"
    except ValueError:
        return f"{path}/"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.my_notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", default=str(DEFAULT_TARGET), help="the copy (default: my-notebooks/)")
    parser.add_argument("--source", default=str(SOURCE), help="the course's notebooks (default: notebooks/)")
    args = parser.parse_args(argv)
    copied, changed = prepare(args.source, args.target)
    where, origin = _shown(args.target), _shown(args.source)
    if copied:
        print(f"Copied {len(copied)} notebook(s) from {origin} into {where}: work there (your copy; "
              f"{origin} stays as the course released it).")
    print(f"Your notebooks: {where}")
    for relative in changed:
        print(f"  The course's {relative.as_posix()} changed since your copy was made; your copy is kept. "
              f"To take the new version, rename yours (e.g. to {relative.stem}-mine.ipynb) and run "
              f"./start-course again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
