"""Attack corpus scenarios: Baselines.

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

from .corpus_base import STEMS, STUB, TESTS_OF, code, expect, full, scenario, zero
from .corpus_context import files_of


# Baselines ------------------------------------------------------------------------------

@scenario("baseline-solution", "all five notebooks solved as the instructor did", STEMS,
          expect(full(*STEMS), r""), tags=("baseline",))
def _(ctx):
    return files_of({stem: ctx.solved(stem) for stem in STEMS})


@scenario("baseline-release", "the five released notebooks, untouched", STEMS,
          expect({}, STUB, targets=list(TESTS_OF)), tags=("baseline",))
def _(ctx):
    return files_of({stem: ctx.release(stem) for stem in STEMS})


@scenario("baseline-wrong-data",
          "01_data solved but split_pairs does not sort first (its split depends on the input order); "
          "05_training solved: it loads data with the reference functions, so the mistake costs once",
          ("01_data", "05_training"),
          expect({**full("01_data", "05_training"), **zero("split_pairs")}, r"order|sort|differ|split",
                 targets=["split_pairs"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("01_data")
    ctx.replace_function(nb, "split_pairs", ctx.variant("split_pairs", ("pairs = sorted(pairs)", "pairs = list(pairs)")))
    return files_of({"01_data": nb, "05_training": ctx.solved("05_training")})


@scenario("baseline-wrong-encoder",
          "conv_block without kernel_initializer='he_normal' (its layer table differs, its outputs are "
          "right); 04_unet solved: it builds on the reference conv_block, so the mistake costs once",
          ("02_encoder", "04_unet"),
          expect({**full("02_encoder", "04_unet"), "test_conv_block": 0}, r"initializer|HeNormal|Glorot|layer|differ",
                 targets=["test_conv_block"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("02_encoder")
    wrong = ctx.variant("conv_block", (',\n                             kernel_initializer="he_normal")', ")"))
    if "he_normal" in wrong:
        raise ValueError("conv_block: the initializer is still there")
    ctx.replace_function(nb, "conv_block", wrong)
    return files_of({"02_encoder": nb, "04_unet": ctx.solved("04_unet")})


@scenario("forge-initializer-in-layer-table",
          "conv_block without kernel_initializer='he_normal', as baseline-wrong-encoder, and a later cell "
          "replaces the layer-table function of the kernel's probe so that the table names HeNormal: the "
          "initial weights themselves are compared (issue 23), so the cost is the same as without the lie",
          ("02_encoder",),
          expect({**full("02_encoder"), "test_conv_block": 0}, r"uniform draw|kernel_initializer",
                 targets=["test_conv_block"]), tags=("forging",))
def _(ctx):
    nb = ctx.solved("02_encoder")
    ctx.replace_function(nb, "conv_block", ctx.variant(
        "conv_block", (',\n                             kernel_initializer="he_normal")', ")")))
    ctx.insert_after(nb, "conv_block", code('''
        import test_utils.probes.blocks as _probe_blocks

        _real_summary = _probe_blocks.summary


        def _forged_summary(model):
            return [[("HeNormal" if field == "GlorotUniform" else field) for field in row]
                    for row in _real_summary(model)]


        _probe_blocks.summary = _forged_summary
    '''))
    return files_of({"02_encoder": nb})


@scenario("baseline-wrong-decoder",
          "upsampling_block concatenates in the wrong order (skip connection first); the rest solved",
          ("03_decoder",),
          expect({**full("03_decoder"), **zero("upsampling_block")}, r"order|concaten|first|differ",
                 targets=["upsampling_block"]), tags=("baseline",))
def _(ctx):
    nb = ctx.solved("03_decoder")
    ctx.replace_function(nb, "upsampling_block", ctx.variant(
        "upsampling_block", ("[upsampled, contractive_input]", "[contractive_input, upsampled]")))
    return files_of({"03_decoder": nb})


@scenario("baseline-wrong-unet",
          "unet_model forgets the dropout of the fourth encoder step (both of its test cells fail)",
          ("04_unet",), expect({**full("04_unet"), **zero("unet_model")}, r"Dropout|layer|differ|expected",
                               targets=["unet_model"]),
          tags=("baseline",))
def _(ctx):
    nb = ctx.solved("04_unet")
    ctx.replace_function(nb, "unet_model", ctx.variant(
        "unet_model", ("conv_block(block3[0], n_filters * 8, dropout_prob=0.3)", "conv_block(block3[0], n_filters * 8)")))
    return files_of({"04_unet": nb})


@scenario("baseline-wrong-training",
          "mean_iou counts classes absent from both arrays as IoU 0 (the classic mistake); the rest solved",
          ("05_training",),
          expect({**full("05_training"), **zero("mean_iou")}, r"absent|IoU|expected|differ", targets=["mean_iou"]),
          tags=("baseline",))
def _(ctx):
    nb = ctx.solved("05_training")
    ctx.replace_function(nb, "mean_iou", ctx.variant(
        "mean_iou", ("continue  # the class appears nowhere: it has no IoU", "ious.append(0.0)\n            continue")))
    return files_of({"05_training": nb})


