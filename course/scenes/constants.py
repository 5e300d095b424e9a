"""Fixed numbers of the generator: version, default set, file format, class ids, texture kinds."""

from __future__ import annotations

from course.classes import CLASS_IDS


# Bump when the pictures change for a given seed, so stale generated sets are rebuilt.
GENERATOR_VERSION = 1

# The default set: about as many pairs as the real CARLA set; twice the training size
# (96 x 128) in each direction, which keeps the files small and the resize exact.
DEFAULT_COUNT = 1000
DEFAULT_HEIGHT = 192
DEFAULT_WIDTH = 256
DEFAULT_SEED = 0

MANIFEST_NAME = "manifest.json"
PNG_COMPRESS_LEVEL = 6  # fixed, so equal pixels always give equal bytes

C = CLASS_IDS  # short alias: C["road"] == 7
NEAR = 0.3  # near clipping distance in metres

# Texture kinds of an instance (rows of the per-image texture fields).
PLAIN, ROUGH, LEAFY, GLASS, GLOW = range(5)
