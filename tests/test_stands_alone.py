"""The project stands alone: nothing it holds reads a folder beside the checkout or names a tool it does not ship.

The facts the tests check against live in docs/course-spec.md. `.ci/run` proves the rest: it runs
the README's test command in a fresh clone with nothing beside it.
"""

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Timing tools of the machines the course was built on, not part of the project: a user has none
# of them. The words are put together here so that this file does not name them itself.
FOREIGN_TOOLS = re.compile("|".join(["farm" + "-" + "bench", "farm" + "-" + "studio"]), re.IGNORECASE)

# The folder beside the checkout that the tests once read, named in any tracked file: reached
# with "..", joined as a path component, by its absolute name on the build machine, or the spec
# file it held. Built from parts, like the tool names, so that this file does not name it.
SHARED = "sha" + "red"
BESIDE = re.compile("|".join([
    r"\.\./" + SHARED + r"\b",
    r"/\s*[\"']" + SHARED + r"[\"']",
    r"[\"']" + SHARED + r"[\"']\s*/",
    "/work/" + SHARED,
    "COURSE" + r"_SPEC\.md",
]))

# Path(__file__)[.resolve()] followed by .parent steps and/or .parents[N]: how far up it climbs.
CLIMB = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?((?:\.parent\b)*)(?:\.parents\[(\d+)\])?")

CODE_SUFFIXES = {".py", ".sh", ".ipynb", ".toml", ".cfg", ".ini", ".yml", ".yaml"}


def tracked_files():
    """The tracked files of the checkout, as paths relative to it."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout ({error}): the tracked files cannot be listed")
    return [Path(name) for name in listed.stdout.decode().split("\0") if name]


def text_of(root, path):
    try:
        return (root / path).read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return None  # a picture, or a file deleted but not yet committed


def is_code(path, text):
    """A program, a notebook, a configuration file or a script (`run-tests`, `.ci/run`: a #! line)."""
    return path.suffix in CODE_SUFFIXES or text.startswith("#!")


def climbs_out(path, text):
    """The `Path(__file__)...` expressions in this file that reach above the checkout's root."""
    depth = len(path.parts)  # steps up from the file to the checkout's root
    found = []
    for match in CLIMB.finditer(text):
        steps = match.group(1).count(".parent") + (int(match.group(2)) + 1 if match.group(2) else 0)
        if steps > depth:
            found.append(match.group(0))
    return found


def offences(files, root=REPO):
    """{path: what it names or reads from outside the project} over these files of the checkout `root`."""
    found = {}
    for path in files:
        text = text_of(root, path)
        if text is None:
            continue
        named = sorted({match.group(0) for pattern in (FOREIGN_TOOLS, BESIDE) for match in pattern.finditer(text)})
        if is_code(path, text):
            named += climbs_out(path, text)
        if named:
            found[str(path)] = named
    return found


def test_the_tracked_files_are_listed():
    """Does the guard see the whole project: code, tests, CI, notebooks and documents?"""
    names = {str(path) for path in tracked_files()}
    assert {"README.md", ".ci/run", "run-tests", "tests/test_layer_table.py", "docs/course-spec.md",
            "instructor/source/unet/05_training.ipynb"} <= names


def test_nothing_reads_beside_the_checkout_or_names_a_tool_the_project_lacks():
    """Does every tracked file keep to the checkout (no folder beside it, no Path(__file__) climbing above it) and name no outside tool?"""
    found = offences(tracked_files())
    assert not found, ("these files depend on something outside the repository (copy the facts into docs/, "
                       f"quote a command a user has): {found}")


# Planted text: "@" stands for Path(__file__), so that this file holds none of the plants itself.
PLANTS = {
    "parents-and-folder-beside": ("tests/test_example.py", f'SPEC = @.resolve().parents[2] / "{SHARED}" / "spec.md"'),
    "parent-steps": ("tests/test_example.py", 'SPEC = @.parent.parent.parent / "spec.md"'),
    "dot-dot-folder": ("course/example.py", f'NOTES = open("../{SHARED}/notes.txt")'),
    "absolute-folder": ("benchmarks/run_all", f'#!/usr/bin/env bash\ncat /work/{SHARED}/notes.txt'),
    "tool-in-readme": ("README.md", "Timed with " + "farm" + "-bench -n 1 around the notebook."),
    "tool-in-notebook": ("notebooks/05.ipynb", '{"source": ["timed with `' + "Farm" + '-Studio`"]}'),
}


def plant(root, files):
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text.replace("@", "Path(__file__)") + "\n", encoding="utf-8")
    return [Path(relative) for relative in files]


@pytest.mark.parametrize("relative, planted", PLANTS.values(), ids=PLANTS.keys())
def test_the_guard_finds_a_planted_dependence(tmp_path, relative, planted):
    """Does each kind of outside dependence, planted in a file, make the guard name that file?"""
    assert list(offences(plant(tmp_path, {relative: planted}), root=tmp_path)) == [relative]


def test_the_guard_lets_paths_inside_the_checkout_pass(tmp_path):
    """Do the paths the project does use (parents[1] from tests/, parents[2] from tests/grader/, a farm in a scene) pass?"""
    files = plant(tmp_path, {"tests/test_example.py": "REPO = @.resolve().parents[1]",
                             "tests/grader/support.py": "REPO = @.resolve().parents[2]",
                             "course/scenes/plan.py": "# a farm building\nsize = " + SHARED + " / 2"})
    assert offences(files, root=tmp_path) == {}
