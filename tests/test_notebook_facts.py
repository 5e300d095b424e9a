"""The numbers and pointers the notebooks state, recomputed from the course library.

Each test reads a sentence from a source notebook (instructor/source/, the one the student
notebooks are released from) and recomputes what it states: parameter counts from the reference
models, a rounding with TensorFlow, a ratio from the notebook's own table, the summary of a
benchmark from the per-seed figures that benchmarks/README.md records, a "section N" from the
notebook's headings, a cited path from the repository. A sentence that is edited so that it no
longer matches fails here, with the sentence this test expects: update the test with the
recomputation, never the number alone.

The whitespace of the notebooks is normalised (one space for any run of spaces and line breaks),
so re-wrapping a paragraph changes nothing here.
"""

from __future__ import annotations

import io
import json
import math
import re
import statistics
from contextlib import redirect_stdout
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "instructor" / "source"
NOTEBOOKS = {path.name[:2]: path for path in sorted(SOURCE.glob("*/[0-9][0-9]_*.ipynb"))}
TOP_FOLDERS = {"benchmarks", "course", "data", "docs", "grader", "instructor", "notebooks", "test_utils", "tests",
               "tools"}
HEADING = re.compile(r"^## (\d+)\. ", re.MULTILINE)


# --------------------------------------------------------------------------------------------------
# Reading the notebooks
# --------------------------------------------------------------------------------------------------

def flat(text):
    """`text` with every run of whitespace made one space."""
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=None)
def cells(stem):
    """[(cell_type, source)] of source notebook `stem` ("01" ... "07")."""
    notebook = json.loads(NOTEBOOKS[stem].read_text(encoding="utf-8"))
    return tuple((cell["cell_type"], "".join(cell["source"])) for cell in notebook["cells"])


@lru_cache(maxsize=None)
def markdown(stem):
    """The notebook's markdown cells, whitespace normalised, one after the other."""
    return flat(" ".join(source for kind, source in cells(stem) if kind == "markdown"))


def stated(stem, pattern):
    """The match of `pattern` (on normalised whitespace) in notebook `stem`'s markdown; fails when absent."""
    match = re.search(pattern, markdown(stem))
    assert match, (f"notebook {stem} no longer says /{pattern}/: if the sentence changed, recompute its numbers "
                   f"here and update the pattern")
    return match


def number(text):
    return float(text.rstrip(".").replace(",", "").replace("−", "-"))


@lru_cache(maxsize=None)
def sections(stem):
    """{section number: its text (markdown and code, whitespace normalised)} of notebook `stem`."""
    found, current = {}, None
    for _, source in cells(stem):
        heading = re.search(r"^## (\d+)\. |^## ", source, re.MULTILINE)
        if heading:
            before, after = source[:heading.start()], source[heading.start():]
            if current is not None:
                found[current] += " " + before
            parts = re.split(r"(?=^## )", after, flags=re.MULTILINE)
            for part in parts:
                numbered = HEADING.match(part)
                current = int(numbered.group(1)) if numbered else None
                if current is not None:
                    found[current] = part
        elif current is not None:
            found[current] += " " + source
    return {key: flat(value) for key, value in found.items()}


# --------------------------------------------------------------------------------------------------
# Pointers: "section N" and cited files
# --------------------------------------------------------------------------------------------------

