"""`grader feedback`: per-student HTML feedback with the grader's verdicts, never the hidden tests.

    python -m grader feedback [STUDENT ...]

nbgrader's `generate_feedback` renders the autograded notebook, in which nbgrader has put the
hidden tests back. We run the same converter with one more preprocessor, `HideHiddenTests`,
between nbgrader's GetGrades and the HTML styling:

- each hidden-test region of a test cell is replaced by a comment line;
- the outputs of the student's own cells are left out: the kernel may read material a student
  must not take home (the definitions of earlier notebooks), and a cell could print it, even
  encoded. What a test cell shows is the grader's verdict, written by the judge;
- a first cell lists what the grader noted for the notebook (repairs, time-outs, crashes,
  the reason for each lost point).

Each HTML file is then checked once more for hidden-test lines; one that still has any is
deleted and reported instead of being handed out. Each gets a style that wraps long output
lines (a verdict, a layer table's hint) at the page's edge instead of cutting them off.
"""

import html
import re
import sys

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Unicode

from grader import notebooks as nb
from grader.records import read_records_in

PLACEHOLDER = "# [hidden tests: not shown]"
NOTES_ID = "grader-notes"
# nbconvert's classic template sets `white-space: pre` on outputs: a long line ran off the page
WRAP_STYLE = ("<style>/* grader: long output lines wrap */ div.output_subarea pre, .jp-OutputArea-output pre "
              "{white-space: pre-wrap; word-break: normal; overflow-wrap: anywhere;}</style>")
OMITTED = "[the outputs of your own cells are not part of the feedback]"
MIN_LINE = 10  # shorter lines (e.g. "pass", "x = 1") are too common to count as a leak


def hidden_lines(notebook, begin="BEGIN HIDDEN TESTS", end="END HIDDEN TESTS"):
    """The distinctive lines (stripped) inside the hidden-test regions of a notebook."""
    lines = set()
    for cell in notebook.cells:
        if not nb.is_test(cell):  # a student's cell may quote the markers: only tests hold hidden tests
            continue
        inside = False
        for line in cell.source.split("\n"):
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= MIN_LINE and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests and the student's cell outputs; add the grader's notes."""

    records_dir = Unicode("", help="folder of the grader's per-student records").tag(config=True)

    def _remove_hidden_test_region(self, cell):
        kept, inside, removed = [], False, False
        for line in cell.source.split("\n"):
            if self.begin_test_delimeter in line:
                inside, removed = True, True
                kept.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
            elif self.end_test_delimeter in line:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        return removed

    def preprocess(self, notebook, resources):
        self._secrets = hidden_lines(notebook, self.begin_test_delimeter, self.end_test_delimeter)
        notebook, resources = super().preprocess(notebook, resources)
        notes = self._notes(resources)
        if notes:
            notebook.cells.insert(0, NotebookNode(cell_type="markdown", metadata={}, source=notes, id=NOTES_ID))
        _give_cells_ids(notebook)
        return notebook, resources

    def preprocess_cell(self, cell, resources, index):
        if not nb.is_test(cell):  # the student's own cell: shown as written, its outputs left out
            if cell.cell_type == "code" and cell.get("outputs"):
                cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=OMITTED + "\n")]
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                for key in ("text", "evalue"):
                    if key in output:
                        output[key] = self._scrub(output[key])
                if "traceback" in output:
                    output["traceback"] = [self._scrub(line) for line in output["traceback"]]
        return cell, resources

    def _scrub(self, text):
        if not any(secret in text for secret in self._secrets):
            return text
        return "\n".join("[removed: hidden test code]" if any(s in line for s in self._secrets) else line
                         for line in text.split("\n"))

    def _notes(self, resources):
        if not self.records_dir:
            return ""
        info = resources.get("nbgrader", {})
        record = read_records_in(self.records_dir, [str(info.get("student"))]).get(str(info.get("student")), {})
        entry = record.get("notebooks", {}).get(info.get("notebook"), {})
        lines = [f"- {note}" for note in entry.get("notes", [])]
        lines += [f"- {event['message']}" for event in entry.get("events", [])]
        lines += [f"- **{t['function']}**: {t['score']:g}/{t['max_score']:g} — {t['reason']}"
                  for t in entry.get("tests", []) if t["score"] < t["max_score"]]
        if not lines:
            return ""
        return "### Grader notes\n\n" + self._scrub("\n".join(html.escape(line, quote=False) for line in lines))


def _give_cells_ids(notebook):
    """nbformat 4.5 wants an id on every cell (else nbconvert warns MissingIDFieldWarning); 4.4 allows none."""
    if (notebook.get("nbformat"), notebook.get("nbformat_minor", 0)) < (4, 5):
        for cell in notebook.cells:
            cell.pop("id", None)
        return
    taken = {cell.get("id") for cell in notebook.cells}
    for index, cell in enumerate(notebook.cells):
        if not cell.get("id"):
            number = index
            while f"cell-{number}" in taken:
                number += len(notebook.cells)
            cell["id"] = f"cell-{number}"
            taken.add(cell["id"])


def add_wrap_style(path):
    """Put WRAP_STYLE into the head of a feedback HTML file (once)."""
    text = path.read_text(encoding="utf-8")
    if WRAP_STYLE not in text and "</head>" in text:
        path.write_text(text.replace("</head>", WRAP_STYLE + "\n</head>", 1), encoding="utf-8")


def generate(course, students=None):
    """Write feedback HTML for `students` (default: all graded). Returns (written, problems)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from grader.nbgrader_run import generate_feedback

    graded = [s for s in course.students() if course.autograded_dir(s).is_dir()]
    students = list(students or graded)
    problems = [(s, "not autograded yet: run `python -m grader autograde` first") for s in students if s not in graded]
    written = []
    for student in [s for s in students if s in graded]:
        config = course.nbgrader_config()
        config.CourseDirectory.student_id = student
        config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
        config.HideHiddenTests.records_dir = str(course.state_dir)
        outcome = generate_feedback(config)
        if not outcome["success"]:
            problems.append((student, "nbgrader could not write feedback: " + outcome["tail"][-300:]))
            continue
        files = sorted(course.feedback_dir(student).glob("*.html"))
        for path in files:
            add_wrap_style(path)
        leaks = _leaks(course, student, files)
        for path in leaks:
            path.unlink()
            problems.append((student, f"{path.name} still contained hidden test code; deleted"))
        written += [path for path in files if path not in leaks]
    return written, problems


def _leaks(course, student, files):
    """Feedback files that contain a hidden-test line of the autograded notebooks."""
    secrets = set()
    for path in course.autograded_dir(student).glob("*.ipynb"):
        notebook, _ = nb.read(path)
        if notebook is not None:
            secrets |= hidden_lines(notebook)
    return [path for path in files
            if any(secret in html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
                   for secret in secrets)]


def add_arguments(parser):
    parser.add_argument("students", nargs="*", metavar="STUDENT",
                        help="only these students (default: every autograded submission)")


def main(args):
    course = args.course
    written, problems = generate(course, args.students or None)
    print(f"wrote {len(written)} feedback files under {course.workspace / course.coursedir.feedback_directory}")
    for student, problem in problems:
        print(f"  {student}: {problem}", file=sys.stderr)
    return 1 if problems else 0
