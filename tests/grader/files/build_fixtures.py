"""Build the toy course's source notebooks and the scenario submissions of the grader tests.

    .venv/bin/python tests/grader/files/build_fixtures.py          # rewrite the files
    .venv/bin/python tests/grader/files/build_fixtures.py --check  # are they up to date?

The toy course (course/) has two pure-Python notebooks and 10 points: `add` (2 points,
with a hidden test), `mean` (3) and `running_total` (5, in the second notebook, which uses
`add` from the first). Each submission in submissions/<scenario>/ starts from the notebooks
nbgrader releases to students and applies what that kind of student does; the expected
score of each is asserted in tests/grader/test_autograde.py.
"""

import argparse
import copy
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COURSE = HERE / "course"
SUBMISSIONS = HERE / "submissions"
ASSIGNMENT = "toy"


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text, **nbgrader):
    meta = {}
    if nbgrader:
        meta = {"nbgrader": {"grade": False, "locked": False, "schema_version": 3,
                             "solution": False, "task": False, **nbgrader}}
        if nbgrader.get("locked"):
            meta["deletable"] = False
            meta["editable"] = False
    return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [],
            "source": text}


def notebook(cells):
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 4}


SOURCE = {
    "01_basics": notebook([
        md("# Toy 1: two small functions\n\nFill in `add` and `mean`; each test cell checks one."),
        code("from toy_utils import check_add, check_mean", grade_id="setup_basics", locked=True),
        code('def add(a, b):\n    """Return a + b."""\n    ### BEGIN SOLUTION\n    return a + b\n'
             "    ### END SOLUTION", grade_id="add", solution=True),
        code("check_add(add)\n### BEGIN HIDDEN TESTS\n"
             'assert add(-2, -3) == -5, "add(-2, -3) should be -5: check negative numbers"\n'
             "### END HIDDEN TESTS", grade_id="test_add", grade=True, locked=True, points=2),
        code('def mean(values):\n    """Return the arithmetic mean of a non-empty list."""\n'
             "    ### BEGIN SOLUTION\n    return sum(values) / len(values)\n    ### END SOLUTION",
             grade_id="mean", solution=True),
        code("check_mean(mean)", grade_id="test_mean", grade=True, locked=True, points=3),
    ]),
    "02_more": notebook([
        md("# Toy 2: a function that uses an earlier one"),
        code("import toy_utils\n\nadd = toy_utils.earlier(\"add\")  # from 01_basics "
             "(the reference one when graded)", grade_id="setup_more", locked=True),
        code('def running_total(values):\n    """Running totals: [1, 2, 3] -> [1, 3, 6]."""\n'
             "    ### BEGIN SOLUTION\n    totals, total = [], 0\n    for value in values:\n"
             "        total = add(total, value)\n        totals.append(total)\n"
             "    return totals\n    ### END SOLUTION", grade_id="running_total", solution=True),
        code("toy_utils.check_running_total(running_total)", grade_id="test_running_total",
             grade=True, locked=True, points=5),
    ]),
}

CORRECT = {
    "add": "def add(a, b):\n    return a + b\n",
    "mean": "def mean(values):\n    return sum(values) / len(values)\n",
    "running_total": ("def running_total(values):\n    totals, total = [], 0\n"
                      "    for value in values:\n        total = add(total, value)\n"
                      "        totals.append(total)\n    return totals\n"),
}


# Editing released notebooks the way students do -------------------------------------------

def index_of(nb, grade_id):
    for index, cell in enumerate(nb["cells"]):
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    raise KeyError(grade_id)


def answer(nb, grade_id, source):
    nb["cells"][index_of(nb, grade_id)]["source"] = source


def solved(release):
    """The release with every function answered correctly."""
    books = copy.deepcopy(release)
    for name, nb in books.items():
        for grade_id, source in CORRECT.items():
            try:
                answer(nb, grade_id, source)
            except KeyError:
                continue
    return books


def insert_after(nb, grade_id, cell):
    nb["cells"].insert(index_of(nb, grade_id) + 1, cell)


def free(source):
    """A cell the student added (no nbgrader metadata)."""
    return code(source)