# Every "section N" of a notebook: (notebook, the phrase that holds it, what that section must be about).
# "notebook M, section N" points into notebook M. A new reference must be added here, with its topic.
REFERENCES = [
    ("01", "a reason that matters in section 7", r"`tf\.data`"),
    ("02", "the formula of section 1", r"\(3·3·3 \+ 1\)·32"),
    ("03", "section 5 shows both facts with numbers", r"Transposed, not inverse"),
    ("03", "(section 2 has what you need)", r"the output is simply \*\*n·s\*\*"),
    ("03", "section 4's 180° turn", r"turned by 180°"),
    ("03", "the kernel layout of section 3", r"kernel layout"),
    ("04", "section 5 shows what happens otherwise", r"Why the sizes must divide by 16"),
    ("04", "the plan of section 1", r"\*\*The bottleneck\*\*"),
    ("04", "notebook 2, section 3", r"the cost stays balanced"),
    ("05", "section 9 gives the processors and the commands", r"14 min 35 s.*AVX-512"),
    ("05", "instead of training again (section 4)", r"saves the trained weights"),
    ("05", "(`benchmarks/bench_recipe.py`, section 9)", r"bench_recipe\.py"),
    ("05", "in the measurement of section 1", r"5\.5 times less"),
    ("05", "the largest step size of Adam (section 3)", r"\*\*Adam\*\*"),
    ("05", "rises and falls during training (section 4)", r"warm-up"),
    ("05", "(section 6 explains why it is not enough)", r"Pixel accuracy.*misleading"),
    ("05", "weights `fit` kept (section 4)", r"keeps the weights of the epoch with the best validation mean IoU"),
    ("05", "(section 9 says more)", r"optimistic estimate"),
    ("05", "the settings of section 1 were chosen", r"run = settings\(\)"),
    ("05", "(in the history of section 4)", r"validation mean IoU"),
    ("05", "The argmax of section 5", r"`argmax`"),
    ("05", "the loss's trick (section 3)", r"largest logit subtracted first"),
    ("05", "the `jupyter nbconvert --execute` run of section 9", r"jupyter nbconvert --to notebook --execute"),
    ("05", "the schedule of section 4", r"cosine decay"),
    ("05", "5.5 times as long per epoch (section 1)", r"5\.5 times less"),
    ("05", "in the settings cell (section 1)", r"run = settings\(\)"),
    ("07", "the experiment of section 3", r"covering at least 3 % of the picture"),
    ("07", "the rules of section 1", r"\*\*The contracting path\*\*"),
]
REFERENCE = re.compile(r"(?:notebook (\d), )?\bsections? (\d+)")


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_every_section_reference_is_known(stem):
    """Is every "section N" of the notebook one of the references listed here, whose topics are checked?"""
    text = markdown(stem)
    listed = [phrase for notebook, phrase, _ in REFERENCES if notebook == stem]
    spans = [(match.start(), match.start() + len(phrase)) for phrase in listed
             for match in re.finditer(re.escape(phrase), text)]
    for match in REFERENCE.finditer(text):
        assert any(start <= match.start() and match.end() <= end for start, end in spans), (
            f"notebook {stem}: {text[max(0, match.start() - 80):match.end() + 40]!r} points to a section not "
            f"listed in REFERENCES; add the phrase and what that section must be about")


@pytest.mark.parametrize("stem, phrase, topic", REFERENCES, ids=[f"{s}-{p[:30]}" for s, p, _ in REFERENCES])
def test_section_references_point_to_their_topic(stem, phrase, topic):
    """Does the notebook still say the phrase, and is the section it names about what the phrase promises?"""
    assert phrase in markdown(stem), f"notebook {stem} no longer says {phrase!r}"
    target, section = REFERENCE.search(phrase).groups()
    target = f"0{target}" if target else stem
    found = sections(target)
    assert int(section) in found, f"notebook {target} has no section {section} (it has {sorted(found)})"
    assert re.search(topic, found[int(section)]), (
        f"notebook {stem} says {phrase!r}, but section {section} of notebook {target} does not match /{topic}/")


def cited_paths(stem):
    """The repository paths in the backquoted text of the notebook's markdown (the first word of each)."""
    paths = []
    for code in re.findall(r"`([^`]+)`", markdown(stem)):
        for word in code.split():
            if "/" in word and word.split("/")[0] in TOP_FOLDERS:
                paths.append(word.rstrip(".,;:)"))
    return paths


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_cited_files_exist(stem):
    """Does every repository path, notebook file and `python -m` module the notebook names exist?"""
    import importlib.util

    text = markdown(stem)
    for path in cited_paths(stem):
        assert (REPO / path.rstrip("/")).exists(), f"notebook {stem} cites `{path}`, which is not in the repository"
    released = {path.name for path in (REPO / "notebooks").rglob("*.ipynb")}
    for name in re.findall(r"`(\d\d_\w+\.ipynb)`", text):
        assert name in released, f"notebook {stem} names `{name}`, which is not a notebook of the course"
    for module in re.findall(r"python -m ([\w.]+)", text):
        assert importlib.util.find_spec(module) is not None, f"notebook {stem} runs `python -m {module}`: no module"


def test_the_paths_the_notebooks_cite_are_found():
    """Does the path finder see the citations (so that the test above checks something)?"""
    assert "benchmarks/bench_recipe.py" in cited_paths("05")
    assert "course/border_experiment.py" in cited_paths("07")


