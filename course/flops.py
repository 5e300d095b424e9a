"""Floating-point operations of a Keras model, counted from its layers."""


def _spatial(shape):
    height, width = shape[1], shape[2]
    return height * width


def layer_forward_flops(layer):
    """Multiply-adds times two for one image through `layer` (convolutions only; the rest is
    negligible next to them)."""
    kind = type(layer).__name__
    if kind not in ("Conv2D", "Conv2DTranspose"):
        return 0
    kernel_height, kernel_width = layer.kernel_size
    in_channels = layer.input.shape[-1]
    out_channels = layer.filters
    if kind == "Conv2D":
        positions = _spatial(layer.output.shape)  # one dot product per output pixel
    else:
        positions = _spatial(layer.input.shape)  # each input pixel is spread by the kernel
    return 2 * positions * kernel_height * kernel_width * in_channels * out_channels


def forward_flops(model):
    """FLOPs of one forward pass of one image."""
    return sum(layer_forward_flops(layer) for layer in model.layers)


def training_flops(model):
    """FLOPs of one training step per image: the forward pass plus a backward pass that
    costs about twice as much (gradients for the inputs and for the weights)."""
    return 3 * forward_flops(model)
