"""A trained U-Net on a picture of any size: at the scale it learned, padded to fit, mapped back.

A U-Net is fully convolutional: its weights do not depend on the size of the image, only the
Input layer of a Keras model does (the course builds its model for 96x128). Two things still
matter:

- **scale**: the model learned what a car looks like at the training set's scale (captures of
  600x800 resized to 96x128, each pixel the mean of the 6.25 x 6.25 it covers). A picture is
  therefore resized, by the same area mean, so that its height is the training height; the
  width follows with the picture's own proportions;
- **multiples of 16**: four poolings halve the size four times, and the decoder's skip
  connections only line up when height and width divide by 16. The resized picture is padded
  at the bottom and on the right by reflection (edges that look like the picture, not black
  bars) up to the next multiples of 16, and those rows and columns are dropped from the answer.

The same network is rebuilt for that padded size (`keras.models.clone_model` on a new Input)
and given the trained weights; the class of each pixel is mapped back to the picture's own size
by nearest neighbour, so every class id in the answer is one the model chose.
"""

import numpy as np

from course.tensorflow_setup import import_tensorflow

MULTIPLE = 16  # 2 ** (number of poolings)
_SIZED = {}  # (id(model), height, width): the same network built for that size


def padded_size(height, width, multiple=MULTIPLE):
    """The smallest (height, width) at least as large whose sides divide by `multiple`."""
    return -(-int(height) // multiple) * multiple, -(-int(width) // multiple) * multiple


def working_size(height, width, trained_height):
    """The size a picture is resized to: the training height, the width in the picture's proportions."""
    scale = trained_height / float(height)
    return int(trained_height), max(1, round(width * scale))


def sized_model(model, height, width):
    """`model`'s network for inputs of height x width, with `model`'s current weights."""
    tf = import_tensorflow()
    key = (id(model), int(height), int(width))
    if key not in _SIZED or _SIZED[key][0] is not model:
        channels = model.input_shape[-1]
        clone = tf.keras.models.clone_model(model, input_tensors=tf.keras.Input((int(height), int(width), channels)))
        _SIZED[key] = (model, clone)
        while len(_SIZED) > 4:  # a notebook that trains again and again keeps only the last few
            del _SIZED[next(iter(_SIZED))]
    clone = _SIZED[key][1]
    clone.set_weights(model.get_weights())
    return clone


def _as_float_image(image):
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[-1] not in (3, 4):
        raise ValueError(f"predict_image: image must have shape (height, width, 3), got {array.shape}")
    array = array[..., :3]
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype.kind == "f" and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"predict_image: a float image must hold values in [0, 1], got {array.min():.3g} to "
                         f"{array.max():.3g} (a uint8 image is divided by 255 here)")
    return array.astype(np.float32)


def predict_image(model, image, trained_height=None):
    """The class id of every pixel of `image`, of any size, as the trained `model` sees it.

    Args:
        model: a trained U-Net (any Keras model whose height and width must divide by 16).
        image: (height, width, 3), uint8 0..255 or float 0..1 (an alpha channel is dropped).
        trained_height: the height of the training images; default: the model's input height.

    Returns:
        A uint8 array (height, width) of class ids, the size of `image`.
    """
    tf = import_tensorflow()
    picture = _as_float_image(image)
    height, width = picture.shape[:2]
    trained_height = trained_height or model.input_shape[1]
    if trained_height is None:
        raise ValueError("predict_image: the model has no fixed input height; pass trained_height=")
    small = working_size(height, width, trained_height)
    resized = tf.image.resize(picture, small, method="area").numpy()
    padded_height, padded_width = padded_size(*small)
    pad = ((0, padded_height - small[0]), (0, padded_width - small[1]), (0, 0))
    mode = "reflect" if min(small) > 1 and pad[0][1] < small[0] and pad[1][1] < small[1] else "edge"
    padded = np.pad(resized, pad, mode=mode)
    logits = sized_model(model, padded_height, padded_width)(padded[None], training=False)
    classes = tf.argmax(logits[0, :small[0], :small[1]], axis=-1, output_type=tf.int32)[..., None]
    full = tf.image.resize(classes, (height, width), method="nearest")
    return full.numpy()[..., 0].astype(np.uint8)


EXAMPLE_SIZE = (600, 800)  # what a CARLA camera gives, before the course resizes it to 96x128
EXAMPLE_SEED = 8_600  # a seed no course set uses: a scene the model has never seen


def example_picture(folder=None):
    """A generated street scene at 600x800 that no course set holds, made once (about a second).

    Returns:
        (picture path, true mask path), in `folder`; by default data/generated/example-600x800,
        or a temporary folder where data/ cannot be written (a graded run).
    """
    import tempfile
    from pathlib import Path

    from course.data import IMAGE_DIR, MASK_DIR
    from course.data_setup import GENERATED_ROOT
    from course.scenes import generate_scenes

    places = [Path(folder)] if folder else [GENERATED_ROOT / "example-600x800",
                                             Path(tempfile.gettempdir()) / "course-example-600x800"]
    for place in places:
        try:
            if not any((place / IMAGE_DIR).glob("*.png")):
                generate_scenes(place, count=1, height=EXAMPLE_SIZE[0], width=EXAMPLE_SIZE[1], seed=EXAMPLE_SEED,
                                workers=1, progress=False)
            break
        except OSError:
            if place == places[-1]:
                raise
    picture = sorted((place / IMAGE_DIR).glob("*.png"))[0]
    return picture, place / MASK_DIR / picture.name


def read_picture(path):
    """A PNG or JPEG file as a float32 array (height, width, 3) in [0, 1]."""
    tf = import_tensorflow()
    raw = tf.io.read_file(str(path))
    return tf.image.convert_image_dtype(tf.io.decode_image(raw, channels=3, expand_animations=False),
                                        tf.float32).numpy()


def show_on_picture(image, mask, classes=None, title=None, size=6.0):
    """The picture, and the predicted classes over it with a legend of the classes present."""
    import matplotlib.pyplot as plt

    from course.class_charts import class_legend
    from course.classes import as_classes
    from course.plots import overlay

    classes = as_classes(classes)
    picture = _as_float_image(image)
    aspect = picture.shape[0] / picture.shape[1]
    figure, axes = plt.subplots(1, 2, figsize=(2 * size, size * aspect + 1.3))
    figure.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.16, wspace=0.03)
    axes[0].imshow(picture)
    axes[0].set_title("the picture")
    axes[1].imshow(overlay(picture, mask, classes=classes))
    axes[1].set_title("the model's classes over it")
    for axis in axes:
        axis.axis("off")
    class_legend(figure, classes, sorted(int(c) for c in np.unique(mask)))
    if title:
        figure.suptitle(title)
    return figure