# --------------------------------------------------------------------------------------------------
# Notebook 1: rounding, sizes, the resizing table
# --------------------------------------------------------------------------------------------------

def test_a_bilinear_mix_of_road_and_vehicle_rounds_to_the_classes_named():
    """Does tf.round take 8.5 to 8 and 9.2 to 9, and are 7, 8, 9 and 10 road, sidewalk, vegetation and vehicle?"""
    import tensorflow as tf

    from course.classes import CLASS_NAMES

    match = stated("01", r"road \((\d+)\) and vehicle \((\d+)\), a bilinear mix gives values between the two, "
                         r"such as ([\d.]+) or ([\d.]+), which round to (\d+) .*? or (\d+): \*(\w+)\* or \*(\w+)\*")
    road, vehicle, low, high, low_rounded, high_rounded, first, second = match.groups()
    assert (CLASS_NAMES[int(road)], CLASS_NAMES[int(vehicle)]) == ("road", "vehicle")
    rounded = tf.round(tf.constant([number(low), number(high)])).numpy().tolist()
    assert rounded == [int(low_rounded), int(high_rounded)]
    assert [CLASS_NAMES[int(low_rounded)], CLASS_NAMES[int(high_rounded)]] == [first, second]


def test_a_decoded_pair_and_the_resizing_figures():
    """Is a decoded 96x128 pair 0.16 MB, 600 / 96 the 6.25 times, and 11.7 dB about a quarter of the error?"""
    megabytes = (96 * 128 * 3 * 4 + 96 * 128 * 1) / 1e6   # float32 RGB image and uint8 mask
    assert f"{megabytes:.2f}" == stated("01", r"a decoded 96×128 pair takes about ([\d.]+) MB").group(1)
    assert 600 / 96 == number(stated("01", r"600×800, shrunk ([\d.]+) times to 96×128").group(1))
    rows = dict(re.findall(r"\| (nearest|area) \| [^|]+ \| ([\d.]+ dB|exact) \|", markdown("01")))
    better = number(rows["area"].split()[0]) - number(rows["nearest"].split()[0])
    assert f"{better:.1f}" == stated("01", r"([\d.]+) dB better than nearest, about a quarter of the error").group(1)
    assert 10 ** (-better / 20) == pytest.approx(0.25, abs=0.02)  # PSNR: 20 log10 of the error ratio


def test_the_scene_generation_times_are_the_benchmarks():
    """Are notebook 1's times for drawing the 1000 scenes the bench_data.py wall times benchmarks/README.md records?"""
    readme = benchmark_readme()
    recorded = sorted([number(re.search(r"1000 pairs of 192x256: ([\d.]+) s on 2 idle cores", readme).group(1)),
                       number(re.search(r"bench_data\.py`, 2 vCPUs .*?\): ([\d.]+) s wall", readme).group(1))])
    said = stated("01", r"`benchmarks/bench_data\.py` timed the 1000 scenes at ([\d.]+) s and ([\d.]+) s on 2 vCPUs")
    assert sorted(map(number, said.groups())) == recorded


# --------------------------------------------------------------------------------------------------
# Notebook 2: He initialisation and ReLU, the weights of the deepest blocks
# --------------------------------------------------------------------------------------------------

def test_relu_halves_the_mean_square_and_he_doubles_the_variance():
    """Does ReLU halve a centred signal's mean square (not the signal), and does he_normal draw variance 2 / fan-in?"""
    import tensorflow as tf

    stated("02", r"variance of 2 / \(number of inputs of a unit\)\. The 2 makes up for the ReLU: .*halves the "
                 r"signal's mean square \(not the signal itself\)")
    signal = np.random.default_rng(0).standard_normal(1_000_000)
    relu = np.maximum(signal, 0)
    assert np.mean(relu ** 2) / np.mean(signal ** 2) == pytest.approx(0.5, abs=0.005)
    assert np.mean(relu) == pytest.approx(1 / math.sqrt(2 * math.pi), abs=0.005)  # not half of the mean, 0
    kernel = tf.keras.initializers.HeNormal(seed=0)((3, 3, 64, 64)).numpy()
    assert kernel.var() == pytest.approx(2 / (3 * 3 * 64), rel=0.03)


