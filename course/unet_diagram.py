"""Draw the U of a Keras U-Net from the model itself: levels, shapes, skip connections.

The drawing is read from the model's layers, so it shows the model that was built (the
student's own, mistakes included), not a picture of the ideal one:

- consecutive layers with the same height and width form a *stage*; stages are placed
  left to right in the order of the layers, and lower for smaller resolutions, which
  gives the U (encoder going down, bottleneck at the bottom, decoder going up);
- each box lists its stage's layers and output shape;
- arrows between boxes are the pooling (down) and the transposed convolution (up);
- a dashed arrow joins the encoder stage that feeds each Concatenate to the decoder stage
  that holds it: the skip connections.

    from course.unet_diagram import draw_unet
    draw_unet(model)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.keras_graph import inbound_operations

SHORT_NAMES = {
    "Conv2D": "conv",
    "Conv2DTranspose": "up-conv",
    "MaxPooling2D": "max pool",
    "Dropout": "dropout",
    "Concatenate": "concat",
    "UpSampling2D": "upsample",
    "BatchNormalization": "batch norm",
    "Activation": "activation",
}


@dataclass
class Stage:
    """Consecutive layers that share one height and width."""

    index: int
    height: int
    width: int
    level: int = 0
    layers: list = field(default_factory=list)  # (class name, output channels, layer)

    @property
    def channels(self):
        """Channels of the stage's last layer (what leaves the stage)."""
        return self.layers[-1][1] if self.layers else None


@dataclass
class UNetLayout:
    """What `draw_unet` draws: stages in order, skips as (from stage, to stage, channels)."""

    input_shape: tuple
    stages: list
    skips: list
    output_shape: tuple


def _spatial_shape(layer):
    shape = layer.output.shape
    if len(shape) != 4:
        raise ValueError(f"draw_unet: layer {type(layer).__name__} '{layer.name}' outputs shape "
                         f"{tuple(shape)}; a U-Net's layers output (batch, height, width, channels)")
    return int(shape[1]), int(shape[2]), int(shape[3])


def _inbound_layers(layer):
    return inbound_operations(layer)


def layout(model):
    """Read a model's stages and skip connections (see the module docstring).

    Args:
        model: a functional Keras model whose layers output 4-D tensors.

    Returns:
        A UNetLayout.
    """
    if not hasattr(model, "layers"):
        raise TypeError(f"draw_unet: expected a Keras model, got {type(model).__name__}")
    stages = []
    stage_of = {}
    input_shape = None
    for layer in model.layers:
        kind = type(layer).__name__
        height, width, channels = _spatial_shape(layer)
        if kind == "InputLayer":
            input_shape = (height, width, channels)
            continue
        if not stages or (stages[-1].height, stages[-1].width) != (height, width):
            stages.append(Stage(len(stages), height, width))
        stages[-1].layers.append((kind, channels, layer))
        stage_of[id(layer)] = stages[-1].index
    if not stages:
        raise ValueError("draw_unet: the model has no layers besides its input")
    sizes = sorted({(stage.height, stage.width) for stage in stages}, key=lambda hw: -hw[0] * hw[1])
    for stage in stages:
        stage.level = sizes.index((stage.height, stage.width))
    skips = []
    for stage in stages:
        for kind, _, layer in stage.layers:
            if kind != "Concatenate":
                continue
            for source in _inbound_layers(layer):
                origin = stage_of.get(id(source))
                if origin is not None and origin < stage.index - 1:
                    skips.append((origin, stage.index, _spatial_shape(source)[2]))
    last = stages[-1]
    output_shape = (last.height, last.width, last.channels)
    return UNetLayout(input_shape, stages, skips, output_shape)


def _kind_label(kind, layer):
    """Short name of a layer for a box: 'conv 3×3', 'dropout', ..."""
    name = SHORT_NAMES.get(kind, kind)
    kernel = getattr(layer, "kernel_size", None)
    if kind in ("Conv2D", "Conv2DTranspose") and kernel:
        name += f" {kernel[0]}×{kernel[1]}"
    return name


def _describe_stage(stage, first):
    """The text of a stage's box: its layers (transitions excluded) and its output shape."""
    parts = []
    kinds = [(_kind_label(kind, layer), channels) for kind, channels, layer in stage.layers]
    if not first and stage.layers[0][0] in ("MaxPooling2D", "Conv2DTranspose", "UpSampling2D"):
        kinds = kinds[1:]  # the arrow into the box shows it
    run_kind, run_channels, count = None, None, 0
    for kind, channels in kinds + [(None, None)]:
        if (kind, channels) == (run_kind, run_channels):
            count += 1
            continue
        if run_kind is not None:
            text = f"{count}× {run_kind}" if count > 1 else run_kind
            if run_kind.startswith(("conv", "up-conv", "concat")):
                text += f" → {run_channels}"
            parts.append(text)
        run_kind, run_channels, count = kind, channels, 1
    shape = f"{stage.height}×{stage.width}×{stage.channels}"
    return shape, parts


