"""The student bundle (`python -m grader release`): the course without solutions or hidden tests.

A class gets the bundle instead of the repository. It must hold no solution line and no
hidden-test line, come out the same every time, and be the same course: unpacked fresh, with
the solutions pasted into its notebooks, every public test passes in fast mode, from the
bundle's own library and checkers (no reference solution anywhere).
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from notebook_helpers import (HIDDEN_REGION, NOTEBOOK_NAMES, SOLUTION_REGION, SOURCE_DIR, cell_text, errors_of,
                              execute_notebooks, is_test_cell, nbgrader_meta)
from tests.grader.support import run_grader

REPO = Path(__file__).resolve().parents[1]
COURSE_ROOT = REPO / "instructor"


def build(workspace):
    run_grader("release", "--course-root", COURSE_ROOT, "--workspace", workspace)
    return Path(workspace) / "bundle" / "unet.zip"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory):
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(target)
    for info in zipfile.ZipFile(bundle).infolist():  # zipfile does not restore permissions
        os.chmod(target / info.filename, (info.external_attr >> 16) & 0o777)
    return target / "unet"


def texts_of(bundle):
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


# Lines that say nothing of a solution: argument conversions, unpacking a shape.
GENERIC = re.compile(r"^(\w+) = np\.asarray\(\1\)$|^[\w, ]+ = \w+\.shape$")


def region_lines(pattern, minimum):
    lines = set()
    for name in NOTEBOOK_NAMES:
        notebook = nbformat.read(SOURCE_DIR / name, as_version=4)
        for cell in notebook.cells:
            for region in pattern.findall(cell_text(cell)):
                lines |= {line.strip() for line in region.splitlines()
                          if len(line.strip()) >= minimum and not line.strip().startswith("#")
                          and not GENERIC.match(line.strip())}
    return lines


GRADER_PROTOCOL = ("unet/grader/__init__.py", "unet/grader/protocol.py")  # all the checkers import of the grader


def test_the_bundle_holds_what_a_student_needs_and_no_instructor_file(bundle):
    """Are the notebooks, library, checkers, requirements and start script in, and no source or reference?"""
    names = set(texts_of(bundle))
    for needed in ("unet/start-course", "unet/requirements.txt", "unet/tools/venv.sh", "unet/README.md",
                   "unet/test_utils/public_answers.json", "unet/test_utils/reference_tables.json",
                   "unet/grader/protocol.py",
                   "unet/course/scenes/__init__.py", "unet/tools/jupyter-student/labconfig/page_config.json",
                   "unet/data/measured/skip-ablation.png", *(f"unet/notebooks/{name}" for name in NOTEBOOK_NAMES)):
        assert needed in names, needed
    assert not [name for name in names if "instructor" in name or name.endswith(("reference.py", "generate.py", ".pyc"))
                or "/generated/" in name or ("/grader/" in name and name not in GRADER_PROTOCOL)]
    info = zipfile.ZipFile(bundle).getinfo("unet/start-course")
    assert (info.external_attr >> 16) & 0o111, "the start script must stay executable"


def test_the_bundle_holds_no_solution_line(bundle):
    """Is every line of every solution region absent from every file of the bundle?"""
    solutions = region_lines(SOLUTION_REGION, 16)
    assert len(solutions) > 40
    for name, text in texts_of(bundle).items():
        found = [line for line in solutions if line in text]
        assert not found, f"{name} holds solution lines: {found[:3]}"


def test_the_bundle_holds_no_hidden_test(bundle):
    """Is every line of every hidden test absent from every file of the bundle?"""
    hidden = {line for line in region_lines(HIDDEN_REGION, 10) if line.endswith(")")}  # whole calls
    assert len(hidden) > 10
    for name, text in texts_of(bundle).items():
        if name.endswith(".ipynb"):
            assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, name
        found = [line for line in hidden if line in text]
        assert not found, f"{name} holds hidden-test lines: {found[:3]}"


def test_regenerating_the_bundle_changes_nothing(bundle, tmp_path):
    """Does a second release give the same bytes?"""
    assert build(tmp_path).read_bytes() == bundle.read_bytes()


EXTENSION_NOTEBOOKS = sorted(path.name for path in (COURSE_ROOT / "source" / "unet_original").glob("*.ipynb"))
MADE_BY_START_COURSE = {"my-notebooks": "notebooks"}  # the learner's copy, made from notebooks/ on the first run
PATH_LIKE = re.compile(r"^[\w.-]+(/[\w.-]*)*$")


@pytest.fixture(scope="module")
def unzipped(bundle, tmp_path_factory):
    """Each assignment's zip unzipped into an empty folder: {assignment: (zip, folder)}."""
    workspace = tmp_path_factory.mktemp("release-extension")
    run_grader("release", "--course-root", COURSE_ROOT, "--workspace", workspace, "--assignment", "unet_original")
    zips = {"unet": bundle, "unet_original": workspace / "bundle" / "unet_original.zip"}
    found = {}
    for assignment, archive in zips.items():
        folder = tmp_path_factory.mktemp(f"empty-{assignment}")
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(folder)
        found[assignment] = (archive, folder)
    return found