def test_the_two_deepest_blocks_hold_about_half_of_the_weights():
    """Do the last two encoder blocks hold the millions and the share notebook 2 says, of the U-Net's total?"""
    import tensorflow as tf

    from course.reference import reference_function

    conv_block, unet_model = reference_function("conv_block"), reference_function("unet_model")
    fourth = tf.keras.Input((24, 32, 128))
    bottom = tf.keras.Input((6, 8, 256))
    fourth_count = tf.keras.Model(fourth, conv_block(fourth, 256, dropout_prob=0.3)[1]).count_params()
    bottom_count = tf.keras.Model(bottom, conv_block(bottom, 512, dropout_prob=0.3, max_pooling=False)[0]).count_params()
    total = unet_model().count_params()
    match = stated("02", r"hold about half of its weights \(([\d.]+) of ([\d.]+) million, (\d+) %; the last one "
                         r"alone has ([\d.]+) million\)")
    both, whole, share, last = match.groups()
    assert f"{(fourth_count + bottom_count) / 1e6:.1f}" == both
    assert f"{total / 1e6:.1f}" == whole
    assert f"{100 * (fourth_count + bottom_count) / total:.0f}" == share
    assert f"{bottom_count / 1e6:.1f}" == last


# --------------------------------------------------------------------------------------------------
# Notebook 4: the model, the skip ablation
# --------------------------------------------------------------------------------------------------

def test_the_unet_has_the_layers_and_parameters_stated():
    """Does the reference U-Net have the layer count and the parameters notebook 4 states, 24 convolutions?"""
    from course.reference import reference_function

    model = reference_function("unet_model")()
    assert len(model.layers) == int(stated("04", r"full reference table of (\d+) layers").group(1))
    assert model.count_params() == number(stated("04", r"The model has \*\*([\d,]+)\*\* parameters").group(1))
    convolutions = sum(type(layer).__name__ in ("Conv2D", "Conv2DTranspose") for layer in model.layers)
    assert convolutions == int(stated("04", r"and has (\d+) convolutional layers").group(1))


def ablation_table():
    """{class: (with skips, without skips)} from notebook 4's table, and the two means."""
    rows = re.findall(r"\| \*{0,2}([A-Za-z ]+?)\*{0,2}(?: \(the (\d+) classes present\))? \| \*{0,2}([\d.]+)\*{0,2} "
                      r"\| \*{0,2}([\d.]+)\*{0,2} \|", markdown("04"))
    table = {name: (number(a), number(b)) for name, _, a, b in rows}
    present = next(int(count) for _, count, _, _ in rows if count)
    return table, present


def test_the_skip_ablation_loss_is_shared_as_stated():
    """Do the road lines and the vegetation make the share of the mean IoU's fall that notebook 4 says, by its table?"""
    table, present = ablation_table()
    means = table.pop("mean IoU")
    fall = means[0] - means[1]
    zero = {"twelve": 12}[stated("04", r"The other (\w+) classes present scored 0 in both runs").group(1)]
    assert len(table) + zero == present == int(stated("04", r"summed over the (\d+) classes").group(1))
    drops = {name: with_skips - without for name, (with_skips, without) in table.items()}
    match = stated("04", r"the mean's fall of ([\d.]+) is (\d+) × ([\d.]+) = ([\d.]+) points of class IoU, and the "
                         r"road lines \(([\d.]+)\) and the vegetation \(([\d.]+)\) make ([\d.]+) of them, (\d+) %")
    said_fall, count, _, points, lines, vegetation, pair, share = match.groups()
    assert number(said_fall) == pytest.approx(fall) and int(count) == present
    assert number(points) == pytest.approx(present * fall, abs=0.005)
    assert (number(lines), number(vegetation)) == (pytest.approx(drops["road line"]), pytest.approx(drops["vegetation"]))
    assert number(pair) == pytest.approx(drops["road line"] + drops["vegetation"])
    # the share, against the fall of the mean and against the table's own rounded sum: both round alike
    assert {f"{100 * number(pair) / (present * fall):.0f}", f"{100 * number(pair) / sum(drops.values()):.0f}"} == {share}
    assert all(drop > 0 for drop in drops.values()), "every class of the table loses something"
    assert table["vegetation"][1] == 0.0 and stated("04", r"Vegetation's 0\.00 is not a blurred outline")
    stated("04", r"lost a third of its mean IoU \(([\d.]+) to ([\d.]+)\), about half of that on two classes")
    assert fall / means[0] == pytest.approx(1 / 3, abs=0.03)


