"""The linter: ruff, configured in pyproject.toml, passes on the whole repository."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOQA = re.compile(r"#\s*noqa\b(?P<rest>.*)$")
MOST_NOQA = 30


def ruff():
    return Path(sys.executable).parent / "ruff"


def test_ruff_finds_nothing():
    """Does `ruff check .` pass with the repository's own configuration?"""
    result = subprocess.run([str(ruff()), "check", ".", "--output-format", "concise"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_ruff_fails_on_a_planted_mistake(tmp_path):
    """Would the same configuration fail a file with an unused import and an over-long line?"""
    planted = tmp_path / "planted.py"
    planted.write_text("import os\n\nLONG = '" + "x" * 130 + "'\n")
    result = subprocess.run([str(ruff()), "check", "--config", str(REPO / "pyproject.toml"), str(planted),
                             "--output-format", "concise"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "F401" in result.stdout and "E501" in result.stdout, result.stdout


def noqa_markers():
    """(file, line number, text after "noqa") of every noqa comment in tracked Python files."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True).stdout.split()
    found = []
    for name in files:
        for number, line in enumerate((REPO / name).read_text(encoding="utf-8").splitlines(), start=1):
            match = NOQA.search(line)
            if match:
                found.append((name, number, match.group("rest")))
    return found


def test_every_noqa_names_its_rule_and_says_why():
    """Is each noqa a decision: a rule code and a reason in brackets, and fewer than 30 of them?"""
    markers = noqa_markers()
    assert len(markers) < MOST_NOQA, f"{len(markers)} noqa comments: {markers}"
    unexplained = [f"{name}:{number}" for name, number, rest in markers
                   if not re.match(r"^:\s*[A-Z]+\d+(\s*,\s*[A-Z]+\d+)*\s+\(.+\)", rest)]
    assert not unexplained, f"noqa without a rule or a reason: {unexplained}"
