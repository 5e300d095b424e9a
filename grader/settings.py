"""The grader's settings, on nbgrader's own traitlets configuration.

A course root has one configuration file, its `nbgrader_config.py`. Besides nbgrader's own
sections it may set these (every name, its meaning and its default below; `python -m grader
limits` prints what is in effect):

    c.GraderLimits.cell_timeout = 300           # what one notebook may use
    c.GraderSandbox.readable = ["../course"]    # how student code is isolated
    c.GraderJudge.pythonpath = [".."]           # the trusted process that decides each test
    c.GraderCourse.prepare = ["{python}", "-m", "mycourse.make_data"]

`--limit NAME=VALUE` on the command line sets any of them for one run (NAME alone, or
Class.NAME when two classes share a name). The defaults were measured on TensorFlow
notebooks on a 2-core CPU: importing TensorFlow 2.21 takes about 9 s cold, and building and
training a small U-Net for an epoch peaks at 1.4 GB resident.
"""

from traitlets import Bool, Dict, Enum, Float, Int, List, Unicode
from traitlets.config import Config, Configurable


class ConfigError(ValueError):
    """A setting is unknown or has a value of the wrong kind; the message says which."""


class GraderLimits(Configurable):
    """What one notebook may use. Times in seconds, sizes in MiB unless the name says kB."""

    cell_timeout = Float(600.0, help="one cell; then the kernel is interrupted").tag(config=True)
    notebook_timeout = Float(1800.0, help="all cells of one notebook; the rest is not run").tag(config=True)
    interrupt_grace = Float(10.0, help="after an interrupt, time to stop before the kernel is killed").tag(config=True)
    startup_timeout = Float(120.0, help="kernel start-up").tag(config=True)
    memory_mb = Int(6144, help="resident memory of all the notebook's processes together").tag(config=True)
    data_mb = Int(8192, help="per-process data segment (RLIMIT_DATA): a big allocation fails").tag(config=True)
    processes = Int(512, help="processes and threads of the sandbox user (RLIMIT_NPROC)").tag(config=True)
    file_size_mb = Int(1024, help="largest file the notebook may write (RLIMIT_FSIZE)").tag(config=True)
    tmp_mb = Int(1024, help="size of each private /tmp, /var/tmp and /dev/shm").tag(config=True)
    open_files = Int(1024, help="RLIMIT_NOFILE").tag(config=True)
    cpu_seconds = Int(0, help="RLIMIT_CPU per process; 0 leaves it to the wall-clock limits").tag(config=True)
    output_cell_kb = Int(1024, help="output kept per cell; the rest is dropped and noted").tag(config=True)
    output_notebook_kb = Int(8192, help="output kept per notebook").tag(config=True)
    grading_timeout = Float(0.0, help="one whole submission; 0: notebooks x (notebook_timeout + "
                                      "startup_timeout) + 120 s").tag(config=True)
    notebook_file_mb = Int(100, help="a submitted notebook file larger than this is not graded").tag(config=True)
    submission_mb = Int(200, help="all the files of one submission together").tag(config=True)
    submission_files = Int(500, help="files in one submission (more are refused, and named)").tag(config=True)
    submission_depth = Int(8, help="folder nesting in one submission").tag(config=True)

    def submission_timeout(self, notebooks):
        """Wall-clock limit for one submission of `notebooks` notebooks."""
        if self.grading_timeout > 0:
            return self.grading_timeout
        return max(1, notebooks) * (self.notebook_timeout + self.startup_timeout) + 120.0


