# Sourced by ./start-course and ./run-tests: create or reuse the virtual environment and
# install the pinned requirements (with uv when it is on PATH, about 3x faster; else pip;
# COURSE_INSTALLER=pip|uv forces one). Re-running is quick: the installer runs only when a
# requirements file changed since the last successful install.
set -euo pipefail

COURSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COURSE_VENV="${COURSE_VENV:-$COURSE_ROOT/.venv}"

_course_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "error: no python3 found; install Python 3.11 or set PYTHON=/path/to/python3.11" >&2
  exit 1
}

_stamp_of() {  # a hash of the given files, to tell whether an install is up to date
  cat "$@" | sha256sum | cut -d' ' -f1
}

_tensorflow_flavour() {  # "gpu" when an NVIDIA GPU can be used here, else "cpu"
  case "${COURSE_TENSORFLOW:-auto}" in
    cpu|gpu) echo "$COURSE_TENSORFLOW"; return ;;
  esac
  if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && command -v nvidia-smi >/dev/null 2>&1 \
      && nvidia-smi -L 2>/dev/null | grep -q "^GPU"; then
    echo gpu
  else
    echo cpu
  fi
}

_installer() {  # "uv" when uv is on PATH (the same pins, installed about 3x faster), else "pip"
  case "${COURSE_INSTALLER:-auto}" in
    pip|uv) echo "$COURSE_INSTALLER"; return ;;
  esac
  if command -v uv >/dev/null 2>&1; then echo uv; else echo pip; fi
}

_requirement_count() {  # the number of packages a requirements file pins
  grep -cE '^[A-Za-z0-9]' "$1" || true
}

_pip_progress() {  # _pip_progress TOTAL: pip's output as one numbered line per package, errors as they are
  local total="$1" n=0 line
  while IFS= read -r line; do
    case "$line" in
      Collecting*) n=$((n + 1)); printf '  [%d/%s] %s\n' "$n" "$total" "${line#Collecting }" ;;
      "Installing collected packages"*) echo "  installing the $n packages (the longest step: a minute or more, no output) ..." ;;
      "  Downloading"*|"  Using cached"*|"  Obtaining"*|"  Preparing"*|"  Getting"*|"  Installing build"*|"Requirement already"*) ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}

_install() {  # _install ARGS...: pip install ARGS into the course's environment, with uv when chosen
  local total="?" previous="" argument
  for argument in "$@"; do  # the count for the progress lines, from `-r FILE`
    if [ "$previous" = "-r" ]; then total="$(_requirement_count "$argument")"; fi
    previous="$argument"
  done
  if [ "$(_installer)" = "uv" ]; then
    # uv draws its own progress (downloads, then "Installed N packages") on a terminal
    if uv pip install --python "$COURSE_VENV/bin/python" --compile-bytecode "$@"; then
      return 0
    fi
    echo "uv could not install the requirements (see above): trying pip ..." >&2
  fi
  "$COURSE_VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off "$@" 2>&1 \
    | _pip_progress "$total"
}

_selected_requirements() {  # the requirement lines to install, for this machine's TensorFlow
  if [ "$(_tensorflow_flavour)" = "gpu" ]; then
    grep -v '^tensorflow-cpu==' "$COURSE_ROOT/requirements.txt"
    cat "$COURSE_ROOT/requirements-gpu.txt"
  else
    cat "$COURSE_ROOT/requirements.txt"
  fi
}

ensure_venv() {
  local python
  python="$(_course_python)"
  if ! "$python" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)'; then
    echo "error: $python is Python $("$python" -c 'import platform; print(platform.python_version())');" \
         "the course needs Python 3.10 to 3.13 (3.11 is what it is tested on)." >&2
    exit 1
  fi
  if [ ! -x "$COURSE_VENV/bin/python" ]; then
    echo "Creating the virtual environment in $COURSE_VENV ..."
    "$python" -m venv "$COURSE_VENV"
  fi
  local stamp_file="$COURSE_VENV/.course-requirements.sha256"
  local selected="$COURSE_VENV/.course-requirements.txt"
  _selected_requirements > "$selected"
  local want
  want="$(_stamp_of "$selected")"
  if [ -n "${COURSE_VENV_DRY_RUN:-}" ]; then  # for the tests: say what would be installed, install nothing
    echo "TensorFlow for this machine: $(_tensorflow_flavour)"
    echo "installer: $(_installer)"
    grep -E '^tensorflow' "$selected"
    return 0
  fi
  if [ "$(cat "$stamp_file" 2>/dev/null || true)" != "$want" ]; then
    if [ "$(_tensorflow_flavour)" = "gpu" ]; then
      echo "An NVIDIA GPU is here: installing TensorFlow with CUDA (requirements-gpu.txt; about 3 GB more) ..."
    fi
    echo "Installing the $(_requirement_count "$selected") pinned packages (1.9 GB; only the first time, or after" \
         "requirements.txt changed): 1 to 3 minutes on a fast machine and connection, 3 to 6 on a slow or busy one ..."
    _install -r "$selected"
    "$COURSE_VENV/bin/python" -m pip check
    echo "$want" > "$stamp_file"
  fi
  # Make the course's own packages (test_utils, course, grader) importable from the venv,
  # wherever Python or Jupyter is started from.
  local site
  site="$("$COURSE_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$COURSE_ROOT" > "$site/unet_course_root.pth"
  export PATH="$COURSE_VENV/bin:$PATH"
  export VIRTUAL_ENV="$COURSE_VENV"
}

ensure_legacy_keras() {  # test-only, see requirements-legacy-keras.txt
  local target="$COURSE_VENV/legacy-keras"
  local stamp_file="$target/.stamp"
  local want
  want="$(_stamp_of "$COURSE_ROOT/requirements-legacy-keras.txt")"
  if [ "$(cat "$stamp_file" 2>/dev/null || true)" != "$want" ]; then
    echo "Installing tf-keras (legacy Keras 2, for the cross-version tests) ..."
    rm -rf "$target"
    _install --no-deps --target "$target" -r "$COURSE_ROOT/requirements-legacy-keras.txt"
    echo "$want" > "$stamp_file"
  fi
  export COURSE_LEGACY_KERAS_PATH="$target"
}
