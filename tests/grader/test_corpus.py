"""The attack corpus: hostile submissions of the real U-Net assignment, graded by the real commands.

tests/grader/corpus/build_corpus.py builds each scenario from the source and release notebooks
with its expectation by principle (an attack never earns what the honest work under it does not
deserve). Here they are collected, graded in one batch on a Dask cluster of separate processes
(a scheduler and two workers: the cluster of issue "Beyond one machine"), then given feedback
and exported, and every scenario is held to its expected points and reason; no planted code may
have run outside a kernel, and no secret may reach the feedback or the exports.

CI grades the scenarios of CI_SCENARIOS (the solution and a wrong U-Net, then one of every attack class,
two where the class holds two different threats, the cheapest to grade: most hand in one notebook; the
blank release is left out, 57 s of grading, as every attack on unwritten functions expects their 0);
GRADER_FULL_CORPUS=1 grades all of them (about half an hour on 2 cores).
"""

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.grader.cluster import dask_cluster
from tests.grader.corpus import build_corpus
from tests.grader.support import REPO, run_grader

pytestmark = pytest.mark.slow
COURSE_ROOT = REPO / "instructor"
CI_SCENARIOS = """
baseline-solution baseline-wrong-unet honest-alternative-implementations
output-displayhook-before-raise hook-ipython-transformers-events resource-signals-to-grader import-meta-path-finder
planted-packages-handed-in patch-keras-model-table forge-lookup-public-tables
forge-fake-model-object steal-proc-and-judge probe-files-tampering delegate-to-tensorflow leak-feedback-dump
shape-tests-deleted-edited-retyped fs-link-etc-shadow fs-planted-grader-config persist-home-startup
probe-rebind-after-stub probe-library-in-default-argument determinism-memo-in-a-decorator
forge-initializer-in-layer-table honest-equivalent-spellings
""".split()


