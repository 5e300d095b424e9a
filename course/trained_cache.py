"""Keep notebook 5's trained model across a kernel restart or a re-run: weights saved under a key.

The key is a hash of everything that decides the trained weights:

- the run's settings (width, epochs, batch size, learning rate, seed, ...) and any extra values
  (the input size, the number of classes);
- the data folder: every file's path, size and modification time (not its contents, so that
  1000 pairs take milliseconds);
- the code: the source text of the functions that build, compile, feed and train the model, as
  they were loaded (the student's own from their notebooks), and of every function of the
  notebooks or of the course library that these call, followed recursively;
- the Keras version.

With the same key, `train_or_load` loads the weights instead of training and says what it
loaded, from when, and how to train again. The files live in `.trained/` beside the notebook
(git-ignored): `<key>.weights.h5` and `<key>.json` (when, how long, the history, what the key
was made of, so that a new key can say what changed). Grading neither reads nor writes them.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import inspect
import json
import os
import sys
import time
import types
from pathlib import Path

from course.runtime import grading

FOLDER = ".trained"
KEEP = 3  # saved models kept; older ones are deleted
OURS = ("__main__", "earlier_notebooks", "notebook_definitions")
# Measured: 25 epochs of 800 images (validation included) in 846 s at n_filters=8, batch 8, on
# the course's 2-core test machine (notebook 5 run headless: its training cell). A quarter of the
# width costs about 1/5.5 of the time per image there (154 s against 28 s per epoch of training
# steps, n_filters 32 batch 32 against 8 batch 8: benchmarks/bench_recipe.py --parts speed --quick).
SECONDS_PER_IMAGE_EPOCH = 846 / (25 * 800)
WIDTH_EXPONENT = 1.23  # 4 ** 1.23 = 5.5: the measured time ratio of n_filters 32 against 8


class SavedHistory:
    """What Keras's History holds, read back from a saved run: `.history` and `.epoch`."""

    def __init__(self, history):
        self.history = {name: list(values) for name, values in history.items()}
        self.epoch = list(range(len(next(iter(self.history.values()), []))))


def settings_part(settings):
    """The settings as a plain dict (a dataclass's fields, a dict, or its repr)."""
    if dataclasses.is_dataclass(settings):
        return {key: repr(value) for key, value in dataclasses.asdict(settings).items()}
    if isinstance(settings, dict):
        return {str(key): repr(value) for key, value in settings.items()}
    return {"settings": repr(settings)}


def data_part(data_dir):
    """[relative path, size, mtime in ns] of every file under `data_dir` (hidden ones left out), sorted."""
    root = Path(data_dir)
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            path = Path(folder) / name
            stat = path.stat()
            files.append([path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns])
    return sorted(files)


def _is_ours(function):
    module = getattr(function, "__module__", None) or ""
    return module in OURS or module == "course" or module.startswith("course.")


def _names_used(code):
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_used(constant)
    return names


def _source(function):
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # no source file (exec without linecache): the compiled code instead
        code = function.__code__
        return f"{code.co_code.hex()} {code.co_consts!r} {code.co_names!r}"


def code_part(functions):
    """{qualified name: source text} of `functions` and of the notebook or course functions they call."""
    found, pending = {}, [f for f in functions if inspect.isfunction(f)]
    while pending:
        function = pending.pop()
        label = f"{function.__module__}.{function.__qualname__}"
        if label in found:
            continue
        found[label] = _source(function)
        for name in sorted(_names_used(function.__code__)):
            value = function.__globals__.get(name)
            if inspect.isfunction(value) and _is_ours(value):
                pending.append(value)
    return dict(sorted(found.items()))


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def key_parts(settings, data_dir, functions, extra=None):
    """What the key is made of, as plain data: settings, extra values, data files, code, Keras version."""
    keras = sys.modules.get("keras")
    files = data_part(data_dir)
    return {"settings": settings_part(settings), "extra": {str(k): repr(v) for k, v in (extra or {}).items()},
            "data": {"folder": str(Path(data_dir).resolve()), "files": len(files), "digest": _digest(files)},
            "code": {name: _digest(text) for name, text in code_part(functions).items()},
            "keras": getattr(keras, "__version__", None)}


def cache_key(parts):
    """The key of these parts: 20 hex digits."""
    return _digest(parts)[:20]


def changes(old, new):
    """What differs between two key_parts, in words (a list)."""
    said = []
    for name in sorted(set(old.get("settings", {})) | set(new["settings"])):
        before, after = old.get("settings", {}).get(name), new["settings"].get(name)
        if before != after:
            said.append(f"setting {name}: {before} -> {after}")
    if old.get("extra") != new["extra"]:
        said.append("the model's input size or classes")
    if old.get("data") != new["data"]:
        said.append("the data folder (its files, sizes or dates)")
    for name in sorted(set(old.get("code", {})) | set(new["code"])):
        if old.get("code", {}).get(name) != new["code"].get(name):
            said.append(f"the code of {name.split('.')[-1]}")
    if old.get("keras") != new["keras"]:
        said.append(f"Keras {old.get('keras')} -> {new['keras']}")
    return said


