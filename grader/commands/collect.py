"""`grader collect`: take an LMS download into nbgrader's submitted/ folder, as data.

    python -m grader collect DOWNLOAD [--dry-run]

DOWNLOAD is a folder or a .zip shaped the way LMS downloads are:

- one folder per student (Moodle: `Ada Lovelace_123456_assignsubmission_file_/01_data.ipynb`):
  the student id is the name and the LMS participant id (`Ada_Lovelace_123456`), so two
  students with the same name stay two students;
- flat files (Canvas: `lovelaceada_123456_7890_01_data.ipynb`): the id is the name and the
  LMS user id before the notebook's name (`lovelaceada_123456`).

Nothing in the download is trusted: links, FIFOs and devices are never followed or opened,
zip entries that are links, absolute or lead outside the download (`..`) are refused, sizes
and counts are capped, and every refused file is named with the reason. Two different
identities that would get the same student id are kept apart (a suffix) and reported. Each
student's notebooks land in submitted/<student>/<assignment>/ with a timestamp.txt (the
newest file time, for nbgrader's late penalties), replacing what was there. The name the LMS
gives (`Ada Lovelace`: first name `Ada`, last name `Lovelace`; a flat file's one word is the
last name) goes into the gradebook once the assignment is released, for the formgrader's lists.
"""

import dataclasses
import datetime
import os
import re
import shutil
import stat
import sys
import zipfile
from pathlib import PurePosixPath

from grader import gradebook
from grader.intake import kind_of, read_submission, write_files

LMS_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)(_assignsubmission_\w+)?_?$")
COPY_SUFFIX = r"(?:[-_ ]?\(\d+\)|-\d+)?"
IGNORED_PARTS = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store")
MAX_ENTRIES = 20000


@dataclasses.dataclass
class Collected:
    students: dict  # student id -> {notebook file name: (bytes, mtime)}
    refused: list  # (path, reason)
    duplicates: list  # (student, notebook, kept name, dropped name)
    collisions: list  # messages about identities kept apart
    names: dict = dataclasses.field(default_factory=dict)  # student id -> (first name, last name)


