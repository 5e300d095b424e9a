"""Writing the built scenarios to disk (special files included), and validating them."""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import nbformat

from .corpus_base import CANARY_DIR, DeepDirs, Device, Directory, Fifo, GRADEBOOK, HugeFile, HugeNotebook, Loop, ManyFiles, SCENARIOS, Symlink
from .corpus_context import Context


# --------------------------------------------------------------------------------------
# Writing scenarios to disk
# --------------------------------------------------------------------------------------

class SkipScenario(Exception):
    """A scenario that cannot be built here (e.g. device nodes without root)."""


def _remove(path):
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))  # DeepDirs
        try:
            shutil.rmtree(path)
        finally:
            sys.setrecursionlimit(limit)


def _write_huge_notebook(path, marker):
    nb = copy.deepcopy(marker.notebook)
    nb.cells.append(nbformat.v4.new_code_cell(
        "print('x' * 500_000_000)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="@@PAD@@")]))
    head, tail = nbformat.writes(nb).split("@@PAD@@")
    remaining = marker.size_mb * 2**20 - len(head) - len(tail)
    chunk = "x" * 2**20
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head)
        while remaining > 0:
            handle.write(chunk[:remaining])
            remaining -= len(chunk)
        handle.write(tail)


def _write_deep_dirs(path, marker):
    parent = os.open(path.parent, os.O_RDONLY)
    try:
        os.mkdir(path.name, dir_fd=parent)
        current = os.open(path.name, os.O_RDONLY, dir_fd=parent)
    finally:
        os.close(parent)
    try:
        for _ in range(marker.depth):
            os.mkdir(marker.name, dir_fd=current)
            deeper = os.open(marker.name, os.O_RDONLY, dir_fd=current)
            os.close(current)
            current = deeper
        handle = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=current)
        os.write(handle, b"the bottom\n")
        os.close(handle)
    finally:
        os.close(current)


def write_entry(folder, relative, content):
    """Create folder/relative as `content` says (notebook, bytes, text or a special marker)."""
    path = Path(folder) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, nbformat.NotebookNode):
        with open(path, "w", encoding="utf-8") as handle:
            nbformat.write(content, handle)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, Symlink):
        target = content.target
        if content.relative and os.path.isabs(target):
            target = os.path.relpath(target, path.parent)
        os.symlink(target, path)
    elif isinstance(content, Loop):
        os.symlink(".", path)
    elif isinstance(content, Fifo):
        os.mkfifo(path)
    elif isinstance(content, Device):
        kind = stat.S_IFBLK if content.block else stat.S_IFCHR
        try:
            os.mknod(path, kind | 0o600, os.makedev(content.major, content.minor))
        except (PermissionError, OSError) as error:
            raise SkipScenario(f"cannot create a device node ({error.strerror}): needs root with CAP_MKNOD") from None
    elif isinstance(content, HugeFile):
        with open(path, "wb") as handle:
            if content.sparse:
                handle.truncate(content.size_mb * 2**20)
            else:
                chunk = b"\0" * 2**20
                for _ in range(content.size_mb):
                    handle.write(chunk)
    elif isinstance(content, HugeNotebook):
        _write_huge_notebook(path, content)
    elif isinstance(content, ManyFiles):
        path.mkdir()
        data = b"x" * content.size
        for index in range(content.count):
            with open(path / f"f{index:06d}.txt", "wb") as handle:
                handle.write(data)
    elif isinstance(content, Directory):
        path.mkdir()
    elif isinstance(content, DeepDirs):
        _write_deep_dirs(path, content)
    else:
        raise TypeError(f"{relative}: cannot write a {type(content).__name__}")


def _describe_entry(content):
    if isinstance(content, nbformat.NotebookNode):
        return "notebook"
    if isinstance(content, (bytes, str)):
        return f"file ({len(content)} bytes)"
    return repr(content) if not isinstance(content, HugeNotebook) else f"HugeNotebook(size_mb={content.size_mb})"


def manifest_entry(name, files=None):
    sc = SCENARIOS[name]
    entry = {"description": sc.description, "notebooks": list(sc.notebooks), "expect": sc.expect,
             "root_only": sc.root_only, "needs_sandbox": sc.needs_sandbox, "valid": sc.valid, "tags": list(sc.tags)}
    if files is not None:
        entry["files"] = {relative: _describe_entry(content) for relative, content in files.items()}
    return entry


def build_all(target_dir, names=None, gradebook=GRADEBOOK, canary_dir=CANARY_DIR):
    """Write each scenario to target_dir/<name>/; return the names built (root-only ones are
    skipped with a printed reason when not root). A corpus.json manifest holds the expectations."""
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    names = list(SCENARIOS) if not names else list(names)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise KeyError(f"unknown scenarios: {', '.join(unknown)}")
    manifest_path = target / "corpus.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    built = []
    for name in names:
        sc = SCENARIOS[name]
        folder = target / name
        _remove(folder)
        if sc.root_only and os.geteuid() != 0:
            print(f"skipped {name}: needs root (device nodes)")
            manifest.pop(name, None)
            continue
        files = sc.build(Context(name, gradebook, canary_dir))
        folder.mkdir(parents=True)
        try:
            for relative, content in files.items():
                write_entry(folder, relative, content)
        except SkipScenario as reason:
            print(f"skipped {name}: {reason}")
            _remove(folder)
            manifest.pop(name, None)
            continue
        built.append(name)
        manifest[name] = manifest_entry(name, files)
    ordered = {name: manifest[name] for name in SCENARIOS if name in manifest}
    manifest_path.write_text(json.dumps(ordered, indent=1, ensure_ascii=True) + "\n")
    return built


def check_built(target_dir, names=None):
    """Problems of the built notebooks: nbformat validity and code that does not compile."""
    import warnings

    problems = []
    for name in names or SCENARIOS:
        folder = Path(target_dir) / name
        if not folder.exists():
            continue
        notebooks = []
        for top, dirs, files in os.walk(folder):  # links are not followed; DeepDirs is not entered
            if top[len(str(folder)):].count(os.sep) > 8:
                dirs[:] = []
            notebooks += [Path(top) / name for name in files if name.endswith(".ipynb")]
        for path in sorted(notebooks):
            if path.is_symlink() or not path.is_file() or path.stat().st_size > 100 * 2**20:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nb = nbformat.read(str(path), as_version=4)
                nbformat.validate(nb)
            except Exception as error:
                if SCENARIOS[name].valid:
                    problems.append(f"{name}/{path.relative_to(folder)}: {type(error).__name__}: {str(error)[:200]}")
                continue
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    compile(cell.source, f"{name}/{path.name}[{index}]", "exec")
                except SyntaxError as error:
                    problems.append(f"{name}/{path.relative_to(folder)} cell {index}: {error}")
    return problems