BUILDER = build_corpus
NAMES = list(BUILDER.SCENARIOS) if os.environ.get("GRADER_FULL_CORPUS") else CI_SCENARIOS


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The corpus, collected into a fresh workspace of the U-Net course, graded, given feedback, exported."""
    base = tmp_path_factory.mktemp("corpus")
    workspace, built = base / "workspace", base / "built"
    run_grader("release", "--course-root", COURSE_ROOT, "--workspace", workspace)
    shutil.rmtree(BUILDER.CANARY_DIR, ignore_errors=True)
    names = BUILDER.build_all(built, NAMES, gradebook=workspace / "gradebook.db")
    for name in names:  # as data: links, FIFOs and devices copied as what they are (cp -a)
        target = workspace / "submitted" / name
        target.mkdir(parents=True)
        subprocess.run(["cp", "-a", str(built / name), str(target / "unet")], check=False, capture_output=True)
    secret = secrets.token_hex(16)
    os.environ[BUILDER.ENV_SECRET] = secret
    gradebook_before = (workspace / "gradebook.db").read_bytes()
    with dask_cluster(base / "cluster") as address:
        process = run_grader("autograde", "--course-root", COURSE_ROOT, "--workspace", workspace, "--scheduler", address,
                             "--limit", "cell_timeout=60", "--seed", 11, "--quiet", check=False, timeout=5400)
    feedback = run_grader("feedback", "--course-root", COURSE_ROOT, "--workspace", workspace, check=False)
    run_grader("export", "--course-root", COURSE_ROOT, "--workspace", workspace, "--out", base / "export")
    records = {path.stem: json.loads(path.read_text())
               for path in (workspace / "autograde-results" / "unet").glob("*.json")}
    manifest = json.loads((built / "corpus.json").read_text())
    yield {"workspace": workspace, "names": names, "process": process, "feedback": feedback, "records": records,
           "manifest": manifest, "export": base / "export", "secret": secret, "gradebook_before": gradebook_before}
    # rm, not shutil.rmtree: fs-deep-nesting's folders are deeper than Python's recursion limit, and pytest's
    # own clean-up of old temporary folders would crash on them in a later run
    subprocess.run(["rm", "-rf", str(base)], check=False)


def test_the_corpus_has_at_least_forty_scenarios_and_every_one_was_graded(graded):
    """Does the corpus hold at least 40 hostile submissions, was every one asked for built (root-only ones
    need root), and is each built one in the records, graded?"""
    assert len(BUILDER.SCENARIOS) >= 40
    assert len(graded["names"]) >= len(NAMES) - sum(BUILDER.SCENARIOS[name].root_only for name in NAMES)
    assert sorted(graded["records"]) == sorted(graded["names"]), graded["process"].stderr[-3000:]
    assert all(record["status"] == "graded" for record in graded["records"].values())


def _points(record):
    return {test["cell"]: test["score"] for entry in record.get("notebooks", {}).values()
            for test in entry.get("tests", [])}


def _explanation(record):
    parts = [record.get("reason", ""), *record.get("notes", [])]
    for entry in record.get("notebooks", {}).values():
        parts += entry.get("notes", []) + [event["message"] for event in entry.get("events", [])]
        parts += [test.get("reason", "") for test in entry.get("tests", [])]
    return " | ".join(part for part in parts if part)


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_gets_its_expected_points_and_reason(graded, name):
    """Does each scenario get exactly the points its honest work deserves, with a reason that says why?"""
    if name not in graded["names"]:
        pytest.fail(f"{name} could not be built here")
    expected = graded["manifest"][name]["expect"]
    record = graded["records"][name]
    got = _points(record)
    wrong = {cell: (got.get(cell, 0.0), points) for cell, points in expected["points"].items()
             if abs(got.get(cell, 0.0) - points) > 1e-9}
    assert not wrong, f"{name}: (got, expected) {wrong}\n{_explanation(record)[:2000]}"
    assert record["score"] == expected["total"]
    if expected["targets"]:
        reasons = " | ".join(t.get("reason", "") for e in record["notebooks"].values() for t in e.get("tests", [])
                             if t["cell"] in expected["targets"])
        assert re.search(expected["reason"], reasons + " | " + _explanation(record)), reasons[:2000]
    if expected.get("flagged"):
        assert record.get("flags") and "flagged for review" in record["reason"], _explanation(record)[:2000]


def test_no_planted_code_ran_outside_a_kernel(graded):
    """Did no planted module, config file, pickle or startup file run in the grader, judge or collect?"""
    assert BUILDER.outside_kernel_canaries() == []


def test_no_secret_reaches_the_feedback_or_the_exports(graded):
    """Is every kind of secret (solutions, hidden tests, /etc/shadow, the grader's environment, probe inputs)
    absent from every feedback file and export, plain or encoded?"""
    assert graded["feedback"].returncode in (0, 1), graded["feedback"].stderr[-2000:]
    texts = {path: path.read_text(errors="replace") for path in (graded["workspace"] / "feedback").rglob("*.html")}
    texts.update({path: path.read_text() for path in graded["export"].glob("*.csv")})
    assert texts
    for name in graded["names"]:
        kinds = graded["manifest"][name]["expect"].get("no_leak") or []
        for path, text in texts.items():
            if kinds and (name in path.parts or path.suffix == ".csv"):
                assert BUILDER.find_leaks(text, kinds) == [], (name, path)
    assert not any(graded["secret"] in text for text in texts.values())


def test_every_student_is_in_every_export(graded):
    """Does every scenario, graded or not, appear in students.csv, notebooks.csv and functions.csv?"""
    for csv_name in ("students.csv", "notebooks.csv", "functions.csv"):
        students = {line.split(",")[0] for line in (graded["export"] / csv_name).read_text().splitlines()[1:]}
        assert set(graded["names"]) <= students, csv_name


def test_the_gradebooks_definition_is_untouched(graded):
    """Are the assignment's cells in the gradebook (hidden tests included) what release wrote?"""
    import sqlite3

    def cells(database):
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT name, source, checksum FROM source_cell ORDER BY name").fetchall()

    before = graded["workspace"].parent / "gradebook-before.db"
    before.write_bytes(graded["gradebook_before"])
    assert cells(before) == cells(graded["workspace"] / "gradebook.db")


def test_collect_takes_the_hostile_downloads_apart(tmp_path):
    """For each hostile LMS download, does collect keep students apart, refuse and name what it must, and write
    nothing outside?"""
    BUILDER.build_downloads(tmp_path / "downloads")
    manifest = json.loads((tmp_path / "downloads" / "downloads.json").read_text())
    assert len(manifest) >= 4
    released = tmp_path / "released"
    run_grader("release", "--course-root", COURSE_ROOT, "--workspace", released)
    for name, entry in manifest.items():
        workspace = shutil.copytree(released, tmp_path / f"ws-{name}", symlinks=True)  # a fresh release each
        process = run_grader("collect", entry["path"], "--course-root", COURSE_ROOT, "--workspace", workspace,
                             check=False)
        expect, out = entry["expect"], process.stdout
        collected = {path.name: sorted(p.name for p in (path / "unet").glob("*.ipynb"))
                     for path in (workspace / "submitted").iterdir()} if (workspace / "submitted").is_dir() else {}
        if "students" in expect:
            assert len(collected) == expect["students"], (name, collected, out)
            for lms_id, notebooks in expect["notebooks_by_lms_id"].items():
                owners = [student for student in collected if student.endswith(f"_{lms_id}")]
                assert len(owners) == 1 and collected[owners[0]] == sorted(notebooks), (name, lms_id, collected)
        for person, notebooks in expect.get("collected", {}).items():
            owners = [student for student in collected if student.startswith(person.replace(" ", "_"))]
            assert len(owners) == 1 and collected[owners[0]] == sorted(notebooks), (name, person, collected)
        for path in expect.get("refused", {}):
            assert path in out, (name, path, out)
        for person in expect.get("listed", []):
            assert person in out, (name, person)
        for path in expect.get("must_not_exist", []):
            assert not Path(path).exists(), (name, path)
