"""Build the attack corpus: hostile submissions of the real `unet` assignment, one per scenario.

    .venv/bin/python -m tests.grader.corpus.build_corpus --out /tmp/corpus          # build all
    .venv/bin/python -m tests.grader.corpus.build_corpus --out /tmp/corpus --list   # list them
    .venv/bin/python -m tests.grader.corpus.build_corpus --out /tmp/corpus NAME ... # a few
    .venv/bin/python -m tests.grader.corpus.build_corpus --out /tmp/dl --downloads  # LMS downloads

Each scenario is a submission folder (the layout of nbgrader's submitted/<student>/unet/) built
from the instructor's source notebooks (instructor/source/unet/, solutions and hidden tests) and
the released student notebooks (notebooks/, what `nbgrader generate_assignment` makes of them).
Nothing is hand-copied notebook JSON: notebooks are read with nbformat and edited cell by cell.

The corpus attacks the design "the verdict leaves the student's process" (issues 10 and 11):
student code runs in a sandboxed kernel, a trusted judge outside it runs the test cells and
asks the kernel only for values; expected values come from the reference in the judge, hidden
inputs are drawn fresh per grading run, the kernel sees the reference of EARLIER notebooks only,
submissions are plain data. Every scenario is a real attempt to get points without solving.

`expect` of a scenario is what a correct defence gives, by principle: an attack never earns
points the honest work under it does not deserve. Keys:

- points: {grade_id of every test cell of the assignment: points}; a notebook the scenario
  does not hand in scores 0.
- reason: a regex that must appear in the reason of the attacked cells (`targets`) or of the
  submission.
- targets: the test cells the attack is aimed at (those that must score 0 with that reason).
- canary: when true, the scenario plants code that, if it ever runs OUTSIDE a kernel (in the
  judge, the grader, collect, pytest), writes `<canary_dir>/<scenario>.<tag>.OUTSIDE-KERNEL.<pid>`
  (see `outside_kernel_canaries`). None may exist after grading.
- no_leak: kinds of secret that must not reach the feedback HTML or the exported CSVs, plain or
  encoded (see `find_leaks`): "solution" (solution code of the source notebooks), "hidden"
  (hidden-test lines), "shadow" (/etc/shadow), "environ" (the value of $GRADER_CORPUS_SECRET,
  which the harness sets in the grader's environment), "probe-output" (what the student's code
  printed while the judge probed it: lines starting `PROBE-ARGS:`).
- gradebook_unchanged: the gradebook file must be byte-identical except for the grades.

Scenario attributes besides `expect`: `root_only` (needs root to build: device nodes),
`needs_sandbox` (unsafe to grade without the full sandbox: it signals or floods what it can see),
`valid` (False where the scenario is about invalid notebook files).

Grading cost: every notebook imports TensorFlow (about 10 s here); 05_training also trains.
Run the corpus with a short cell time limit (e.g. `--limit cell_timeout=60`): several scenarios
hang on purpose.
"""

from __future__ import annotations

from pathlib import Path
import argparse
import sys

from . import attacks_baselines, attacks_honest, attacks_output, attacks_hooks, attacks_resources, attacks_imports, attacks_patched_libraries, attacks_forged_answers, attacks_forged_wire, attacks_reading_reference, attacks_delegation, attacks_leaks, attacks_notebook_shape, attacks_file_system
from .corpus_base import CANARY_DIR, ENV_SECRET, GRADEBOOK, SCENARIOS
from .corpus_planted import FORMULA_CODE
from .corpus_writer import build_all, check_built
from .corpus_downloads import build_downloads
from .corpus_checks import _self_check, find_leaks, outside_kernel_canaries

# The scenario modules, imported in this order: each registers its scenarios in SCENARIOS.
SCENARIO_MODULES = (attacks_baselines, attacks_honest, attacks_output, attacks_hooks, attacks_resources, attacks_imports, attacks_patched_libraries, attacks_forged_answers, attacks_forged_wire, attacks_reading_reference, attacks_delegation, attacks_leaks, attacks_notebook_shape, attacks_file_system)
__all__ = ['CANARY_DIR', 'ENV_SECRET', 'FORMULA_CODE', 'GRADEBOOK', 'SCENARIOS', '_self_check', 'build_all', 'build_downloads', 'check_built', 'find_leaks', 'outside_kernel_canaries', "SCENARIO_MODULES", "main"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="folder to build the scenarios (or the downloads) in")
    parser.add_argument("--list", action="store_true", help="list the scenarios and their expected points")
    parser.add_argument("--downloads", action="store_true", help="build the LMS downloads for `grader collect`")
    parser.add_argument("--check", action="store_true", help="validate the built notebooks (nbformat, syntax)")
    parser.add_argument("--gradebook", default=str(GRADEBOOK), help="the gradebook the link scenarios point at")
    parser.add_argument("--canary-dir", default=CANARY_DIR, help="where planted code records that it ran")
    parser.add_argument("names", nargs="*", help="scenarios to build (default: all)")
    args = parser.parse_args(argv)
    if args.list:
        notebooks = 0
        for name, sc in SCENARIOS.items():
            notebooks += len(sc.notebooks)
            flags = "".join((" [root]" if sc.root_only else "", " [sandbox only]" if sc.needs_sandbox else "",
                             " [invalid files]" if not sc.valid else ""))
            print(f"{name:40s} {sc.expect['total']:>3} pts  {','.join(s[:2] for s in sc.notebooks):12s}{flags}")
            print(f"    {sc.description}")
        print(f"{len(SCENARIOS)} scenarios, {notebooks} notebooks to grade")
        return 0
    if not args.out:
        parser.error("--out DIR is required (or --list)")
    mismatched = _self_check()
    if mismatched:
        print(f"warning: the forgers' formula tables differ from reference_tables.json: {mismatched}", file=sys.stderr)
    if args.downloads:
        for name, entry in build_downloads(args.out, args.canary_dir).items():
            print(f"{name}: {entry['path']}")
        return 0
    built = build_all(args.out, args.names or None, args.gradebook, args.canary_dir)
    print(f"{len(built)} scenarios built in {args.out} (expectations in {Path(args.out) / 'corpus.json'})")
    if args.check:
        problems = check_built(args.out, built)
        for problem in problems:
            print("problem:", problem)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
