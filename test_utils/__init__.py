"""Checks that students meet after every exercise: layer tables, their comparison, and one
check per graded function.

    from test_utils import summary, comparator, reference_table
    comparator(summary(model), reference_table("unet_model"))

    from test_utils import check_conv_block
    check_conv_block(conv_block)
"""

from test_utils.checks import (check_border_weights, check_compile_model, check_conv_block, check_conv_block_outputs,
                               check_crop_and_concat, check_decode_image, check_decode_mask, check_decoders_on_files,
                               check_foreground_mask,
                               check_make_dataset, check_mean_iou, check_original_unet, check_pair_files,
                               check_pixel_accuracy, check_resize_pair, check_split_pairs, check_training_learns,
                               check_transposed_conv2d, check_transposed_output_size, check_unet_model,
                               check_upsampling_block)
from test_utils.compare import comparator
from test_utils.layer_table import summary
from test_utils.tables import reference_table

__all__ = ["check_border_weights", "check_compile_model", "check_conv_block", "check_conv_block_outputs",
           "check_crop_and_concat", "check_decode_image", "check_decode_mask", "check_decoders_on_files",
           "check_foreground_mask",
           "check_make_dataset", "check_mean_iou", "check_original_unet", "check_pair_files", "check_pixel_accuracy",
           "check_resize_pair", "check_split_pairs", "check_training_learns", "check_transposed_conv2d",
           "check_transposed_output_size", "check_unet_model", "check_upsampling_block", "comparator",
           "reference_table", "summary"]
