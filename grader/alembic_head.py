"""nbgrader's gradebook schema revision, read once in this process instead of by a command.

nbgrader stamps every new gradebook with the head revision of its alembic migrations and finds
it by running the `alembic` command (`nbgrader.api.get_alembic_version`): a fresh Python
process, about 3 s on a 2-core machine, for every new gradebook, which is two per
`python -m grader check` (the release into its private workspace and the batch's template)
and one per batch. The head is a constant of the installed nbgrader. `install()` makes
nbgrader ask `alembic_head()`, which reads the same migration folder with the same alembic
code the command runs (ScriptDirectory), once per process, in about 0.2 s.
tests/grader/test_alembic_head.py holds both answers equal.
"""

import functools

import nbgrader.api
from nbgrader import dbutil

NBGRADER_OWN = nbgrader.api.get_alembic_version  # runs `alembic heads` (for the test)


@functools.cache
def alembic_head():
    """The head revision of the installed nbgrader's gradebook migrations, e.g. 'e43177bfe90b'."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", dbutil.ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def install():
    """Make nbgrader's Gradebook take its revision from alembic_head() (idempotent)."""
    nbgrader.api.get_alembic_version = alembic_head
