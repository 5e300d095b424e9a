"""What the checks share: running a probe with clear errors, and how a call reads in a message."""

from test_utils.codecheck import delegations, reach_arounds
from test_utils.failure import fail
from test_utils.runner import StudentError, answer, is_remote, source_of, student_failure


def ask(function, name, call, probe=None, *args, **kwargs):
    """The student's answer to a probe; a CheckFailure naming `call` if their function raised."""
    try:
        return answer(function, name, probe, *args, **kwargs)
    except StudentError as error:
        raise student_failure(error, call) from None


def always_raises_placeholder(code, name):
    """Does the body of `def name` raise NotImplementedError unconditionally (the release's placeholder)?

    `code` is a source text or, as `source_of` gives it, a list of them (the last `def name` counts).
    """
    import ast

    if isinstance(code, (list, tuple)):
        defining = [part for part in code if isinstance(part, str) and f"def {name}" in part]
        return bool(defining) and always_raises_placeholder(defining[-1], name)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, TypeError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            for statement in node.body:
                if isinstance(statement, ast.Raise) and statement.exc is not None:
                    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
                    if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
                        return True
            return False
    return False


def require_own_code(function, name, allowed=(), lesson="by hand", strict=False):
    """Fail if `name` (or a helper it calls) hands its work to a library it must not use.

    With `strict` (the from-scratch exercises) it may use nothing but its own code, the
    notebook's functions, builtins and NumPy or math.
    """
    if not is_remote(function):
        module = getattr(function, "__module__", None)
        if module not in ("__main__", "notebook_definitions", "earlier_notebooks", None) or not callable(function):
            fail(name, f"{name} is {module}.{getattr(function, '__qualname__', '?')}, not a function written in "
                       f"your notebook", "write the function in its cell (def ...)")
    code = source_of(function, name)
    if is_remote(function) and code:
        uncertain = reach_arounds(code)
        if uncertain:  # the verdict stands on the values; a person looks at what the code check cannot read
            function.grader_flag(f"code that may rebind names behind the notebook's back: {'; '.join(uncertain[:3])}")
    if code and always_raises_placeholder(code, name):
        return  # the release's placeholder: calling it says "not written yet", which is the news
    problems = delegations(code, name, allowed, strict) if code else \
        [f"{name}, whose code cannot be read (was it made with exec?)"]
    if problems:
        fail(name, f"this exercise is written {lesson}, but the code uses {problems[0]}",
             "write the computation yourself; the libraries are for later, once you know what they do")
