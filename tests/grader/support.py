"""Helpers of the grader tests: run the real command, read gradebooks and records."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = FILES / "submissions"
ASSIGNMENT = "toy"


def grader_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                        if env.get("PYTHONPATH") else []))
    return env


def run_grader(*args, timeout=900, check=True):
    """Run `python -m grader ARGS` as a user would; return the CompletedProcess."""
    process = subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=REPO,
                             env=grader_env(), capture_output=True, text=True, timeout=timeout)
    if check and process.returncode != 0:
        raise AssertionError(f"grader {' '.join(map(str, args))} exited {process.returncode}\n"
                             f"stdout:\n{process.stdout}\nstderr:\n{process.stderr[-5000:]}")
    return process


def copy_course(source, target):
    shutil.copytree(source, target, symlinks=True)
    return target


def records(root):
    folder = Path(root) / "autograde-results" / ASSIGNMENT
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def gradebook_scores(root):
    """{(student, notebook, test cell): score} from nbgrader's gradebook of a course."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[(submission.student.id, notebook.name, grade.name)] = grade.score
    return scores


def download_of(scenarios, folder):
    """A download folder (one subfolder per student) holding just these scenarios."""
    folder = Path(folder)
    for scenario in scenarios:
        shutil.copytree(SUBMISSIONS / scenario, folder / scenario)
    return folder


def fully_isolated():
    """Does this machine give the whole sandbox (own user, own file system, no network)?"""
    from grader.sandbox import capabilities

    caps = capabilities()
    return caps.other_user and caps.namespaces


# Scenarios that would really damage the course under test where the sandbox cannot stop them.
DAMAGING = {"writes-outside"}


def corpus_scenarios():
    """The scenarios graded in the corpus batch on this machine."""
    names = sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir())
    return names if fully_isolated() else [n for n in names if n not in DAMAGING]
