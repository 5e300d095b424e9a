"""The gradebook: nbgrader's own (SQLAlchemy; sqlite by default, PostgreSQL with db_url).

Grading workers never open the real gradebook. Each gets a small private sqlite copy of the
assignment's definition (`write_template`: its notebooks and cells, hidden tests included,
which nbgrader needs to restore test cells), grades into that, and sends the results back.
Only the batch's client writes the real gradebook (`save`, or `save_many` for every result
that came back at once), with nbgrader's own preprocessors, so parallel workers can neither
lock it nor leave half-written grades, and a grade can never be duplicated: nbgrader updates a
submission in place.
"""

import contextlib
import shutil
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


def _gradebook(course, url=None):
    return Gradebook(url or course.db_url, course_id=course.coursedir.course_id)


def has_assignment(course):
    """Is the assignment in the gradebook (has it been released)?"""
    try:
        with _gradebook(course) as gradebook:
            gradebook.find_assignment(course.assignment)
        return True
    except MissingEntry:
        return False
    except Exception:  # no database yet, or unreachable
        return False


def store_names(course, names):
    """Give students {student id: (first name, last name)} their names in the gradebook (created if new)."""
    with _gradebook(course) as gradebook:
        for student, (first, last) in sorted(names.items()):
            gradebook.update_or_create_student(student, first_name=first, last_name=last)


def write_template(course, target):
    """Copy the assignment's definition from the real gradebook into a new sqlite file `target`."""
    target = Path(target)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    with _gradebook(course) as source, _gradebook(course, f"sqlite:///{target}") as copy:
        assignment = source.find_assignment(course.assignment)
        copy.update_or_create_assignment(assignment.name, duedate=assignment.duedate)
        for notebook in assignment.notebooks:
            copy.update_or_create_notebook(notebook.name, assignment.name, kernelspec=notebook.kernelspec)
            where = (notebook.name, assignment.name)
            for cell in notebook.grade_cells:
                copy.update_or_create_grade_cell(cell.name, *where, max_score=cell.max_score,
                                                 cell_type=cell.cell_type)
            for cell in notebook.solution_cells:
                copy.update_or_create_solution_cell(cell.name, *where)
            for cell in notebook.task_cells:
                copy.update_or_create_task_cell(cell.name, *where, max_score=cell.max_score,
                                                cell_type=cell.cell_type)
            for cell in notebook.source_cells:
                copy.update_or_create_source_cell(cell.name, *where, cell_type=cell.cell_type,
                                                  locked=cell.locked, source=cell.source,
                                                  checksum=cell.checksum)
    return target


@contextlib.contextmanager
def batched_writes(course):
    """While saving a batch into a SQLite gradebook: commits without a disk flush each, one at the end.

    nbgrader commits once per grade cell, and SQLite flushes to disk at every commit: most of
    the writer's time. Inside this block the gradebook is in write-ahead-log mode with
    `synchronous=NORMAL` (a commit survives the process being killed, not yet a power cut);
    on leaving it, a full checkpoint writes everything to the database file and flushes it, so
    that the records written after it never name a grade the disk might lose. Other databases
    (PostgreSQL) are left as they are.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    url = str(course.db_url)
    if not url.startswith("sqlite:///"):
        yield
        return
    database = Path(url[len("sqlite:///"):]).resolve()

    def on_connect(connection, record):
        if isinstance(connection, sqlite3.Connection) and _database_of(connection) == database:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")

    event.listen(Engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Engine, "connect", on_connect)
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(FULL)")


def _database_of(connection):
    rows = connection.execute("PRAGMA database_list").fetchall()
    main = [row[2] for row in rows if row[1] == "main"]
    return Path(main[0]).resolve() if main and main[0] else None


def save(course, student, executed_dir):
    """Save the grades of executed notebooks into the real gradebook and autograded/, with nbgrader.

    `executed_dir` holds the worker's executed notebooks (nbgrader's autograded layout of
    one student). nbgrader's Autograde converter runs with only the grade-saving
    preprocessors, which is what `nbgrader autograde` does after executing.
    """
    _save(course, student, Path(executed_dir).parent.parent)


def save_many(course, folder):
    """As `save`, for every student folder in `folder` (<student>/<assignment>/*.ipynb), in one nbgrader run.

    One converter for many submissions: its set-up, its configuration and its gradebook
    connection are paid once. Raises RuntimeError if nbgrader failed for any of them (nbgrader
    then leaves that student's autograded folder out; save them one by one to find out which).
    """
    _save(course, "*", folder)


def _save(course, student, submitted):
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

    from grader.nbgrader_run import run_autograde

    config = course.nbgrader_config()
    config.CourseDirectory.student_id = student
    config.CourseDirectory.submitted_directory = str(submitted)
    config.Autograde.autograde_preprocessors = [SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    config.Autograde.sanitize_preprocessors = []
    outcome = run_autograde(config)
    if not outcome["success"]:
        raise RuntimeError("nbgrader could not save the grades:\n" + outcome["tail"])


def save_empty(course, student):
    """A student with nothing gradable: a submission with no notebooks, so exports name them."""
    with _gradebook(course) as gradebook:
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(course.assignment, student)
    target = course.autograded_dir(student)
    if target.exists():
        shutil.rmtree(target)


def scores(course, student):
    """{"score", "max_score", "late_penalty", "notebooks": {name: {"score", "max_score", "grades"}}}."""
    return scores_of(course, [student])[student]


def scores_of(course, students):
    """{student: scores(course, student)} for several students, read in one gradebook session."""
    found = {}
    with _gradebook(course) as gradebook:
        for student in students:
            submission = gradebook.find_submission(course.assignment, student)
            result = {"score": submission.score, "max_score": submission.max_score,
                      "late_penalty": submission.late_submission_penalty, "notebooks": {}}
            for notebook in submission.notebooks:
                result["notebooks"][notebook.name] = {
                    "score": notebook.score, "max_score": notebook.max_score,
                    "grades": {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}}
            found[student] = result
    return found


def max_scores(course):
    """{notebook: {test cell: max score}} of the assignment, from the gradebook."""
    with _gradebook(course) as gradebook:
        assignment = gradebook.find_assignment(course.assignment)
        return {notebook.name: {cell.name: cell.max_score for cell in notebook.grade_cells}
                for notebook in assignment.notebooks}


def students(course):
    """Ids of the students the gradebook knows."""
    with _gradebook(course) as gradebook:
        return [student.id for student in gradebook.students]
