"""Colour in a notebook, plain text everywhere else (logs, pytest, terminals that ask not)."""

import os
import sys


def use_colour():
    """Colour only inside a Jupyter kernel, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _paint(code, text):
    return f"\033[{code}m{text}\033[0m" if use_colour() else text


def red(text):
    return _paint("31", text)


def green(text):
    return _paint("32", text)


def bold(text):
    return _paint("1", text)
