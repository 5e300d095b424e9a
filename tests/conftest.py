"""Fixtures shared by the test modules."""

import pytest

# The tiny generated set: a dozen small pairs, made once per test session.
TINY = {"count": 12, "height": 48, "width": 64, "seed": 3}


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """Folder of a tiny generated set in the CARLA layout (settings in TINY); do not modify it."""
    from course.scenes import generate_scenes

    folder = tmp_path_factory.mktemp("tiny_dataset")
    generate_scenes(folder, workers=1, progress=False, **TINY)
    return folder
