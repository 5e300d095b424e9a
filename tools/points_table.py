"""Write the points tables of docs/grading-design.md from the source notebooks and docs/points-table.json.

    .venv/bin/python tools/points_table.py            # rewrite the tables in docs/grading-design.md
    .venv/bin/python tools/points_table.py --check    # exit 1 if the doc differs from what it would write

The points of each graded function are those of the test cells that follow its solution cell in
the source notebooks (nbgrader's metadata, the one place points are set); the text columns (what
the function asks of the student, understanding or transcription, and why) come from
docs/points-table.json. A function of the notebooks missing from the data file, or a data entry
for no function, is an error: the table cannot drift from the notebooks.
"""

import argparse
import json
import sys
from pathlib import Path

from course.notebook_code import is_test_cell
from course.reference import notebooks_in

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "instructor" / "source"
DATA = REPO / "docs" / "points-table.json"
DOC = REPO / "docs" / "grading-design.md"
ASSIGNMENTS = ("unet", "unet_original")
KINDS = ("understanding", "transcription")
BEGIN = "<!-- points tables: written by tools/points_table.py from the source notebooks and docs/points-table.json -->"
END = "<!-- end of the points tables -->"


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_functions(assignment, sources=SOURCES):
    """[(notebook stem, function, {test cell: points})] in course order, from the nbgrader metadata."""
    found = []
    for path in notebooks_in(sources / assignment):
        current = None
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = _meta(cell)
            if meta.get("solution") and meta.get("grade_id"):
                current = (path.stem, meta["grade_id"], {})
                found.append(current)
            elif is_test_cell(cell) and meta.get("points"):
                if current is None:
                    raise ValueError(f"{path.name}: test cell {meta.get('grade_id')} before any solution cell")
                current[2][meta["grade_id"]] = meta["points"]
    return found


def problems(data, sources=SOURCES):
    """What does not match between the notebooks and the data file (empty: all is well)."""
    found = []
    for assignment in ASSIGNMENTS:
        functions = {name for _, name, _ in graded_functions(assignment, sources)}
        described = set(data.get(assignment, {}))
        found += [f"{assignment}: {name} is graded but not in {DATA.name}" for name in sorted(functions - described)]
        found += [f"{assignment}: {name} is in {DATA.name} but graded nowhere"
                  for name in sorted(described - functions)]
        for name, entry in data.get(assignment, {}).items():
            if entry.get("kind") not in KINDS or not entry.get("asks") or not entry.get("why"):
                found.append(f"{assignment}: {name} needs kind ({' or '.join(KINDS)}), asks and why")
    return found


def counts(data, assignment, sources=SOURCES):
    """{kind: points} of an assignment."""
    totals = dict.fromkeys(KINDS, 0)
    for _, name, tests in graded_functions(assignment, sources):
        totals[data[assignment][name]["kind"]] += sum(tests.values())
    return totals


def render(data, sources=SOURCES):
    """The tables' markdown, between the BEGIN and END markers."""
    lines = [BEGIN]
    for assignment in ASSIGNMENTS:
        totals = counts(data, assignment, sources)
        lines += ["", f"#### Points of `{assignment}` ({sum(totals.values())} in all)", "",
                  "| notebook | function | points (test cells) | what it asks of the student | kind | why |",
                  "|---|---|---|---|---|---|"]
        for stem, name, tests in graded_functions(assignment, sources):
            entry = data[assignment][name]
            cells = ", ".join(f"`{test}` {points}" for test, points in tests.items())
            lines.append(f"| {stem} | `{name}` | {sum(tests.values())} ({cells}) | {entry['asks']} | "
                         f"{entry['kind']} | {entry['why']} |")
        lines += ["", f"Understanding: **{totals['understanding']}** points; transcription: "
                      f"{totals['transcription']}."]
    return "\n".join(lines + ["", END])


def updated(doc_text, tables):
    """`doc_text` with the text between the markers replaced by `tables`."""
    if doc_text.count(BEGIN) != 1 or doc_text.count(END) != 1:
        raise ValueError(f"{DOC.name} must hold the two markers once each:\n{BEGIN}\n{END}")
    before, rest = doc_text.split(BEGIN)
    return before + tables + rest.split(END, 1)[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is out of date; write nothing")
    args = parser.parse_args(argv)
    data = json.loads(DATA.read_text(encoding="utf-8"))
    wrong = problems(data)
    if wrong:
        print("\n".join(wrong), file=sys.stderr)
        return 1
    text = DOC.read_text(encoding="utf-8")
    new = updated(text, render(data))
    for assignment in ASSIGNMENTS:
        totals = counts(data, assignment)
        print(f"{assignment}: understanding {totals['understanding']}, transcription {totals['transcription']}")
    if args.check:
        if new != text:
            print(f"{DOC.relative_to(REPO)} is out of date: run python tools/points_table.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
