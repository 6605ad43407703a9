"""Reconstruction error: the paper's average joint distance (AJD)."""
from __future__ import annotations

import numpy as np

from pirounet.skeleton import as_markers


def ajd(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean Euclidean distance per marker between x and x_hat, (..., T, 159) or (..., 53, 3).

    The paper averages per-sequence means; with equal-length sequences that is this plain
    mean over sequences, frames and markers.
    """
    a, b = as_markers(x), as_markers(x_hat)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.linalg.norm(np.subtract(a, b, dtype=np.float64), axis=-1).mean())
