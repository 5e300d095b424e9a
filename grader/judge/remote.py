"""The judge's handles on the student's kernel: names in a test cell that the kernel answers for.

In the judge, a test cell such as `check_conv_block(conv_block)` or `assert add(2, 3) == 5`
runs with every name it does not import bound to a `Remote`: calling it asks the student's
kernel to call its function of that name with these (plain-data) arguments and send back
what it returned. A course's checkers can also ask for a named *probe*: a function of the
course's (e.g. "test_utils.probes.blocks:layer_table") that the kernel runs on the student's
function, returning plain data the judge then compares with its own reference.
"""


import ast

from grader.protocol import StudentError, python_lines

RemoteError = StudentError  # what a call raises when the student's function or the kernel failed


def definition(cells, name):
    """The text of the student's last top-level `def name` (decorators included), or None.

    `cells` are the student's code cells up to the test, in order. The kernel is asked to call
    the function this text defines, compiled afresh for each call, not whatever the name is
    bound to by then: a rebinding after the def (in the same cell or a later one, through
    `sys.modules`, `get_ipython().user_ns` or `globals()`) changes nothing that is called. When
    the last statement that binds the name is not a def (an import, an assignment), there is
    no definition (None): the name is looked up, and the checks that read code say so.
    Lines before the def are kept blank, so line numbers in messages are the cell's own.
    """
    found = None
    for cell in cells:
        lines = python_lines(cell)
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found = "\n" * (first - 1) + "\n".join(lines[first - 1:node.end_lineno]) + "\n"
            elif name in _bound_by(node):
                found = None
    return found


def _bound_by(node):
    """Names a top-level statement binds (other than by def): imports, assignments, classes, loops, with."""
    names = set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    elif isinstance(node, ast.ClassDef):
        names.add(node.name)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return names
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            names.add(child.name)  # a def inside an if or a try: not read with certainty
    return names


class Remote:
    """A graded name of the student's notebook, answered by the kernel."""

    __grader_remote__ = True  # the protocol's REMOTE_MARK; the methods below are its *_METHOD names

    def __init__(self, name, channel, code=""):
        self.__name__ = name
        self._channel = channel
        self._code = code
        self._definition = definition([code] if isinstance(code, str) else list(code or ()), name)

    def __call__(self, *args, **kwargs):
        return self._channel.ask(self.__name__, None, args, kwargs, self._definition)

    def grader_probe(self, probe, *args, **kwargs):
        """Run the course's probe "module:function" (protocol.probe_string) on this name in the kernel; its answer."""
        return self._channel.ask(self.__name__, probe, args, kwargs, self._definition)

    def grader_source(self):
        """The code cells of the student's notebook up to this test cell (plain text)."""
        return self._code

    def grader_flag(self, reason):
        """Flag this submission for a person's review (the test's verdict is unchanged)."""
        self._channel.flag(f"{self.__name__}: {reason}")

    def __repr__(self):
        return f"<the student's {self.__name__}>"
