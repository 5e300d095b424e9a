"""The two training experiments of notebook 5: joint flip augmentation and class weighting.

Both act on the training pipeline only (batched (images, masks) datasets), so the graded
functions stay as they are. `training_data(run, dataset)` applies what the settings ask for.
TensorFlow is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations


def training_data(run, dataset, n_classes=23):
    """The training dataset with the settings' augmentation and class weighting applied.

    Returns (dataset, weights): weights is None without class weighting, else the per-class
    weights (a NumPy array) that the per-pixel weights come from.
    """
    weights = None
    if run.class_weighting:
        weights = class_weights(dataset, n_classes, method=run.class_weighting)
    if run.augment:
        dataset = flip_augment(dataset, seed=run.seed)
    if weights is not None:
        dataset = with_class_weights(dataset, weights)
    return dataset, weights


def flip_augment(dataset, seed=0):
    """Flip each (image, mask) pair of a batched dataset left-right with probability 1/2, both alike.

    A street scene flipped left-right is still a street scene (upside down it would not be),
    and the mask is flipped with its image, so every pixel keeps its label. The flips come
    from a seeded random stream that is drawn anew each epoch: repeatable runs, new flips
    every epoch.
    """
    import tensorflow as tf

    def flip(batch, draw):
        images, masks, *rest = batch
        chosen = tf.random.stateless_uniform([tf.shape(images)[0]], seed=tf.stack([draw, 0])) < 0.5
        chosen = tf.reshape(chosen, [-1, 1, 1, 1])
        return (tf.where(chosen, tf.reverse(images, axis=[2]), images),
                tf.where(chosen, tf.reverse(masks, axis=[2]), masks), *rest)

    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    return tf.data.Dataset.zip((dataset, draws)).map(flip, num_parallel_calls=tf.data.AUTOTUNE)


def class_weights(dataset, n_classes, method="sqrt", clip=(0.2, 5.0)):
    """Per-class loss weights from the pixel frequencies in a dataset of (images, masks).

    method "sqrt": weight = 1 / sqrt(frequency); "median": median frequency / frequency (the
    classes present). Both are scaled so that the average pixel weighs 1, then clipped to
    `clip`; a class that never occurs gets weight 1.
    """
    import numpy as np

    counts = np.zeros(n_classes, dtype=np.float64)
    for _, masks in dataset.as_numpy_iterator():
        counts += np.bincount(masks.ravel().astype(np.int64), minlength=n_classes)[:n_classes]
    present = counts > 0
    frequency = counts / counts.sum()
    weights = np.ones(n_classes)
    if method == "sqrt":
        weights[present] = 1.0 / np.sqrt(frequency[present])
    elif method == "median":
        weights[present] = np.median(frequency[present]) / frequency[present]
    else:
        raise ValueError(f"unknown class weighting {method!r}: use 'sqrt' or 'median'")
    weights[present] /= (weights[present] * frequency[present]).sum()  # the mean pixel weighs 1
    return np.clip(weights, *clip).astype(np.float32)


def with_class_weights(dataset, weights):
    """(images, masks) batches -> (images, masks, per-pixel weights): Keras then weights the loss."""
    import tensorflow as tf

    table = tf.constant(weights, dtype=tf.float32)
    return dataset.map(lambda images, masks: (images, masks, tf.gather(table, tf.cast(masks[..., 0], tf.int32))))