class GraderSandbox(Configurable):
    """How student code is isolated (grader/README.md says what each setting guarantees)."""

    mode = Enum(["auto", "strict", "off"], "auto",
                help="auto: all this machine allows; strict: refuse to grade without the full "
                     "sandbox; off: no sandbox (time and output limits only)").tag(config=True)
    user_prefix = Unicode("nbgrader-sandbox", help="sandbox users are <prefix>-0, -1, ...").tag(config=True)
    base_dir = Unicode("/var/tmp/nbgrader-sandbox", help="working folders of running kernels").tag(config=True)
    block_network = Bool(True, help="kernels get no network interface").tag(config=True)
    readable = List(Unicode(), help="read-only paths for the kernel besides the system and "
                                    "Python, relative to the course root").tag(config=True)
    pythonpath = List(Unicode(), help="folders on the kernel's PYTHONPATH (made readable too), "
                                      "relative to the course root").tag(config=True)
    env = List(Unicode(), ["LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "MPLBACKEND"],
               help="variables passed through from the grader's environment").tag(config=True)
    set_env = Dict(Unicode(), help="variables set in every kernel (and in the judge)").tag(config=True)
    earlier_env = Unicode("", help="if set, the name of a variable that gives each kernel a folder "
                                   "of the definitions of the notebooks BEFORE its own (never its "
                                   "own or later ones), so that later notebooks can build on "
                                   "correct earlier functions").tag(config=True)


class GraderJudge(Configurable):
    """The trusted process that runs every test cell (grader/judge/README in grader/README.md)."""

    pythonpath = List(Unicode(), help="folders the judge imports the course's checkers from, "
                                      "relative to the course root (made readable too)").tag(config=True)
    readable = List(Unicode(), help="what else the judge may read, relative to the course root (it "
                                    "always reads the source notebooks and what the kernels may "
                                    "read)").tag(config=True)
    preload = List(Unicode(), help="modules the judge imports as it starts, while the first "
                                   "kernel starts (e.g. tensorflow)").tag(config=True)
    probe_timeout = Float(120.0, help="how long one answer from the student's kernel may take").tag(config=True)
    answer_mb = Int(32, help="largest answer the kernel may send for one probe").tag(config=True)
    seed = Int(0, help="seed of the hidden inputs; 0 draws a fresh one per submission and grading "
                       "run (recorded, so `autograde --seed` can repeat a run)").tag(config=True)


class GraderCourse(Configurable):
    """What the grader must know about a course that nbgrader does not say."""

    prepare = List(Unicode(), help="a command run once before grading, outside the sandbox, from "
                                   "the course root's parent; {python} is the grader's Python "
                                   "(e.g. to generate data the kernels may read but not write)").tag(config=True)
    bundle = List(Unicode(), help="files and folders of the student bundle besides the released "
                                  "notebooks, relative to the course root; 'SRC=>DEST' packs SRC as DEST, "
                                  "and {assignment} in SRC is the assignment's id").tag(config=True)
    bundle_exclude = List(Unicode(), ["__pycache__", "*.pyc", ".ipynb_checkpoints", "generated", "results"],
                          help="names left out of the bundle (glob patterns)").tag(config=True)
    bundle_notebooks = Unicode("notebooks", help="folder of the notebooks inside the bundle").tag(config=True)
    student_notebooks = Dict(Unicode(), help="{assignment: folder}: `release` also writes that assignment's "
                                             "student notebooks there (relative to the course root), "
                                             "normalised").tag(config=True)


CLASSES = (GraderLimits, GraderSandbox, GraderJudge, GraderCourse)


def apply_overrides(config, overrides):
    """Set "NAME=VALUE" (or "Class.NAME=VALUE") strings into `config`; return it.

    Raises:
        ConfigError: an unknown name, an ambiguous one, or a value of the wrong kind.
    """
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--limit {item!r}: expected NAME=VALUE, e.g. cell_timeout=60")
        name = name.strip().replace("-", "_")
        owner, _, trait_name = name.rpartition(".")
        matches = [cls for cls in CLASSES
                   if (not owner or cls.__name__ == owner) and cls.class_traits(config=True).get(trait_name)]
        if not matches:
            known = sorted({t for cls in CLASSES for t in cls.class_traits(config=True)})
            raise ConfigError(f"--limit {item!r}: unknown setting {trait_name!r}; known: {', '.join(known)}")
        if len(matches) > 1:
            raise ConfigError(f"--limit {item!r}: {trait_name} is a setting of "
                              f"{' and '.join(c.__name__ for c in matches)}: write Class.{trait_name}")
        cls = matches[0]
        trait = cls.class_traits(config=True)[trait_name]
        try:
            parsed = trait.from_string(value.strip()) if not isinstance(trait, (List, Dict)) \
                else _parse_container(trait, value.strip())
            trait.validate(cls(), parsed)
        except Exception as error:  # traitlets raises several kinds
            raise ConfigError(f"--limit {item!r}: {error}") from None
        config[cls.__name__][trait_name] = parsed
    return config


def _parse_container(trait, text):
    if isinstance(trait, Dict):
        pairs = [part.partition(":") for part in text.split(",") if part]
        return {key.strip(): value.strip() for key, _, value in pairs}
    return [part for part in text.split(",") if part]


def load(config):
    """The four settings objects of a course, from its traitlets Config."""
    return tuple(cls(config=config) for cls in CLASSES)


def describe(objects):
    """The settings in effect, `Class.name = value` per line (for `grader limits`)."""
    lines = []
    for obj in objects:
        lines.append(f"[{type(obj).__name__}]")
        for name in sorted(type(obj).class_traits(config=True)):
            lines.append(f"{name} = {getattr(obj, name)!r}")
        lines.append("")
    return "\n".join(lines).rstrip()


def empty_config():
    return Config()
