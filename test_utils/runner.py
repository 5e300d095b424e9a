"""Where a check's two values come from: the student's answer, and the expected one.

A check is written once and runs in two places with the same messages:

- in the student's notebook, where `function` is the student's function: the answer is
  computed here; the expected answer of a public case comes from public_answers.json, which
  the reference solution generated (the student's copy of the course holds no solution);
- in the grader's judge, outside the student's process, where `function` is a handle on the
  student's kernel: the answer is asked of the kernel as plain data, and the expected one is
  computed here from the reference solution, for the public cases and for hidden inputs
  drawn fresh for each grading run (`random_generator`).

A probe is a function of test_utils.probes: it runs where the student's function runs, turns
what the function returned into plain data, and decides nothing.
"""

import hashlib
import inspect
import os
from pathlib import Path

from grader import protocol
from grader.protocol import StudentError, is_remote, probe_string as probe_name
from grader.protocol import student_frames as _local_frames
from test_utils import answers
from test_utils.calls import call_text
from test_utils.failure import CheckFailure, student_error_message

SOURCE_ENV = protocol.SOURCE_DIR_ENV  # set in the judge: the instructor's source notebooks
_RECORDING = None  # {case key: answer} while test_utils.generate records the public answers


def answer(function, name, probe=None, *args, **kwargs):
    """What the student's `function` gives: `probe(function, *args)` (or the plain call).

    Raises:
        StudentError: the student's function raised.
        CheckFailure: it returned something a probe cannot use (the message says what).
    """
    from test_utils.probes.common import Unexpected

    call = _call_text(name, args, kwargs)
    try:
        if is_remote(function):
            if probe is None:
                return function(*args, **kwargs)
            return function.grader_probe(probe_name(probe), *args, **kwargs)
        return probe(function, *args, **kwargs) if probe else function(*args, **kwargs)
    except Unexpected as error:
        raise CheckFailure(f"{call}: {error}") from None
    except Exception as error:
        if is_remote(function) and hasattr(error, "kind"):  # the kernel's answer was an error
            if error.kind == "Unexpected":
                raise CheckFailure(f"{call}: {error.message}") from None
            raise StudentError(name, error.kind, error.message, error.frames, error.placeholder) from None
        frames, placeholder = _local_frames(error)
        raise StudentError(name, type(error).__name__, str(error), frames, placeholder) from error


def _call_text(name, args, kwargs):
    return call_text(name, *args, **kwargs)


def student_failure(error, call):
    """The CheckFailure for a StudentError raised by the call `call`."""
    return CheckFailure(student_error_message(error, call))


def has_reference():
    """Can this process compute expected answers from the reference solution (the judge can)?"""
    return bool(os.environ.get(SOURCE_ENV))


def reference(name):
    """The reference solution's function `name`, from the source notebooks (judge only)."""
    folder = os.environ.get(SOURCE_ENV)
    if not folder:
        raise CheckFailure(f"the reference {name} is only available to the grader")
    from course.reference import definitions

    function = definitions(str(Path(folder).resolve())).get(name)
    if not callable(function):
        raise KeyError(f"the source notebooks in {folder} define no function {name!r}")
    return function


def expected(name, probe=None, *args, **kwargs):
    """What the reference `name` gives for the same probe and inputs.

    In the judge (and when test_utils.generate records): computed from the reference. In a
    student's notebook: the recorded answer of a public case.
    """
    key = answers.case_key(name, probe_name(probe), args, kwargs)
    if has_reference() and _RECORDING is None and key in answers.load():
        return answers.load()[key]  # a public case: the generated answer is the reference's (tested)
    if has_reference():
        function = reference(name)
        value = probe(function, *args, **kwargs) if probe else function(*args, **kwargs)
        if _RECORDING is not None:
            _RECORDING[key] = value
        return value
    recorded = answers.load()
    if key not in recorded:
        raise CheckFailure(f"{_call_text(name, args, kwargs)}: this case is checked by the grader only "
                           f"(its expected answer is not in the course); `python -m grader check` runs it")
    return recorded[key]


def random_generator(*parts):
    """A NumPy generator for hidden inputs: fresh for each grading run, the same within one.

    Seeded by the grading run's seed (GRADER_SEED, recorded per submission so a regrade can
    repeat it), the test cell and `parts`; 0 outside the grader.
    """
    import numpy as np

    text = "|".join([os.environ.get(protocol.SEED_ENV, "0"), os.environ.get(protocol.CELL_ENV, ""), *map(str, parts)])
    return np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def _students_own(value):
    """Is this function defined in a module file beside the notebook (the student's own helper module)?"""
    try:
        path = Path(inspect.getsourcefile(value)).resolve()
    except (TypeError, OSError):
        return False
    return path.parent == Path.cwd().resolve()


def source_of(function, name):
    """The code the student wrote for `name` and its helpers, as a list of sources.

    In the judge: the code cells of the student's notebook up to the test. Here: the
    function's source, the notebook's other functions, and an import line for every name
    of its namespace that holds a library module or a library function, so that the code
    check sees what the judge sees.
    """
    if is_remote(function):
        return function.grader_source()
    try:
        sources = [inspect.getsource(function)]
    except (OSError, TypeError):
        return None
    imports = []
    for key, value in list(getattr(function, "__globals__", {}).items()):
        if inspect.ismodule(value):
            imports.append(f"import {value.__name__} as {key}")
        elif inspect.isfunction(value) or inspect.isclass(value):
            if value.__module__ == function.__module__ or _students_own(value):
                if value is not function:
                    try:
                        sources.insert(0, inspect.getsource(value))
                    except (OSError, TypeError):
                        continue
            elif value.__module__:
                imports.append(f"from {value.__module__} import {value.__name__} as {key}")
    return ["\n".join(imports)] + sources
