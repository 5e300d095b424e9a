"""Grade one submission: plain data in, plain data out (runs in a grading worker).

The task holds the submission as read by grader.intake ({path: bytes}), the assignment's
definition as a small sqlite gradebook (bytes) and the course root's path. The worker writes
both into a private folder, repairs the notebooks' shape (grader.normalize), and runs
nbgrader's own `Autograde` converter there with `Execute` replaced by
grader.worker.execute.SandboxedExecute: the student's cells run in the sandbox, every test cell is
decided by the judge. The result carries the executed notebooks and the scores back to the
batch, which alone writes the real gradebook.
"""

import atexit
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from grader import notebooks as nb
from grader import protocol
from grader.courseroot import CourseRoot, place
from grader.intake import write_files
from grader.normalize import normalize_submission

_JUDGES = {}  # one judge process per worker and course, reused across submissions


def judge_for(course):
    """This worker's judge process for `course` (started on first use)."""
    from grader.worker.judge_client import JudgeProcess

    paths = tuple(str(course.relative(p)) for p in course.judge.pythonpath)
    readable = tuple(str(course.relative(p)) for p in (*course.judge.readable, *course.sandbox.readable)) + \
        (str(course.source_dir),)
    env = {**course.sandbox.set_env, protocol.EXECUTION_ENV: "autograde"}
    key = (paths, readable, tuple(course.judge.preload), tuple(sorted(env.items())), course.sandbox.mode)
    if key not in _JUDGES:
        judge = JudgeProcess(paths=paths, readable=readable, preload=course.judge.preload, env=env,
                             sandbox=course.sandbox)
        judge.start()  # it imports its preloads while the first kernel starts
        _JUDGES[key] = judge
        atexit.register(judge.stop)
    return _JUDGES[key]


