"""Give a later notebook the functions written in earlier ones, so that a mistake costs once.

Notebook 4 builds the U-Net from `conv_block` (notebook 2) and `upsampling_block`
(notebook 3); notebook 5 trains it on data loaded by the functions of notebook 1. Where
those functions come from depends on who runs the notebook:

- a student, working interactively: from the student's *own* saved notebooks in the same
  folder (`course.notebook_code.load_definitions` reads their definitions without running
  them), so the course builds on the student's work;
- the grader, grading: from the reference definitions of the notebooks *before* this one,
  which the grader puts in the folder COURSE_EARLIER_DIR names (never those of this notebook
  or a later one), so that each graded function is tested on its own and a wrong
  `conv_block` loses the points of `conv_block` only, not those of `unet_model` too.

A function that cannot be loaded (notebook missing, cell never saved, name misspelt) becomes
a stand-in that raises `EarlierFunctionMissing`, a NotImplementedError, with what to do; the
notebook keeps running and the cells that need it say so (see `when_done`).
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import traceback
from pathlib import Path

from course.notebook_code import LOADED_NOTEBOOK_PREFIX, NotebookCodeError, load_definitions, read_definitions
from course.runtime import earlier_folder

# Which notebook defines each function that a later notebook uses.
DEFINED_IN = {
    "pair_files": "01_data",
    "decode_image": "01_data",
    "decode_mask": "01_data",
    "resize_pair": "01_data",
    "load_pair": "01_data",
    "split_pairs": "01_data",
    "make_dataset": "01_data",
    "conv_block": "02_encoder",
    "upsampling_block": "03_decoder",
    "transposed_output_size": "03_decoder",
    "transposed_conv2d": "03_decoder",
    "unet_model": "04_unet",
}

# The extension assignment (unet_original, released in notebooks/extension/): notebook 7
# builds the paper's U-Net from notebook 6's crop_and_concat.
EXTENSION_DEFINED_IN = {
    "crop_and_concat": "06_crop_and_concat",
}
_WHERE = {**DEFINED_IN, **EXTENSION_DEFINED_IN}

# A notebook's functions may call those of earlier notebooks: load those first, into the
# same namespace (unet_model calls conv_block and upsampling_block).
NEEDS = {
    "04_unet": ("02_encoder", "03_decoder"),
}


class EarlierFunctionMissing(NotImplementedError):
    """An earlier notebook's function could not be loaded; the message says how to fix it."""


def reference_source(names, folder):
    """The reference functions {name: function} from the grader's folder of earlier notebooks."""
    notebooks = sorted(Path(folder).glob("*.ipynb"))
    namespace = load_definitions(notebooks) if notebooks else {}
    functions = {}
    for name in names:
        if callable(namespace.get(name)):
            functions[name] = namespace[name]
        else:
            functions[name] = _stand_in(name, f"{name} is not given to this notebook by the grader")
    return functions


def _notebooks_for(names):
    """The notebook stems to load, in course order, for these function names."""
    unknown = [name for name in names if name not in _WHERE]
    if unknown:
        raise KeyError(f"earlier_functions: no earlier notebook defines {', '.join(unknown)}; "
                       f"known: {', '.join(_WHERE)}")
    stems = set()
    for name in names:
        stem = _WHERE[name]
        stems.add(stem)
        stems.update(NEEDS.get(stem, ()))
    return sorted(stems)


def _stand_in(name, reason):
    """A function that raises EarlierFunctionMissing with `reason` when called."""
    def missing(*args, **kwargs):
        raise EarlierFunctionMissing(reason)

    missing.__name__ = name
    missing.__qualname__ = name
    missing.__doc__ = f"Stand-in: {reason}"
    missing.missing_reason = reason
    return missing


def _missing_reason(name, stem, folder, error):
    return (f"{name} could not be loaded from your notebook {stem}.ipynb in {folder} ({error}). "
            f"Open {stem}.ipynb, run the cell that defines {name}, save the notebook "
            f"(Ctrl+S), then run again the cell here that loads the earlier functions.")


