"""`grader feedback`: per-student HTML feedback that never shows the hidden tests.

    python -m grader feedback [STUDENT ...]

nbgrader's `generate_feedback` renders the autograded notebook, in which nbgrader has put
the hidden tests back (OverwriteCells restores test cells from the gradebook), and the
tracebacks of failed tests quote their lines. We run the same converter with one more
preprocessor, `HideHiddenTests`, between nbgrader's GetGrades and the HTML styling:

- each hidden-test region is replaced by a comment line; the failure of a test cell with
  hidden tests is shown as its exception and message only (its traceback quotes the code);
- any output, in any cell, that contains a line of hidden-test code is replaced by a notice
  (a student's cell can print the source of cells run before it: `print(In)`);
- a first cell lists what the grader noted for that notebook (repairs, time-outs, crashes,
  the reason for each lost point).

Each HTML file is then checked once more for hidden-test lines; one that still has any is
deleted and reported instead of being handed out.
"""

import copy
import html
import json
import re
import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Unicode

PLACEHOLDER = "# [hidden tests: not shown]"
REMOVED = "[output removed by the grader: it contained hidden test code]"
MIN_LINE = 10  # shorter lines (e.g. "pass", "x = 1") are too common to count as a leak


def hidden_lines(nb, begin="BEGIN HIDDEN TESTS", end="END HIDDEN TESTS"):
    """The distinctive lines (stripped) inside the hidden-test regions of a notebook."""
    lines = set()
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        inside = False
        for line in source.split("\n"):
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= MIN_LINE and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


def _scrub(text, secrets):
    if not any(secret in text for secret in secrets):
        return text, False
    kept = [line if not any(secret in line for secret in secrets) else REMOVED
            for line in text.split("\n")]
    return "\n".join(kept), True


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests, their tracebacks and any echo of them; add the grader's notes."""

    records_dir = Unicode("", help="folder of the grader's per-student records").tag(config=True)

    def _remove_hidden_test_region(self, cell):
        lines, kept, inside, removed = cell.source.split("\n"), [], False, False
        for line in lines:
            if self.begin_test_delimeter in line:
                inside, removed = True, True
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + PLACEHOLDER)
            elif self.end_test_delimeter in line:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        return removed

    def preprocess(self, nb, resources):
        self._secrets = hidden_lines(nb, self.begin_test_delimeter, self.end_test_delimeter)
        nb, resources = super().preprocess(nb, resources)
        notes = self._notes(resources)
        if notes:
            nb.cells.insert(0, NotebookNode(cell_type="markdown", metadata={}, source=notes))
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        had_hidden = self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if had_hidden or any(s in "\n".join(output.get("traceback", []))
                                     for s in self._secrets):
                    evalue, _ = _scrub(output.get("evalue", ""), self._secrets)
                    output["evalue"] = evalue
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {evalue}".rstrip(": ")]
            elif output.get("output_type") == "stream":
                output["text"], _ = _scrub(output.get("text", ""), self._secrets)
            elif "data" in output:
                for mime, value in list(output["data"].items()):
                    text = "".join(value) if isinstance(value, list) else value
                    if isinstance(text, str):
                        cleaned, changed = _scrub(text, self._secrets)
                        if changed:
                            output["data"] = {"text/plain": REMOVED}
                            break
        return cell, resources

    def _notes(self, resources):
        if not self.records_dir:
            return ""
        nbgrader = resources.get("nbgrader", {})
        record = read_record_file(Path(self.records_dir) / f"{nbgrader.get('student')}.json")
        entry = (record or {}).get("notebooks", {}).get(nbgrader.get("notebook"), {})
        lines = [f"- {note}" for note in entry.get("notes", [])]
        lines += [f"- {event['message']}" for event in entry.get("events", [])]
        lines += [f"- **{t['function']}**: {t['score']:g}/{t['max_score']:g} — {t['reason']}"
                  for t in entry.get("tests", []) if t["score"] < t["max_score"]]
        if not lines:
            return ""
        body = "\n".join(html.escape(line, quote=False) for line in lines)
        body, _ = _scrub(body, self._secrets)
        return "### Grader notes\n\n" + body


def read_record_file(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def generate(course, students=None):
    """Write feedback HTML for `students` (default: all graded). Returns (written, problems)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades
    from nbgrader.utils import capture_log

    graded = [s for s in course.students() if course.autograded_dir(s).is_dir()]
    students = [s for s in (students or graded)]
    problems = [(s, "not autograded yet: run `python -m grader autograde` first")
                for s in students if s not in graded]
    students = [s for s in students if s in graded]
    written = []
    for student in students:
        config = copy.deepcopy(course.config)  # Config.merge would share its sections
        config.CourseDirectory.assignment_id = course.assignment
        config.CourseDirectory.student_id = student
        config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests,
                                                 CSSHTMLHeaderPreprocessor]
        config.HideHiddenTests.records_dir = str(course.state_dir)
        config.HideHiddenTests.enforce_metadata = False
        app = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
        app.force = True
        outcome = capture_log(app)
        if not outcome["success"]:
            tail = (outcome.get("log") or "").strip().splitlines()[-3:]
            problems.append((student, "nbgrader could not write feedback: " + " / ".join(tail)))
            continue
        files = sorted(course.feedback_dir(student).glob("*.html"))
        leaks = _leaks(course, student, files)
        for path in leaks:
            path.unlink()
            problems.append((student, f"{path.name} still contained hidden test code; deleted"))
        written += [p for p in files if p not in leaks]
    return written, problems


def _leaks(course, student, files):
    """Feedback files that contain a hidden-test line of the autograded notebooks."""
    secrets = set()
    for path in course.autograded_dir(student).glob("*.ipynb"):
        secrets |= hidden_lines(json.loads(path.read_text(encoding="utf-8")))
    leaking = []
    for path in files:
        text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
        if any(secret in text for secret in secrets):
            leaking.append(path)
    return leaking


def add_arguments(parser):
    parser.add_argument("students", nargs="*", metavar="STUDENT",
                        help="only these students (default: every autograded submission)")


def main(args):
    course = args.course
    written, problems = generate(course, args.students or None)
    print(f"wrote {len(written)} feedback files under "
          f"{course.workspace / course.coursedir.feedback_directory}")
    for student, problem in problems:
        print(f"  {student}: {problem}", file=sys.stderr)
    return 1 if problems else 0