def submission_seed(base, student, fingerprint):
    """The seed of one submission's hidden inputs.

    With a base seed (`autograde --seed`, or c.GraderJudge.seed) it is derived from the base,
    the student and the submission's contents: the same command grades the same submission
    the same way, and a changed submission gets new inputs, so answers read from an earlier
    feedback are worthless. Without one it is fresh for every grading run.
    """
    if not base:
        return secrets.randbelow(2**31 - 1) + 1
    digest = hashlib.sha256(f"{base}|{student}|{fingerprint}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1) + 1


def _solution_errors(executed):
    """{test cell id: why the solution cell above it failed}, from the executed notebook."""
    errors, last = {}, None
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        if nb.is_solution(cell):
            failed = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
            last = None
            if failed:
                ename = str(failed[-1].get("ename", "an error"))[:60]
                last = f"the cell that defines it failed with {ename}"
        elif nb.is_test(cell):
            errors[nb.grade_id(cell)] = last
    return errors


def test_reason(cell):
    """Why a test cell lost points, from the outputs the grader gave it ('' if it did not)."""
    errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if not errors:
        return ""
    error = errors[-1]
    lines = [line.strip() for line in str(error.get("evalue", "")).split("\n") if line.strip()]
    text = " — ".join(lines[:2]) if lines else str(error.get("ename", "failed"))
    if error.get("ename") in ("NotRun", "KernelDied", "CellTimeoutError"):
        text = f"{error['ename']}: {text}"
    return nb.capture_text(text, 400)


def _notebook_result(private_gradebook, course, student, name, executed_path, template):
    from nbgrader.api import Gradebook

    functions = nb.graded_functions(template)
    executed, _ = nb.read(executed_path) if executed_path.exists() else (None, None)
    cells = {nb.grade_id(c): c for c in executed.cells} if executed else {}
    solution_errors = _solution_errors(executed) if executed else {}
    tests = []
    with Gradebook(private_gradebook, course_id=course.coursedir.course_id) as gradebook:
        notebook = gradebook.find_submission_notebook(name, course.assignment, student)
        for grade in sorted(notebook.grades, key=lambda g: nb.position(template, g.name)):
            reason = ""
            if grade.score < grade.max_score:
                cell = cells.get(grade.name)
                reason = test_reason(cell) if cell is not None else "the test cell is missing"
                if solution_errors.get(grade.name) and "NotRun" not in reason:
                    reason += f" ({solution_errors[grade.name]})"
            tests.append({"cell": grade.name, "function": functions.get(grade.name, grade.name),
                          "score": grade.score, "max_score": grade.max_score, "reason": reason})
    return {"tests": tests, "executed": executed_path.read_text(encoding="utf-8") if executed else None}


def grade_submission(task):
    """Grade one submission task (see the module docstring); return the result dict."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from grader.worker.execute import KERNEL_START_FAILED, GradingContext, SandboxedExecute
    from grader.nbgrader_run import run_autograde
    from grader.sandbox import SandboxJob, acquire_slot

    started = time.monotonic()
    course = CourseRoot(task["root"], task["assignment"], task.get("overrides", ()))
    if task.get("workspace") and Path(task["workspace"]) != course.root:
        course.use_workspace(task["workspace"], private_gradebook=True)  # where the release is
    student = task["student"]
    seed = submission_seed(task.get("seed") or course.judge.seed, student, task.get("fingerprint", ""))
    private = Path(tempfile.mkdtemp(prefix="grader-submission-"))
    try:
        root = private / "course"
        root.mkdir()
        os.symlink(course.source_dir.parent, root / "source")  # the instructor's, read by nbgrader only
        gradebook_path = private / "gradebook.db"
        gradebook_path.write_bytes(task["gradebook"])
        templates = {}
        for name in course.notebooks():
            templates[name], error = nb.read(course.release_dir / f"{name}.ipynb")
            if error:
                raise RuntimeError(f"release notebook {name}.ipynb {error}")
        notebooks, notes = normalize_submission(task["files"], templates,
                                                course.limits.notebook_file_mb * 2**20)
        submitted = root / "submitted" / student / course.assignment
        submitted.mkdir(parents=True)
        write_files({path: data for path, data in task["files"].items()
                     if not (path.endswith(".ipynb") and "/" not in path)}, submitted)
        for name, notebook in notebooks.items():
            (submitted / f"{name}.ipynb").write_text(nb.writes(notebook), encoding="utf-8")

        config = course.nbgrader_config()
        place(config, root, "source")
        config.CourseDirectory.submitted_directory = "submitted"
        config.CourseDirectory.autograded_directory = "autograded"
        config.CourseDirectory.db_url = f"sqlite:///{gradebook_path}"
        config.CourseDirectory.student_id = student
        config.OverwriteCells.add_missing_cells = True
        defaults = Autograde.class_traits()["autograde_preprocessors"].default()
        config.Autograde.autograde_preprocessors = [SandboxedExecute if pp is Execute else pp for pp in defaults]

        slot = acquire_slot(course.sandbox)
        job = SandboxJob(slot, course.limits, course.sandbox, course.root)
        modules = [data.decode("utf-8", "replace") for path, data in sorted(task["files"].items())
                   if path.endswith(".py") and "/" not in path and len(data) < 2**20]
        context = GradingContext(job, course, judge_for(course), templates, seed, modules)
        config.SandboxedExecute.context = context  # reaches the preprocessor nbgrader makes, never copied
        try:
            outcome = run_autograde(config) if notebooks else {"success": True, "tail": ""}
            if not outcome["success"] and KERNEL_START_FAILED not in outcome["tail"]:
                outcome = _isolate_bad_notebooks(config, submitted, list(notebooks), notes)
        finally:
            job.cleanup()
            slot.release()

        result = {"student": student, "assignment": course.assignment, "seed": seed,
                  "seed_base": task.get("seed") or course.judge.seed or None,
                  "status": "graded" if outcome["success"] else "error",
                  "error": None if outcome["success"] else outcome["tail"],
                  "notes": notes.pop("", []), "notebooks": {}, "judge": context.judge.isolation}
        executed_dir = root / "autograded" / student / course.assignment
        if outcome["success"]:
            for name in templates:
                if (submitted / f"{name}.ipynb").exists():
                    result["notebooks"][name] = _notebook_result(
                        f"sqlite:///{gradebook_path}", course, student, name,
                        executed_dir / f"{name}.ipynb", templates[name])
        for name in templates:
            entry = result["notebooks"].setdefault(name, {"tests": [], "executed": None})
            entry["notes"] = notes.get(name, [])
            entry["events"] = context.events.get(name, [])
            entry["peak_memory_mb"] = round(context.peak_memory.get(name, 0) / 2**20, 1)
        result["seconds"] = round(time.monotonic() - started, 2)
        return result
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _isolate_bad_notebooks(config, submitted, names, notes):
    """nbgrader failed on the submission: grade each notebook alone, drop those it cannot grade."""
    import copy

    from grader.nbgrader_run import run_autograde

    for name in names:
        single = copy.deepcopy(config)
        single.CourseDirectory.notebook_id = name
        outcome = run_autograde(single)
        if not outcome["success"]:
            error = next((line for line in reversed(outcome["tail"].splitlines())
                          if "Error" in line and "NbGraderException" not in line), "unknown error")
            notes[name].append(f"not graded: nbgrader could not grade {name}.ipynb ({error.strip()[:300]})")
            (submitted / f"{name}.ipynb").unlink()
    if not any((submitted / f"{n}.ipynb").exists() for n in names):
        return {"success": True, "tail": "no notebook could be graded"}
    return run_autograde(config)