def _problem(stem, folder, name):
    """Why `name` is not in notebook `stem`: a cell that does not parse, or no such function."""
    try:
        broken = read_definitions(Path(folder) / f"{stem}.ipynb").broken
    except NotebookCodeError as error:
        return str(error)
    for number, names, message in broken:
        if name in names:
            return f"the cell that defines {name} (cell {number}) does not run: {message}"
    if broken:
        number, _, message = broken[0]
        return f"{stem}.ipynb defines no function named {name}; cell {number} does not run: {message}"
    return f"{stem}.ipynb defines no function named {name}"


def saved_when(path):
    """'saved 3 min ago' (or the date) for a notebook file."""
    try:
        seconds = datetime.datetime.now().timestamp() - Path(path).stat().st_mtime
    except OSError:
        return "not saved"
    if seconds < 90:
        return "saved just now"
    if seconds < 3600:
        return f"saved {seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"saved {seconds / 3600:.0f} h ago"
    return "saved " + datetime.datetime.fromtimestamp(Path(path).stat().st_mtime).strftime("%d %b %H:%M")


def own_functions(names, folder=None):
    """The student's own functions, {name: function}, read from the saved notebooks in `folder`.

    Notebooks are loaded in course order into one namespace, so that `unet_model` finds
    the student's `conv_block`. A function that cannot be loaded becomes a stand-in that
    raises EarlierFunctionMissing (a NotImplementedError) saying what to do.
    """
    folder = Path.cwd() if folder is None else Path(folder)
    stems = _notebooks_for(names)
    namespace = {"__name__": "earlier_notebooks"}
    problems = {}
    for stem in stems:
        path = folder / f"{stem}.ipynb"
        try:
            load_definitions(path, namespace=namespace)
        except NotebookCodeError as error:
            problems[stem] = str(error)
        except Exception as error:  # a definition that fails to execute, e.g. a bad import
            problems[stem] = f"{type(error).__name__}: {error}"
    functions = {}
    for name in names:
        stem = _WHERE[name]
        if callable(namespace.get(name)) and stem not in problems:
            functions[name] = namespace[name]
            continue
        error = problems.get(stem) or _problem(stem, folder, name)
        functions[name] = _stand_in(name, _missing_reason(name, stem, folder, error))
    return functions


def earlier_functions(*names, folder=None, quiet=False):
    """The functions `names` from earlier notebooks: the student's own, or the reference while grading.

    Args:
        *names: function names, e.g. "conv_block", "upsampling_block".
        folder: where the student's notebooks are (default: the current folder, which is
            the notebook's own folder in Jupyter).
        quiet: print nothing.

    Returns:
        The function for a single name, else a tuple in the order asked.
    """
    if not names:
        raise TypeError("earlier_functions() needs at least one function name")
    names = list(names)
    if earlier_folder():
        functions = reference_source(names, earlier_folder())
        message = (f"Grading: using the reference {', '.join(names)}, so that each function is "
                   f"graded on its own.")
    else:
        functions = own_functions(names, folder)
        missing = [name for name in names if getattr(functions[name], "missing_reason", None)]
        found = [name for name in names if name not in missing]
        base = Path.cwd() if folder is None else Path(folder)
        parts = []
        if found:
            parts.append("Using your own " + ", ".join(
                f"{name} ({_WHERE[name]}.ipynb, {saved_when(base / (_WHERE[name] + '.ipynb'))})"
                for name in found) + ".")
        for name in missing:
            parts.append(f"Not found: {functions[name].missing_reason}")
        message = "\n".join(parts)
    if not quiet:
        print(message)
    result = tuple(functions[name] for name in names)
    return result[0] if len(result) == 1 else result


