"""Limits per notebook and sandbox settings: defaults for TensorFlow notebooks on a CPU.

Settings come from, in increasing priority: the defaults below, the `[limits]` and
`[sandbox]` tables of `grader.toml` in the course root, and `--limit NAME=VALUE` on the
command line. Each value is documented next to its default; `python -m grader limits`
prints the values in effect.

The defaults were measured on the course's own notebooks: importing TensorFlow 2.21 takes
about 9 s on a cold 2-core machine, and building and training the default U-Net for an epoch
on 64 images peaks at 1.4 GB resident and 1.7 GB of data segment (3.3 GB of address space).
"""

import dataclasses
import tomllib
from pathlib import Path

CONFIG_NAME = "grader.toml"


class ConfigError(ValueError):
    """A setting is unknown or has a value of the wrong kind."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one notebook may use. Times in seconds, sizes in MiB unless the name says kB."""

    cell_timeout: float = 600.0  # one cell; then the kernel is interrupted
    notebook_timeout: float = 1800.0  # all cells of one notebook; the rest is not run
    interrupt_grace: float = 10.0  # after an interrupt, time to stop before the kernel is killed
    startup_timeout: float = 120.0  # kernel start-up
    memory_mb: int = 6144  # resident memory of all the notebook's processes together
    data_mb: int = 8192  # per process data segment (RLIMIT_DATA): a fast allocation fails
    processes: int = 512  # processes and threads of the sandbox user (RLIMIT_NPROC)
    file_size_mb: int = 1024  # largest file the notebook may write (RLIMIT_FSIZE)
    tmp_mb: int = 1024  # size of each private /tmp, /var/tmp and /dev/shm
    open_files: int = 1024  # RLIMIT_NOFILE
    cpu_seconds: int = 0  # RLIMIT_CPU per process; 0 leaves it to the wall-clock limits
    output_cell_kb: int = 1024  # output kept per cell; the rest is dropped and noted
    output_notebook_kb: int = 8192  # output kept per notebook
    grading_timeout: float = 0.0  # whole submission; 0 means notebooks x notebook_timeout + 120 s
    notebook_file_mb: int = 100  # a submitted notebook file larger than this is not graded

    def submission_timeout(self, notebooks):
        """Wall-clock limit for one submission of `notebooks` notebooks (enforced by the parent)."""
        if self.grading_timeout > 0:
            return self.grading_timeout
        return max(1, notebooks) * (self.notebook_timeout + self.startup_timeout) + 120.0


@dataclasses.dataclass(frozen=True)
class SandboxSettings:
    """How student code is isolated (see grader/README.md for what each one guarantees)."""

    mode: str = "auto"  # "auto": all that this machine allows; "strict": fail if not root; "off"
    user_prefix: str = "nbgrader-sandbox"  # sandbox users are <prefix>-0, <prefix>-1, ...
    base_dir: str = "/var/tmp/nbgrader-sandbox"  # working folders of running kernels
    block_network: bool = True
    readable: tuple = ()  # extra read-only paths for the kernel, relative to the course root
    pythonpath: tuple = ()  # folders put on the kernel's PYTHONPATH (and made readable)
    trusted_modules: tuple = ("test_utils",)  # re-imported fresh before every test cell
    reference_env: str = "COURSE_SOURCE_DIR"  # env var naming the reference definitions folder
    reference_scope: str = "all"  # "all" notebooks' definitions, or only "earlier" ones
    suspicious_names: tuple = ("reference_function", "reference_source", "COURSE_SOURCE_DIR",
                               "NBGRADER_EXECUTION")  # flagged in student cells
    env: tuple = ("LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "TF_CPP_MIN_LOG_LEVEL",
                  "CUDA_VISIBLE_DEVICES", "MPLBACKEND", "COURSE_DATA_DIR",
                  "COURSE_DATA_PRESET")  # variables passed through to kernels
    set_env: tuple = ()  # ("NAME=value", ...) set in every kernel


_TABLES = {"limits": Limits, "sandbox": SandboxSettings}


def _coerce(cls, name, value, source):
    fields = {field.name: field for field in dataclasses.fields(cls)}
    if name not in fields:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{source}: unknown setting {name!r}; known: {known}")
    default = getattr(cls(), name)
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return bool(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                return tuple(item for item in value.split(",") if item)
            return tuple(value)
        return type(default)(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{source}: {name} must be a {type(default).__name__}, got {value!r}"
        ) from None


def load(course_root=None, overrides=()):
    """Return (Limits, SandboxSettings) for a course.

    Args:
        course_root: folder that may hold grader.toml (None: defaults only).
        overrides: "NAME=VALUE" strings; NAME is a field of Limits or SandboxSettings
            (e.g. "cell_timeout=30", "mode=off").

    Raises:
        ConfigError: unknown names or values of the wrong type, with the file or flag named.
    """
    values = {"limits": {}, "sandbox": {}}
    if course_root is not None:
        path = Path(course_root) / CONFIG_NAME
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"{path}: {error}") from None
            for table, settings in data.items():
                if table == "prepare":  # read by grader.course.Course.prepare
                    continue
                if table not in _TABLES:
                    raise ConfigError(f"{path}: unknown table [{table}]; known: limits, "
                                      "sandbox, prepare")
                for name, value in settings.items():
                    values[table][name] = _coerce(_TABLES[table], name, value, str(path))
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--limit {item!r}: expected NAME=VALUE")
        name = name.strip().replace("-", "_")
        table = "limits" if name in {f.name for f in dataclasses.fields(Limits)} else "sandbox"
        values[table][name] = _coerce(_TABLES[table], name, value.strip(), f"--limit {item}")
    limits = Limits(**values["limits"])
    sandbox = SandboxSettings(**values["sandbox"])
    if sandbox.mode not in ("auto", "strict", "off"):
        raise ConfigError(f"sandbox mode must be auto, strict or off, got {sandbox.mode!r}")
    if sandbox.reference_scope not in ("all", "earlier"):
        raise ConfigError(f"reference_scope must be all or earlier, got {sandbox.reference_scope!r}")
    return limits, sandbox


def describe(limits, sandbox):
    """The settings in effect, one `name = value` line each (for `grader limits`)."""
    lines = ["[limits]"]
    lines += [f"{f.name} = {getattr(limits, f.name)!r}" for f in dataclasses.fields(limits)]
    lines += ["", "[sandbox]"]
    lines += [f"{f.name} = {getattr(sandbox, f.name)!r}" for f in dataclasses.fields(sandbox)]
    return "\n".join(lines)
