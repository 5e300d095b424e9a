"""Checks of the model-building functions: conv_block (notebook 2), upsampling_block (3), unet_model (4)."""

import numpy as np

from test_utils import runner
from test_utils.checks.common import ask
from test_utils.checks.initial import check_initial_weights
from test_utils.compare import equivalences, explain
from test_utils.equivalence import RELU_CLASSES
from test_utils.failure import CheckFailure, fail, passed
from test_utils.probes import blocks as probes
from test_utils.tables import TABLES

UNET_NOTE = ("unet_model is built from conv_block and upsampling_block: your own from notebooks 2 "
             "and 3 while you work (make their tests pass first), the reference ones while grading.")


def spec_text(name, spec):
    args = [f"Input({tuple(shape)})" for shape in spec.get("inputs", [])]
    args += [f"{key}={tuple(value) if isinstance(value, list) else value!r}"
             for key, value in spec.get("kwargs", {}).items()]
    return f"{name}({', '.join(args)})"


SKETCH_SEED = 2024  # the seed of the weights and input whose output is compared (public cases)


def table_spec(table):
    _, shapes, kwargs = TABLES[table]
    return {"inputs": [tuple(shape) for shape in shapes], "kwargs": dict(kwargs), "seed": SKETCH_SEED}


def _seeded(specs, name):
    """Each spec with the seed of its computation check: drawn for random cases, else a fixed one."""
    for spec in specs:
        spec.setdefault("seed", SKETCH_SEED)
    return specs


def check_layers(function, name, spec, note=None):
    """Compare the layers `function` builds for `spec` with the reference's, layer by layer."""
    call = spec_text(name, spec)
    received = ask(function, name, call, probes.layers, spec)
    reference = runner.expected(name, probes.layers, spec)
    _concatenation_order(name, call, received["rows"])
    return compare_with_reference(call, received, reference, note)


def compare_with_reference(call, received, reference, note=None):
    """The layer table, the output shape and the computation of `received` against the reference's."""
    message = explain(reference["rows"], received["rows"])
    if message is not None:
        text = f"{call} does not build the expected layers.\n{message}"
        raise CheckFailure(text + (f"\nNote: {note}" if note else ""))
    if received["output"] != reference["output"]:
        fail(call, f"the model outputs shape {received['output']}; expected {reference['output']}")
    check_initial_weights(call, received.get("initial"), reference.get("initial"), reference["rows"])
    _same_computation(call, received.get("sketch"), reference.get("sketch"))
    received["equivalent"] = equivalences(reference["rows"], received["rows"])
    return received


def with_equivalences(text, received):
    """A pass line, with what was taken as equal although written differently."""
    notes = received.get("equivalent") or []
    return text + "".join(f"\n    taken as equivalent: {note}" for note in notes)


def _same_computation(call, sketch, expected, layers_differ=False):
    """With the same weights and input, does the model compute what the reference computes?

    conv_block's pair of outputs is checked this way too (a kernel's own account of its graph
    can be forged; a computation can only be reproduced), so a block with other layers cannot
    pass that check either: `layers_differ` then says so instead of blaming the connections.
    """
    if expected is None:
        return
    sketch, expected = np.asarray(sketch if sketch is not None else [], float), np.asarray(expected, float)
    if sketch.shape != expected.shape or not np.all(np.isfinite(sketch)) or \
            np.linalg.norm(sketch - expected) > 1e-3 * (np.linalg.norm(expected) + 1e-6):
        if layers_differ:
            fail(call, "its two tensors do not compute what the reference block's do, because its layers "
                       "differ from the reference's",
                 "the pair is checked by computing it: fix the layers first (the layer check above names "
                 "the first difference), then this check follows")
        fail(call, "its layers are described like the reference's, but with the same weights and the same "
                   "input the model computes something else",
             "check how the layers are connected: each one must take the tensor the reference gives it "
             "(the skip connection, the upsampled tensor, the previous layer)")


