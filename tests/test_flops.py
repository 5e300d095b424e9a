"""course.flops: FLOPs counted from the layers agree with TensorFlow's own profiler."""

import course.tensorflow_setup
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from course.flops import forward_flops, training_flops
from course.reference import reference_function


def _profiler_convolution_flops(model, input_shape):
    """FLOPs of the convolution ops in the model's frozen graph, as TensorFlow counts them."""
    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(tf.TensorSpec((1, *input_shape)))
    graph = convert_variables_to_constants_v2(concrete).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    options["account_type_regexes"] = ["Conv2D.*"]  # Conv2D and Conv2DBackpropInput
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def test_forward_flops_match_the_tensorflow_profiler():
    """Do the counted forward FLOPs of a small U-Net equal the profiler's convolution FLOPs?"""
    shape = (32, 48, 3)
    model = reference_function("unet_model")(input_size=shape, n_filters=4, n_classes=5)
    assert forward_flops(model) == _profiler_convolution_flops(model, shape)


def test_training_step_counts_three_forward_passes():
    """Is a training step counted as three forward passes (forward plus twice for backward)?"""
    model = reference_function("unet_model")(input_size=(32, 48, 3), n_filters=4, n_classes=5)
    assert training_flops(model) == 3 * forward_flops(model) > 0
