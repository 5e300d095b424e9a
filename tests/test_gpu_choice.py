"""tools/venv.sh's choices: TensorFlow with CUDA when an NVIDIA GPU is present; uv when it is on PATH.

The detection is faked with an `nvidia-smi` on PATH (this machine has no GPU);
COURSE_VENV_DRY_RUN makes the set-up say what it would install and install nothing.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def fake_uv(folder, script="exit 0"):
    """A folder holding an executable `uv` that runs `script`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "uv").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "uv").chmod(0o755)
    return folder


def chosen(tmp_path, gpu, uv=False, **env):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    fake = bin_dir / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA Fake 80GB (UUID: GPU-1234)'\n" if gpu else "#!/bin/sh\nexit 9\n")
    fake.chmod(0o755)
    path = [str(bin_dir)]
    if uv:
        path.append(str(fake_uv(tmp_path / "uv-bin")))
    # PATH without any uv of this machine's, so that the choice is the one the test sets up
    path += [folder for folder in os.environ["PATH"].split(":") if not (Path(folder) / "uv").exists()]
    environment = {**os.environ, "PATH": ":".join(path), "COURSE_VENV_DRY_RUN": "1", **env}
    result = subprocess.run(["bash", "-c", "source tools/venv.sh && ensure_venv"], cwd=REPO, env=environment,
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_an_nvidia_gpu_gets_tensorflow_with_cuda(tmp_path):
    """With an NVIDIA GPU listed by nvidia-smi, is the CUDA build chosen, without the CPU wheel?"""
    out = chosen(tmp_path, gpu=True)
    assert "TensorFlow for this machine: gpu" in out
    assert "tensorflow[and-cuda]==2.21.0" in out and "tensorflow-cpu" not in out


def test_no_gpu_gets_the_cpu_wheel(tmp_path):
    """Without a GPU (nvidia-smi fails), is the CPU-only wheel chosen?"""
    out = chosen(tmp_path, gpu=False)
    assert "TensorFlow for this machine: cpu" in out and "tensorflow-cpu==2.21.0" in out


def test_the_choice_can_be_forced(tmp_path):
    """Does COURSE_TENSORFLOW=cpu keep the CPU wheel even with a GPU (and gpu force CUDA without one)?"""
    assert "tensorflow-cpu==2.21.0" in chosen(tmp_path, gpu=True, COURSE_TENSORFLOW="cpu")
    assert "tensorflow[and-cuda]" in chosen(tmp_path, gpu=False, COURSE_TENSORFLOW="gpu")


def test_the_gpu_requirements_are_pinned_to_the_same_tensorflow():
    """Is every GPU requirement pinned, and is its TensorFlow the CPU wheel's version?"""
    lines = [line for line in (REPO / "requirements-gpu.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)
    cpu = re.search(r"^tensorflow-cpu==([\d.]+)", (REPO / "requirements.txt").read_text(), re.MULTILINE).group(1)
    assert f"tensorflow[and-cuda]=={cpu}" in lines


def test_the_device_line_names_the_cpu_and_why():
    """On this machine (no GPU, CPU wheel), does the notebook's device line say CPU and why?"""
    from course.runtime import device_line

    line = device_line()
    assert line.startswith("Training on the CPU") and "CUDA" in line


def test_uv_installs_when_it_is_on_path(tmp_path):
    """Is uv used when it is on PATH, pip otherwise, and does COURSE_INSTALLER=pip override it?"""
    assert "installer: uv" in chosen(tmp_path, gpu=False, uv=True)
    assert "installer: pip" in chosen(tmp_path, gpu=False, uv=True, COURSE_INSTALLER="pip")
    assert "installer: pip" in chosen(tmp_path / "other", gpu=False)


def test_pip_installs_when_uv_fails(tmp_path):
    """When uv is on PATH but fails, does the set-up say so and install with pip instead?"""
    uv_dir = fake_uv(tmp_path / "uv-bin", "echo 'uv: something went wrong' >&2\nexit 2")
    environment = {**os.environ, "PATH": f"{uv_dir}:{os.environ['PATH']}", "COURSE_VENV": sys.prefix}
    result = subprocess.run(["bash", "-c", "source tools/venv.sh && _install --dry-run pytest"], cwd=REPO,
                            env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "uv: something went wrong" in result.stderr and "trying pip" in result.stderr
