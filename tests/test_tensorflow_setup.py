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


PLAIN = "import tensorflow"
COURSE_WAY = "import course.tensorflow_setup\nimport tensorflow as tf\nprint(tf.reduce_sum(tf.ones((2, 2))).numpy())"


@pytest.fixture(scope="module")
def imports():
    """Both fresh Pythons at once (each import takes seconds, mostly on one core): {code: (stdout, stderr)}."""
    processes = {code: subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=REPO, env=_plain_env())
                 for code in (PLAIN, COURSE_WAY)}
    results = {}
    for code, process in processes.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"{code!r} exited with {process.returncode}: {err[-2000:]}"
        results[code] = (out, err)
    return results


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_plain_import_does_print_noise_so_the_silencing_is_needed(imports):
    """Does a bare `import tensorflow` print C++ lines (what the course must hide)?"""
    _, stderr = imports[PLAIN]
    assert any(word in stderr for word in NOISE), stderr


@pytest.mark.slow  # runs `python -m grader` or a fresh Python: seconds each
def test_course_import_prints_nothing(imports):
    """Does importing TensorFlow through course.tensorflow_setup print nothing at all?"""
    stdout, stderr = imports[COURSE_WAY]
    assert stdout.strip() == "4.0"
    assert stderr == ""


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
