"""Attack corpus scenarios: The file system (issue 11: submissions are data).

Registered in order by build_corpus.py, which imports every scenario module.
"""

from __future__ import annotations

import os
from pathlib import Path

from .corpus_base import DeepDirs, Device, Fifo, HugeFile, Loop, ManyFiles, POINTS, Symlink, code, expect, full, scenario, zero
from .corpus_planted import LEAK_CODE


# The file system (issue 11: submissions are data) -------------------------------------------------

READER = LEAK_CODE + code('''

    import os, sqlite3

    entries = 0
    for folder, dirs, files in os.walk(".", followlinks=True):
        if folder.count(os.sep) > 6:
            dirs[:] = []
        for name in sorted(files + dirs):
            entries += 1
            if entries > 3000:
                break
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                print(path, oct(info.st_mode), info.st_size)
            except OSError as error:
                print(path, error)
                continue
            if not os.path.isfile(path) or name.endswith(".ipynb") or os.path.getsize(path) > 5_000_000:
                continue
            try:
                if name.endswith(".db"):
                    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                        rows = [repr(row) for table, in db.execute("select name from sqlite_master where type='table'")
                                for row in db.execute(f"select * from {table}")]
                    _leak("db-" + name, "\\n".join(rows))
                else:
                    _leak("file-" + name, open(path, "rb").read())
            except Exception as error:
                print(path, error)
''')


def _fs_scenario(name, description, extra, reason, no_leak=(), root_only=False, **expect_extra):
    """02_encoder solved, a cell that prints every file of the working folder, and `extra` files."""
    @scenario(name, description + "; 02_encoder solved (its 15 points are deserved), with a cell that "
              "prints every file of its working folder", ("02_encoder",),
              expect(full("02_encoder"), reason, no_leak=list(no_leak), **expect_extra), tags=("filesystem",),
              root_only=root_only)
    def build(ctx):
        nb = ctx.solved("02_encoder")
        ctx.append(nb, READER)
        return {"02_encoder.ipynb": nb, **extra(ctx)}
    return build


_fs_scenario("fs-link-etc-shadow",
             "links to /etc/shadow, /root/.ssh/id_rsa and the host's SSH key handed in as files",
             lambda ctx: {"shadow.txt": Symlink("/etc/shadow"), "id_rsa": Symlink("/root/.ssh/id_rsa"),
                          "notes/hostkey": Symlink("/etc/ssh/ssh_host_ed25519_key")},
             r"link|refus", no_leak=["shadow"])
_fs_scenario("fs-link-proc-environ",
             "links to /proc/self/environ (whoever copies it reads its own environment: the grader's "
             "secrets), /proc/1/environ and /proc/self/cmdline",
             lambda ctx: {"environ.txt": Symlink("/proc/self/environ"), "init_environ": Symlink("/proc/1/environ"),
                          "cmdline": Symlink("/proc/self/cmdline")},
             r"link|refus", no_leak=["environ"])
_fs_scenario("fs-link-gradebook",
             "links to the gradebook (every hidden test), absolute and relative",
             lambda ctx: {"gradebook.db": Symlink(str(ctx.gradebook)),
                          "backup/grades.db": Symlink(str(ctx.gradebook), relative=True)},
             r"link|refus", no_leak=["hidden"], gradebook_unchanged=True)
_fs_scenario("fs-link-loop",
             "a link loop (loop -> .), a link to the parent, two links pointing at each other, a folder "
             "holding a link to itself",
             lambda ctx: {"loop": Loop(), "up": Symlink(".."), "a": Symlink("b"), "b": Symlink("a"),
                          "d/self": Symlink("../d")},
             r"link|refus|loop")
_fs_scenario("fs-fifo",
             "named pipes (reading one blocks forever) at the top and in a subfolder",
             lambda ctx: {"pipe": Fifo(), "data/pipe.png": Fifo()},
             r"FIFO|fifo|pipe|special|refus")
_fs_scenario("fs-device-node",
             "device nodes: /dev/zero's (endless reads), /dev/mem's (physical memory) and a block device "
             "(8,0: the first disk)",
             lambda ctx: {"zero.bin": Device(1, 5), "mem.bin": Device(1, 1), "disk.img": Device(8, 0, block=True)},
             r"device|special|refus", root_only=True)