def named_paths(readme):
    """The paths a README names: `code` that looks like a file or folder, and the ./commands of its code blocks."""
    names = {token for token in re.findall(r"`([^`\n]+)`", readme) if PATH_LIKE.match(token)
             and not token.startswith(".") and ("/" in token or re.search(r"\.(ipynb|md|txt|py|json|sh|zip)$", token) or token == "start-course")}
    names |= set(re.findall(r"^\./([\w.-]+)", readme, re.MULTILINE))
    return names


@pytest.mark.slow  # a second release (the extension): about half a minute
@pytest.mark.parametrize("assignment, notebooks", [("unet", NOTEBOOK_NAMES), ("unet_original", EXTENSION_NOTEBOOKS)])
def test_each_bundles_readme_names_only_what_it_holds(unzipped, assignment, notebooks):
    """Unzipped into an empty folder, does each bundle's README name its top folder and only files it holds?"""
    archive, folder = unzipped[assignment]
    assert [path.name for path in folder.iterdir()] == [assignment]  # one top folder, the assignment's name
    top = folder / assignment
    readme = (top / "README.md").read_text(encoding="utf-8")
    assert f"`{assignment}/`" in readme and f"`{archive.name}`" in readme
    held = sorted(path.name for path in (top / "notebooks").glob("*.ipynb"))
    assert held == sorted(Path(name).name for name in notebooks)
    missing = []
    for name in named_paths(readme) - {f"{assignment}/", archive.name}:
        first, _, rest = name.rstrip("/").partition("/")
        path = top / MADE_BY_START_COURSE.get(first, first) / rest
        if not path.exists() and not (top / "notebooks" / name).exists():  # a notebook named by itself
            missing.append(name)
    assert not missing, f"{assignment}'s README names what its bundle does not hold: {missing}"
    numbers = set(re.findall(r"\b(0\d)\b", readme))
    assert numbers == {name[:2] for name in held}, (numbers, held)  # every notebook, and no other
    for name in held:
        assert name in readme


@pytest.mark.slow
def test_the_bundles_files_are_dated_when_the_course_was_released(unzipped):
    """Are the zips' entries dated no earlier than the newest source notebook (not a fixed date years ago)?"""
    import datetime

    for assignment, (archive, _) in unzipped.items():
        newest = max(path.stat().st_mtime for path in (COURSE_ROOT / "source" / assignment).glob("*.ipynb"))
        floor = datetime.datetime.fromtimestamp(newest) - datetime.timedelta(seconds=2)  # zip dates: 2 s steps
        dates = {datetime.datetime(*info.date_time) for info in zipfile.ZipFile(archive).infolist()}
        assert min(dates) >= floor, (assignment, min(dates), floor)


