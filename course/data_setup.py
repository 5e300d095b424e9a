"""Where the course's data lives, and making sure it is there.

By default the course uses a set of generated street scenes in `data/generated/default/`
(git-ignored; built on first use in about a minute). Two environment variables change that:

    COURSE_DATA_DIR=/path/to/carla      use a real data set in the CARLA layout instead
                                        (a folder with CameraRGB/ and CameraMask/, and
                                        optionally classes.json: see course/classes.py)
    COURSE_DATA_PRESET=fast             use a small generated set (quick headless runs)

    python -m course.data_setup         make sure the data exists; print where and how big
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from course.classes import load_classes
from course.data import DATA_DIR_ENV, IMAGE_DIR, MASK_DIR, PNG_SUFFIX, DatasetError

PRESET_ENV = "COURSE_DATA_PRESET"
REPO_ROOT = Path(__file__).resolve().parents[1]
GENERATED_ROOT = REPO_ROOT / "data" / "generated"


@dataclass(frozen=True)
class SceneSet:
    """What to generate: number of pairs, picture size and seed."""

    count: int
    height: int
    width: int
    seed: int


def _default_set():
    from course import scenes

    return SceneSet(scenes.DEFAULT_COUNT, scenes.DEFAULT_HEIGHT, scenes.DEFAULT_WIDTH, scenes.DEFAULT_SEED)


def presets():
    """The named generated sets: 'default' (about the size of the real set) and 'fast'."""
    default = _default_set()
    return {"default": default, "fast": SceneSet(64, default.height, default.width, default.seed)}


def preset(name=None):
    """The SceneSet of a preset name; None = $COURSE_DATA_PRESET, or 'default' when unset."""
    name = name or os.environ.get(PRESET_ENV) or "default"
    known = presets()
    if name not in known:
        raise ValueError(f"course.data_setup: unknown data preset {name!r} (from {PRESET_ENV} or the "
                         f"preset argument); choose one of: {', '.join(known)}")
    return known[name]


def generated_dir(scene_set, root=None):
    """Folder of a generated set: `default` for the default set, else named by its settings."""
    root = Path(root) if root is not None else GENERATED_ROOT
    if scene_set == _default_set():
        return root / "default"
    s = scene_set
    return root / f"scenes-{s.count}-{s.height}x{s.width}-seed{s.seed}"


def _real_dataset_dir():
    """The folder in $COURSE_DATA_DIR, checked for the CARLA layout; None when unset."""
    value = os.environ.get(DATA_DIR_ENV)
    if not value:
        return None
    folder = Path(value).expanduser()
    missing = [name for name in (IMAGE_DIR, MASK_DIR) if not (folder / name).is_dir()]
    if missing:
        raise DatasetError(
            f"{DATA_DIR_ENV}={value} must be a folder holding {IMAGE_DIR}/ and {MASK_DIR}/, but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing there. "
            f"Fix the path, or unset {DATA_DIR_ENV} to use the generated scenes."
        )
    return folder


def dataset_dir(preset_name=None):
    """The course's data folder: $COURSE_DATA_DIR if set, else the generated set's folder.

    The generated folder may not exist yet; `ensure_dataset()` creates it.
    """
    real = _real_dataset_dir()
    if real is not None:
        return real
    return generated_dir(preset(preset_name))


def _count_pngs(folder):
    try:
        return sum(1 for entry in os.scandir(folder) if entry.name.endswith(PNG_SUFFIX))
    except OSError:
        return -1


def is_complete(folder, scene_set):
    """Whether `folder` holds exactly the generated set described by `scene_set`."""
    from course.scenes import GENERATOR_VERSION, read_manifest

    manifest = read_manifest(folder)
    if not manifest:
        return False
    wanted = {"generator_version": GENERATOR_VERSION, "count": scene_set.count, "height": scene_set.height,
              "width": scene_set.width, "seed": scene_set.seed}
    if any(manifest.get(key) != value for key, value in wanted.items()):
        return False
    folder = Path(folder)
    return _count_pngs(folder / IMAGE_DIR) == scene_set.count == _count_pngs(folder / MASK_DIR)


def ensure_dataset(count=None, height=None, width=None, seed=None, preset_name=None, root=None,
                   progress=True):
    """Return the course's data folder, generating the scenes first when they are missing.

    With no arguments: $COURSE_DATA_DIR when set (checked, never generated), else the
    preset's generated set (default, or $COURSE_DATA_PRESET). Any of count, height, width,
    seed asks for a generated set with those settings (the preset fills in the rest), kept
    in its own folder, e.g. `data/generated/scenes-12-48x64-seed3`.

    A set is rebuilt when its manifest or file count does not match (an interrupted run,
    a newer generator). It is written to a temporary folder and renamed when finished,
    so a half-written set never sits under the final name.

    Args:
        count, height, width, seed: settings of a generated set (None = the preset's).
        preset_name: 'default' or 'fast' (None = $COURSE_DATA_PRESET, else 'default').
        root: folder for generated sets (default `<repo>/data/generated`).
        progress: show a progress bar while generating.

    Returns:
        Path of a folder with CameraRGB/ and CameraMask/.
    """
    explicit = any(value is not None for value in (count, height, width, seed))
    if not explicit and preset_name is None:
        real = _real_dataset_dir()
        if real is not None:
            return real
    base = preset(preset_name)
    scene_set = SceneSet(
        base.count if count is None else count,
        base.height if height is None else height,
        base.width if width is None else width,
        base.seed if seed is None else seed,
    )
    folder = generated_dir(scene_set, root)
    if is_complete(folder, scene_set):
        return folder
    from course.scenes import generate_scenes

    folder.parent.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f"Drawing the course's {scene_set.count} driving scenes into {folder} (only the first time: about "
              f"{_minutes(scene_set.count)}) ...", file=sys.stderr, flush=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        generate_scenes(partial, scene_set.count, scene_set.height, scene_set.width, scene_set.seed,
                        progress=progress)
        if folder.exists() and not is_complete(folder, scene_set):
            shutil.rmtree(folder)  # a stale or interrupted set of ours
        try:
            partial.rename(folder)
        except OSError:
            if not is_complete(folder, scene_set):  # not another process finishing first
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def _minutes(count):
    """How long drawing `count` scenes takes: 0.1 CPU-second a scene (94 s for 1000), measured 306 s for 1000
    on 2 heavily loaded cores; from 4 idle cores to one core shared 3 ways."""
    slow, fast = count * 0.1 * 3, count * 0.1 / 4
    if slow < 60:
        return "a few seconds to a minute"
    return f"{max(1, round(fast / 60))} to {max(2, round(slow / 60))} minutes, depending on the machine"


def folder_size(folder):
    """Total bytes of the PNG files under CameraRGB/ and CameraMask/."""
    total = 0
    for name in (IMAGE_DIR, MASK_DIR):
        with os.scandir(Path(folder) / name) as entries:
            total += sum(entry.stat().st_size for entry in entries if entry.name.endswith(PNG_SUFFIX))
    return total


def describe(folder):
    """Two lines for people: where the data is, how many pairs and how big."""
    from course.scenes import read_manifest

    folder = Path(folder)
    pairs = _count_pngs(folder / IMAGE_DIR)
    megabytes = folder_size(folder) / 1e6
    manifest = read_manifest(folder)
    if manifest:
        origin = (f"generated street scenes of {manifest['height']}x{manifest['width']} pixels, "
                  f"seed {manifest['seed']}")
    else:
        origin = f"from {DATA_DIR_ENV}" if os.environ.get(DATA_DIR_ENV) else "not generated by the course"
    return f"Course data: {folder}\n  {pairs} image/mask pairs, {megabytes:.1f} MB ({origin})"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m course.data_setup",
        description=f"Make sure the course's data exists and say where it is. Set {DATA_DIR_ENV} to use "
        f"a real CARLA-layout data set; set {PRESET_ENV}=fast for a small generated set.",
    )
    parser.add_argument("--preset", choices=sorted(presets()), default=None,
                        help=f"generated set (default: ${PRESET_ENV} or 'default')")
    parser.add_argument("--check", action="store_true",
                        help="also check that every file pairs up and reads, and that the masks hold only the "
                             "classes listed (classes.json, or the 23 CARLA classes)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        folder = ensure_dataset(preset_name=args.preset, progress=not args.quiet)
        classes = load_classes(folder)  # checks the folder's classes.json, if any
        if args.check:
            from course.data import check_mask_ids, check_pairs, list_pairs

            pairs = list_pairs(folder)
            check_pairs(pairs)
            check_mask_ids(pairs, classes)
    except ValueError as error:  # DatasetError included: a message people can act on
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(describe(folder))
    print(f"  {len(classes)} classes from {classes.source}"
          + ("" if classes.ignore_id is None else f"; id {classes.ignore_id} ({classes.names[classes.ignore_id]}) "
                                                   f"is left out of the metrics"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
