"""The judge's handles on the student's kernel: names in a test cell that the kernel answers for.

In the judge, a test cell such as `check_conv_block(conv_block)` or `assert add(2, 3) == 5`
runs with every name it does not import bound to a `Remote`: calling it asks the student's
kernel to call its function of that name with these (plain-data) arguments and send back
what it returned. A course's checkers can also ask for a named *probe*: a function of the
course's (e.g. "test_utils.probes.blocks:layer_table") that the kernel runs on the student's
function, returning plain data the judge then compares with its own reference.
"""


class RemoteError(Exception):
    """The student's function (or the kernel) failed to answer; the message says how."""

    def __init__(self, name, kind, message, frames=(), placeholder=False):
        self.name = name
        self.kind = kind
        self.message = message
        self.frames = list(frames)
        self.placeholder = placeholder
        super().__init__(self.describe())

    def describe(self):
        if self.kind in ("NoAnswer", "NotDefined"):
            return self.message
        text = f"{self.name} raised {self.kind}: {self.message}".rstrip(": ")
        for frame in self.frames:
            text += (f"\n  {frame.get('function')}, line {frame.get('line')} of "
                     f"{frame.get('where')}: {frame.get('code')}")
        return text


class Remote:
    """A graded name of the student's notebook, answered by the kernel."""

    __grader_remote__ = True

    def __init__(self, name, channel, code=""):
        self.__name__ = name
        self._channel = channel
        self._code = code

    def __call__(self, *args, **kwargs):
        return self._channel.ask(self.__name__, None, args, kwargs)

    def grader_probe(self, probe, *args, **kwargs):
        """Run the course's probe `module:function` on this name in the kernel; its answer."""
        return self._channel.ask(self.__name__, probe, args, kwargs)

    def grader_source(self):
        """The code cells of the student's notebook up to this test cell (plain text)."""
        return self._code

    def __repr__(self):
        return f"<the student's {self.__name__}>"