def solved(unpacked):
    """The bundle's notebooks with the source's solution cells pasted in."""
    folder = unpacked / "notebooks"
    for name in NOTEBOOK_NAMES:
        notebook = nbformat.read(folder / name, as_version=4)
        source = nbformat.read(SOURCE_DIR / name, as_version=4)
        answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if nbgrader_meta(c).get("solution")}
        for cell in notebook.cells:
            if nbgrader_meta(cell).get("grade_id") in answers:
                cell.source = answers[nbgrader_meta(cell)["grade_id"]]
        nbformat.write(notebook, folder / name)
    return folder


@pytest.fixture(scope="module")
def solved_bundle(unpacked):
    return solved(unpacked)


@pytest.fixture(scope="module")
def executed_bundle(solved_bundle):
    """The solved notebooks, run from the unpacked bundle in fast mode, two at a time (training first)."""
    environment = {"COURSE_FAST": "1", "PYTHONPATH": str(solved_bundle.parent), "GRADER_SOURCE_DIR": ""}
    order = sorted(NOTEBOOK_NAMES, key=lambda name: "training" not in name)  # the longest first
    ran = execute_notebooks([solved_bundle / name for name in order], allow_errors=True, **environment)
    return {path.name: result for path, result in ran.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_public_tests_pass_from_a_fresh_unpack(executed_bundle, name):
    """Unpacked fresh, solutions pasted in, does every cell run and every public test pass, in fast mode?"""
    notebook, seconds = executed_bundle[name]
    errors = [(index, nbgrader_meta(cell).get("grade_id"), f"{output.ename}: {output.evalue}"[:500])
              for index, cell, output in errors_of(notebook)]
    assert not errors, f"{name}: {errors}"
    tests = [cell for cell in notebook.cells if is_test_cell(cell)]
    assert tests and all(any("✓" in output.get("text", "") for output in cell.outputs) for cell in tests)
    modules = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
    print(f"{name}: {seconds:.1f} s from the bundle", file=sys.stderr)
    assert str(REPO / "instructor") not in modules


def test_the_bundle_uses_its_own_checkers(solved_bundle):
    """Run from the bundle, do test_utils, course and the grader's protocol come from the bundle, not the repository?"""
    code = ("import test_utils.runner, course, grader.protocol; print(test_utils.__file__); print(course.__file__); "
            "print(grader.protocol.__file__)")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(solved_bundle.parent)},
                            capture_output=True, text=True, check=True, cwd=solved_bundle)
    assert all(line.startswith(str(solved_bundle.parent)) for line in result.stdout.split())


@pytest.mark.slow
def test_the_bundles_start_command_serves_its_notebooks(unpacked, tmp_path):
    """Does the bundle's ./start-course (on a virtual environment that has the packages) serve its notebooks?"""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    main_site = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "packages_of_the_test_venv.pth").write_text(main_site + "\n")
    import hashlib

    stamp = hashlib.sha256((unpacked / "requirements.txt").read_bytes()).hexdigest()
    (venv / ".course-requirements.sha256").write_text(stamp + "\n")
    for tool in ("jupyter", "jupyter-lab"):
        (venv / "bin" / tool).symlink_to(Path(sys.executable).parent / tool)
    port = _free_port()
    log = tmp_path / "start.log"
    env = {**os.environ, "COURSE_VENV": str(venv), "COURSE_DATA_PRESET": "fast", "COURSE_NO_BROWSER": "1",
           "PYTHONPATH": ""}
    with open(log, "w") as out:
        process = subprocess.Popen([str(unpacked / "start-course"), f"--port={port}"], cwd=unpacked, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, url = time.monotonic() + 240, None
        while time.monotonic() < deadline and process.poll() is None and not url:
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=\w+", log.read_text())
            url = found.group(0) if found else None
            time.sleep(1)
        assert url, log.read_text()[-3000:]
        with urllib.request.urlopen(url.replace("/lab?token=", "/api/contents?token="), timeout=30) as response:
            import json

            served = {item["name"] for item in json.load(response)["content"]}
        assert set(NOTEBOOK_NAMES) <= served
        assert (unpacked / "data" / "generated").is_dir()  # the bundle made its own data
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
