"""How a check reports: one ✓ line when it passes, the message alone when it fails.

A failed check raises `CheckFailure`, an AssertionError that IPython shows as its message
only (`_render_traceback_`): no frames of the checker, of contextlib or of Keras. When the
student's own code raised, the message ends with the student's own frames (their notebook
lines), never ours. The grader's judge shows the same message in the autograded notebook.
"""

from test_utils.display import bold, green, red


class CheckFailure(AssertionError):
    """A check that did not pass; str() is the whole message."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def _render_traceback_(self):  # IPython: show this instead of a traceback
        lines = self.message.split("\n")
        return [red(bold(lines[0]))] + lines[1:]


def fail(call, problem, hint=None):
    """Raise CheckFailure: `<call>: <problem>` and an optional hint line."""
    message = f"{call}: {problem}" if call else problem
    if hint:
        message += f"\nHint: {hint}"
    raise CheckFailure(message)


def passed(text):
    """Print the one line of a passed check."""
    print(green("✓ ") + text)


def _where(frame):
    where = frame.get("where") or "your notebook"
    return f"  {frame.get('function', '?')}, line {frame.get('line', '?')} of {where}: {frame.get('code', '')}"


def student_error_message(error, call):
    """The message for an exception the student's function raised (a runner.StudentError)."""
    if error.kind == "EarlierFunctionMissing":
        return error.message
    if error.placeholder:
        innermost = error.frames[-1] if error.frames else {}
        name = innermost.get("function") or error.name
        origin = innermost.get("where", "")
        if origin.endswith(".ipynb"):
            fix = (f"finish it in {origin}, save that notebook (Ctrl+S), run here the cell that loads the "
                   f"earlier functions, then run this test again.")
            if name != error.name:
                return f"{error.name} calls {name} (from {origin}), which is not written yet: {fix}"
            return f"{name} (from {origin}) is not written yet: {fix}"
        if name != error.name:
            return (f"{error.name} calls {name}, which is not written yet (its cell still says "
                    f"`raise NotImplementedError()`): write {name} first, run its cell, then run this test again.")
        return (f"{name} is not written yet: its cell still says `raise NotImplementedError()`; replace that "
                f"line with your code, run its cell, then run this test again.")
    if error.kind == "NoAnswer":
        return f"{call}: {error.message}"
    if error.kind == "NotDefined":
        return error.message
    text = f"{call} raised {error.kind}" + (f": {error.message}" if error.message else "")
    if error.frames:
        text += "\nwhere, in your code:\n" + "\n".join(_where(frame) for frame in error.frames)
    return text
