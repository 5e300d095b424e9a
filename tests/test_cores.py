"""tests/cores.py: spread over two xdist workers, the tests of tests/grader/ run on one worker, each alone
(but the U-Net corpus's), while the other tests run side by side. Checked on a made-up suite whose tests log
when they ran."""

import json
import os
import subprocess
import sys
import textwrap
from itertools import combinations
from pathlib import Path

import pytest

from tests.cores import GRADER_TESTS, SHARING

REPO_TESTS = Path(__file__).resolve().parent

CONFTEST = f"""
import importlib.util
spec = importlib.util.spec_from_file_location("cores_under_test", {str(REPO_TESTS / "cores.py")!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
pytest_runtest_protocol, pytest_xdist_make_scheduler = module.pytest_runtest_protocol, module.pytest_xdist_make_scheduler
"""

TESTS = """
import json, os, time
from pathlib import Path
import pytest

@pytest.mark.parametrize("n", range({count}))
def test_logged(n, request):
    start = time.time()
    time.sleep(0.3)
    record = {{"start": start, "end": time.time(), "worker": os.environ["PYTEST_XDIST_WORKER"]}}
    name = request.node.nodeid.replace("/", "_").replace(":", "_")
    (Path(os.environ["CORES_LOG"]) / (name + ".json")).write_text(json.dumps(record))
"""


@pytest.mark.slow  # a pytest run with two workers: about 10 s
def test_grader_tests_run_on_one_worker_each_alone_and_the_others_side_by_side(tmp_path):
    """Do the tests/grader/ tests share one worker, those that run alone never overlapping another test, while
    the others overlap?"""
    suite, log = tmp_path / "suite", tmp_path / "log"
    log.mkdir()
    files = {f"{GRADER_TESTS}test_one.py": 3, f"{GRADER_TESTS}test_two.py": 2, SHARING[0]: 2,
             **{f"tests/test_free_{n}.py": 2 for n in range(6)}}
    for name, count in files.items():
        (suite / name).parent.mkdir(parents=True, exist_ok=True)
        (suite / name).write_text(textwrap.dedent(TESTS.format(count=count)))
    (suite / "conftest.py").write_text(CONFTEST)
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-q", "-p",
                           "no:cacheprovider", f"--basetemp={tmp_path / 'temp'}"], cwd=suite, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "CORES_LOG": str(log)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = {path.stem: json.loads(path.read_text()) for path in log.glob("*.json")}
    assert len(runs) == sum(files.values())
    grader = {name: run for name, run in runs.items() if name.startswith(GRADER_TESTS.replace("/", "_"))}
    alone = {name: run for name, run in grader.items() if not name.startswith(SHARING[0].replace("/", "_"))}
    others = {name: run for name, run in runs.items() if name not in grader}
    assert len(alone) == 5 and len({run["worker"] for run in grader.values()}) == 1, grader

    def overlap(a, b):
        return a["start"] < b["end"] and b["start"] < a["end"]

    assert not [(a, b) for a in alone for b in runs if a != b and overlap(alone[a], runs[b])]
    assert any(overlap(others[a], others[b]) for a, b in combinations(others, 2)), others
