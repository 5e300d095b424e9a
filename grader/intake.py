"""Submissions are data: read a student's folder into memory without trusting it.

The grader runs with privileges (root, for the sandbox), so nothing a student hands in may
make it open something else: a symbolic link is never followed (it could point at the source
notebooks, the gradebook, /etc/shadow or /proc/self/environ), and FIFOs, devices and sockets
are never opened (a FIFO would block the reader, a device could be anything). Regular files
are opened with O_NOFOLLOW and checked again after opening, sizes and counts are capped, and
everything refused is named with the reason; the rest of the submission is still graded.

The result is plain data, {relative path: bytes}, which the grading worker writes into its
own private folder. Nothing downstream touches the student's folder again.
"""

import dataclasses
import hashlib
import os
import stat

SKIPPED_NAMES = (".ipynb_checkpoints", "__pycache__", ".DS_Store", "__MACOSX")
_KINDS = {stat.S_IFLNK: "a symbolic link (links are never followed)",
          stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


@dataclasses.dataclass
class Submission:
    """What was read: the files, what was refused and why."""

    files: dict  # relative path (str, '/'-separated) -> bytes
    refused: list  # (relative path, reason)

    def fingerprint(self):
        """sha256 of the submission as read: relative paths and contents."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(self.files[name])
            digest.update(b"\0")
        for name, reason in sorted(self.refused):
            digest.update(f"refused:{name}:{reason}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def notes(self):
        return [f"{name}: not read: {reason}" for name, reason in self.refused]


def kind_of(mode):
    """None for a regular file or folder, else why it is refused."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _read_regular(name, dir_fd, expected, limit):
    """The bytes of a regular file, opened without following links; (bytes, reason)."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        return None, f"cannot be opened ({error.strerror})"
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (expected.st_dev, expected.st_ino):
            return None, "changed while it was read"
        if now.st_size > limit:
            return None, f"is too large ({now.st_size / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB)"
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None, f"is too large (more than {limit / 2**20:.0f} MB)"
            chunks.append(chunk)
        return b"".join(chunks), None
    finally:
        os.close(fd)


def open_folder(root, relative_parts):
    """A file descriptor of root/part/part/... opened without following any link; (fd, reason)."""
    try:
        fd = os.open(root, _DIR_FLAGS)
    except OSError as error:
        return None, f"cannot be opened ({error.strerror})"
    for part in relative_parts:
        try:
            info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            refused = kind_of(info.st_mode)
            if refused or not stat.S_ISDIR(info.st_mode):
                os.close(fd)
                return None, f"{part} is {refused or 'not a folder'}"
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as error:
            os.close(fd)
            return None, f"{part} cannot be opened ({error.strerror})"
        os.close(fd)
        fd = child
    return fd, None


def read_submission(root, parts, max_files=500, max_total_mb=200, max_file_mb=100, max_depth=8):
    """Read every regular file under root/parts... into memory; refuse and name everything else.

    Args:
        root: a folder the grader trusts (e.g. submitted/); `parts` are the path components
            below it (e.g. [student, assignment]), none of which may be a link.
        max_files, max_total_mb, max_file_mb, max_depth: caps (grader.settings.GraderLimits).

    Returns:
        A Submission. If the folder itself cannot be opened as a real folder, nothing is read
        and the refusal names it as ".".
    """
    result = Submission(files={}, refused=[])
    fd, reason = open_folder(root, parts)
    if fd is None:
        result.refused.append((".", reason))
        return result
    budget = {"files": max_files, "bytes": max_total_mb * 2**20, "over": 0}
    try:
        _walk(fd, "", 0, max_depth, max_file_mb * 2**20, budget, result)
    finally:
        os.close(fd)
    if budget["over"]:
        result.refused.append(("...", f"{budget['over']} more files were not read: a submission holds "
                                      f"at most {max_files} files and {max_total_mb} MB"))
    return result


def _walk(dir_fd, prefix, depth, max_depth, file_limit, budget, result):
    try:
        with os.scandir(dir_fd) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        result.refused.append((prefix or ".", f"cannot be listed ({error.strerror})"))
        return
    for entry in entries:
        relative = f"{prefix}{entry.name}"
        if entry.name in SKIPPED_NAMES:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as error:
            result.refused.append((relative, f"cannot be read ({error.strerror})"))
            continue
        refused = kind_of(info.st_mode)
        if refused:
            result.refused.append((relative, refused))
        elif stat.S_ISDIR(info.st_mode):
            if depth + 1 >= max_depth:
                result.refused.append((relative, f"is nested more than {max_depth} folders deep"))
                continue
            try:
                child = os.open(entry.name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as error:
                result.refused.append((relative, f"cannot be opened ({error.strerror})"))
                continue
            try:
                _walk(child, relative + "/", depth + 1, max_depth, file_limit, budget, result)
            finally:
                os.close(child)
        elif budget["files"] <= 0 or info.st_size > budget["bytes"]:
            budget["over"] += 1
        else:
            data, reason = _read_regular(entry.name, dir_fd, info, file_limit)
            if reason:
                result.refused.append((relative, reason))
            else:
                result.files[relative] = data
                budget["files"] -= 1
                budget["bytes"] -= len(data)


def write_files(files, target):
    """Write {relative path: bytes} under `target` (a fresh private folder); refuse escapes."""
    target = os.path.realpath(target)
    for name, data in files.items():
        path = os.path.realpath(os.path.join(target, name))
        if not path.startswith(target + os.sep):
            raise ValueError(f"refusing to write {name!r} outside {target}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(data)
