"""The benchmark scripts: each one starts and explains itself (their figures are not tested)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks_and_a_run_all_that_names_each():
    """Does run_all run every bench_*.py script (both in its full and its quick mode)?"""
    run_all = (REPO / "benchmarks" / "run_all").read_text()
    assert os.access(REPO / "benchmarks" / "run_all", os.X_OK)
    missing = [s.name for s in SCRIPTS if s.name not in run_all and s.name != "bench_learnability.py"]
    assert len(SCRIPTS) >= 5 and not missing, missing


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_each_script_starts_and_prints_its_usage(script):
    """Does `python benchmarks/X.py --help` exit 0 and describe the script (no syntax or import error)?"""
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                            cwd=REPO, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:"), result.stdout


def test_the_no_skip_ablation_has_the_unets_layers_and_feeds_zeros():
    """Does bench_recipe's no-skip U-Net keep every parameter of unet_model, with zeros where the skips were?"""
    import numpy as np

    import course.tensorflow_setup
    import tensorflow as tf
    from benchmarks.bench_recipe import no_skip_unet
    from course.reference import reference_function

    plain, ablated = reference_function("unet_model")(n_filters=2), no_skip_unet(n_filters=2)
    assert ablated.count_params() == plain.count_params()
    assert [w.shape for w in ablated.weights] == [w.shape for w in plain.weights]
    joins = [layer for layer in ablated.layers if isinstance(layer, tf.keras.layers.Concatenate)]
    probe = tf.keras.Model(ablated.inputs, [join.input[1] for join in joins])
    skips = probe(np.random.default_rng(0).random((1, 96, 128, 3), dtype=np.float32))
    assert len(joins) == 4 and all(float(tf.reduce_max(tf.abs(s))) == 0.0 for s in skips)


def test_the_skip_picture_is_drawn_from_two_runs_on_the_same_pairs(tmp_path):
    """Does draw_noskip draw one row per saved pair, and refuse predictions made on different pairs?"""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.recipe_runs import draw_noskip

    rng = np.random.default_rng(0)
    masks = rng.integers(0, 23, (3, 16, 24), dtype=np.uint8)
    for name, seed in (("unet", 1), ("noskip", 2)):
        np.savez(tmp_path / f"{name}.npz", images=rng.random((3, 16, 24, 3), dtype=np.float32), masks=masks,
                 predictions=np.random.default_rng(seed).integers(0, 23, (3, 16, 24)))
    draw_noskip(tmp_path / "unet.npz", tmp_path / "noskip.npz", [0.3, 0.19], [tmp_path / "out" / "picture.png"])
    height, width = plt.imread(tmp_path / "out" / "picture.png").shape[:2]
    assert width > height > 0  # 3 rows of 4 pictures
    np.savez(tmp_path / "other.npz", images=np.zeros((3, 16, 24, 3)), masks=masks[::-1], predictions=masks)
    with pytest.raises(ValueError, match="different validation pairs"):
        draw_noskip(tmp_path / "unet.npz", tmp_path / "other.npz", [0.3, 0.19], [tmp_path / "x.png"])