def test_the_ablation_ran_notebook_5s_settings_for_fewer_epochs():
    """Are the ablation's width, batch and learning rate notebook 5's, and its epochs fewer than notebook 5's?"""
    from course.training import SETTINGS

    match = stated("04", r"`n_filters=(\d+)`, batch (\d+), peak learning rate ([\d.]+), (\d+) epochs instead of "
                         r"notebook 5's (\d+)")
    width, batch, rate, epochs, notebook_epochs = match.groups()
    assert (SETTINGS.n_filters, SETTINGS.batch_size, SETTINGS.learning_rate) == (int(width), int(batch), number(rate))
    assert SETTINGS.epochs == int(notebook_epochs) and int(epochs) < SETTINGS.epochs


# --------------------------------------------------------------------------------------------------
# Notebook 5: the loss, the IoU example, the measured times
# --------------------------------------------------------------------------------------------------

def test_a_separate_softmax_overflows_and_adam_has_the_epsilon_stated():
    """Does float32's softmax of (0, 120) give exactly (0, 1), and is Keras's Adam epsilon 1e-7?"""
    import tensorflow as tf

    stated("05", r"with logits \(0, 120\), float32's softmax gives exactly \(0, 1\)")
    assert tf.nn.softmax(tf.constant([[0.0, 120.0]])).numpy().tolist() == [[0.0, 1.0]]
    stated("05", r"ε, 10⁻⁷ in Keras")
    assert tf.keras.optimizers.Adam().epsilon == 1e-7


def test_one_missed_pixel_costs_what_notebook_5_says():
    """Does the missed pixel take the first image's mean IoU from 1 to 0.375, and the set's vehicle IoU from 1 to 4/5?"""
    from course.foreground import set_and_per_image_iou, two_image_example
    from course.metrics import confusion_matrix, iou_from_confusion

    truth, prediction = two_image_example()
    before, after = stated("05", r"it takes the first image's score from ([\d.]+) to ([\d.]+)").groups()
    assert set_and_per_image_iou(truth[:1], truth[:1], n_classes=2)[0] == number(before)
    assert set_and_per_image_iou(truth[:1], prediction[:1], n_classes=2)[0] == number(after)
    stated("05", r"costs a fifth of the vehicle's IoU over the set \(1 to 4/5\)")
    vehicle = iou_from_confusion(confusion_matrix(truth, prediction, 2))[1]
    assert vehicle == pytest.approx(4 / 5) and 1 - vehicle == pytest.approx(1 / 5)


def test_the_narrow_model_has_a_sixteenth_of_the_parameters():
    """Has the U-Net at notebook 5's width (8) 541 thousand parameters, 1/16 of the full width's 8.6 million?"""
    from course.reference import reference_function
    from course.training import SETTINGS

    unet_model = reference_function("unet_model")
    narrow = unet_model(n_filters=SETTINGS.n_filters).count_params()
    full = unet_model().count_params()
    thousands, millions = stated("05", r"has 1/16 of the parameters \((\d+) thousand instead of ([\d.]+) million\)").groups()
    assert (round(narrow / 1000), round(full / 1e6, 1)) == (int(thousands), number(millions))
    assert round(full / narrow) == 16 == int(stated("05", r"has (\d+) times the parameters").group(1))


def benchmark_readme():
    return flat((REPO / "benchmarks" / "README.md").read_text(encoding="utf-8"))