def estimate_minutes(settings, n_images, folder=FOLDER):
    """Minutes to train: from this machine's last saved run of the same width and batch, else the benchmark's."""
    epochs = getattr(settings, "epochs", 1)
    width, batch = getattr(settings, "n_filters", 8), getattr(settings, "batch_size", 8)
    for meta in _saved(folder):
        run = meta.get("run", {})
        if run.get("n_filters") == width and run.get("batch_size") == batch and run.get("image_epochs"):
            return meta["seconds"] / run["image_epochs"] * epochs * n_images / 60, "on this machine"
    rate = SECONDS_PER_IMAGE_EPOCH * (width / 8) ** WIDTH_EXPONENT
    return (rate * epochs * n_images / 60,
            "on the course's 2-vCPU test machine, AMD EPYC without AVX-512 (benchmarks/README.md)")


def _saved(folder):
    """The saved runs' metadata, newest first."""
    metas = []
    for path in Path(folder).glob("*.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and "key" in meta:
            metas.append(meta)
    return sorted(metas, key=lambda meta: meta.get("saved_at", 0), reverse=True)


def _when(timestamp):
    return datetime.datetime.fromtimestamp(timestamp).strftime("%d %b %Y at %H:%M")


def _remove(*paths):
    for path in paths:
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass


def _load(model, weights, meta_path):
    """(meta, history) of a saved run loaded into `model`; raises on a missing or unreadable file."""
    from course.training import build_optimizer  # TensorFlow only when there is something to load

    meta = json.loads(Path(meta_path).read_text(encoding="utf-8"))
    build_optimizer(model)  # the file holds Adam's moments too: give them somewhere to go
    model.load_weights(str(weights))
    return meta, SavedHistory(meta.get("history", {}))


def _save(model, history, folder, key, parts, seconds, run):
    folder.mkdir(exist_ok=True)
    partial = folder / f"{key}.partial-{os.getpid()}.weights.h5"  # two kernels saving at once do not collide
    model.save_weights(str(partial))
    os.replace(partial, folder / f"{key}.weights.h5")
    values = getattr(history, "history", history) or {}
    meta = {"key": key, "saved_at": time.time(), "seconds": seconds, "run": run, "parts": parts,
            "history": {name: [float(v) for v in series] for name, series in values.items()}}
    text = folder / f"{key}.partial-{os.getpid()}.json.tmp"
    text.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(text, folder / f"{key}.json")
    for old in _saved(folder)[KEEP:]:
        _remove(folder / f"{old['key']}.weights.h5", folder / f"{old['key']}.json")
    return folder / f"{key}.weights.h5"


def train_or_load(model, train, *, settings, data_dir, functions, n_images, extra=None, retrain=False,
                  folder=FOLDER):
    """Load the weights saved for this key into `model`, or call `train()` and save them.

    Args:
        model: the compiled, untrained model (built by the student's functions).
        train: a function of no arguments that trains `model` and returns its History.
        settings: the run's settings (a TrainingSettings).
        data_dir: the data folder the datasets were read from.
        functions: the functions that build, compile and feed the model (the student's own).
        n_images: training images per epoch (for the announcement).
        extra: other values that decide the weights (input size, number of classes).
        retrain: train even when weights for this key are saved.
        folder: where the weights are kept (beside the notebook).

    Returns:
        The History of the training, or a SavedHistory read back with the weights.
    """
    epochs = getattr(settings, "epochs", "?")
    minutes, where = estimate_minutes(settings, n_images, folder)
    announce = (f"Training {epochs} epochs on {n_images} images, about {max(minutes, 0.1):.1f} min {where}; "
                f"later cells wait for it.")
    if grading():
        print(announce + " (Grading: nothing is saved or loaded.)")
        return train()
    folder = Path(folder)
    parts = key_parts(settings, data_dir, [*functions, train], extra)
    key = cache_key(parts)
    weights, meta_path = folder / f"{key}.weights.h5", folder / f"{key}.json"
    if weights.exists() and not retrain:
        try:
            meta, history = _load(model, weights, meta_path)
        except Exception as error:  # a corrupt or partial file: train again
            print(f"Could not read the saved weights {weights} ({type(error).__name__}: "
                  f"{str(error).splitlines()[0][:160] if str(error) else ''}); training again.")
            _remove(weights, meta_path)
        else:
            print(f"Loaded the weights trained on {_when(meta['saved_at'])} ({epochs} epochs, "
                  f"{meta['seconds'] / 60:.1f} min) from {weights}: the settings, the data and your functions "
                  f"are the same as then.\nTo train again, set retrain = True in this cell, or delete that file.")
            return history
    elif retrain:
        print("retrain = True: training again.")
    else:
        previous = _saved(folder)
        if previous:
            said = changes(previous[0].get("parts", {}), parts)
            print(f"Saved weights do not fit this run ({'; '.join(said[:4]) or 'another run'}).")
    print(announce)
    start = time.perf_counter()
    history = train()
    seconds = time.perf_counter() - start
    run = {"n_filters": getattr(settings, "n_filters", None), "batch_size": getattr(settings, "batch_size", None),
           "image_epochs": (epochs * n_images) if isinstance(epochs, int) else None}
    saved = _save(model, history, folder, key, parts, seconds, run)
    print(f"Saved the trained weights in {saved}: running this cell again (after a restart too) loads them.")
    return history