SNOOP = r'''import json, os, pathlib, sys
import toy_utils
markers = ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "SQLite format 3")
course = pathlib.Path(toy_utils.__file__).resolve().parent.parent
roots = {course, course.parent, pathlib.Path("/"), pathlib.Path("/tmp"), pathlib.Path("/root"),
         pathlib.Path("/home"), pathlib.Path("/var/tmp")}
for entry in filter(None, sys.path):  # the venv and the repository are on sys.path
    path = pathlib.Path(entry)
    roots |= {path, *list(path.parents)[:4]}
    roots |= {path / "grader" / "source", path / ".git", path / "tests", path / "grader"}
for proc in pathlib.Path("/proc").glob("[0-9]*"):
    try:
        roots |= {pathlib.Path(a) for a in (proc / "cmdline").read_bytes().decode().split("\0")
                  if a.startswith("/")}
    except OSError:
        pass
leaked, seen = [], 0
def visit(path, depth):
    global seen
    if seen > 20000 or depth > 6 or path.is_symlink():
        return
    seen += 1
    try:
        if path.is_dir():
            if path.name in ("proc", "sys", "dev", "site-packages", "usr", "lib", "node_modules"):
                return
            for child in path.iterdir():
                visit(child, depth + 1)
        elif path.suffix in (".ipynb", ".db", ".json", ".txt", ".py") or path.name == "gradebook.db":
            head = path.read_bytes()[:200000].decode("utf-8", "replace")
            if any(m in head for m in markers) and "markers = (" not in head:
                leaked.append(str(path))
    except OSError:
        pass
for root in sorted(roots):
    visit(root, 0)
print("SNOOP " + json.dumps({"readable_secrets": sorted(set(leaked)), "visited": seen}))
'''

WRITE = r'''import json, os, pathlib
import toy_utils
course = pathlib.Path(toy_utils.__file__).resolve().parent.parent
targets = [course / "gradebook.db", course / "pwned.txt", course / "lib" / "toy_utils.py",
           course / "submitted" / "pwned.txt", pathlib.Path("/work/pwned.txt"),
           pathlib.Path("/var/tmp/pwned.txt"), pathlib.Path("/tmp/mine.txt"),
           pathlib.Path.home() / "mine.txt", pathlib.Path.cwd() / "mine.txt"]
result = {"succeeded": [], "blocked": []}
for target in targets:
    try:
        with open(target, "a") as handle:
            handle.write("student was here\n")
        result["succeeded"].append(str(target))
    except OSError as error:
        result["blocked"].append(f"{target}: {error.strerror}")
print("WRITES " + json.dumps(result))
'''

NETWORK = r'''import json, socket
result = {}
for host, port in [("pypi.org", 443), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        result[f"{host}:{port}"] = "connected"
    except OSError as error:
        result[f"{host}:{port}"] = f"blocked ({type(error).__name__})"
print("NETWORK " + json.dumps(result))
'''


DEEP_ANSWER = r'''import IPython.display

_publish = IPython.display.publish_display_data


def _deep(data, *args, **kwargs):
    if any(key.startswith("application/x.grader") for key in data):
        data = {key: "[" * 200_000 for key in data}
    return _publish(data, *args, **kwargs)


IPython.display.publish_display_data = _deep
'''


