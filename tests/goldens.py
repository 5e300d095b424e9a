"""One convention for every file a test compares with what a command or a run makes.

`./run-tests --update-goldens` (any selection of tests) rewrites those files instead of failing:
the export's golden CSVs, the generated tables and public answers, the released student
notebooks, the toy course's fixtures and the copy of the course spec's table. Without it each
such test fails and says which file is stale and this flag. Review the diff before committing.
"""

import subprocess

OPTION = "--update-goldens"


def add_option(parser):
    parser.addoption(OPTION, action="store_true", default=False,
                     help="rewrite the golden and generated files the tests compare against, instead of failing")


def updating(request):
    return bool(request.config.getoption(OPTION))


def compare_or_update(request, path, text):
    """Assert that `path` holds `text`, or write it there under --update-goldens."""
    if updating(request):
        path.write_text(text, encoding="utf-8")
        return
    assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run ./run-tests {OPTION} and review the diff"


def check_or_regenerate(request, command, **run):
    """Run `command` with --check (or, under --update-goldens, without it, rewriting its files); the process."""
    arguments = list(command) if updating(request) else [*command, "--check"]
    process = subprocess.run(arguments, capture_output=True, text=True, check=False, **run)
    hint = "" if updating(request) else f" (run ./run-tests {OPTION}, or the command without --check)"
    assert process.returncode == 0, f"{' '.join(map(str, arguments))} failed{hint}:\n" + \
        process.stdout[-3000:] + process.stderr[-3000:]
    return process
