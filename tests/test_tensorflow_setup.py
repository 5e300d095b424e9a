"""TensorFlow is imported without its C++ start-up lines, in scripts and in notebooks."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOISE = ("absl::InitializeLog", "oneDNN", "cuda", "I0000", "E0000", "W0000")
# TensorFlow's own switches, which would hide (or show) its start-up lines whatever the course does.
QUIET_SWITCHES = ("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "GLOG_minloglevel")


def _plain_env():
    return {key: value for key, value in os.environ.items() if key not in QUIET_SWITCHES}


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_plain_import_does_print_noise_so_the_silencing_is_needed():
    """Does a bare `import tensorflow` print C++ lines (what the course must hide)?"""
    result = subprocess.run([sys.executable, "-c", "import tensorflow"],
                            capture_output=True, text=True, check=True, cwd=REPO, env=_plain_env())
    assert any(word in result.stderr for word in NOISE), result.stderr


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_course_import_prints_nothing():
    """Does importing TensorFlow through course.tensorflow_setup print nothing at all?"""
    code = ("import course.tensorflow_setup\nimport tensorflow as tf\n"
            "print(tf.reduce_sum(tf.ones((2, 2))).numpy())")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, check=True, cwd=REPO, env=_plain_env())
    assert result.stdout.strip() == "4.0"
    assert result.stderr == ""


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_notebook_cell_shows_no_tensorflow_log_lines():
    """Does a notebook cell that imports TensorFlow the course's way show only its own output?"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import course.tensorflow_setup\nimport tensorflow as tf\nfrom tensorflow.keras import layers\n"
        "print(layers.Conv2D(2, 3)(tf.ones((1, 8, 8, 1))).shape)")])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO)}}).execute()
    outputs = notebook.cells[0].outputs
    texts = [output.get("text", "") for output in outputs]
    assert texts == ["(1, 6, 6, 2)\n"], outputs