def test_the_step_times_of_notebook_5_are_the_benchmarks():
    """Are notebook 5's seconds per step, images per second and minutes per pass those benchmarks/README.md records?"""
    readme = benchmark_readme()
    fast_rate = number(re.search(r"\| \*\*defaults, as a student runs it\*\* [^|]*\| ([\d.]+) \|", readme).group(1))
    speed = {(int(width), int(batch)): (number(ms), number(rate), number(epoch)) for width, batch, _, ms, rate, epoch
             in re.findall(r"\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \|", readme)}
    slow_ms, slow_rate, slow_epoch = speed[(32, 32)]
    narrow_epoch = speed[(8, 8)][2]
    match = stated("05", r"([\d.]+) s \(([\d.]+) images per second\) on an AMD EPYC with AVX-512 "
                         r"\(`benchmarks/bench_training_throughput\.py`\), ([\d.]+) s \(([\d.]+) images per second\) "
                         r"on one without AVX-512 \(`benchmarks/bench_recipe\.py --parts speed --quick`\)\. One pass "
                         r"over our 800 training images then takes ([\d.]+) to ([\d.]+) minutes")
    fast_step, fast_said, slow_step, slow_said, low, high = match.groups()
    assert (f"{32 / fast_rate:.1f}", f"{fast_rate:.1f}") == (fast_step, fast_said)
    assert (f"{slow_ms / 1000:.1f}", f"{slow_rate:.1f}") == (slow_step, slow_said)
    assert (f"{800 / fast_rate / 60:.1f}", f"{800 / slow_rate / 60:.1f}") == (low, high)
    narrow, wide, times = stated("05", r"a pass took (\d+) s instead of (\d+) s, ([\d.]+) times less").groups()
    assert (round(narrow_epoch), round(slow_epoch)) == (int(narrow), int(wide))
    assert f"{slow_epoch / narrow_epoch:.1f}" == times


def test_the_run_all_times_of_notebook_5_are_the_benchmarks():
    """Are notebook 5's two "Run all" times those benchmarks/README.md records, and the range the two of them?"""
    readme = benchmark_readme()
    headless = int(re.search(r"notebook 5, \"run all\" with the student's settings \((\d+) s\)", readme).group(1))
    executed = int(re.search(r"\*\*(\d+) s\*\* \(14 min 35 s\) wall", readme).group(1))
    minutes = [f"{seconds // 60} min {seconds % 60} s" for seconds in sorted((headless, executed))]
    assert list(stated("05", r"took from (\d+ min \d+ s) to (\d+ min \d+ s) on the two machines").groups()) == minutes
    assert stated("05", r"took \*\*(\d+ min \d+ s)\*\* and at most").group(1) == minutes[1]
    assert stated("05", r"AMD EPYC \*with\* AVX-512, took (\d+ min \d+ s)").group(1) == minutes[0]
    low, high = stated("05", r"count (\d+) to (\d+) minutes on two cores").groups()
    assert int(low) <= headless / 60 and executed / 60 <= int(high)


@pytest.mark.slow
def test_the_training_check_with_the_reference_falls_more_than_tenfold():
    """With the reference functions, does the training check's loss fall more than tenfold, as notebook 5 says?"""
    from course.reference import reference_function
    from test_utils.checks import check_training_learns

    stated("05", r"with the course's reference functions it falls more than tenfold")
    printed = io.StringIO()
    with redirect_stdout(printed):
        check_training_learns(reference_function("compile_model"), reference_function("unet_model"))
    first, last = map(float, re.search(r"fell from ([\d.]+) to ([\d.]+)", printed.getvalue()).groups())
    assert first / last > 10, printed.getvalue()


# --------------------------------------------------------------------------------------------------
# Notebook 7: the paper's network, the weight map, the experiment
# --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def extension():
    """The reference original_unet and border_weights (with crop_and_concat) from the extension's sources."""
    from course.notebook_code import load_definitions

    return load_definitions(sorted((SOURCE / "unet_original").glob("[0-9][0-9]_*.ipynb")),
                            names=["original_unet", "border_weights"])


def test_the_paper_network_parameters():
    """Do the paper's network, its bottom, its width-32 twin and the narrow tile network have the counts stated?"""
    original_unet = extension()["original_unet"]
    paper = original_unet()
    total = paper.count_params()
    bottom = sum(layer.count_params() for layer in paper.layers
                 if type(layer).__name__ == "Conv2D" and layer.filters == 1024)
    assert total == number(stated("07", r"\*\*([\d,]+) parameters\*\* for one input channel and two classes").group(1))
    said_bottom = stated("07", r"almost half, ([\d,]+), sit in the two 1024-channel convolutions").group(1)
    assert bottom == number(said_bottom) and 0.4 < bottom / total < 0.5
    width_32 = original_unet(n_filters=32).count_params()
    assert width_32 == number(stated("07", r"`n_filters=32`, the same design has ([\d,]+): about a quarter").group(1))
    assert width_32 / total == pytest.approx(1 / 4, abs=0.01)
    from course.border_experiment import PAD, SIZE

    height, width = SIZE[0] + 2 * PAD, SIZE[1] + 2 * PAD
    tiles = stated("07", r"mirrored\*\* by (\d+) pixels on every side \((\d+)×(\d+), both sizes 16·b \+ 124\), the "
                         r"network outputs (\d+)×(\d+)").groups()
    assert [int(value) for value in tiles] == [PAD, height, width, height - 184, width - 184]
    assert (height - 124) % 16 == 0 and (width - 124) % 16 == 0
    tile_network = original_unet(input_size=(height, width, 3), n_classes=2, n_filters=8).count_params()
    assert tile_network == number(stated("07", r"`n_filters=8`, ([\d,]+) parameters\) to train on a CPU").group(1))


