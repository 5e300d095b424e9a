"""The original U-Net's border-weighted loss, tried on touching vehicles.

Notebook 7 (the extension) and benchmarks/bench_border_loss.py run the same experiment: the
scenes with two vehicles or more, mirrored into tiles for a valid-convolution network (the
overlap-tile strategy), two trainings that differ only by the border term of the weight map,
and what each gets right in the narrow gaps of road between vehicles.

The graded functions are arguments, never copied here: `original_unet` and `border_weights`
are the student's in the notebook and the reference solution's in the benchmark.
"""

import numpy as np
from scipy import ndimage

from course.plots import folder_samples, read_for_display

VEHICLE = 10       # the class id of vehicles (CARLA tags)
SIZE = (96, 128)   # height, width of the pictures trained on
PAD = 94           # mirrored pixels on each side: 92 of context and 2 to reach 16·b + 124
MIN_SHARE = 0.03   # the least share of vehicle pixels a kept scene has


def load_vehicle_scenes(folder, count, size=SIZE):
    """Of the first `count` scenes of a data folder, those with two vehicles or more covering at
    least 3 % of the picture.

    Returns images (n, height, width, 3) in [0, 1], vehicle masks (n, height, width) of 0 and 1,
    and the number of scenes read. A scene with a few vehicle pixels is left out: the class
    weight N / (2 n) would make each of them weigh hundreds and dominate a batch.
    """
    import tensorflow as tf

    images, masks = [], []
    for image_path, mask_path in folder_samples(folder, count):
        image, mask = read_for_display(image_path, mask_path)
        images.append(tf.image.resize(image, size, method="nearest").numpy() / 255)
        masks.append(tf.image.resize(mask[..., None], size, method="nearest").numpy()[..., 0] == VEHICLE)
    keep = [i for i, mask in enumerate(masks) if ndimage.label(mask)[1] >= 2 and mask.mean() >= MIN_SHARE]
    height, width = size
    return (np.array(images, np.float32).reshape(-1, height, width, 3)[keep],
            np.array(masks, np.uint8).reshape(-1, height, width)[keep], len(masks))


def mirrored(images, pad=PAD):
    """Each picture mirrored by `pad` pixels on every side (numpy's 'reflect')."""
    return np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")


def weight_maps(border_weights, masks):
    """(full, balance, gaps): the weight maps with and without the border term, and the gap pixels:
    background where the border term adds more than 1."""
    full = np.array([border_weights(mask) for mask in masks], np.float32)
    balance = np.array([border_weights(mask, w0=0) for mask in masks], np.float32)
    return full, balance, (masks == 0) & (full - balance > 1)


def train_tiles(original_unet, tiles, masks, weights, n_filters, epochs, seed=0, crop=2):
    """The paper's network, `n_filters` wide, trained on mirrored tiles with a per-pixel weight map.

    The network's output is `crop` pixels larger on every side than the masks; a Cropping2D keeps
    what lies over the picture. The same seed gives the same start and the same batches.
    """
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    network = original_unet(input_size=tiles.shape[1:], n_classes=2, n_filters=n_filters)
    model = tf.keras.Model(network.input, tf.keras.layers.Cropping2D(crop)(network.output))
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(tiles, masks, sample_weight=weights, batch_size=8, epochs=epochs, verbose=0)
    return model


def evaluate(model, tiles, masks, gaps):
    """(predicted masks, vehicle IoU over all the pictures, share of gap pixels predicted background)."""
    predicted = np.argmax(model.predict(tiles, batch_size=8, verbose=0), axis=-1)
    iou = np.sum((predicted == 1) & (masks == 1)) / max(np.sum((predicted == 1) | (masks == 1)), 1)
    gap_accuracy = float(np.mean(predicted[gaps] == 0)) if gaps.any() else float("nan")
    return predicted, float(iou), gap_accuracy


def marked(mask, gap):
    """Vehicles grey; gap pixels green where `mask` says background (right), red where it says vehicle."""
    picture = np.stack([mask * 0.6] * 3, axis=-1)
    picture[gap & (mask == 0)] = (0.1, 0.8, 0.2)
    picture[gap & (mask == 1)] = (0.9, 0.1, 0.1)
    return picture


def gap_picture(image, mask, gap, weights, predictions):
    """One scene: the image, the true vehicles with their gap pixels, the weight map, and each
    training's prediction ({name: predicted mask}) with its gap pixels marked. A Figure."""
    import matplotlib.pyplot as plt

    panels = [("scene", image), ("true vehicles, gap pixels", marked(mask, gap)), ("weight map w", weights)]
    panels += [(name, marked(predicted, gap)) for name, predicted in predictions.items()]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 2.8))
    for axis, (title, picture) in zip(axes, panels):
        axis.imshow(picture, interpolation="nearest")
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    return figure
