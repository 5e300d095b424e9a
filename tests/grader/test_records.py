"""Tests of grader/records.py: records written all or nothing, read back, and what they say about resuming."""

import json
import os

import pytest

from grader import records
from grader.records import GRADER_VERSION


def test_a_record_is_written_whole_as_sorted_json_with_nothing_left_beside_it(tmp_path):
    """Does write_atomic create the folder, write sorted JSON and leave no temporary file?"""
    path = tmp_path / "autograde-results" / "toy" / "ana.json"
    records.write_atomic(path, {"status": "graded", "assignment": "toy"})
    assert json.loads(path.read_text()) == {"status": "graded", "assignment": "toy"}
    assert path.read_text().index('"assignment"') < path.read_text().index('"status"')
    assert os.listdir(path.parent) == ["ana.json"]


def test_a_write_that_fails_leaves_the_old_record_and_no_temporary_file(tmp_path):
    """If the data cannot be written, is the earlier record kept whole and the temporary file removed?"""
    path = tmp_path / "ana.json"
    records.write_atomic(path, {"status": "graded"})
    with pytest.raises(TypeError):
        records.write_atomic(path, {"status": object()})
    assert json.loads(path.read_text()) == {"status": "graded"}
    assert os.listdir(tmp_path) == ["ana.json"]


def test_records_are_read_back_and_broken_ones_skipped(tmp_path):
    """Does read_records_in return every readable record (or only those asked for), skipping broken JSON?"""
    records.write_atomic(tmp_path / "ana.json", {"status": "graded"})
    records.write_atomic(tmp_path / "ben.json", {"status": "not graded"})
    (tmp_path / "cid.json").write_text("{not json")
    assert records.read_records_in(tmp_path) == {"ana": {"status": "graded"}, "ben": {"status": "not graded"}}
    assert records.read_records_in(tmp_path, ["ben", "dan"]) == {"ben": {"status": "not graded"}}
    assert records.read_records_in(tmp_path / "missing") == {}


@pytest.mark.parametrize("change, current", [
    ({}, True),
    ({"fingerprint": "other"}, False),
    ({"grader_version": GRADER_VERSION - 1}, False),
    ({"status": "not graded"}, False),
])
def test_only_a_graded_unchanged_submission_of_this_version_is_current(change, current):
    """Is a record current only when graded, of the same files, by this version of the grader?"""
    record = {"status": "graded", "fingerprint": "f1", "grader_version": GRADER_VERSION, **change}
    assert records.is_current(record, "f1") is current
    assert records.is_current(None, "f1") is False


def test_attempts_count_only_failed_runs_of_the_same_submission():
    """Are the failed attempts those of a not-graded record of these very files, by this version (else 0)?"""
    failed = {"status": "not graded", "fingerprint": "f1", "grader_version": GRADER_VERSION, "attempts": 2}
    assert records.attempts(failed, "f1") == 2
    assert records.attempts({key: value for key, value in failed.items() if key != "attempts"}, "f1") == 1
    assert records.attempts(failed, "f2") == 0
    assert records.attempts({**failed, "status": "graded"}, "f1") == 0
    assert records.attempts({**failed, "grader_version": GRADER_VERSION + 1}, "f1") == 0
    assert records.attempts(None, "f1") == 0


def test_the_summary_names_every_lost_point_once():
    """Does summary_reason list notes, ungraded notebooks, stopping events, lost tests and flags, without repeats?"""
    record = {
        "notes": ["renamed 1.ipynb to 01_basics.ipynb"],
        "notebooks": {
            "02_more": {"notes": ["not graded: 02_more.ipynb is empty"],
                        "tests": [{"function": "mul", "score": 0, "max_score": 2, "reason": "not run"}]},
            "01_basics": {"notes": [],
                          "events": [{"kind": "hung", "message": "the cell ignored the interrupt"},
                                     {"kind": "review", "message": "not a reason"},
                                     {"kind": "hung", "message": "the cell ignored the interrupt"}],
                          "tests": [{"function": "add", "score": 0, "max_score": 2, "reason": "add(2, 3) is 6"},
                                    {"function": "sub", "score": 3, "max_score": 3, "reason": ""},
                                    {"function": "neg", "score": 1, "max_score": 2, "reason": ""}]},
        },
        "flags": ["add: code that may rebind names", "sub: a second reason"],
    }
    assert records.summary_reason(record) == (
        "renamed 1.ipynb to 01_basics.ipynb | 01_basics: the cell ignored the interrupt | add: add(2, 3) is 6 | "
        "neg: failed | 02_more: 02_more.ipynb is empty | "
        "flagged for review: add: code that may rebind names; sub: a second reason")
    assert records.summary_reason({"notebooks": {"01_basics": {"tests": [
        {"function": "add", "score": 2, "max_score": 2, "reason": ""}]}}}) == ""