def test_the_border_term_never_passes_w0():
    """Does the border term stay at or below w0 (9.23 in a one-pixel gap), and over 1 only within 10.7 pixels?"""
    border_weights = extension()["border_weights"]
    mask = np.zeros((30, 40), np.uint8)
    mask[5:25, 3:19] = 1
    mask[5:25, 20:36] = 1            # a one-pixel gap at column 19
    term = border_weights(mask) - border_weights(mask, w0=0)
    assert term.max() <= 10 and term[15, 19] == pytest.approx(10 * math.exp(-4 / 50))
    stated("07", r"The border term adds at most \$w_0 = 10\$ to a pixel's weight \(its exponential never exceeds 1\)")
    limit = number(stated("07", r"\\sigma\\sqrt\{2 \\ln 10\} \\approx ([\d.]+)\$ pixels").group(1))
    assert 5 * math.sqrt(2 * math.log(10)) == pytest.approx(limit, abs=0.05)
    pixels, weight = stated("07", r"a scene with (\d+) vehicle pixels would weigh each of them about (\d+)").groups()
    assert 96 * 128 / (2 * int(pixels)) == pytest.approx(int(weight), rel=0.05)


WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def test_the_demo_mask_is_as_its_comments_say():
    """Are the demo mask's objects one pixel apart, touching at a corner, and the other class as many rows below as said?"""
    from scipy import ndimage

    code = next(source for kind, source in cells("07") if kind == "code" and "cells = np.zeros" in source)
    setup = code.split("\nwith ")[0]
    namespace = {"np": np}
    exec(setup, namespace)  # the notebook's own lines that draw the mask
    mask = namespace["cells"]
    first_two = np.argwhere(mask[:, :40] == 1)
    other = np.argwhere(mask == 2)
    gap_rows = other[:, 0].min() - first_two[:, 0].max() - 1
    said = re.search(r"# another class, (\w+) rows below the first two", setup).group(1)
    assert said == WORDS[gap_rows], f"the comment says {said} rows, the mask has {gap_rows}"
    assert "# one pixel of background between the first two" in setup
    assert ndimage.label(mask == 1)[1] == 3 and ndimage.label(mask == 1, structure=np.ones((3, 3)))[1] == 2
    assert (mask[5:20, 22] == 0).all() and mask[5:20, 21].all() and mask[5:20, 23].all()


