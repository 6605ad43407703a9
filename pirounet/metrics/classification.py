"""Classification metrics: accuracy, balanced accuracy and the confusion matrix.

Labels are integer classes 0 … n_classes-1; drop N/A labels before calling. Accuracies are
fractions in [0, 1] (the paper printed percentages).
"""
from __future__ import annotations

import numpy as np


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need equal, non-empty label arrays, got {y_true.shape}, {y_pred.shape}")
    return y_true, y_pred


def _check_labels(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int):
    y_true, y_pred = _pair(y_true, y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"{name} must hold integer classes in [0, {n_classes})")
    return y_true.astype(np.int64), y_pred.astype(np.int64)


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 3, normalize: str | None = None
) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class, columns = predicted class.

    normalize="true" divides each row by its count, so the diagonal holds per-class recall;
    a class absent from y_true keeps a row of zeros.
    """
    y_true, y_pred = _check_labels(y_true, y_pred, n_classes)
    counts = np.bincount(n_classes * y_true + y_pred, minlength=n_classes**2)
    counts = counts.reshape(n_classes, n_classes)
    if normalize is None:
        return counts
    if normalize != "true":
        raise ValueError(f"normalize must be None or 'true', got {normalize!r}")
    row_sums = counts.sum(axis=1, keepdims=True)
    return counts / np.maximum(row_sums, 1)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the true label."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 3) -> float:
    """Mean per-class recall over the classes present in y_true (robust to class imbalance)."""
    y_true, _ = _check_labels(y_true, y_pred, n_classes)
    recall = np.diag(confusion_matrix(y_true, y_pred, n_classes, normalize="true"))
    return float(recall[np.bincount(y_true, minlength=n_classes) > 0].mean())