def is_unfinished(error):
    """Did `error` come from a function not written yet (the release's placeholder, or a stand-in)?"""
    if isinstance(error, EarlierFunctionMissing):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and (frames[-1].line or "").strip() in ("raise NotImplementedError()",
                                                                 "raise NotImplementedError")


def unfinished_function(error):
    """The name of the function that raised `error` (the innermost frame), e.g. "conv_block"."""
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, EarlierFunctionMissing) or not frames:
        return None
    return frames[-1].name


def _origin(frame_summary):
    """' (from 02_encoder.ipynb)' for code loaded from another notebook, else ''."""
    filename = frame_summary.filename
    if filename.startswith(LOADED_NOTEBOOK_PREFIX):
        return f" (from {filename[len(LOADED_NOTEBOOK_PREFIX):-1]})"
    return ""


def describe_unfinished(error, needed_by=None, rerun="run this test again"):
    """A sentence about a NotImplementedError: which function is unfinished and what to do.

    Args:
        error: the NotImplementedError (its traceback says which function raised it).
        needed_by: the function the caller called, when it may differ from the one that raised.
        rerun: what to do once the function is written ("run this test again").
    """
    if isinstance(error, EarlierFunctionMissing):
        return str(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = frames[-1] if frames else None
    name = where.name if where else needed_by
    origin = _origin(where) if where else ""
    if origin:  # defined in an earlier notebook, loaded by earlier_functions
        notebook = origin[len(" (from "):-1]
        fix = (f"finish it in {notebook}, save that notebook (Ctrl+S), run here the cell that loads "
               f"the earlier functions, then {rerun}.")
    else:
        fix = f"replace that line with your code, run its cell, then {rerun}."
    if needed_by and name and name != needed_by:
        return (f"{needed_by} calls {name}{origin}, which is not written yet (it still raises "
                f"NotImplementedError): {fix}")
    label = name or needed_by or "this function"
    return f"{label}{origin} is not written yet: its cell still says `raise NotImplementedError()`; {fix}"


@contextlib.contextmanager
def when_done(*names):
    """Run a cell's body only as far as the student's functions allow.

    A demo cell that uses a function the student has not written yet would crash with
    NotImplementedError; inside `with when_done("conv_block"):` it prints what is missing and
    carries on. A NameError counts too: in the cell itself it means an earlier cell stopped this
    way, so the variable it would have made does not exist; inside a function the cell calls, it
    is a name the function's code gets wrong, and the message points at that line. Any other
    error is raised as usual.
    """
    needed = ", ".join(names) if names else "an unfinished function"
    try:
        yield
    except NotImplementedError as error:
        if not is_unfinished(error):
            raise  # a real error (TensorFlow raises NotImplementedError too): show it
        detail = describe_unfinished(error, rerun="run this cell again")
        print(f"(This cell needs {needed}; it will show its result once that works.)\n{detail}",
              file=sys.stdout)
    except NameError as error:
        frames = traceback.extract_tb(error.__traceback__)
        origin = _origin(frames[-1]) if frames else ""
        if origin:  # raised inside a function loaded from an earlier notebook
            print(f"({frames[-1].name}{origin} uses a name the loader did not define ({error}). Only imports, "
                  f"functions and simple assignments are loaded from an earlier notebook: set that name inside "
                  f"the function, or import it there, save the notebook and run the loading cell again.)",
                  file=sys.stdout)
        elif len([frame for frame in frames if frame.filename != __file__]) > 1:  # inside a called function
            print(f"({frames[-1].name} uses a name that is defined nowhere it can see ({error}), at its line "
                  f"{frames[-1].lineno}: {(frames[-1].line or '').strip()}\nA typo? A function sees its "
                  f"arguments, its own variables, and what the cells run so far defined; fix it, run its cell, "
                  f"then this one again.)", file=sys.stdout)
        else:
            print(f"(This cell needs {needed} and the results of the cells above: {error}. Run the cells "
                  f"above first; if one of them said that a function is not written yet, finish that "
                  f"function.)", file=sys.stdout)