_fs_scenario("fs-huge-file",
             "a 4 GB sparse file (no disk used, a copy would write 4 GB) and a 200 MB file of zeros",
             lambda ctx: {"weights.h5": HugeFile(4096, sparse=True), "cache/model.ckpt": HugeFile(200, sparse=False)},
             r"size|large|MB|GB|cap|limit|refus")
_fs_scenario("fs-many-files",
             "100000 small files in one folder",
             lambda ctx: {"cache": ManyFiles(100000)},
             r"files|count|many|cap|limit|refus")
_fs_scenario("fs-deep-nesting",
             "folders nested 1500 deep (a path of 4500 characters: past PATH_MAX, and past Python's "
             "recursion limit for recursive copies)",
             lambda ctx: {"deep": DeepDirs(1500, "dd")},
             r"deep|depth|nest|path|long|refus|limit")


def _special_names(ctx):
    solved = ctx.solved("02_encoder")
    return {
        "-rf": b"", "--help.txt": b"", "$(touch pwned).txt": b"x", "`id`.txt": b"x",
        "name\nwith\nnewlines.txt": b"x", "'; DROP TABLE grade; --.txt": b"x", "\u202etxt.exe": b"x",
        "\U0001f4a5.txt": b"x", "a" * 250 + ".txt": b"x", os.fsdecode(b"\xff\xfe-latin1.txt"): b"x",
        "02_encoder.ipynb ": solved, " 02_encoder.ipynb": solved, "02_encoder.IPYNB": solved,
        ".ipynb_checkpoints/02_encoder-checkpoint.ipynb": solved,
    }


_fs_scenario("fs-special-names",
             "file names that break tools: '-rf', '$(touch pwned)', newlines, right-to-left override, "
             "an emoji, 254 bytes, bytes that are not UTF-8, and copies of the notebook named "
             "'02_encoder.ipynb ', ' 02_encoder.ipynb', '02_encoder.IPYNB' and in .ipynb_checkpoints",
             _special_names, r"")


def _grader_config(ctx):
    config = ctx.planted('_corpus_canary("config-file")\n').encode()
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "gradebook.db"
        with sqlite3.connect(path) as db:
            db.execute("create table grade (id text, auto_score real, manual_score real, cell_id text)")
            db.executemany("insert into grade values (?, ?, ?, ?)",
                           [(f"g{index}", 1000.0, 1000.0, grade_id) for index, grade_id in enumerate(POINTS)])
        gradebook = path.read_bytes()
    return {"nbgrader_config.py": config, "jupyter_config.py": config, "ipython_config.py": config,
            "ipython_kernel_config.py": config, "jupyter_nbconvert_config.py": config,
            "jupyter_server_config.py": config, "timestamp.txt": b"2000-01-01 00:00:00.000000 UTC\n",
            "gradebook.db": gradebook, ".nbgrader.log": b"[AutogradeApp | INFO] all 100 points awarded\n"}


_fs_scenario("fs-planted-grader-config",
             "nbgrader_config.py, jupyter/ipython/nbconvert/server config files (each writes a canary if "
             "loaded outside a kernel), a timestamp.txt dated 2000 (no late penalty), a fake gradebook.db "
             "with 1000 points per cell and a .nbgrader.log",
             _grader_config, r"", no_leak=[], canary=True)


@scenario("fs-link-source-folder",
          "links to the instructor's source folder (absolute and relative) and to the repository; "
          "conv_block not written but loaded from source/02_encoder.ipynb through the link if the "
          "link reaches the kernel",
          ("02_encoder",), expect(zero("conv_block"), r"link|refus|NotImplementedError|not", targets=["conv_block"],
                                  no_leak=["hidden"]), tags=("filesystem", "reference"))
def _(ctx):
    nb = ctx.release("02_encoder")
    ctx.insert_after(nb, "conv_block", '''
        import os
        from course.notebook_code import load_definitions

        for candidate in ("source/02_encoder.ipynb", "instructor_source/02_encoder.ipynb",
                          "repo/instructor/source/unet/02_encoder.ipynb"):
            if os.path.exists(candidate):
                conv_block = load_definitions(candidate)["conv_block"]
                print("conv_block from", candidate)
                break
    ''')
    return {"02_encoder.ipynb": nb, "source": Symlink(str(ctx.source_dir)),
            "instructor_source": Symlink(str(ctx.source_dir), relative=True), "repo": Symlink(str(ctx.repo))}


