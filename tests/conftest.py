"""Fixtures shared by the test modules."""

import pytest

from tests.cores import pytest_runtest_protocol, pytest_xdist_make_scheduler  # noqa: F401 (hooks)
from tests.goldens import add_option


def pytest_addoption(parser):
    add_option(parser)

# The tiny generated set: a dozen small pairs, made once per test session.
TINY = {"count": 12, "height": 48, "width": 64, "seed": 3}


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """Folder of a tiny generated set in the CARLA layout (settings in TINY); do not modify it."""
    from course.scenes import generate_scenes

    folder = tmp_path_factory.mktemp("tiny_dataset")
    generate_scenes(folder, workers=1, progress=False, **TINY)
    return folder


# Fixtures that release a course, grade a batch, build the student bundle (nbgrader, kernels
# and subprocesses, seconds to minutes each) or train a model. A test that uses one is slow
# (deselect with -m "not slow" for the quick loop).
SLOW_FIXTURES = {"released_course", "fresh_course", "corpus", "graded", "postgres", "bundle", "unpacked",
                 "solved_bundle", "executed_bundle", "executed_release", "lab", "browser", "training_run"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
