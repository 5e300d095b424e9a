"""`grader autograde`: grade all (or named) submissions, in parallel, resumably.

    python -m grader autograde [STUDENT ...] [--workers N] [--force]

Each submission is graded by nbgrader's own `Autograde` converter in a worker process of its
own, on a private copy of the course (the submission, a snapshot of the gradebook, links to
the source), with `Execute` replaced by grader.execute.SandboxedExecute. The worker never
touches the real gradebook, so parallel workers cannot lock it or leave half-written grades.

The parent merges each finished submission, one at a time, with nbgrader again: an
`Autograde` run on the executed notebooks with only the grade-saving preprocessors
(SaveAutoGrades, AssignLatePenalties, CheckCellMetadata), which writes the grades and the
autograded/ folder exactly as `nbgrader autograde` would. Only then is the student's record
written (atomically) to autograde-results/<assignment>/<student>.json. A run that is killed
(even with kill -9) leaves at most submissions without a record, and the next run grades
exactly those; nbgrader updates a submission's grades in place, so a grade can never be
duplicated. A record holds a fingerprint of the submitted files: a changed submission is
graded again.
"""

import concurrent.futures
import contextlib
import copy
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from grader.course import Course, CourseError

GRADER_VERSION = 1
REPO_ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# A worker is `python -c WORKER_COMMAND JOBS_FD DONE_FD` (see worker_loop, and
# grader.cli.speed_up_imports for the first statement).
WORKER_COMMAND = ("import sys; sys.modules.setdefault('rfc3987_syntax', None); "
                  "from grader.autograde import worker_loop; "
                  "sys.exit(worker_loop(int(sys.argv[1]), int(sys.argv[2])))")


class AutogradeError(RuntimeError):
    """The batch cannot start (another run holds the course, or the course is not ready)."""


# ------------------------------------------------------------------------------ records

