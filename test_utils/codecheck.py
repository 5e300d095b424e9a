"""Does a from-scratch exercise delegate its work? A look at the code the student wrote.

Some exercises exist to be written by hand: a transposed convolution with NumPy loops, the
metrics with NumPy. Calling TensorFlow's own `tf.nn.conv2d_transpose`, or the course
library, gives the right numbers and skips the lesson. `delegations` reads the student's code
(their notebook cells, plain text) and lists the uses of such modules inside the function and
inside the notebook's own helper functions it calls.
"""

import ast

# Names that commonly hold these modules in a notebook, whether or not their import is seen.
USUAL_NAMES = {"tf": "tensorflow", "tensorflow": "tensorflow", "keras": "keras", "layers": "keras",
               "torch": "torch", "scipy": "scipy", "sklearn": "scikit-learn", "cv2": "OpenCV",
               "library": "the course library", "reference_metrics": "the course library",
               "course": "the course library", "test_utils": "the course's checkers"}
MODULES = {"tensorflow": "tensorflow", "keras": "keras", "tf_keras": "keras", "torch": "torch", "scipy": "scipy",
           "sklearn": "scikit-learn", "skimage": "scikit-image", "cv2": "OpenCV", "course": "the course library",
           "test_utils": "the course's checkers"}


def _parse(text):
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _modules(tree):
    """{name bound at the top level: what it is} for imports of the listed modules."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in MODULES:
                    found[(alias.asname or alias.name).split(".")[0]] = MODULES[top]
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in MODULES:
                for alias in node.names:
                    found[alias.asname or alias.name] = MODULES[top]
    return found


def delegations(code, name, allowed=()):
    """Uses of the listed modules in function `name` and the helpers it calls, as messages.

    Args:
        code: the student's code: a string, or a list of cell sources (later cells win).
        name: the function to look at.
        allowed: module descriptions that are fine here (e.g. {"tensorflow"} for data functions).
    """
    cells = [code] if isinstance(code, str) else list(code)
    functions, bound = {}, dict(USUAL_NAMES)
    for cell in cells:
        tree = _parse(cell)
        if tree is None:
            continue
        bound.update(_modules(tree))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[node.name] = node
    problems, seen, todo = [], set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in functions:
            continue
        seen.add(current)
        for node in ast.walk(functions[current]):
            where = f"in {current}, line {getattr(node, 'lineno', '?')}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name) or ""
                what = MODULES.get(module.split(".")[0])
                if what and what not in allowed:
                    problems.append(f"an import of {module} ({what}) {where}")
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                what = bound.get(node.id)
                if what and what not in allowed:
                    problems.append(f"{node.id} ({what}) {where}")
                elif node.id in functions and node.id != current:
                    todo.append(node.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ("__import__", "exec", "eval"):
                problems.append(f"{node.func.id}(...) {where}")
    return list(dict.fromkeys(problems))
