"""course.metrics (confusion matrix, per-class IoU, plots) and the reference metrics of notebook 5, against
their definitions."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course import metrics
from course.reference import reference_function as reference


def _iou_by_sets(y_true, y_pred, class_id):
    """IoU of one class from the definition, pixel by pixel (the slow, obvious way)."""
    true_pixels = {i for i, value in enumerate(np.ravel(y_true)) if value == class_id}
    predicted_pixels = {i for i, value in enumerate(np.ravel(y_pred)) if value == class_id}
    union = true_pixels | predicted_pixels
    return len(true_pixels & predicted_pixels) / len(union) if union else math.nan


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_class_iou_matches_the_definition(seed):
    """Does per_class_iou equal |T ∩ P| / |T ∪ P| computed from sets, NaN for absent classes?"""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 6, (3, 5, 7, 1)).astype(np.uint8)
    y_pred = rng.integers(0, 6, (3, 5, 7, 1))
    ious = metrics.iou_from_confusion(metrics.confusion_matrix(y_true, y_pred, n_classes=8))
    for class_id in range(8):
        expected = _iou_by_sets(y_true, y_pred, class_id)
        assert (math.isnan(expected) and math.isnan(ious[class_id])) or math.isclose(ious[class_id], expected)


def test_class_absent_from_both_is_left_out_of_the_mean():
    """Is a class in neither array excluded from the mean IoU (not counted as 0 or 1)?"""
    y_true = np.array([[0, 0, 1, 1]])
    y_pred = np.array([[0, 1, 1, 1]])
    # class 0: 1/2, class 1: 2/3; classes 2..22 appear nowhere
    assert reference("mean_iou")(y_true, y_pred) == pytest.approx((1 / 2 + 2 / 3) / 2)


def test_class_absent_from_one_array_counts_as_zero():
    """Does a class present in only one of the arrays count with IoU 0?"""
    y_true = np.array([0, 0, 2, 2])
    y_pred = np.array([0, 0, 0, 0])
    # class 0: 2/4; class 2 (only in y_true): 0
    assert reference("mean_iou")(y_true, y_pred, n_classes=3) == pytest.approx((0.5 + 0.0) / 2)
    assert reference("mean_iou")(y_pred, y_true, n_classes=3) == pytest.approx(0.25)


def test_perfect_and_hopeless_predictions():
    """Are a perfect prediction scored 1 and an all-wrong one 0, by both metrics?"""
    y_true = np.array([[1, 2], [3, 1]])
    assert reference("pixel_accuracy")(y_true, y_true) == 1.0
    assert reference("mean_iou")(y_true, y_true) == 1.0
    assert reference("pixel_accuracy")(y_true, y_true + 1) == 0.0
    assert reference("mean_iou")(y_true, y_true + 1) == 0.0


def test_confusion_matrix_counts_pairs_row_true_column_predicted():
    """Does the confusion matrix count (true, predicted) pairs, rows true, uint8 safe?"""
    y_true = np.array([200, 200, 3, 3, 3], dtype=np.uint8) % 7  # ids 4, 4, 3, 3, 3 as uint8
    y_pred = np.array([4, 3, 3, 3, 6], dtype=np.uint8)
    matrix = metrics.confusion_matrix(y_true, y_pred, n_classes=7)
    assert matrix.shape == (7, 7) and matrix.sum() == 5
    assert matrix[4, 4] == 1 and matrix[4, 3] == 1 and matrix[3, 3] == 2 and matrix[3, 6] == 1


def test_mismatched_shapes_and_bad_ids_are_rejected():
    """Do different shapes, float arrays and out-of-range ids raise a ValueError that says why?"""
    with pytest.raises(ValueError, match="same shape"):
        metrics.confusion_matrix(np.zeros((2, 3), int), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match="integer class ids"):
        metrics.confusion_matrix(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="outside 0..4"):
        metrics.confusion_matrix(np.array([0, 5]), np.array([0, 1]), n_classes=5)


def test_plots_return_figures():
    """Do the IoU bar chart and the confusion matrix draw without error, absent classes included?"""
    y_true = np.array([[0, 7, 7, 10]])
    y_pred = np.array([[7, 7, 7, 13]])
    matrix = metrics.confusion_matrix(y_true, y_pred)
    bars = metrics.plot_class_iou(metrics.iou_from_confusion(matrix))
    grid = metrics.plot_confusion_matrix(matrix)
    assert bars.axes and grid.axes
    # only the classes that appear are shown: 0, 7, 10, 13
    assert len(grid.axes[0].get_xticklabels()) == 4