def _transition_label(stage):
    kind, channels, layer = stage.layers[0]
    if kind == "MaxPooling2D":
        size = getattr(layer, "pool_size", (2, 2))
        return f"max pool {size[0]}×{size[1]}"
    if kind == "Conv2DTranspose":
        kernel = getattr(layer, "kernel_size", ("?", "?"))
        strides = getattr(layer, "strides", ("?", "?"))
        return f"up-conv {kernel[0]}×{kernel[1]}, stride {strides[0]} → {channels}"
    return SHORT_NAMES.get(kind, kind)


def draw_unet(model, title=None, box_width=1.55, level_height=1.25):
    """Draw a U-Net as a U: one box per resolution stage, with down, up and skip arrows.

    Args:
        model: a functional Keras model (e.g. from `unet_model(...)`).
        title: the figure title (default: the input and output shapes and the parameter count).
        box_width, level_height: spacing in inches between columns and between levels.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    plan = layout(model)
    stages = plan.stages
    deepest = max(stage.level for stage in stages)
    columns = len(stages)
    figure, axis = plt.subplots(figsize=(max(6.0, box_width * columns + 1.5),
                                         max(3.0, level_height * (deepest + 1) + 1.4)))
    positions = {stage.index: (stage.index * 1.0, -stage.level * 1.0) for stage in stages}
    half_width, half_height = 0.44, 0.36
    deepest_index = min(stages, key=lambda stage: (-stage.level, stage.index)).index
    for stage in stages:
        x, y = positions[stage.index]
        encoder = stage.index < deepest_index
        colour = "#dbe9f6" if encoder else ("#fbe3c6" if stage.index > deepest_index else "#e4d8f0")
        axis.add_patch(FancyBboxPatch((x - half_width, y - half_height), 2 * half_width, 2 * half_height,
                                      boxstyle="round,pad=0.02,rounding_size=0.06",
                                      facecolor=colour, edgecolor="0.35", linewidth=1))
        shape, parts = _describe_stage(stage, first=stage.index == 0)
        axis.text(x, y + half_height - 0.07, shape, ha="center", va="top", fontsize=8.5, fontweight="bold")
        axis.text(x, y - 0.08, "\n".join(parts), ha="center", va="center", fontsize=7.5, linespacing=1.3)
    for stage in stages[1:]:
        previous = stages[stage.index - 1]
        (x0, y0), (x1, y1) = positions[previous.index], positions[stage.index]
        if y1 < y0:  # down: pooling
            start, end, colour = (x0 + 0.1, y0 - half_height), (x1 - 0.1, y1 + half_height), "#c0392b"
        elif y1 > y0:  # up: transposed convolution
            start, end, colour = (x0 + 0.1, y0 + half_height), (x1 - 0.1, y1 - half_height), "#27ae60"
        else:  # same resolution (should not happen in a U-Net, but draw it)
            start, end, colour = (x0 + half_width, y0), (x1 - half_width, y1), "0.3"
        axis.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=colour,
                                       linewidth=1.2))
        if y1 != y0:
            down = y1 < y0
            # Labels outside the U: left of the way down, right of the way up.
            axis.text((start[0] + end[0]) / 2 + (-0.08 if down else 0.08), (start[1] + end[1]) / 2,
                      _transition_label(stage), fontsize=7, ha="right" if down else "left",
                      va="center", color=colour)
    for origin, target, channels in plan.skips:
        (x0, y0), (x1, y1) = positions[origin], positions[target]
        axis.add_patch(FancyArrowPatch((x0 + half_width, y0 + 0.12), (x1 - half_width, y1 + 0.12),
                                       arrowstyle="-|>", mutation_scale=10, linestyle="--",
                                       color="#2c7fb8", linewidth=1.1,
                                       connectionstyle="arc3,rad=0" if y0 == y1 else "arc3,rad=-0.15"))
        axis.text((x0 + x1) / 2, y0 + 0.16, f"skip: copy {channels} channels",
                  ha="center", va="bottom", fontsize=7, color="#2c7fb8")
    if plan.input_shape:
        x, y = positions[0]
        h, w, c = plan.input_shape
        axis.text(x - half_width - 0.08, y, f"input\n{h}×{w}×{c}", ha="right", va="center", fontsize=7.5)
    x, y = positions[stages[-1].index]
    h, w, c = plan.output_shape
    axis.text(x + half_width + 0.08, y, f"output\n{h}×{w}×{c}", ha="left", va="center", fontsize=7.5)
    axis.set_xlim(-1.1, columns - 1 + 1.1)
    axis.set_ylim(-deepest - 0.7, 0.85)
    axis.set_aspect("auto")
    axis.axis("off")
    if title is None:
        title = (f"U-Net read from the model: {len(stages)} stages, {len(plan.skips)} skip connections, "
                 f"{model.count_params():,} parameters")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure
