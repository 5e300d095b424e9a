"""Attack corpus scenarios: Notebook shape and metadata.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

import copy
import json

import nbformat

from .corpus_base import HugeNotebook, LOST, STUB, Symlink, code, expect, full, full_of, functions_in, scenario, tests_in, zero
from .corpus_context import files_of


# Notebook shape and metadata -------------------------------------------------------------------

@scenario("shape-tests-deleted-edited-retyped",
          "03_decoder with wrong functions: test_transposed_output_size turned into markdown, "
          "test_transposed_conv2d replaced by a print of its success line, test_upsampling_block deleted",
          ("03_decoder",), expect({}, LOST, targets=["transposed_output_size", "transposed_conv2d", "upsampling_block"]),
          tags=("shape",))
def _(ctx):
    nb = ctx.release("03_decoder")
    ctx.replace_function(nb, "transposed_output_size",
                         "def transposed_output_size(n, f, s, p):\n    return n * s\n")
    ctx.replace_function(nb, "transposed_conv2d", code('''
        def transposed_conv2d(x, kernel, stride=2):
            return np.zeros((1, 1, 1))
    '''))
    cell = nb.cells[ctx.index(nb, "test_transposed_output_size")]
    nb.cells[ctx.index(nb, "test_transposed_output_size")] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata)
    ctx.replace_function(nb, "test_transposed_conv2d",
                         'print("\\u2713 transposed_conv2d matches tf.nn.conv2d_transpose on 4 random cases")\n')
    del nb.cells[ctx.index(nb, "test_upsampling_block")]
    return files_of({"03_decoder": nb})


@scenario("shape-fake-metadata",
          "02_encoder: the conv_block cell claims grade=True, 1000 points; an added 'bonus' test cell of "
          "1000 points shows 1000; test_conv_block became a solution cell printing a pass; "
          "test_conv_block_outputs became a manually graded answer of 1000 points; a task cell of 1000 "
          "points; every checksum recomputed so the cells look untouched",
          ("02_encoder",), expect(zero("conv_block"), r"not|fail|NotImplementedError|restor",
                                  targets=["conv_block"], no_extra_grades=True), tags=("shape",))
def _(ctx):
    from nbgrader.utils import compute_checksum

    nb = ctx.release("02_encoder")
    solution = nb.cells[ctx.index(nb, "conv_block")]
    solution.metadata.nbgrader.update({"grade": True, "solution": False, "points": 1000})
    test = nb.cells[ctx.index(nb, "test_conv_block")]
    test.source = 'print("\\u2713 conv_block: all layers match the reference")\n'
    test.metadata.nbgrader.update({"grade": False, "solution": True, "locked": False})
    outputs = nb.cells[ctx.index(nb, "test_conv_block_outputs")]
    outputs.source = '"full marks"\n'
    outputs.metadata.nbgrader.update({"grade": True, "solution": True, "points": 1000, "locked": False})
    bonus = nbformat.v4.new_code_cell("1000\n", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "locked": True, "points": 1000, "schema_version": 3,
        "solution": False, "task": False}})
    task = nbformat.v4.new_markdown_cell("I did everything.", metadata={"nbgrader": {
        "grade": True, "grade_id": "task_bonus", "locked": False, "points": 1000, "schema_version": 3,
        "solution": False, "task": True}})
    nb.cells.insert(ctx.index(nb, "test_conv_block") + 1, bonus)
    nb.cells.append(task)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return files_of({"02_encoder": nb})


@scenario("shape-duplicated-cells",
          "03_decoder: transposed_output_size solved (its points, honestly); its test cell duplicated 20 "
          "times, one copy renamed test_transposed_output_size_2 with 100 points and a forged "
          "checksum; the other functions not written. Points count once: its own",
          ("03_decoder",), expect(full_of("test_transposed_output_size"), STUB, targets=["transposed_conv2d", "upsampling_block"],
                                  no_extra_grades=True), tags=("shape",))
def _(ctx):
    from nbgrader.utils import compute_checksum

    nb = ctx.solved("03_decoder", except_=("transposed_conv2d", "upsampling_block"))
    position = ctx.index(nb, "test_transposed_output_size")
    test = nb.cells[position]
    for index in range(20):
        duplicate = copy.deepcopy(test)
        duplicate.id = f"dup{index:05d}"  # Jupyter gives a copied cell a new id
        nb.cells.insert(position + 1, duplicate)
    renamed = copy.deepcopy(test)
    renamed.id = "renamed0"
    renamed.metadata.nbgrader.update({"grade_id": "test_transposed_output_size_2", "points": 100})
    renamed.metadata.nbgrader["checksum"] = compute_checksum(renamed)
    nb.cells.insert(position + 1, renamed)
    return files_of({"03_decoder": nb})


@scenario("shape-notebook-symlinks",
          "02_encoder.ipynb is a link to the instructor's source notebook (absolute), 03_decoder.ipynb a "
          "relative link to it, 05_training.ipynb a relative link to another student's submission "
          "(../baseline-solution/): a link is not the student's work",
          ("02_encoder", "03_decoder", "05_training"),
          expect({}, r"link|refus", targets=functions_in("02_encoder", "03_decoder", "05_training"),
                 no_leak=["hidden"]), tags=("filesystem", "shape"))
def _(ctx):
    return {"02_encoder.ipynb": Symlink(str(ctx.source_dir / "02_encoder.ipynb")),
            "03_decoder.ipynb": Symlink(str(ctx.source_dir / "03_decoder.ipynb"), relative=True),
            "05_training.ipynb": Symlink("../baseline-solution/05_training.ipynb")}


@scenario("shape-huge-notebook",
          "01_data.ipynb is a valid, solved notebook padded to 500 MB by one output (over the size cap: "
          "refused, scored 0 with the reason); 02_encoder solved and graded",
          ("01_data", "02_encoder"), expect(full("02_encoder"), r"large|size|MB|cap|limit",
                                            targets=list(tests_in("01_data"))), tags=("shape", "resources"))
def _(ctx):
    return {"01_data.ipynb": HugeNotebook(ctx.solved("01_data"), 500), "02_encoder.ipynb": ctx.solved("02_encoder")}


@scenario("shape-invalid-json",
          "03_decoder.ipynb is a solved notebook cut in half (invalid JSON), 02_encoder.ipynb is valid "
          "JSON but a list, 05_training.ipynb is a solved notebook that says nbformat 99 and has a cell "
          "of type 'evil' whose source is a number: all scored 0 with the reason",
          ("02_encoder", "03_decoder", "05_training"),
          expect({}, r"JSON|json|invalid|corrupt|not a notebook|format|read",
                 targets=functions_in("02_encoder", "03_decoder", "05_training")),
          valid=False, tags=("shape",))
def _(ctx):
    text = nbformat.writes(ctx.solved("03_decoder"))
    broken = json.loads(nbformat.writes(ctx.solved("05_training")))
    broken["nbformat"] = 99
    broken["cells"].append({"cell_type": "evil", "metadata": {}, "source": 42})
    return {"03_decoder.ipynb": text[: len(text) // 2].encode(),
            "02_encoder.ipynb": b"[1, 2, 3]\n",
            "05_training.ipynb": json.dumps(broken).encode()}


@scenario("shape-source-notebook-copy",
          "02_encoder.ipynb is the instructor's source notebook itself, copied (solution and hidden "
          "tests markers inside): not the student's work; by principle 0, flagged",
          ("02_encoder",), expect(zero("conv_block"), r"source|solution|hidden|instructor|identical|flag",
                                  targets=["conv_block"]), tags=("shape", "reference"))
def _(ctx):
    return {"02_encoder.ipynb": ctx.source_nb("02_encoder")}


