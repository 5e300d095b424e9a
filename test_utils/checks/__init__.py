"""One check per graded function; the notebooks' test cells (public and hidden) call these.

Each check takes the student's function as its argument, touches no notebook variable, and
raises CheckFailure (an AssertionError shown as its message alone) naming the function, the
call, what was expected and what came back, with a hint for the common mistakes. On success
it prints one ✓ line. Called without options, a check runs its public cases; the hidden tests
call it with `random_cases=N`, inputs drawn fresh for each grading run.

    from test_utils.checks import check_conv_block
    check_conv_block(conv_block)
"""

from test_utils.checks.blocks import (check_conv_block, check_conv_block_outputs, check_unet_model,
                                      check_upsampling_block)
from test_utils.calls import call_text
from test_utils.checks.data import check_decode_image, check_decode_mask, check_decoders_on_files, check_pair_files
from test_utils.checks.foreground import check_foreground_mask
from test_utils.checks.original import check_border_weights, check_crop_and_concat, check_original_unet
from test_utils.checks.predictions import (check_conv_block_parameters, check_encoder_receptive_field,
                                           check_logit_for_threshold, check_mean_iou_from_confusion,
                                           check_unet_parameters)
from test_utils.checks.predictions_original import (check_gap_border_term, check_original_unet_parameters,
                                                    check_paper_output_size, check_skip_crop)
from test_utils.checks.pipeline import check_make_dataset, check_resize_pair, check_split_pairs
from test_utils.checks.training import (check_compile_model, check_mean_iou, check_pixel_accuracy,
                                        check_training_learns)
from test_utils.checks.transposed import check_transposed_conv2d, check_transposed_output_size

__all__ = ["call_text", "check_border_weights", "check_compile_model", "check_conv_block", "check_conv_block_outputs",
           "check_crop_and_concat", "check_decode_image", "check_decode_mask", "check_decoders_on_files",
           "check_foreground_mask",
           "check_make_dataset", "check_mean_iou", "check_original_unet", "check_pair_files", "check_pixel_accuracy",
           "check_resize_pair", "check_split_pairs", "check_training_learns", "check_transposed_conv2d",
           "check_transposed_output_size", "check_unet_model", "check_upsampling_block",
           # the "predict first" answers
           "check_conv_block_parameters", "check_encoder_receptive_field", "check_gap_border_term",
           "check_logit_for_threshold", "check_mean_iou_from_confusion", "check_original_unet_parameters",
           "check_paper_output_size", "check_skip_crop", "check_unet_parameters"]
