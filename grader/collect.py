"""`grader collect`: take an LMS download into nbgrader's submitted/ folder.

    python -m grader collect DOWNLOAD [--dry-run]

DOWNLOAD is a folder or a .zip with one of two shapes (what LMS downloads look like):

- one folder per student: `<student>/<any name>.ipynb` (Moodle, "download all as folders");
  the student id is the folder name up to the first "_" when the rest looks like an LMS
  suffix (`Ada Lovelace_123456_assignsubmission_file_` -> `Ada Lovelace`), sanitised;
- flat files: `<student>_<notebook>.ipynb` (Canvas: `lovelaceada_123456_7890_01_data.ipynb`),
  where <notebook> is one of the assignment's notebook names, possibly followed by an LMS
  copy suffix (`-1`, ` (2)`); the student id is the part before it, without LMS ids
  and `late` markers.

Each student's notebooks land in submitted/<student>/<assignment>/ with a timestamp.txt
(the newest file time, so nbgrader's late penalties apply), replacing what was there.
Files that cannot be matched are listed, and nothing is guessed: a notebook whose name is
not the assignment's is kept under its own name (autograde matches renamed notebooks by
their cells) in the folder shape, and reported in the flat shape.
"""

import dataclasses
import datetime
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

LMS_SUFFIX = re.compile(r"(_\d+)+(_assignsubmission_\w+)?_?$|_assignsubmission_\w+_?$")
COPY_SUFFIX = r"(?:[-_ ]?\(\d+\)|-\d+)?"
IGNORED_PARTS = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store")


@dataclasses.dataclass
class Collected:
    students: dict  # student -> {notebook file name: source path}
    unmatched: list  # (path, reason)
    duplicates: list  # (student, notebook, kept path, dropped path)


def student_id(raw):
    """A safe nbgrader student id from an LMS name: letters, digits, '.', '-', '_'."""
    raw = LMS_SUFFIX.sub("", raw.strip())
    raw = re.sub(r"[_\s]+late[_\s]*$|^late[_\s]+", "", raw, flags=re.IGNORECASE)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-")
    return cleaned


def _ignored(path):
    return any(part in IGNORED_PARTS or part.startswith("._") for part in path.parts)


def match(download, notebook_names):
    """Match the files of an unpacked download to students. Returns Collected."""
    download = Path(download)
    students, unmatched, duplicates = {}, [], []
    flat_pattern = re.compile(
        r"^(?P<student>.+?)[_\- ]+(?:late[_\- ]+)?(?:\d+[_\- ]+)*(?P<notebook>"
        + "|".join(re.escape(n) for n in sorted(notebook_names, key=len, reverse=True))
        + r")" + COPY_SUFFIX + r"\.ipynb$", re.IGNORECASE)

    def add(student, filename, path):
        files = students.setdefault(student, {})
        if filename in files:
            kept, dropped = sorted([files[filename], path], key=lambda p: p.stat().st_mtime)[::-1]
            duplicates.append((student, filename, kept, dropped))
            files[filename] = kept
        else:
            files[filename] = path

    for path in sorted(p for p in download.rglob("*") if p.is_file()):
        relative = path.relative_to(download)
        if _ignored(relative):
            continue
        if path.suffix.lower() != ".ipynb":
            unmatched.append((relative, "not a notebook"))
            continue
        if len(relative.parts) >= 2:
            student = student_id(relative.parts[0])
            if not student:
                unmatched.append((relative, "the folder name gives no student id"))
                continue
            name = _canonical(relative.name, notebook_names)
            add(student, name, path)
            continue
        found = flat_pattern.match(relative.name)
        if not found:
            unmatched.append((relative, "no assignment notebook name in the file name "
                                        f"(expected <student>_<{'|'.join(notebook_names)}>.ipynb)"))
            continue
        student = student_id(found.group("student"))
        if not student:
            unmatched.append((relative, "no student id before the notebook name"))
            continue
        canonical = next(n for n in notebook_names if n.lower() == found.group("notebook").lower())
        add(student, f"{canonical}.ipynb", path)
    return Collected(students, unmatched, duplicates)


def _canonical(filename, notebook_names):
    """`01_Data (1).ipynb` -> `01_data.ipynb` when it is clearly that notebook; else unchanged."""
    stem = Path(filename).stem
    for name in notebook_names:
        if re.fullmatch(re.escape(name) + COPY_SUFFIX, stem, re.IGNORECASE):
            return f"{name}.ipynb"
    return filename


def unpack(download, scratch):
    """Return (folder to read, unsafe zip members skipped): the download, or its zip extracted."""
    download = Path(download)
    if download.is_dir():
        return download, []
    if zipfile.is_zipfile(download):
        target = (Path(scratch) / "download").resolve()
        skipped = []
        with zipfile.ZipFile(download) as archive:
            for member in archive.infolist():
                # Never write outside the scratch folder (zip slip).
                destination = (target / member.filename).resolve()
                if not destination.is_relative_to(target):
                    skipped.append(member.filename)
                    continue
                archive.extract(member, target)
                if not member.is_dir():
                    stamp = datetime.datetime(*member.date_time).timestamp()
                    os.utime(destination, (stamp, stamp))
        return target, skipped
    raise ValueError(f"{download} is neither a folder nor a zip file")


def collect(course, download, dry_run=False):
    """Copy a download into submitted/; return Collected (for the report)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder, skipped = unpack(download, scratch)
        result = match(folder, course.notebooks())
        result.unmatched += [(Path(name), "its path leads outside the zip; ignored")
                             for name in skipped]
        if dry_run:
            return result
        for student, files in result.students.items():
            target = course.submitted_dir(student)
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            newest = 0.0
            for filename, source in sorted(files.items()):
                shutil.copyfile(source, target / filename)
                newest = max(newest, source.stat().st_mtime)
            stamp = datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)
            (target / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return result


def add_arguments(parser):
    parser.add_argument("download", help="folder or .zip of notebooks named by student")
    parser.add_argument("--dry-run", action="store_true", help="report the matching, copy nothing")


def main(args):
    try:
        result = collect(args.course, args.download, dry_run=args.dry_run)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "would collect" if args.dry_run else "collected"
    count = sum(len(files) for files in result.students.values())
    print(f"{verb} {len(result.students)} students ({count} notebooks) into "
          f"{args.course.workspace / args.course.coursedir.submitted_directory}")
    for student, files in sorted(result.students.items()):
        print(f"  {student}: {', '.join(sorted(files))}")
    for student, filename, kept, dropped in result.duplicates:
        print(f"  duplicate {student}/{filename}: kept {kept.name} (newest), ignored {dropped.name}")
    if result.unmatched:
        print(f"could not match {len(result.unmatched)} files:")
        for path, reason in result.unmatched:
            print(f"  {path}: {reason}")
    return 1 if result.unmatched else 0
