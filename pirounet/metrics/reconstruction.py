"""Reconstruction error: the paper's average joint distance (AJD), for any skeleton."""
from __future__ import annotations

import numpy as np

from pirounet.skeletons import VICON_53, Skeleton


def ajd(x: np.ndarray, x_hat: np.ndarray, *, skeleton: Skeleton = VICON_53) -> float:
    """Mean Euclidean distance per joint between x and x_hat, (..., J*D) or (..., J, D).

    For VICON_53 that is (..., T, 159) or (..., 53, 3), for OPENPOSE_15 (..., T, 30) or
    (..., 15, 2). The paper averages per-sequence means; with equal-length sequences that is
    this plain mean over sequences, frames and joints.
    """
    a, b = skeleton.as_joints(x), skeleton.as_joints(x_hat)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.linalg.norm(np.subtract(a, b, dtype=np.float64), axis=-1).mean())
