"""Pictures by class: the legend of class colours, and the share of pixels of each class.

`classes` is a course.classes.Classes, a data folder (its classes.json card), or None for
the course's data folder, as in course.plots (which re-exports these functions).
"""

from __future__ import annotations

import numpy as np

from course.classes import as_classes


def class_legend(figure, classes, class_ids, columns=None):
    """Add a legend of coloured patches, '7 road', for `class_ids`, below the figure's panels."""
    from matplotlib.patches import Patch

    classes = as_classes(classes)
    handles = [Patch(facecolor=classes.colors[i] / 255, edgecolor="0.3",
                     label=classes.label(i) + (" (ignored)" if i == classes.ignore_id else ""))
               for i in class_ids]
    if handles:
        figure.legend(handles=handles, loc="lower center", ncol=columns or min(len(handles), 6),
                      fontsize="small", frameon=False)


def class_share_bar(counts, title="Share of pixels per class", log=True, size=(7, 5), classes=None):
    """A horizontal bar chart of the share of pixels of each class, in the class colours.

    Args:
        counts: pixel count per class id (a 1-D sequence, one number per class), or a dict
            {class name or id: count}, or masks (an integer array of 2 or more dimensions) to count.
        title: the chart's title.
        log: use a logarithmic axis (small classes stay visible).
        size: figure size in inches.
        classes: names and colours (see the module's docstring).

    Returns:
        The matplotlib Figure. Classes with no pixels are left out.
    """
    import matplotlib.pyplot as plt

    classes = as_classes(classes)
    shares = class_shares(counts, classes)
    present = [i for i in np.argsort(-shares, kind="stable") if shares[i] > 0]
    figure, axis = plt.subplots(figsize=size)
    y = np.arange(len(present))
    axis.barh(y, [100 * shares[i] for i in present], color=[classes.colors[i] / 255 for i in present],
              edgecolor="0.3", linewidth=0.5)
    axis.set_yticks(y, [f"{classes.names[i]} ({i})" for i in present])
    axis.invert_yaxis()
    if log:
        axis.set_xscale("log")
    for k, i in enumerate(present):
        axis.text(100 * shares[i] * 1.08, k, f"{100 * shares[i]:.2g}%", va="center", fontsize="small")
    axis.set_xlabel("share of all pixels (%)")
    axis.set_title(title)
    axis.set_xlim(right=axis.get_xlim()[1] * 3 if log else 100 * shares.max() * 1.2)
    figure.tight_layout()
    return figure


def class_shares(counts, classes=None):
    """Share of pixels per class id (one number per class, summing to 1); see class_share_bar."""
    classes = as_classes(classes)
    count = len(classes)
    if isinstance(counts, dict):
        totals = np.zeros(count)
        ids = classes.ids
        for key, value in counts.items():
            if isinstance(key, str) and key not in ids:
                raise ValueError(f"class counts name {key!r}, which is not one of the {count} classes of "
                                 f"{classes.source}")
            totals[ids[key] if isinstance(key, str) else int(key)] += value
    else:
        values = counts.numpy() if hasattr(counts, "numpy") else np.asarray(counts)
        if values.ndim == 1:  # one count per class id
            if values.shape[0] != count:
                raise ValueError(f"class counts must have one number per class ({count}, from {classes.source}), "
                                 f"got {values.shape[0]}")
            totals = values.astype(np.float64)
        elif values.dtype.kind in "iu":  # masks: count their pixels
            totals = np.bincount(values.ravel(), minlength=count).astype(np.float64)
        else:
            raise ValueError(f"class counts must be {count} numbers, a dict or integer masks; "
                             f"got dtype {values.dtype}, shape {values.shape}")
    if totals.shape[0] != count or totals.sum() <= 0:
        raise ValueError(f"class counts must cover {count} classes ({classes.source}) with a positive total; "
                         f"masks with ids from {count} up need the data's classes (classes=...)")
    return totals / totals.sum()