def fingerprint(folder):
    """sha256 of a submission folder: relative paths and contents of all its files."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def write_atomic(path, data):
    """Write JSON to `path` via a temporary file, fsync and rename (all or nothing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_record(course, student):
    path = course.state_dir / f"{student}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def read_records(course):
    records = {}
    if course.state_dir.is_dir():
        for path in sorted(course.state_dir.glob("*.json")):
            with contextlib.suppress(OSError, json.JSONDecodeError):
                records[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return records


# ------------------------------------------------------------------------------ the worker

def _set_parent_death_signal():
    """Die with the parent (kill -9 of the batch must not leave workers grading)."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def _nbgrader_config(course, root, db_url, student, preprocessors=None, sanitize=None):

    config = copy.deepcopy(course.config)  # Config.merge would share its sections
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.CourseDirectory.assignment_id = course.assignment
    config.CourseDirectory.student_id = student
    config.OverwriteCells.add_missing_cells = True
    if preprocessors is not None:
        config.Autograde.autograde_preprocessors = preprocessors
    if sanitize is not None:
        config.Autograde.sanitize_preprocessors = sanitize
    return config


def _run_autograde(config):
    """nbgrader's Autograde converter, forced, creating the student; returns capture_log's dict."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    coursedir = CourseDirectory(config=config)
    app = Autograde(coursedir=coursedir, config=config)
    app.force = True
    app.create_student = True
    return capture_log(app)


def _test_reason(cell):
    """Why a test cell lost points, from its outputs ('' if it did not)."""
    errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if errors:
        chosen = errors[-1]
        for out in errors:  # our own verdicts say more than the KeyboardInterrupt before them
            if out.get("ename") in ("CellTimeoutError", "KernelDied", "NotRun"):
                chosen = out
        ename, evalue = chosen.get("ename", "Error"), (chosen.get("evalue") or "").strip()
        if ename == "CellTimeoutError" and not evalue:
            evalue = "the cell did not finish in time and was interrupted"
        text = f"{ename}: {evalue}" if evalue else ename
        return text if len(text) <= 400 else text[:397] + "..."
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            text = out.get("text") or ""
            if isinstance(text, list):  # a notebook file may store multi-line text as a list of lines
                text = "".join(text)
            first = text.strip().splitlines()[:1]
            return ("the test wrote to stderr, which nbgrader counts as a failure: "
                    + (first[0][:200] if first else ""))
    return ""


def grade_submission(course, student, private, snapshot):
    """Grade one submission in `private` (a fresh folder); return its result dict.

    Runs in the worker process. The real course is only read: source, release, the
    student's submitted folder.
    """
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import Execute

    from grader import normalize
    from grader.execute import KERNEL_START_FAILED, GradingContext, SandboxedExecute
    from grader.sandbox import SandboxJob, acquire_slot

    started = time.monotonic()
    private = Path(private)
    root = private / "course"
    root.mkdir(parents=True)
    os.symlink(course.source_dir.parent, root / "source")
    submitted = root / "submitted" / student / course.assignment
    shutil.copytree(course.submitted_dir(student), submitted, symlinks=False,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    db_path = private / "gradebook.db"
    shutil.copyfile(snapshot, db_path)
    db_url = f"sqlite:///{db_path}"

    names = course.notebooks()
    notes = normalize.normalize_submission(submitted, course.release_dir, names,
                                           course.limits.notebook_file_mb)
    templates = {name: json.loads((course.release_dir / f"{name}.ipynb").read_text())
                 for name in names}
    tamper = []
    for name in names:
        path = submitted / f"{name}.ipynb"
        if path.exists():
            for warning in normalize.tamper_warnings(json.loads(path.read_text()), templates[name],
                                                     course.sandbox.suspicious_names):
                tamper.append(f"{name}: {warning}")

    from nbgrader.converters import Autograde

    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    preprocessors = [SandboxedExecute if pp is Execute else pp for pp in defaults]
    config = _nbgrader_config(course, root, db_url, student, preprocessors)
    slot = acquire_slot(course.sandbox)
    job = SandboxJob(slot, course.limits, course.sandbox, course.root)
    context = GradingContext(job, course.limits, course.sandbox, course.source_notebooks())
    SandboxedExecute.context = context
    graded_notebooks = [n for n in names if (submitted / f"{n}.ipynb").exists()]
    try:
        if graded_notebooks:
            outcome = _run_autograde(config)
            if not outcome["success"] and KERNEL_START_FAILED not in _log_tail(outcome, 400):
                outcome = _isolate_bad_notebooks(config, submitted, graded_notebooks, notes)
                graded_notebooks = [n for n in names if (submitted / f"{n}.ipynb").exists()]
        else:
            outcome = {"success": True, "log": "no notebook could be graded"}
    finally:
        SandboxedExecute.context = None
        job.cleanup()
        slot.release()

    result = {
        "student": student,
        "assignment": course.assignment,
        "status": "graded" if outcome["success"] else "error",
        "error": None if outcome["success"] else _log_tail(outcome),
        "notes": notes.pop("", []),
        "tamper": tamper,
        "notebooks": {},
        "executed": str(root / "autograded" / student / course.assignment),
        "seconds": None,
    }
    if outcome["success"] and graded_notebooks:
        with Gradebook(db_url) as gradebook:
            for name in graded_notebooks:
                result["notebooks"][name] = _notebook_result(
                    gradebook, course, student, name, Path(result["executed"]) / f"{name}.ipynb",
                    templates[name])
    for name in names:
        entry = result["notebooks"].setdefault(name, {"tests": []})
        entry["notes"] = notes.get(name, [])
        entry["events"] = context.events.get(name, [])
        entry["peak_memory_mb"] = round(context.peak_memory.get(name, 0) / 2**20, 1)
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _isolate_bad_notebooks(config, submitted, notebooks, notes):
    """nbgrader failed on the submission: find the notebooks it fails on, grade the others.

    Each notebook is tried alone; those nbgrader still cannot grade are removed (they score
    0, with nbgrader's error as the reason) and the rest is graded again together.
    """
    for name in notebooks:
        single = copy.deepcopy(config)  # Config.merge would share the sections
        single.CourseDirectory.notebook_id = name
        outcome = _run_autograde(single)
        if not outcome["success"]:
            error = next((line for line in reversed(_log_tail(outcome, 400).splitlines())
                          if "Error" in line and "NbGraderException" not in line), "unknown error")
            notes[name].append(f"not graded: nbgrader could not grade {name}.ipynb "
                               f"({error.strip()[:300]})")
            (submitted / f"{name}.ipynb").unlink()
    if not any((submitted / f"{n}.ipynb").exists() for n in notebooks):
        return {"success": True, "log": "no notebook could be graded"}
    return _run_autograde(config)


def _log_tail(outcome, lines=40):
    text = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    return "\n".join(text.strip().splitlines()[-lines:])


def _notebook_result(gradebook, course, student, name, executed_path, template):
    from grader.normalize import graded_functions

    functions = graded_functions(template)
    cells, solution_errors = {}, {}
    if executed_path.exists():
        executed = json.loads(executed_path.read_text(encoding="utf-8"))
        last_solution_error = None
        for cell in executed["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            if gid:
                cells[gid] = cell
            if meta.get("solution"):
                last_solution_error = _test_reason(cell) or None
            elif meta.get("grade") and gid:
                solution_errors[gid] = last_solution_error
    tests = []
    notebook = gradebook.find_submission_notebook(name, course.assignment, student)
    for grade in sorted(notebook.grades, key=lambda g: _template_position(template, g.name)):
        score = grade.score
        reason = ""
        if score < grade.max_score:
            cell = cells.get(grade.name)
            reason = _test_reason(cell) if cell is not None else "the test cell is missing"
            if solution_errors.get(grade.name) and "KernelDied" not in reason \
                    and "NotRun" not in reason:
                reason += f" (the cell that defines it failed: {solution_errors[grade.name]})"
            if not reason and grade.needs_manual_grade:
                reason = "needs manual grading"
        tests.append({"cell": grade.name, "function": functions.get(grade.name, grade.name),
                      "score": score, "max_score": grade.max_score, "reason": reason})
    return {"tests": tests}


def _template_position(template, grade_id):
    for index, cell in enumerate(template["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    return len(template["cells"])


def worker_main(job_file):
    """Entry point of a worker process: grade the job, write result.json next to it."""
    _set_parent_death_signal()
    job = json.loads(Path(job_file).read_text(encoding="utf-8"))
    private = Path(job["private"])
    try:
        course = Course(job["root"], job["assignment"], job["overrides"])
        if job["workspace"] != str(course.root):
            course.use_workspace(job["workspace"])
        result = grade_submission(course, job["student"], private / "work", job["snapshot"])
    except BaseException as error:  # noqa: BLE001 (reported to the parent, never lost)
        result = {"student": job["student"], "assignment": job["assignment"], "status": "error",
                  "error": f"{type(error).__name__}: {error}\n{traceback.format_exc()}"}
    write_atomic(private / "result.json", result)
    return 0


def worker_loop(jobs_fd, done_fd):
    """A persistent worker: grade each job file named on `jobs_fd`, answer on `done_fd`.

    Importing nbgrader takes seconds, so a worker grades many submissions in turn. The two
    pipes are private to the worker (not inherited by kernels, unlike stdin and stdout,
    which a student's code could read or write).
    """
    _set_parent_death_signal()
    for fd in (jobs_fd, done_fd):
        os.set_inheritable(fd, False)
    with os.fdopen(jobs_fd, "r", encoding="utf-8") as jobs, \
            os.fdopen(done_fd, "w", encoding="utf-8", buffering=1) as done:
        for line in jobs:
            job_file = line.strip()
            if job_file:
                worker_main(job_file)
                done.write(f"done {job_file}\n")
    return 0


class WorkerProcess:
    """A worker process and its two pipes, driven by one thread of the parent."""

    def __init__(self, scratch, register):
        self.register = register
        fd, path = tempfile.mkstemp(prefix="worker-", suffix=".log", dir=scratch)
        os.close(fd)
        self.log_path = Path(path)
        jobs_read, self.jobs_write = os.pipe()
        self.done_read, done_write = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + (
            [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER_COMMAND, str(jobs_read), str(done_write)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                pass_fds=(jobs_read, done_write), start_new_session=True)
        os.close(jobs_read)
        os.close(done_write)
        self.done = os.fdopen(self.done_read, "r", encoding="utf-8")
        register(self.process, True)

    def alive(self):
        return self.process.poll() is None

    def run(self, job_file, timeout):
        """Send a job; return "done", "timeout" or how the process ended."""
        import select

        try:
            os.write(self.jobs_write, f"{job_file}\n".encode())
        except OSError:
            return self._ended()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                return "timeout"
            ready, _, _ = select.select([self.done], [], [], min(remaining, 1.0))
            if ready:
                line = self.done.readline()
                if not line:
                    return self._ended()
                if line.strip() == f"done {job_file}":
                    return "done"
            elif not self.alive():
                return self._ended()

    def _ended(self):
        self.stop()
        code = self.process.returncode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"

    def stop(self):
        _kill_group(self.process)
        self.register(self.process, False)
        for closer in (lambda: os.close(self.jobs_write), self.done.close):
            with contextlib.suppress(OSError):
                closer()

    def log_tail(self):
        try:
            return self.log_path.read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""


# ------------------------------------------------------------------------------ the parent

class Batch:
    """One `autograde` run over a course: plan, grade in workers, merge, record."""

    def __init__(self, course, workers=1, force=False, quiet=False, log=None):
        self.course = course
        self.workers = max(1, int(workers))
        self.force = force
        self.quiet = quiet
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self._children = {}
        self._children_lock = threading.Lock()
        self._local = threading.local()
        self._stopping = False

    # Plan ----------------------------------------------------------------------------------
    def plan(self, students=None):
        """Return (to_grade, up_to_date, unknown): students to grade, already done, not found."""
        available = self.course.students()
        unknown = []
        if students:
            unknown = [s for s in students if s not in available]
            available = [s for s in available if s in set(students)]
        to_grade, done = [], []
        for student in available:
            record = read_record(self.course, student)
            current = fingerprint(self.course.submitted_dir(student))
            if (not self.force and record and record.get("status") == "graded"
                    and record.get("fingerprint") == current
                    and record.get("grader_version") == GRADER_VERSION):
                done.append(student)
            else:
                to_grade.append(student)
        return to_grade, done, unknown

    # Run -----------------------------------------------------------------------------------
    def run(self, students=None):
        """Grade; return a summary dict (graded, skipped, failed, unknown, records)."""
        from grader.sandbox import check_mode

        course = self.course
        course.require_release()
        caps = check_mode(course.sandbox)
        course.state_dir.mkdir(parents=True, exist_ok=True)
        lock = open(course.state_dir / ".lock", "a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise AutogradeError(f"another autograde run is grading {course.workspace} "
                                 f"(it holds {course.state_dir / '.lock'}); wait for it or stop it")
        try:
            to_grade, done, unknown = self.plan(students)
            summary = {"graded": [], "skipped": done, "failed": [], "unknown": unknown,
                       "isolation": caps.summary(course.sandbox), "notes": list(caps.notes)}
            if not to_grade:
                return summary
            course.prepare()
            _remove_stale_scratch()
            scratch = Path(tempfile.mkdtemp(prefix=f"grader-batch-{os.getpid()}-"))
            os.chmod(scratch, 0o700)
            try:
                snapshot = scratch / "gradebook-snapshot.db"
                _backup_sqlite(course.db_path, snapshot)
                self._grade_all(to_grade, scratch, snapshot, summary)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            return summary
        finally:
            lock.close()

    def _grade_all(self, to_grade, scratch, snapshot, summary):
        from tqdm import tqdm

        bar = tqdm(total=len(to_grade), unit="submission", disable=self.quiet,
                   desc=f"autograde {self.course.assignment}", file=sys.stderr)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.workers)
        futures = {pool.submit(self._grade_in_worker, student, scratch, snapshot): student
                   for student in to_grade}
        try:
            for future in concurrent.futures.as_completed(futures):
                student = futures[future]
                result, private = future.result()
                try:
                    record = self._merge(student, result)
                except Exception as error:  # noqa: BLE001 (one student's failure, not the batch's)
                    record = dict(result, status="error",
                                  error=f"merging into the gradebook failed: {error}\n"
                                        f"{traceback.format_exc()}")
                finally:
                    shutil.rmtree(private, ignore_errors=True)
                if record["status"] == "graded":
                    summary["graded"].append(record)
                    bar.set_postfix_str(f"{student}: {record['score']:g}/{record['max_score']:g}")
                else:
                    summary["failed"].append(record)
                    self.log(f"could not grade {student}: {record['error'].splitlines()[0]}")
                bar.update(1)
        except BaseException:
            self._stopping = True
            self._kill_children()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            bar.close()
        pool.shutdown(wait=True)
        self._kill_children()

    def _grade_in_worker(self, student, scratch, snapshot):
        """Grade one submission in this thread's worker process; return (result, folder)."""
        if self._stopping:
            raise concurrent.futures.CancelledError()
        private = Path(tempfile.mkdtemp(prefix=f"{student[:40]}-", dir=scratch))
        job_file = private / "job.json"
        job = {"root": str(self.course.root), "workspace": str(self.course.workspace),
               "assignment": self.course.assignment,
               "student": student, "overrides": list(self._overrides()),
               "private": str(private), "snapshot": str(snapshot)}
        job_file.write_text(json.dumps(job), encoding="utf-8")
        limit = self.course.limits.submission_timeout(len(self.course.notebooks()))
        started = time.monotonic()
        worker = getattr(self._local, "worker", None)
        if worker is None or not worker.alive():
            worker = self._local.worker = WorkerProcess(scratch, self._register)
        outcome = worker.run(job_file, limit)
        result_file = private / "result.json"
        if outcome == "done" and result_file.exists():
            result = json.loads(result_file.read_text(encoding="utf-8"))
        else:
            self._local.worker = None
            tail = worker.log_tail()
            if outcome == "timeout":
                why = f"grading took longer than {limit:.0f} s and was stopped"
            else:
                why = f"the grading worker stopped ({outcome})"
            result = {"student": student, "assignment": self.course.assignment,
                      "status": "error", "error": f"{why}\n{tail}"}
        result.setdefault("seconds", round(time.monotonic() - started, 2))
        return result, private

    def _register(self, process, add):
        with self._children_lock:
            if add:
                self._children[process.pid] = process
            else:
                self._children.pop(process.pid, None)

    def _overrides(self):
        return self.course.overrides

    def _kill_children(self):
        with self._children_lock:
            for process in list(self._children.values()):
                _kill_group(process)

    # Merge ---------------------------------------------------------------------------------
    def _merge(self, student, result):
        """Save a worker's grades with nbgrader into the real course; write the record."""
        course = self.course
        if result.get("status") != "graded":
            return result
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

        executed = Path(result["executed"])
        graded = [n for n in course.notebooks() if (executed / f"{n}.ipynb").exists()]
        if graded:
            # nbgrader copies the executed notebooks into autograded/ and saves their grades.
            config = _nbgrader_config(
                course, course.workspace, course.db_url, student,
                preprocessors=[SaveAutoGrades, AssignLatePenalties, CheckCellMetadata],
                sanitize=[])
            config.CourseDirectory.submitted_directory = str(executed.parent.parent)
            outcome = _run_autograde(config)
            if not outcome["success"]:
                raise RuntimeError("nbgrader could not save the grades:\n" + _log_tail(outcome))
        else:
            with Gradebook(course.db_url) as gradebook:
                gradebook.update_or_create_student(student)
                gradebook.update_or_create_submission(course.assignment, student)
            target = course.autograded_dir(student)
            if target.exists():
                shutil.rmtree(target)
        record = dict(result)
        record.pop("executed", None)
        with Gradebook(course.db_url) as gradebook:
            submission = gradebook.find_submission(course.assignment, student)
            record["score"] = submission.score
            record["max_score"] = submission.max_score
            record["late_penalty"] = submission.late_submission_penalty
            for notebook in submission.notebooks:
                entry = record["notebooks"].setdefault(notebook.name, {"tests": [], "notes": []})
                entry["score"] = notebook.score
                entry["max_score"] = notebook.max_score
                scores = {g.name: g.score for g in notebook.grades}
                if not entry.get("tests"):
                    entry["tests"] = self._tests_without_run(notebook, entry)
                for test in entry["tests"]:
                    test["score"] = scores.get(test["cell"], test["score"])
        record["fingerprint"] = fingerprint(course.submitted_dir(student))
        record["grader_version"] = GRADER_VERSION
        record["graded_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds")
        record["reason"] = summary_reason(record)
        write_atomic(course.state_dir / f"{student}.json", record)
        return record

    def _tests_without_run(self, notebook, entry):
        """Test rows of a notebook that was not executed (missing or unreadable)."""
        from grader.normalize import graded_functions

        template = json.loads((self.course.release_dir / f"{notebook.name}.ipynb").read_text())
        functions = graded_functions(template)
        why = next((n for n in entry.get("notes", []) if n.startswith("not graded")),
                   "not graded")
        return [{"cell": g.name, "function": functions.get(g.name, g.name), "score": 0.0,
                 "max_score": g.max_score, "reason": why}
                for g in sorted(notebook.grades, key=lambda g: _template_position(template, g.name))]


def summary_reason(record):
    """One line on why points were lost (empty for full marks without notes)."""
    parts = []
    for name, entry in sorted(record.get("notebooks", {}).items()):
        notgraded = [n for n in entry.get("notes", []) if n.startswith("not graded")]
        if notgraded:
            parts.append(f"{name}: {notgraded[0][len('not graded: '):]}")
            continue
        for event in entry.get("events", []):
            if event["kind"] in ("died", "hung", "budget", "tamper"):
                parts.append(f"{name}: {event['message']}")
        for test in entry.get("tests", []):
            if test["score"] < test["max_score"]:
                parts.append(f"{test['function']}: {test['reason'] or 'failed'}")
    if record.get("tamper"):
        parts.append("flagged for review: " + "; ".join(record["tamper"]))
    return " | ".join(dict.fromkeys(parts))


def _kill_group(process):
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.wait(timeout=10)


def _remove_stale_scratch():
    """Delete the scratch folders of batches that were killed (their process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob("grader-batch-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _backup_sqlite(source, target):
    """A consistent copy of the gradebook (sqlite's online backup)."""
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# ------------------------------------------------------------------------------ command line

def add_arguments(parser):
    parser.add_argument("students", nargs="*", metavar="STUDENT",
                        help="grade only these students (default: all submissions)")
    parser.add_argument("--workers", "-j", type=int, default=1,
                        help="submissions graded at the same time (default 1)")
    parser.add_argument("--force", action="store_true",
                        help="grade again even submissions already graded and unchanged")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def main(args):
    course = args.course
    batch = Batch(course, workers=args.workers, force=args.force, quiet=args.quiet)
    try:
        summary = batch.run(args.students or None)
    except KeyboardInterrupt:
        print("\ninterrupted: graded submissions are saved; run the same command again to "
              "grade the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (AutogradeError, CourseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(format_summary(summary))
    if summary["unknown"]:
        return EXIT_USAGE
    return EXIT_SOME_FAILED if summary["failed"] else EXIT_OK


def format_summary(summary):
    lines = [f"isolation: {summary['isolation']}"]
    for record in summary["graded"]:
        reason = f"  ({record['reason']})" if record.get("reason") else ""
        lines.append(f"  {record['student']}: {record['score']:g}/{record['max_score']:g}{reason}")
    for record in summary["failed"]:
        lines.append(f"  {record['student']}: NOT GRADED: {record['error'].splitlines()[0]}")
    lines.append(f"graded {len(summary['graded'])}, already up to date "
                 f"{len(summary['skipped'])}, could not grade {len(summary['failed'])}")
    for student in summary["unknown"]:
        lines.append(f"no submission for {student!r} in submitted/ (run `grader collect` first?)")
    return "\n".join(lines)
