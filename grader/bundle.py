"""The student bundle: what a class needs to do the course, without solutions or hidden tests.

`python -m grader release` writes it as <workspace>/bundle/<assignment>.zip: the released
notebooks (nbgrader has taken the solutions and hidden tests out) and the files the course
lists in `c.GraderCourse.bundle` (its library, checkers, requirements, start script),
relative to the course root; "SRC=>DEST" puts SRC at DEST inside the bundle, and `{assignment}`
in SRC is the assignment's id (e.g. a README of its own for each assignment). Everything sits
in one top folder named after the assignment. The zip is written the same way every time
(sorted entries; every entry dated with the newest modification time of the files packed and
of the assignment's source notebooks, which in a fresh clone is the clone's time, so a file
browser shows the files as recent), so regenerating an unchanged course gives the same bytes.
Links are not followed and never packed.
"""

import fnmatch
import io
import os
import stat
import time
import zipfile
from pathlib import Path

EARLIEST = 315619200  # 1980-01-02: zip dates start in 1980


def _entries(course):
    """(source path, name inside the bundle) for every listed file, sorted by name."""
    found = {}
    excluded = list(course.course.bundle_exclude)
    for item in course.course.bundle:
        source, _, dest = item.replace("{assignment}", course.assignment).partition("=>")
        source = course.relative(source.strip())
        dest = (dest.strip() or source.name).strip("/")
        if source.is_symlink() or not source.exists():
            raise FileNotFoundError(f"bundle entry {item!r}: {source} is not a file or folder")
        if source.is_file():
            found[dest] = source
            continue
        for folder, folders, files in os.walk(source):
            folders[:] = sorted(d for d in folders if not _excluded(d, excluded)
                                and not os.path.islink(os.path.join(folder, d)))
            for name in sorted(files):
                path = Path(folder) / name
                if _excluded(name, excluded) or path.is_symlink():
                    continue
                found[f"{dest}/{path.relative_to(source).as_posix()}"] = path
    return sorted(found.items())


def _excluded(name, patterns):
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _date(course, sources):
    """The entries' date: the newest modification time of the packed files and the source notebooks."""
    notebooks = sorted(course.relative(f"source/{course.assignment}").glob("*.ipynb"))
    newest = max([path.stat().st_mtime for path in [*sources, *notebooks]] + [EARLIEST])
    return time.localtime(newest)[:6]


def _add(archive, name, data, date, executable=False):
    info = zipfile.ZipInfo(name, date_time=date)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    archive.writestr(info, data)


def build(course, notebooks, target):
    """Write the bundle zip to `target`.

    Args:
        course: the CourseRoot.
        notebooks: {file name: text} of the student notebooks (normalised release).
        target: the zip file to write.

    Returns:
        The names inside the bundle.
    """
    top = course.assignment
    buffer = io.BytesIO()
    names = []
    entries = _entries(course)
    date = _date(course, [source for _, source in entries])
    with zipfile.ZipFile(buffer, "w") as archive:
        for dest, source in entries:
            executable = bool(source.stat().st_mode & stat.S_IXUSR)
            _add(archive, f"{top}/{dest}", source.read_bytes(), date, executable)
            names.append(dest)
        for name, text in sorted(notebooks.items()):
            dest = f"{course.course.bundle_notebooks}/{name}"
            _add(archive, f"{top}/{dest}", text.encode("utf-8"), date)
            names.append(dest)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return names
