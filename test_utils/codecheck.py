"""Does a from-scratch exercise delegate its work? A look at the code the student wrote.

Some exercises exist to be written by hand: a transposed convolution with NumPy loops, the
metrics with NumPy. Calling TensorFlow's own `tf.nn.conv2d_transpose`, or the course
library, gives the right numbers and skips the lesson. `delegations` reads the student's code
(their notebook cells, plain text) and lists what hands the work elsewhere:

- uses of the listed modules inside the function and the notebook's own helpers it calls;
- a last binding of the name that is not the student's `def` (an import, an assignment);
- code that runs or imports code by name (exec, eval, __import__, importlib), or rebinds
  names behind the code's back (threads, globals(), sys.modules);
- with `strict`, any name the function uses that is neither its own, a builtin, a function
  of the notebook, nor one of the `allowed_modules` (NumPy, math).
"""

import ast
import builtins

from grader.protocol import parse_cell

USUAL_NAMES = {"tf": "tensorflow", "tensorflow": "tensorflow", "keras": "keras", "layers": "keras",
               "torch": "torch", "scipy": "scipy", "sklearn": "scikit-learn", "cv2": "OpenCV",
               "library": "the course library", "reference_metrics": "the course library",
               "course": "the course library", "test_utils": "the course's checkers"}
MODULES = {"tensorflow": "tensorflow", "keras": "keras", "tf_keras": "keras", "torch": "torch", "scipy": "scipy",
           "sklearn": "scikit-learn", "skimage": "scikit-image", "cv2": "OpenCV", "course": "the course library",
           "test_utils": "the course's checkers", "importlib": "importlib", "runpy": "runpy",
           "threading": "threading", "ctypes": "ctypes"}
INDIRECT = {"exec", "eval", "compile", "__import__", "globals", "vars", "getattr", "setattr", "open"}
STRICT_MODULES = ("numpy", "math", "itertools", "functools", "collections", "operator")


_parse = parse_cell  # the student's code as the judge reads it: magics blanked, None if it does not parse


def _imported(node):
    """(bound name, module) pairs of an import statement."""
    if isinstance(node, ast.Import):
        return [((alias.asname or alias.name).split(".")[0], alias.name) for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [(alias.asname or alias.name, node.module) for alias in node.names]
    return []


def _bound_names(targets):
    """Names an assignment binds (`a = ...`, `a, b = ...`), not those it only reaches (`a.x = ...`)."""
    names = []
    for target in targets:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Starred):
            names += _bound_names([target.value])
        elif isinstance(target, (ast.Tuple, ast.List)):
            names += _bound_names(target.elts)
    return names


class _Notebook:
    """The student's cells: their functions, their imports, and the last binding of each name."""

    def __init__(self, cells):
        self.functions, self.bound, self.last, self.allowed = {}, dict(USUAL_NAMES), {}, set()
        self.indirect = []
        for cell in cells:
            tree = _parse(cell)
            if tree is None:
                continue
            for node in tree.body:
                for name, module in _imported(node):
                    top = module.split(".")[0]
                    self.last[name] = f"an import from {module} (line {node.lineno} of its cell)"
                    if top in MODULES:
                        self.bound[name] = MODULES[top]
                    if top in STRICT_MODULES:
                        self.allowed.add(name)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions[node.name] = node
                    self.last[node.name] = "def"
                elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    libraries = [self.bound[n.id] for n in ast.walk(node.value or ast.Constant(None))
                                 if isinstance(n, ast.Name) and n.id in self.bound]
                    for name in _bound_names(targets):
                        self.last[name] = f"an assignment (line {node.lineno} of its cell)"
                        if libraries:  # `f = tf.nn.conv2d_transpose`: f is the library's too
                            self.bound[name] = libraries[0]
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                        node.func.id in ("exec", "eval", "compile", "__import__", "globals"):
                    self.indirect.append(f"{node.func.id}(...) (line {node.lineno} of a cell)")


