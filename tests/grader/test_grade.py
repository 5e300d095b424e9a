"""Tests of grader/worker/grade.py in itself: a submission's seed, why a test lost points (graded end to end in
test_autograde)."""

import nbformat

from grader.worker.execute import error_output
from grader.worker import grade


def test_a_base_seed_gives_each_submission_its_own_repeatable_seed():
    """With a base seed, is the seed the same for the same submission, and new for another student or other files?"""
    seed = grade.submission_seed(7, "ana", "f1")
    assert seed == grade.submission_seed(7, "ana", "f1") and 1 <= seed < 2**31
    assert len({seed, grade.submission_seed(7, "ben", "f1"), grade.submission_seed(7, "ana", "f2"),
                grade.submission_seed(8, "ana", "f1")}) == 4


def test_without_a_base_seed_every_run_draws_a_fresh_one():
    """Without a base (0), is each grading run's seed drawn afresh, in range?"""
    seeds = {grade.submission_seed(0, "ana", "f1") for _ in range(8)}
    assert len(seeds) > 1 and all(1 <= seed < 2**31 for seed in seeds)


def test_the_reason_is_the_last_errors_first_two_lines_cut_to_400_characters():
    """Is a lost test's reason its last error's message (two lines), its kind named when it did not run?"""
    cell = nbformat.v4.new_code_cell("check(f)")
    assert grade.test_reason(cell) == ""
    cell.outputs = [error_output("TestFailed", "old"), error_output("TestFailed", "add(2, 3) is 6\nexpected 5\nmore")]
    assert grade.test_reason(cell) == "add(2, 3) is 6 — expected 5"
    cell.outputs = [error_output("NotRun", "not run: the kernel died")]
    assert grade.test_reason(cell) == "NotRun: not run: the kernel died"
    cell.outputs = [error_output("TestFailed", "x" * 1000)]
    assert len(grade.test_reason(cell)) == 400 and grade.test_reason(cell).endswith("...")


def test_a_failed_solution_cell_is_named_in_the_reason_of_the_tests_below_it():
    """Does each test cell learn whether the solution cell above it failed, and with what?"""
    def graded(source, grade_id, solution, outputs=()):
        made = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
            "grade_id": grade_id, "grade": not solution, "solution": solution, "locked": not solution, "points": 1}})
        made.outputs = list(outputs)
        return made

    notebook = nbformat.v4.new_notebook(cells=[
        graded("def add(a, b):", "add", True, [error_output("SyntaxError", "invalid syntax")]),
        graded("check(add)", "test_add", False),
        graded("def mul(a, b): return a * b", "mul", True),
        graded("check(mul)", "test_mul", False),
    ])
    assert grade._solution_errors(notebook) == {"test_add": "the cell that defines it failed with SyntaxError",
                                          "test_mul": None}