def test_the_border_experiment_summary_is_the_benchmark():
    """Are notebook 7's means, spreads and ranges those of the per-seed figures benchmarks/README.md records?"""
    readme = benchmark_readme()
    rows = re.findall(r"\| (\d) \| (class balance only|class balance and borders) \| ([\d.]+) \| ([\d.]+) % \|", readme)
    figures = {(int(seed), name): (number(iou), number(gap)) for seed, name, iou, gap in rows}
    seeds = sorted({seed for seed, _ in figures})
    assert seeds == [0, 1, 2] == [int(s) for s in stated("07", r"for the seeds (\d), (\d) and (\d)").groups()]
    names = ("class balance only", "class balance and borders")
    for name in names:
        ious = [figures[seed, name][0] for seed in seeds]
        gaps = [figures[seed, name][1] for seed in seeds]
        expected = (f"| {name} | {statistics.mean(ious):.3f} ± {statistics.stdev(ious):.3f} | "
                    f"{statistics.mean(gaps):.0f} % ± {statistics.stdev(gaps):.0f} % |")
        assert expected in markdown("07"), f"notebook 7 should have the row {expected!r}"
    iou_gain = [figures[seed, names[1]][0] - figures[seed, names[0]][0] for seed in seeds]
    gap_gain = [figures[seed, names[1]][1] - figures[seed, names[0]][1] for seed in seeds]
    assert (f"| borders minus balance, same seed | {statistics.mean(iou_gain):+.3f} ± {statistics.stdev(iou_gain):.3f} "
            f"| **{statistics.mean(gap_gain):+.1f} ± {statistics.stdev(gap_gain):.1f} points** |") in markdown("07")
    stated("07", re.escape(f"kept {min(gap_gain):.1f} to {max(gap_gain):.1f} points more of the gap pixels free ("
                           + ", ".join(f"{gain:.1f}" for gain in gap_gain[:-1]) + f" and {gap_gain[-1]:.1f}"))
    stated("07", re.escape(f"the vehicle IoU moved by {min(iou_gain):+.3f} to {max(iou_gain):+.3f},"))
    balance_gaps = [figures[seed, names[0]][1] for seed in seeds]
    stated("07", re.escape(f"({min(balance_gaps):.1f} % to {max(balance_gaps):.1f} % without the border term)"))
    seconds = re.search(r"(\d+) to (\d+) s per training on 2 vCPUs without AVX-512", readme).groups()
    assert stated("07", r"AMD EPYC without AVX-512: (\d+) to (\d+) s per training").groups() == seconds


def test_the_experiment_resizes_images_as_notebook_7_says(tmp_path):
    """Does load_vehicle_scenes resize the images with the nearest neighbour, as notebook 7 says, not the area average?"""
    import tensorflow as tf
    from PIL import Image

    from course.border_experiment import SIZE, VEHICLE, load_vehicle_scenes

    stated("07", r"It resizes the masks with the nearest neighbour, as notebook 1 does, but the images with the "
                 r"nearest neighbour too, not with notebook 1's area average")
    (tmp_path / "CameraRGB").mkdir()
    (tmp_path / "CameraMask").mkdir()
    image = np.random.default_rng(0).integers(0, 256, (192, 256, 3), dtype=np.uint8)
    mask = np.zeros((192, 256, 3), np.uint8)
    mask[20:80, 20:100, 0] = VEHICLE
    mask[100:180, 140:240, 0] = VEHICLE
    Image.fromarray(image).save(tmp_path / "CameraRGB" / "000000.png")
    Image.fromarray(mask).save(tmp_path / "CameraMask" / "000000.png")
    images, masks, read = load_vehicle_scenes(tmp_path, 1)
    assert (len(images), read) == (1, 1)
    nearest = tf.image.resize(image, SIZE, method="nearest").numpy() / 255
    area = tf.image.resize(image, SIZE, method="area").numpy() / 255
    assert np.allclose(images[0], nearest, atol=1e-6) and not np.allclose(images[0], area, atol=1e-3)


@pytest.mark.slow
def test_the_gap_weights_on_the_first_400_scenes(tmp_path):
    """On the first 400 default scenes, are the kept scenes, the gap pixels and w / w_c at the gaps as notebook 7 says?"""
    from course.border_experiment import load_vehicle_scenes, weight_maps
    from course.scenes import generate_scenes

    generate_scenes(tmp_path, count=400, progress=False)   # scene i depends only on (seed, i): the default set's first
    images, masks, read = load_vehicle_scenes(tmp_path, 400)
    full, balance, gaps = weight_maps(extension()["border_weights"], masks)
    n_train = int(0.8 * len(images))
    kept, scenes, validate, gap_pixels = stated(
        "07", r"(\d+) of (\d+) scenes kept, (\d+) to validate, ([\d,]+) gap pixels among them").groups()
    assert (len(images), read, len(images) - n_train) == (int(kept), int(scenes), int(validate))
    assert gaps[n_train:].sum() == number(gap_pixels)
    times = full[gaps] / balance[gaps]
    low, high = map(number, stated("07", r"class-balance weight of ([\d.]+) to ([\d.]+) for the road").groups())
    assert low <= balance[gaps].min() and balance[gaps].max() <= high
    largest, median = stated("07", r"by up to about (\d+), and by about (\d+) in the median").groups()
    assert (round(times.max()), round(float(np.median(times)))) == (int(largest), int(median))
    assert (full - balance).max() <= 10
