"""The house's import rules: downhill only, and no circle, even through imports inside functions.

- the grader knows no course: grader/ imports neither course/ nor test_utils/;
- the course library imports neither the checkers (test_utils/) nor the grader;
- the checkers import of the grader its protocol only (grader/protocol.py, the seam's declaration,
  standard library only), never the rest of it;
- no module reaches itself through the modules it imports (a circle held open by an import inside
  a function is still a circle).
"""

import ast
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("grader", "course", "test_utils")
FORBIDDEN = {"grader": ("course", "test_utils"), "course": ("test_utils", "grader"), "test_utils": ("grader",)}
ALLOWED = {"test_utils": ("grader.protocol",)}  # the exceptions to FORBIDDEN, by exact module


def module_name(path):
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules(root=REPO):
    """{module name: path} of the tracked Python files of the three packages under `root`."""
    listed = subprocess.run(["git", "ls-files", *[f"{p}/*.py" for p in PACKAGES]], cwd=root,
                            capture_output=True, text=True).stdout.split()
    return {module_name(path): root / path for path in listed}


def imports_of(path, modules, name):
    """The project modules `path` (module `name`) imports, anywhere in it, with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno))
    return found


def graph(root=REPO):
    modules = project_modules(root)
    return {name: imports_of(path, modules, name) for name, path in modules.items()}


def broken_rules(edges):
    return [f"{source} imports {target} (line {line})" for source, targets in edges.items()
            for target, line in targets
            if any(target.split(".")[0] == banned for banned in FORBIDDEN.get(source.split(".")[0], ()))
            and target not in ALLOWED.get(source.split(".")[0], ())]


def circles(edges):
    """Each import circle once, as the list of its modules."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target, _ in edges.get(node, ()):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_nothing_imports_uphill():
    """Does grader/ import nothing of the course, and course/ nothing of the checkers or the grader?"""
    assert broken_rules(graph()) == []


def test_no_module_reaches_itself():
    """Is the import graph of grader/, course/ and test_utils/ free of circles, imports in functions included?"""
    assert circles(graph()) == []


def planted_graph(root, files):
    """The import graph of a planted checkout at `root`: the three packages, and `files` ({path: text})."""
    for package in PACKAGES:
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    for path, text in files.items():
        (root / path).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    return graph(root)


def test_the_rules_catch_a_planted_upward_import_and_a_circle(tmp_path):
    """Would an import of the checkers from the course, and a circle through a function-level import, be found?"""
    edges = planted_graph(tmp_path, {"course/a.py": "from course import b\n",
                                     "course/b.py": "def late():\n    from course.a import x\n",
                                     "course/c.py": "import test_utils.checks\n",
                                     "test_utils/checks.py": "import course.c\n"})
    assert broken_rules(edges) == ["course.c imports test_utils.checks (line 1)"]
    assert sorted(map(tuple, circles(edges))) == [("course.a", "course.b", "course.a"),
                                                  ("course.c", "test_utils.checks", "course.c")]


def test_the_checkers_may_import_the_grader_protocol_and_nothing_else_of_the_grader(tmp_path):
    """Is test_utils -> grader.protocol allowed, and test_utils -> any other grader module (or grader itself) found?"""
    edges = planted_graph(tmp_path, {"grader/protocol.py": "", "grader/batch.py": "",
                                     "test_utils/runner.py": "from grader.protocol import StudentError\n"
                                                             "from grader import protocol\n",
                                     "test_utils/sneaky.py": "from grader import batch\nimport grader\n"})
    assert broken_rules(edges) == ["test_utils.sneaky imports grader.batch (line 1)",
                                   "test_utils.sneaky imports grader (line 2)"]