def scenarios(release):
    """scenario name -> {file name: notebook dict, or bytes for a broken file}."""
    def files(books):
        return {f"{name}.ipynb": nb for name, nb in books.items()}

    out = {}
    out["correct"] = files(solved(release))
    out["untouched-release"] = files(copy.deepcopy(release))

    books = solved(release)
    answer(books["01_basics"], "add", "def add(a, b):\n    return a - b\n")
    out["one-function-wrong"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "add", "def add(a, b):\n    return abs(a) + abs(b)\n")
    out["fails-hidden-test"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "mean", "def mean(values):\n    return sum(values) / len(values\n")
    out["syntax-error"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "add",
           "from missing_package import helper\n\n" + CORRECT["add"])
    out["import-time-exception"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "mean", "def mean(values):\n    while True:\n        pass\n")
    out["infinite-loop"] = files(books)

    books = solved(release)
    insert_after(books["01_basics"], "test_add", free(
        "import signal, time\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # ignore interrupts\n"
        "time.sleep(3600)\n"))
    out["sleep-past-budget"] = files(books)

    books = solved(release)
    # 400 MiB at once, every page touched, then held: with the kernel's own 50 MiB, its resident size passes
    # the 400 MiB limit of the memory watch (every 0.1 s) within about half a second, even on a busy machine,
    # while its data size (about 130 MiB of its own, plus the 400) stays under the 600 MiB data rlimit, whose
    # MemoryError path has its own test in test_sandbox.py. (A bomb that kept growing had to be slowed so the
    # watch would win that race, and then, with both cores busy, it could still be growing at the 4 s limit.)
    answer(books["01_basics"], "mean", "import time\n\ndef mean(values):\n"
           "    hoard = [b'x' * (10 * 2**20) for _ in range(40)]  # 400 MiB, every page touched\n"
           "    while True:  # and kept\n        time.sleep(0.1)\n")
    out["memory-bomb"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "mean", "import os\n\ndef mean(values):\n    os._exit(1)\n")
    out["os-exit"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "mean",
           "import ctypes\n\ndef mean(values):\n    return ctypes.string_at(0)\n")
    out["segfault"] = files(books)

    books = solved(release)
    books["01_basics"]["cells"].append(free("import os\n\nwhile True:\n    os.fork()\n"))
    out["fork-bomb"] = files(books)

    books = solved(release)
    books["02_more"]["cells"].append(free('print("spam\\n" * 5_000_000)\n'))
    out["huge-output"] = files(books)

    books = solved(release)
    del books["01_basics"]["cells"][index_of(books["01_basics"], "test_add")]
    out["deleted-test-cell"] = files(books)

    books = solved(release)
    del books["01_basics"]["cells"][index_of(books["01_basics"], "mean")]
    out["deleted-solution-cell"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "mean", "def mean(values):\n    return 0\n")
    answer(books["01_basics"], "test_mean", "# my mean is right, trust me\npass\n")
    out["edited-test-cell"] = files(books)

    books = solved(release)
    answer(books["01_basics"], "add", "def add(a, b):\n    return a * b\n")
    cell = books["01_basics"]["cells"][index_of(books["01_basics"], "test_add")]
    cell["cell_type"] = "markdown"
    del cell["outputs"], cell["execution_count"]
    out["cell-type-changed"] = files(books)

    books = solved(release)
    nb = books["01_basics"]
    stub = copy.deepcopy(release["01_basics"]["cells"][index_of(release["01_basics"], "mean")])
    nb["cells"].insert(index_of(nb, "mean"), stub)  # an empty copy above the answer
    test_add = nb["cells"][index_of(nb, "test_add")]
    nb["cells"].insert(index_of(nb, "test_add"), copy.deepcopy(test_add))
    out["duplicated-cells"] = files(books)

    books = solved(release)
    nb = books["01_basics"]
    test_mean = nb["cells"].pop(index_of(nb, "test_mean"))
    nb["cells"].insert(index_of(nb, "mean"), test_mean)
    nb = books["02_more"]
    solution = nb["cells"].pop(index_of(nb, "running_total"))
    nb["cells"].append(solution)
    out["cells-reordered"] = files(books)

    books = files(solved(release))
    books["01_basics-Copy1.ipynb"] = books.pop("01_basics.ipynb")
    out["renamed-notebook"] = books

    books = files(solved(release))
    del books["02_more.ipynb"]
    out["missing-notebook"] = books

    books = files(solved(release))
    books["scratch.ipynb"] = notebook([code("print('trying things out')")])
    books["Untitled.ipynb"] = notebook([])
    out["extra-notebooks"] = books

    books = files(solved(release))
    text = json.dumps(books["01_basics.ipynb"], indent=1)
    books["01_basics.ipynb"] = text[: len(text) // 2].encode()
    out["corrupt-json"] = books

    books = files(solved(release))
    books["01_basics.ipynb"] = b""
    out["empty-file"] = books

    out["all-notebooks-unreadable"] = {"01_basics.ipynb": b"",
                                       "02_more.ipynb": b"%PDF-1.4 not a notebook\n"}

    books = solved(release)
    answer(books["01_basics"], "mean", "def mean(values):\n    return 0\n")
    insert_after(books["01_basics"], "setup_basics", free(
        "def check_mean(mean):\n    print('mean: visible tests passed')\n"))
    answer(books["02_more"], "running_total", "def running_total(values):\n    return values\n")
    insert_after(books["02_more"], "setup_more", free(
        "toy_utils.check_running_total = lambda function: None\n"))
    out["redefines-checks"] = files(books)

    books = solved(release)
    insert_after(books["01_basics"], "test_add", free("print('\\n'.join(In))  # every cell run so far\n"))
    books["02_more"]["cells"].append(free(SNOOP))
    out["reads-secrets"] = files(books)

    books = solved(release)
    books["02_more"]["cells"].append(free(WRITE))
    out["writes-outside"] = files(books)

    books = solved(release)
    # The answer the grader's agent publishes is swapped for 200,000 open brackets: a JSON decoder that
    # recurses gives up with RecursionError. Before the protocol was tied to turns, the judge was left
    # waiting for an answer, and took the next student's first test cell for it (issue 23).
    insert_after(books["01_basics"], "setup_basics", free(DEEP_ANSWER))
    out["answers-nested-too-deep"] = files(books)

    books = solved(release)
    books["02_more"]["cells"].append(free(NETWORK))
    out["network"] = files(books)

    # nbgrader alone scores a test cell whose first output is an execute_result as "partial
    # credit", and a non-number there as full marks: the function below emits one, then raises.
    books = solved(release)
    answer(books["01_basics"], "add", "def add(a, b):\n    get_ipython().displayhook('100')\n"
                                      "    raise ValueError('no idea')\n")
    out["output-execute-result"] = files(books)

    # ... and it scores any stderr output as 0: a right answer that warns keeps its points.
    books = solved(release)
    answer(books["01_basics"], "mean", "import sys, warnings\n\ndef mean(values):\n"
                                       "    print('careful: a float', file=sys.stderr)\n"
                                       "    warnings.warn('a library warning')\n"
                                       "    return sum(values) / len(values)\n")
    out["right-but-warns-on-stderr"] = files(books)

    # A student who prints what a passing test prints, and replaces the checker module.
    books = solved(release)
    answer(books["01_basics"], "add", "def add(a, b):\n    print('add: visible tests passed')\n    return 0\n")
    insert_after(books["01_basics"], "setup_basics", free(
        "import sys, types\nfake = types.ModuleType('toy_utils')\n"
        "fake.check_add = fake.check_mean = lambda f: print('add: visible tests passed')\n"
        "sys.modules['toy_utils'] = fake\n"))
    out["prints-a-pass"] = files(books)
    return out


def dump(nb):
    return (json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


def release_notebooks(course_dir):
    """Release the toy source with nbgrader in a scratch copy; return {name: notebook}."""
    import os

    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "course"
        shutil.copytree(course_dir, root, ignore=shutil.ignore_patterns(
            "release", "gradebook.db", "submitted", "autograded", "feedback"))
        config = Config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.course_id = "toy"
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(result["log"] + result.get("error", ""))
        folder = root / "release" / ASSIGNMENT
        return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.ipynb"))}


def expected_files():
    """{relative path: bytes} of everything this script writes."""
    files = {}
    for name, nb in SOURCE.items():
        files[f"course/source/{ASSIGNMENT}/{name}.ipynb"] = dump(nb)
    with tempfile.TemporaryDirectory() as scratch:
        course = Path(scratch) / "course"
        shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("source", "__pycache__"))
        for path, data in files.items():
            target = Path(scratch) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        release = release_notebooks(course)
    for scenario, books in scenarios(release).items():
        for filename, content in books.items():
            data = content if isinstance(content, bytes) else dump(content)
            files[f"submissions/{scenario}/{filename}"] = data
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    files = expected_files()
    stale = [path for path, data in files.items()
             if not (HERE / path).exists() or (HERE / path).read_bytes() != data]
    present = {str(p.relative_to(HERE)) for p in SUBMISSIONS.rglob("*") if p.is_file()} \
        if SUBMISSIONS.exists() else set()
    extra = sorted(present - set(files))
    if args.check:
        for path in stale + extra:
            print(f"stale: {path}")
        return 1 if stale or extra else 0
    for path in extra:
        (HERE / path).unlink()
    for path in stale:
        target = HERE / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[path])
    print(f"{len(stale)} written, {len(extra)} removed, {len(files)} files in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
