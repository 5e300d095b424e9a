"""LMS downloads for `grader collect` (issue 11)."""

from __future__ import annotations

import copy
import json
import stat
import zipfile
from pathlib import Path

import nbformat

from .corpus_base import CANARY_DIR, SOURCE_DIR, Symlink
from .corpus_context import Context
from .corpus_writer import _remove, write_entry


# --------------------------------------------------------------------------------------
# LMS downloads for `grader collect` (issue 11)
# --------------------------------------------------------------------------------------

def _zip_entry(archive, name, data, mode=0o644, kind=stat.S_IFREG):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 15, 10, 0, 0))
    info.create_system = 3  # unix: the mode bits are read from external_attr
    info.external_attr = (kind | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _huge_zip_entry(archive, name, notebook, size_mb):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 15, 10, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    nb = copy.deepcopy(notebook)
    nb.cells.append(nbformat.v4.new_code_cell(
        "print('x' * 200_000_000)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="@@PAD@@")]))
    head, tail = nbformat.writes(nb).split("@@PAD@@")
    remaining = size_mb * 2**20 - len(head) - len(tail)
    chunk = b"x" * 2**20
    with archive.open(info, "w", force_zip64=True) as handle:
        handle.write(head.encode())
        while remaining > 0:
            handle.write(chunk[:remaining])
            remaining -= len(chunk)
        handle.write(tail.encode())


def build_downloads(target_dir, canary_dir=CANARY_DIR):
    """LMS downloads that `grader collect` must take apart safely; returns {name: description}.

    Written to target_dir with a downloads.json manifest: for each download its path, kind and
    expectation (who must be collected with which notebooks, what must be refused and named,
    which paths outside the download must not exist afterwards).
    """
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    ctx = Context("downloads", canary_dir=canary_dir)
    def dump(nb):
        return nbformat.writes(nb).encode()

    encoder, decoder = ctx.solved("02_encoder"), ctx.solved("03_decoder")
    out = {}

    # Two students called Wei Zhang, told apart only by their Moodle ids.
    moodle = target / "moodle-same-name"
    _remove(moodle)
    write_entry(moodle, "Wei Zhang_111_assignsubmission_file_/02_encoder.ipynb", encoder)
    write_entry(moodle, "Wei Zhang_222_assignsubmission_file_/03_decoder.ipynb", decoder)
    same_name = {"students": 2, "notebooks_by_lms_id": {"111": ["02_encoder.ipynb"], "222": ["03_decoder.ipynb"]},
                 "merged": False, "reason": r"same name|collision|Wei.?Zhang|111|222"}
    out["moodle-same-name"] = {"path": str(moodle), "kind": "moodle folder", "expect": same_name}
    moodle_zip = target / "moodle-same-name.zip"
    with zipfile.ZipFile(moodle_zip, "w") as archive:
        _zip_entry(archive, "Wei Zhang_111_assignsubmission_file_/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, "Wei Zhang_222_assignsubmission_file_/03_decoder.ipynb", dump(decoder))
    out["moodle-same-name.zip"] = {"path": str(moodle_zip), "kind": "moodle zip", "expect": same_name}
    canvas = target / "canvas-same-name"
    _remove(canvas)
    write_entry(canvas, "zhangwei_111_5001_02_encoder.ipynb", encoder)
    write_entry(canvas, "zhangwei_222_5002_03_decoder.ipynb", decoder)
    out["canvas-same-name"] = {"path": str(canvas), "kind": "canvas flat folder", "expect": {
        **same_name, "reason": r"same name|collision|zhangwei|111|222"}}

    # A zip with a link, '..', absolute and backslash entries, a device entry and a 200 MB member.
    hostile = target / "zip-hostile.zip"
    ada, bob = "Ada Lovelace_123456_assignsubmission_file_", "Bob Smith_654321_assignsubmission_file_"
    dotdot = f"{ada}/../../../../../../../..{canary_dir}/zip-dotdot.ipynb"
    absolute = f"{canary_dir}/zip-absolute.ipynb"
    refused = {
        f"{ada}/03_decoder.ipynb": "symlink to the instructor's source notebook",
        f"{ada}/shadow.txt": "symlink to /etc/shadow",
        dotdot: "'..' escapes the download",
        "../zip-dotdot-2.ipynb": "'..' escapes the download",
        absolute: "absolute path",
        f"{ada}\\..\\..\\zip-backslash.ipynb": "backslash '..' (Windows separators)",
        f"{ada}/dev.bin": "a character device entry",
        f"{bob}/01_data.ipynb": "a 200 MB member (a small zip: highly compressible)",
    }
    with zipfile.ZipFile(hostile, "w") as archive:
        _zip_entry(archive, f"{ada}/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, f"{bob}/02_encoder.ipynb", dump(encoder))
        _zip_entry(archive, f"{ada}/03_decoder.ipynb", str(SOURCE_DIR / "03_decoder.ipynb"), 0o777, stat.S_IFLNK)
        _zip_entry(archive, f"{ada}/shadow.txt", "/etc/shadow", 0o777, stat.S_IFLNK)
        evil = dump(ctx.release("01_data"))
        for name in (dotdot, "../zip-dotdot-2.ipynb", absolute, f"{ada}\\..\\..\\zip-backslash.ipynb"):
            _zip_entry(archive, name, evil)
        _zip_entry(archive, f"{ada}/dev.bin", b"", 0o666, stat.S_IFCHR)
        _huge_zip_entry(archive, f"{bob}/01_data.ipynb", ctx.solved("01_data"), 200)
    with zipfile.ZipFile(hostile) as archive:
        names = set(archive.namelist())
    missing = sorted(set(refused) - names)
    if missing:
        raise RuntimeError(f"zipfile rewrote entry names: {missing}")
    out["zip-hostile.zip"] = {"path": str(hostile), "kind": "moodle zip", "expect": {
        "collected": {"Ada Lovelace": ["02_encoder.ipynb"], "Bob Smith": ["02_encoder.ipynb"]},
        "refused": refused,
        "must_not_exist": [f"{canary_dir}/zip-dotdot.ipynb", f"{canary_dir}/zip-absolute.ipynb",
                           str(target.parent / "zip-dotdot-2.ipynb"), str(target / "zip-dotdot-2.ipynb")],
        "reason": r"link|\.\.|absolute|large|size|device|refus"}}

    # A folder download with links to files outside it (and a student folder that is a link).
    linked = target / "folder-with-links"
    _remove(linked)
    carol, dan, eve = ("Carol Diaz_789_assignsubmission_file_", "Dan Ng_790_assignsubmission_file_",
                       "Eve Link_791_assignsubmission_file_")
    write_entry(linked, f"{carol}/02_encoder.ipynb", Symlink(str(SOURCE_DIR / "02_encoder.ipynb")))
    write_entry(linked, f"{carol}/notes.txt", Symlink("/etc/shadow"))
    write_entry(linked, f"{carol}/03_decoder.ipynb", decoder)
    write_entry(linked, f"{dan}/02_encoder.ipynb", encoder)
    write_entry(linked, eve, Symlink(str(SOURCE_DIR)))
    out["folder-with-links"] = {"path": str(linked), "kind": "moodle folder", "expect": {
        "collected": {"Carol Diaz": ["03_decoder.ipynb"], "Dan Ng": ["02_encoder.ipynb"]},
        "refused": {f"{carol}/02_encoder.ipynb": "symlink to the instructor's source notebook",
                    f"{carol}/notes.txt": "symlink to /etc/shadow",
                    eve: "a student folder that is a symlink (to the instructor's source folder)"},
        "listed": ["Eve Link"],
        "reason": r"link|refus"}}
    (target / "downloads.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