def _concatenation_order(name, call, rows):
    """A skip connection concatenated first reorders a one-block table: say so plainly."""
    if name != "upsampling_block":
        return
    for row in rows:
        if row[0] == "Concatenate" and len(row) > 4 and len(row[4]) == 2 and \
                row[4][0] == "InputLayer" and row[4][1] != "InputLayer":
            fail(call, f"the concatenation joins ({', '.join(row[4])}): the skip connection comes first",
                 "the upsampled tensor comes first, then the skip connection: "
                 "the order decides which of the next convolution's weights see which channels: the "
                 "reference puts what comes up from below first")


def _random_conv_specs(count, seed_name):
    rng = runner.random_generator(seed_name)
    for _ in range(count):
        pooling = bool(rng.integers(0, 2))
        shape = (2 * int(rng.integers(3, 20)), 2 * int(rng.integers(3, 20)), int(rng.integers(1, 9)))
        yield {"inputs": [shape], "kwargs": {"n_filters": int(rng.integers(1, 48)),
                                             "dropout_prob": float(rng.choice([0, 0, 0.1, 0.25, 0.5])),
                                             "max_pooling": pooling}, "seed": int(rng.integers(1, 2**31))}


def check_conv_block(conv_block, input_shape=None, random_cases=0, **kwargs):
    """Check conv_block's layers against the reference, layer by layer.

    Args:
        conv_block: the student's function.
        input_shape: (height, width, channels) with keyword arguments (n_filters, dropout_prob,
            max_pooling): one more configuration. Without them, the three public ones run.
        random_cases: that many configurations drawn fresh for each grading run (the grader).
    """
    specs = [] if (input_shape or kwargs or random_cases) else [
        table_spec(t) for t in ("conv_block", "conv_block_dropout", "conv_block_no_pooling")]
    if input_shape or kwargs:
        specs.append({"inputs": [tuple(input_shape or (96, 128, 3))], "kwargs": kwargs})
    specs += list(_random_conv_specs(random_cases, "conv_block"))
    for spec in _seeded(specs, "conv_block"):
        received = check_layers(conv_block, "conv_block", spec)
        passed(with_equivalences(f"{spec_text('conv_block', spec)}: all {len(received['rows'])} layers match "
                                 f"the reference", received))


