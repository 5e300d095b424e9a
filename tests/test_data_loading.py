"""Tests of the data check (course.data), of the reference loading functions on real files of
every layout, and of where the data lives (course.data_setup).

The loading functions themselves are the students' exercise: their one copy is the reference
solution in the source notebooks, tested here on real PNG files."""

import random
import shutil

import numpy as np
import pytest
from PIL import Image

from course import data, data_setup
from course.data import DatasetError
from course.reference import reference_function as reference


@pytest.fixture
def copy_of_tiny(tmp_path, tiny_dataset):
    """A private copy of the tiny set, for tests that break it."""
    return shutil.copytree(tiny_dataset, tmp_path / "data")


def _pil_image(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255


def _pil_mask(path):
    return np.asarray(Image.open(path))[..., :1]


# --- pairing and checking: every error path with a real bad file ---------------------


def test_pairs_are_matched_by_name_and_sorted(tiny_dataset):
    """Does pair_files pair each image with the mask of the same name, in name order?"""
    pairs = data.list_pairs(tiny_dataset)
    names = sorted(p.name for p in (tiny_dataset / "CameraRGB").iterdir())
    assert [(p[0].split("/")[-1], p[1].split("/")[-1]) for p in pairs] == [(n, n) for n in names]
    assert all("/CameraRGB/" in image and "/CameraMask/" in mask for image, mask in pairs)


def test_missing_mask_is_named(copy_of_tiny):
    """Does an image without a mask raise an error naming that file?"""
    (copy_of_tiny / "CameraMask" / "000004.png").unlink()
    with pytest.raises(DatasetError, match=r"no mask.*000004\.png"):
        data.list_pairs(copy_of_tiny)


def test_extra_mask_is_named(copy_of_tiny):
    """Does a mask without an image raise an error naming that file?"""
    shutil.copy(copy_of_tiny / "CameraMask" / "000001.png", copy_of_tiny / "CameraMask" / "stray.png")
    with pytest.raises(DatasetError, match=r"extra mask.*stray\.png"):
        data.list_pairs(copy_of_tiny)


def test_non_image_file_is_named(copy_of_tiny):
    """Does a file that is not a PNG raise an error naming it?"""
    (copy_of_tiny / "CameraRGB" / "notes.txt").write_text("taken on a sunny day")
    with pytest.raises(DatasetError, match=r"not PNG.*notes\.txt"):
        data.list_pairs(copy_of_tiny)


def test_missing_folder_is_named(copy_of_tiny):
    """Does a data folder without CameraMask/ raise an error naming the folder?"""
    shutil.rmtree(copy_of_tiny / "CameraMask")
    with pytest.raises(DatasetError, match=r"CameraMask does not exist"):
        data.list_pairs(copy_of_tiny)


def test_hidden_files_and_folders_are_ignored(copy_of_tiny, tiny_dataset):
    """Are .DS_Store files and .ipynb_checkpoints folders skipped rather than refused?"""
    (copy_of_tiny / "CameraRGB" / ".DS_Store").write_bytes(b"\0\1")
    (copy_of_tiny / "CameraMask" / ".ipynb_checkpoints").mkdir()
    assert len(data.list_pairs(copy_of_tiny)) == len(data.list_pairs(tiny_dataset))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no end"])
def test_unreadable_png_is_named(copy_of_tiny, damage):
    """Does an unreadable or cut-off PNG raise an error naming the file?"""
    path = copy_of_tiny / "CameraRGB" / "000002.png"
    content = path.read_bytes()
    path.write_bytes({"garbage": b"not a picture at all", "truncated": content[: len(content) // 2],
                      "no end": content[:-12]}[damage])
    pairs = data.list_pairs(copy_of_tiny)
    with pytest.raises(DatasetError, match=r"cannot read image .*000002\.png"):
        data.check_pairs(pairs)


def test_size_mismatch_is_named(copy_of_tiny):
    """Does a mask of another size than its image raise an error naming both files and sizes?"""
    path = copy_of_tiny / "CameraMask" / "000007.png"
    Image.open(path).resize((20, 10), Image.NEAREST).save(path)
    with pytest.raises(DatasetError, match=r"000007\.png is 64x48.*000007\.png is 20x10"):
        data.check_pairs(data.list_pairs(copy_of_tiny))


def test_palette_mask_is_refused(copy_of_tiny):
    """Is a palette PNG mask (colours, not ids) refused with an explanation?"""
    path = copy_of_tiny / "CameraMask" / "000005.png"
    Image.open(path).convert("P").save(path)
    with pytest.raises(DatasetError, match=r"000005\.png has colour mode 'P'.*palette"):
        data.check_pairs(data.list_pairs(copy_of_tiny))


def test_a_good_set_passes_the_check(tiny_dataset):
    """Does check_pairs accept the generated set without complaint?"""
    data.check_pairs(data.list_pairs(tiny_dataset))


# --- decoding and resizing -------------------------------------------------------------


def test_decode_image_gives_float_rgb_in_unit_range(tiny_dataset):
    """Does decode_image give float32 RGB equal to the file's bytes divided by 255?"""
    path = data.list_pairs(tiny_dataset)[0][0]
    image = reference("decode_image")(path).numpy()
    assert image.dtype == np.float32 and image.shape == (48, 64, 3)
    np.testing.assert_allclose(image, _pil_image(path), atol=1e-6)


def test_decode_mask_gives_one_uint8_channel(tiny_dataset):
    """Does decode_mask give the red channel's class ids as uint8 (H, W, 1)?"""
    path = data.list_pairs(tiny_dataset)[0][1]
    mask = reference("decode_mask")(path).numpy()
    assert mask.dtype == np.uint8 and mask.shape == (48, 64, 1)
    np.testing.assert_array_equal(mask, _pil_mask(path))


def test_mask_id_is_the_maximum_over_channels(tmp_path):
    """Is the class id the largest of R, G, B, and an alpha channel ignored?"""
    rgb = np.random.default_rng(0).integers(0, 23, (5, 6, 3)).astype(np.uint8)
    rgba = np.concatenate([rgb, np.full((5, 6, 1), 255, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "mask.png")
    decoded = reference("decode_mask")(str(tmp_path / "mask.png")).numpy()
    np.testing.assert_array_equal(decoded[..., 0], rgb.max(axis=-1))


def _load_arrays(pairs):
    """Images and masks of pairs, loaded by the reference load_pair (96x128)."""
    loaded = [reference("load_pair")(image, mask) for image, mask in pairs]
    return np.stack([np.asarray(i) for i, _ in loaded]), np.stack([np.asarray(m) for _, m in loaded])


def _convert_folder(source, target, image_mode=None, mask_mode=None):
    """Copy a set, saving images and/or masks in another colour mode."""
    shutil.copytree(source, target)
    rng = np.random.default_rng(1)
    for path in sorted((target / "CameraRGB").iterdir()):
        if image_mode == "RGBA":  # a random alpha channel must not change anything
            rgb = np.asarray(Image.open(path))
            alpha = rng.integers(0, 256, rgb.shape[:2] + (1,), dtype=np.uint8)
            Image.fromarray(np.concatenate([rgb, alpha], axis=-1), "RGBA").save(path)
    for path in sorted((target / "CameraMask").iterdir()):
        if mask_mode == "L":
            Image.fromarray(np.asarray(Image.open(path))[..., 0], "L").save(path)
    return target


@pytest.mark.parametrize("image_mode, mask_mode", [("RGBA", None), (None, "L"), ("RGBA", "L")])
def test_rgba_images_and_single_channel_masks_load_the_same(tmp_path, tiny_dataset, image_mode, mask_mode):
    """Do RGBA images and single-channel masks load to the same tensors as the RGB originals?"""
    variant = _convert_folder(tiny_dataset, tmp_path / "variant", image_mode, mask_mode)
    if image_mode:
        assert Image.open(next((variant / "CameraRGB").iterdir())).mode == "RGBA"
    if mask_mode:
        assert Image.open(next((variant / "CameraMask").iterdir())).mode == "L"
    expected = _load_arrays(data.list_pairs(tiny_dataset))
    pairs = data.list_pairs(variant)
    data.check_pairs(pairs)
    got = _load_arrays(pairs)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def _nearest_indices(source, target):
    """Source index of each target pixel for nearest-neighbour with half-pixel centres."""
    return np.minimum(np.floor((np.arange(target) + 0.5) * source / target).astype(int), source - 1)


def _area_weights(source, target):
    """(target, source) weights of an area resize: the share of each source pixel in each target pixel."""
    scale = source / target
    weights = np.zeros((target, source))
    for i in range(target):
        start, end = i * scale, (i + 1) * scale
        for j in range(int(np.floor(start)), min(int(np.ceil(end)), source)):
            weights[i, j] = (min(end, j + 1) - max(start, j)) / scale
    return weights


@pytest.mark.parametrize("size", [(96, 128), (20, 30), (48, 64)])
def test_resize_pair_averages_the_image_and_copies_the_mask(tiny_dataset, size):
    """Does resize_pair average the image over each new pixel's area (a NumPy twin of the box overlap) and pick
    the mask's ids by nearest neighbour?"""
    image_path, mask_path = data.list_pairs(tiny_dataset)[1]
    image, mask = reference("resize_pair")(reference("decode_image")(image_path), reference("decode_mask")(mask_path), size)
    source_image, source_mask = _pil_image(image_path), _pil_mask(mask_path)
    rows, cols = _nearest_indices(48, size[0]), _nearest_indices(64, size[1])
    assert image.shape == size + (3,) and mask.shape == size + (1,)
    assert image.dtype.name == "float32" and mask.dtype.name == "uint8"
    averaged = np.einsum("ij,jkc,lk->ilc", _area_weights(48, size[0]), source_image, _area_weights(64, size[1]))
    np.testing.assert_allclose(image.numpy(), averaged, atol=1e-5)
    np.testing.assert_array_equal(mask.numpy(), source_mask[rows][:, cols])


# --- splitting and the tf.data pipeline -------------------------------------------------


def _fake_pairs(n):
    return [(f"d/CameraRGB/{i:03d}.png", f"d/CameraMask/{i:03d}.png") for i in range(n)]


def test_split_is_deterministic_and_ignores_listing_order():
    """Does split_pairs give the same split for any order of the same pairs?"""
    pairs = _fake_pairs(50)
    shuffled = pairs[:]
    random.Random(4).shuffle(shuffled)
    assert reference("split_pairs")(pairs, 0.2, seed=1) == reference("split_pairs")(shuffled, 0.2, seed=1)


def test_split_is_a_partition_of_the_right_size():
    """Are training and validation disjoint, complete, and 20 % for validation?"""
    pairs = _fake_pairs(50)
    train, validation = reference("split_pairs")(pairs, 0.2, seed=0)
    assert len(validation) == 10 and len(train) == 40
    assert sorted(train + validation) == pairs
    assert not set(train) & set(validation)


def test_split_depends_on_the_seed():
    """Do two seeds choose different validation pairs?"""
    pairs = _fake_pairs(50)
    assert reference("split_pairs")(pairs, 0.2, seed=0)[1] != reference("split_pairs")(pairs, 0.2, seed=1)[1]


def test_dataset_batches_have_the_training_shapes(tiny_dataset):
    """Does make_dataset give float32 images and uint8 masks in batches of 96x128?"""
    dataset = reference("make_dataset")(data.list_pairs(tiny_dataset), reference("load_pair"), batch_size=5)
    batches = list(dataset.as_numpy_iterator())
    assert [len(images) for images, _ in batches] == [5, 5, 2]
    images, masks = batches[0]
    assert images.shape == (5, 96, 128, 3) and images.dtype == np.float32
    assert masks.shape == (5, 96, 128, 1) and masks.dtype == np.uint8
    assert 0 <= images.min() and images.max() <= 1


def test_dataset_shuffle_is_seeded_and_keeps_every_pair(tiny_dataset):
    """Is the shuffled order repeatable with a seed, and does every pair appear once per epoch?"""
    pairs = data.list_pairs(tiny_dataset)

    def epoch_masks(seed):
        dataset = reference("make_dataset")(pairs, reference("load_pair"), batch_size=4, shuffle=True, seed=seed)
        return np.concatenate([masks for _, masks in dataset.as_numpy_iterator()])

    plain = _load_arrays(pairs)[1]
    first, again = epoch_masks(7), epoch_masks(7)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, plain)  # 12 pairs: a seeded shuffle leaves them in order by chance only

    def key(masks):
        return sorted(m.tobytes() for m in masks)

    assert key(first) == key(plain)


# --- where the data lives (course.data_setup) -----------------------------------------


def test_course_data_dir_points_at_a_real_set(monkeypatch, tiny_dataset):
    """Does COURSE_DATA_DIR make the course use that folder, without generating anything?"""
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(tiny_dataset))
    assert data_setup.dataset_dir() == tiny_dataset
    assert data_setup.ensure_dataset() == tiny_dataset


def test_course_data_dir_without_the_layout_is_refused(monkeypatch, tmp_path):
    """Does a COURSE_DATA_DIR without CameraRGB/ and CameraMask/ raise a clear error?"""
    (tmp_path / "CameraRGB").mkdir()
    monkeypatch.setenv(data_setup.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DatasetError, match=r"COURSE_DATA_DIR=.*CameraMask is missing"):
        data_setup.dataset_dir()


def test_unknown_preset_is_refused(monkeypatch):
    """Does an unknown COURSE_DATA_PRESET raise an error listing the presets?"""
    monkeypatch.delenv(data_setup.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(data_setup.PRESET_ENV, "huge")
    with pytest.raises(ValueError, match=r"'huge'.*default, fast"):
        data_setup.dataset_dir()


def test_ensure_dataset_generates_once_and_repairs(tmp_path, tiny_dataset):
    """Does ensure_dataset generate a missing set, reuse a complete one and rebuild a broken one?"""
    from course.scenes import read_manifest

    settings = {key: read_manifest(tiny_dataset)[key] for key in ("count", "height", "width", "seed")}
    folder = data_setup.ensure_dataset(root=tmp_path, progress=False, **settings)
    assert folder.parent == tmp_path and folder.name != "default"
    reference = {p.name: p.read_bytes() for p in (tiny_dataset / "CameraRGB").iterdir()}
    assert {p.name: p.read_bytes() for p in (folder / "CameraRGB").iterdir()} == reference
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    assert data_setup.ensure_dataset(root=tmp_path, progress=False, **settings) == folder
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp  # reused, not rewritten
    (folder / "CameraMask" / "000003.png").unlink()  # an incomplete set
    data_setup.ensure_dataset(root=tmp_path, progress=False, **settings)
    assert (folder / "CameraMask" / "000003.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no partial folders left


def test_describe_says_where_and_how_big(tiny_dataset):
    """Does the set-up summary name the folder, the number of pairs and the size in MB?"""
    text = data_setup.describe(tiny_dataset)
    megabytes = sum(p.stat().st_size for p in tiny_dataset.rglob("*.png")) / 1e6
    assert str(tiny_dataset) in text and "12 image/mask pairs" in text and f"{megabytes:.1f} MB" in text


def _run_setup(env_value):
    import os
    import subprocess
    import sys

    env = {**os.environ, data_setup.DATA_DIR_ENV: str(env_value)}
    return subprocess.run([sys.executable, "-m", "course.data_setup", "--check"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_setup_command_reports_the_data(tiny_dataset):
    """Does `python -m course.data_setup` check the data and print where it is?"""
    result = _run_setup(tiny_dataset)
    assert result.returncode == 0, result.stderr
    assert f"Course data: {tiny_dataset}" in result.stdout


def test_setup_command_explains_a_broken_folder(copy_of_tiny):
    """Does the set-up command fail with a message naming the bad file, not a traceback?"""
    (copy_of_tiny / "CameraMask" / "000006.png").unlink()
    result = _run_setup(copy_of_tiny)
    assert result.returncode == 1
    assert "000006.png" in result.stderr and "Traceback" not in result.stderr