def delegations(code, name, allowed=(), strict=False):
    """What hands the work of function `name` elsewhere, as messages (none: it is the student's own).

    Args:
        code: the student's code: a string, or a list of cell sources (later cells win).
        name: the function to look at.
        allowed: module descriptions that are fine here (e.g. {"tensorflow"} for data functions).
        strict: every name the function uses must be its own, a builtin, a notebook function
            or one of the plain-computation modules (NumPy, math, ...).
    """
    notebook = _Notebook([code] if isinstance(code, str) else list(code))
    problems = list(notebook.indirect)
    if notebook.last.get(name, "def") != "def":
        problems.append(f"{name} itself, last set by {notebook.last[name]}, not by your def")
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in notebook.functions:
            continue
        seen.add(current)
        problems += _uses(notebook, notebook.functions[current], current, allowed, strict, todo)
    return list(dict.fromkeys(problems))


def _uses(notebook, function, current, allowed, strict, todo):
    local = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    # the parameters of nested functions and lambdas too; a name the notebook binds to a library stays the library's
    local |= {arg.arg for arg in ast.walk(function) if isinstance(arg, ast.arg) and arg.arg not in notebook.bound}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            local.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            local.update(name for name, _ in _imported(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local.add(node.name)
    problems = []
    for node in ast.walk(function):
        where = f"in {current}, line {getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for _, module in _imported(node):
                what = MODULES.get(module.split(".")[0])
                if what and what not in allowed:
                    problems.append(f"an import of {module} ({what}) {where}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            what = notebook.bound.get(node.id)
            if what and what not in allowed:
                problems.append(f"{node.id} ({what}) {where}")
            elif node.id in notebook.functions and node.id != current:
                todo.append(node.id)
            elif node.id in INDIRECT and strict:
                problems.append(f"{node.id}(...) {where}")
            elif strict and not (node.id in notebook.functions or node.id in notebook.allowed or
                                 hasattr(builtins, node.id)):
                problems.append(f"{node.id} {where}, which is not a function of your notebook")
    return problems


# Code that changes names behind the notebook's back: what it rebinds cannot be read for sure.
REACHING_CALLS = {"get_ipython": "get_ipython()", "globals": "globals()", "vars": "vars()",
                  "setattr": "setattr(...)", "delattr": "delattr(...)", "exec": "exec(...)", "eval": "eval(...)",
                  "compile": "compile(...)", "__import__": "__import__(...)"}
REACHING_ATTRIBUTES = {"user_ns", "user_global_ns", "__globals__", "__code__", "__builtins__", "__dict__",
                       "__closure__", "__defaults__", "__kwdefaults__", "f_globals", "f_locals"}
REACHING_MODULES = {"builtins", "gc", "inspect", "ctypes", "importlib", "runpy", "IPython"}


def reach_arounds(code):
    """Places in the student's code that may rebind names behind its back, as messages (none: plain code).

    `sys.modules[...]`, `get_ipython().user_ns`, `globals()`, `setattr`, a function's `__globals__`,
    `getattr` with a computed name, the `builtins` module, ... anywhere in any cell. The checks
    cannot tell with certainty what such code changes, so the grader flags it for a person.
    """
    found = []
    for cell in [code] if isinstance(code, str) else list(code or ()):
        tree = _parse(cell)
        if tree is None:
            continue
        for node in ast.walk(tree):
            line = getattr(node, "lineno", "?")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in REACHING_CALLS:
                    found.append(f"{REACHING_CALLS[node.func.id]} (line {line} of a cell)")
                elif node.func.id == "getattr" and len(node.args) > 1 and not isinstance(node.args[1], ast.Constant):
                    found.append(f"getattr with a computed name (line {line} of a cell)")
            elif isinstance(node, ast.Attribute):
                if node.attr in REACHING_ATTRIBUTES:
                    found.append(f".{node.attr} (line {line} of a cell)")
                elif node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                    found.append(f"sys.modules (line {line} of a cell)")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for _, module in _imported(node):
                    if module.split(".")[0] in REACHING_MODULES:
                        found.append(f"an import of {module} (line {line} of a cell)")
    return list(dict.fromkeys(found))