def check_conv_block_outputs(conv_block, input_shape=(96, 128, 3), n_filters=32, random_cases=0):
    """Check that conv_block returns the right two tensors, with and without pooling and dropout.

    `skip_connection` is the tensor before pooling (after dropout when there is dropout);
    `next_layer` the pooled skip_connection, or the very same tensor without pooling.
    """
    cases = [(tuple(input_shape), n_filters, dropout, pooling)
             for dropout, pooling in ((0, True), (0.3, True), (0.3, False), (0, False))]
    cases = [(*case, SKETCH_SEED) for case in cases]
    rng = runner.random_generator("conv_block_outputs")
    for _ in range(random_cases):
        cases.append(((2 * int(rng.integers(2, 16)), 2 * int(rng.integers(2, 16)), int(rng.integers(1, 6))),
                      int(rng.integers(1, 40)), float(rng.choice([0, 0.2])), bool(rng.integers(0, 2)),
                      int(rng.integers(1, 2**31))))
    for shape, filters, dropout, pooling, seed in cases:
        spec = {"inputs": [shape], "kwargs": {"n_filters": filters, "dropout_prob": dropout, "max_pooling": pooling},
                "seed": seed}
        call = spec_text("conv_block", spec)
        got = ask(conv_block, "conv_block", call, probes.block_outputs, spec)
        full, pooled = (None, shape[0], shape[1], filters), (None, shape[0] // 2, shape[1] // 2, filters)
        if tuple(got["skip_shape"]) != full:
            hint = None
            if pooling and tuple(got["skip_shape"]) == pooled and tuple(got["next_shape"]) == full:
                hint = "the two values are swapped: return next_layer first, then skip_connection"
            elif tuple(got["skip_shape"]) == pooled:
                hint = "skip_connection must be the tensor before pooling, at full resolution"
            fail(call, f"skip_connection (second value) has shape {tuple(got['skip_shape'])}; expected {full}", hint)
        wanted = "Dropout" if dropout > 0 else "Conv2D"
        if got["skip_producer"] != wanted and not (wanted == "Conv2D" and got["skip_producer"] in RELU_CLASSES):
            fail(call, f"skip_connection comes from a {got['skip_producer']}; expected the output of the "
                       f"{wanted} layer",
                 "with dropout, skip_connection is the tensor after Dropout (and before pooling)" if dropout > 0
                 else "without dropout, skip_connection is the second convolution's output")
        if pooling:
            if tuple(got["next_shape"]) != pooled:
                fail(call, f"next_layer (first value) has shape {tuple(got['next_shape'])}; expected {pooled}",
                     "pooling 2x2 windows moved by 2 pixels halves the height and width")
            if got["next_producer"] != "MaxPooling2D" or not got["pools_skip"]:
                fail(call, "next_layer is not the max pooling of skip_connection",
                     "the next step goes on from the pooled version of the very tensor the skip connection "
                     "carries, so both see the same features")
        elif not got["next_is_skip"]:
            fail(call, "with max_pooling=False, next_layer must be the very same tensor as skip_connection "
                       "(no pooling, no extra layer)",
                 "in the else branch: next_layer = the tensor you return as skip_connection")
        reference = runner.expected("conv_block", probes.block_outputs, spec)
        if got.get("rows") is not None and reference.get("rows") is not None and \
                explain(reference["rows"], got["rows"]) is not None:
            _same_computation(call, got.get("sketch"), reference["sketch"], layers_differ=True)
        _same_computation(call, got.get("sketch"), reference["sketch"])
    passed(f"conv_block returns (next_layer, skip_connection) correctly in {len(cases)} configurations: "
           f"with and without dropout and pooling")


def check_upsampling_block(upsampling_block, expansive_shape=None, contractive_shape=None, random_cases=0, **kwargs):
    """Check upsampling_block's layers against the reference, layer by layer.

    Without arguments the two public configurations run (the first and the last decoder step
    of the default U-Net); with (expansive_shape, contractive_shape, n_filters=...) one more.
    """
    specs = [] if (expansive_shape or random_cases) else [table_spec(t) for t in ("upsampling_block",
                                                                                   "upsampling_block_top")]
    if expansive_shape:
        specs.append({"inputs": [tuple(expansive_shape), tuple(contractive_shape)], "kwargs": kwargs})
    rng = runner.random_generator("upsampling_block")
    for _ in range(random_cases):
        height, width = int(rng.integers(2, 12)), int(rng.integers(2, 12))
        specs.append({"inputs": [(height, width, int(rng.integers(1, 40))),
                                 (2 * height, 2 * width, int(rng.integers(1, 40)))],
                      "kwargs": {"n_filters": int(rng.integers(1, 40))}, "seed": int(rng.integers(1, 2**31))})
    for spec in _seeded(specs, "upsampling_block"):
        received = check_layers(upsampling_block, "upsampling_block", spec)
        passed(with_equivalences(f"{spec_text('upsampling_block', spec)}: all {len(received['rows'])} layers "
                                 f"match the reference", received))


def check_unet_model(unet_model, random_cases=0, **kwargs):
    """Check unet_model's layers against the reference, layer by layer.

    Without arguments: the default model (the full table of docs/course-spec.md). With keyword
    arguments (input_size, n_filters, n_classes): that model.
    """
    specs = [] if (kwargs or random_cases) else [{"inputs": [], "kwargs": {}}]
    if kwargs:
        specs.append({"inputs": [], "kwargs": {key: tuple(value) if isinstance(value, list) else value
                                               for key, value in kwargs.items()}})
    rng = runner.random_generator("unet_model")
    for _ in range(random_cases):
        specs.append({"inputs": [], "kwargs": {
            "input_size": (16 * int(rng.integers(1, 5)), 16 * int(rng.integers(1, 5)), int(rng.integers(1, 5))),
            "n_filters": int(rng.integers(1, 7)), "n_classes": int(rng.integers(2, 30))},
            "seed": int(rng.integers(1, 2**31))})
    for spec in _seeded(specs, "unet_model"):
        received = check_layers(unet_model, "unet_model", spec, note=UNET_NOTE)
        passed(with_equivalences(f"{spec_text('unet_model', spec)}: {received['params']:,} parameters, output "
                                 f"{tuple(received['output'])} (one logit per class and pixel)", received))