def sanitize(raw):
    """A safe nbgrader student id: letters, digits, '.', '-', '_'."""
    raw = re.sub(r"[_\s]+late[_\s]*$|^late[_\s]+", "", raw.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-")


def folder_identity(folder_name):
    """(student id, who) of a Moodle-style folder name; the LMS id is part of the student id."""
    found = LMS_FOLDER.match(folder_name.strip())
    if found:
        return sanitize(f"{found.group('name')}_{found.group('id')}"), f"{found.group('name')} ({found.group('id')})"
    return sanitize(folder_name), folder_name


def split_name(name):
    """(first name, last name) of an LMS name: `Ada King Lovelace` -> ("Ada King", "Lovelace")."""
    words = re.sub(r"[_\s]+late[_\s]*$|^late[_\s]+", "", name.strip(), flags=re.IGNORECASE).replace("_", " ").split()
    if not words:
        return None
    return " ".join(words[:-1]), words[-1]


def _flat_pattern(notebook_names):
    names = "|".join(re.escape(n) for n in sorted(notebook_names, key=len, reverse=True))
    return re.compile(r"^(?P<name>.+?)[_\- ]+(?:late[_\- ]+)?(?P<ids>(?:\d+[_\- ]+)*)(?P<notebook>"
                      + names + r")" + COPY_SUFFIX + r"\.ipynb$", re.IGNORECASE)


def _canonical(filename, notebook_names):
    """`01_Data (1).ipynb` -> `01_data.ipynb` when it is clearly that notebook; else unchanged."""
    stem = PurePosixPath(filename).stem
    for name in notebook_names:
        if re.fullmatch(re.escape(name) + COPY_SUFFIX, stem, re.IGNORECASE):
            return f"{name}.ipynb"
    return filename


def read_zip(path, max_file_mb, max_total_mb):
    """{member path: (bytes, mtime)} of a zip's regular files, and the refused members."""
    files, refused, total = {}, [], 0
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            return {}, [(str(path), f"holds {len(members)} entries; at most {MAX_ENTRIES} are read")]
        for member in members:
            name = member.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            mode = member.external_attr >> 16
            if member.is_dir():
                continue
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
                refused.append((name, "an absolute path; refused"))
            elif ".." in parts:
                refused.append((name, "leads outside the download (..); refused"))
            elif stat.S_IFMT(mode) and kind_of(mode):
                refused.append((name, f"{kind_of(mode)}; refused"))
            elif member.file_size > max_file_mb * 2**20 or total + member.file_size > max_total_mb * 2**20:
                refused.append((name, f"is too large ({member.file_size / 2**20:.0f} MB); refused"))
            else:
                with archive.open(member) as handle:
                    data = handle.read(max_file_mb * 2**20 + 1)
                if len(data) > max_file_mb * 2**20:
                    refused.append((name, "is larger than it declares; refused"))
                    continue
                total += len(data)
                files["/".join(parts)] = (data, datetime.datetime(*member.date_time).timestamp())
    return files, refused


def read_folder(folder, max_file_mb, max_total_mb):
    """{relative path: (bytes, mtime)} of a folder's regular files (no link followed)."""
    submission = read_submission(os.path.dirname(os.path.abspath(folder)), [os.path.basename(os.path.abspath(folder))],
                                 max_files=MAX_ENTRIES, max_total_mb=max_total_mb, max_file_mb=max_file_mb,
                                 max_depth=6)
    files = {}
    for name, data in submission.files.items():
        info = os.lstat(os.path.join(folder, name))
        files[name] = (data, info.st_mtime if stat.S_ISREG(info.st_mode) else 0.0)
    return files, list(submission.refused)


def match(files, notebook_names):
    """Match a download's files to students. Returns Collected."""
    result = Collected({}, [], [], [])
    flat = _flat_pattern(notebook_names)
    owners = {}  # student id -> who (the LMS identity it came from)

    def student_for(student, who, name=None):
        student = _owner(student, who)
        if name and split_name(name):
            result.names.setdefault(student, split_name(name))
        return student

    def _owner(student, who):
        if owners.setdefault(student, who) == who:
            return student
        for number in range(2, 1000):  # same id, another person: keep them apart
            other = f"{student}-{number}"
            if owners.setdefault(other, who) == who:
                result.collisions.append(f"{who} and {owners[student]} both give the id {student!r}: "
                                         f"{who} is collected as {other!r}")
                return other
        raise ValueError(f"too many students named {student!r}")

    def add(student, filename, data, mtime, source):
        notebooks = result.students.setdefault(student, {})
        if filename in notebooks:
            kept = max([(notebooks[filename][1], notebooks[filename][2]), (mtime, source)])
            dropped = source if kept[1] != source else notebooks[filename][2]
            result.duplicates.append((student, filename, kept[1], dropped))
            if kept[1] == source:
                notebooks[filename] = (data, mtime, source)
        else:
            notebooks[filename] = (data, mtime, source)

    for name, (data, mtime) in sorted(files.items()):
        parts = PurePosixPath(name).parts
        if any(part in IGNORED_PARTS or part.startswith("._") for part in parts):
            continue
        if not name.lower().endswith(".ipynb"):
            result.refused.append((name, "not a notebook; ignored"))
            continue
        if len(parts) >= 2:
            student, who = folder_identity(parts[0])
            if not student:
                result.refused.append((name, "the folder name gives no student id"))
                continue
            found = LMS_FOLDER.match(parts[0].strip())
            add(student_for(student, who, found and found.group("name")), _canonical(parts[-1], notebook_names),
                data, mtime, name)
            continue
        found = flat.match(name)
        if not found:
            result.refused.append((name, f"no assignment notebook name in the file name (expected "
                                         f"<student>_<{'|'.join(notebook_names)}>.ipynb)"))
            continue
        ids = [part for part in re.split(r"[_\- ]+", found.group("ids")) if part]
        who = f"{found.group('name')} ({ids[0]})" if ids else found.group("name")
        student = sanitize(f"{found.group('name')}_{ids[0]}" if ids else found.group("name"))
        if not student:
            result.refused.append((name, "no student id before the notebook name"))
            continue
        canonical = next(n for n in notebook_names if n.lower() == found.group("notebook").lower())
        add(student_for(student, who, found.group("name")), f"{canonical}.ipynb", data, mtime, name)
    return result


def collect(course, download, dry_run=False):
    """Read a download and write it into submitted/; return Collected (for the report)."""
    limits = course.limits
    if os.path.isdir(download) and not os.path.islink(download):
        files, refused = read_folder(download, limits.notebook_file_mb, limits.submission_mb * 50)
    elif zipfile.is_zipfile(download):
        files, refused = read_zip(download, limits.notebook_file_mb, limits.submission_mb * 50)
    else:
        raise ValueError(f"{download} is neither a folder nor a zip file")
    result = match(files, course.notebooks())
    result.refused = refused + result.refused
    if dry_run:
        return result
    for student, notebooks in result.students.items():
        target = course.submitted_dir(student)
        if target.exists() or target.is_symlink():
            shutil.rmtree(target) if not target.is_symlink() else target.unlink()
        target.mkdir(parents=True)
        write_files({name: data for name, (data, _, _) in notebooks.items()}, target)
        newest = max(mtime for _, mtime, _ in notebooks.values())
        stamp = datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)
        (target / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    if result.names and gradebook.has_assignment(course):
        gradebook.store_names(course, result.names)
    return result


def add_arguments(parser):
    parser.add_argument("download", help="folder or .zip of notebooks named by student")
    parser.add_argument("--dry-run", action="store_true", help="report the matching, write nothing")


def main(args):
    try:
        result = collect(args.course, args.download, dry_run=args.dry_run)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verb = "would collect" if args.dry_run else "collected"
    count = sum(len(files) for files in result.students.values())
    print(f"{verb} {len(result.students)} students ({count} notebooks) into {args.course.submitted_root}")
    for student, notebooks in sorted(result.students.items()):
        print(f"  {student}: {', '.join(sorted(notebooks))}")
    for message in result.collisions:
        print(f"  kept apart: {message}")
    for student, filename, kept, dropped in result.duplicates:
        print(f"  duplicate {student}/{filename}: kept {kept} (newest), ignored {dropped}")
    if result.refused:
        print(f"refused or could not match {len(result.refused)} files:")
        for path, reason in result.refused:
            print(f"  {path}: {reason}")
    return 1 if result.refused else 0
