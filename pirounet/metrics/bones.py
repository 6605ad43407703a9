"""Bone-length consistency: a real body keeps its segment lengths, a poor generator does not.

Segments are the skeleton's drawn ones (22 for VICON_53, 14 for OPENPOSE_15). VICON_53's
segment ends are marker-group means and markers sit on soft tissue; OPENPOSE_15's joints are
2-D projections, whose lengths change as a limb turns towards the camera. Neither real set
scores exactly 0, so compare generated with real of the same skeleton via bone_length_ratio.
"""
from __future__ import annotations

import numpy as np

from pirounet.skeletons import VICON_53, Skeleton


def bone_length_variation(
    seqs: np.ndarray, eps: float = 1e-12, *, skeleton: Skeleton = VICON_53
) -> np.ndarray:
    """Per sequence (N,), the mean over the S segments of std/mean of its length over time."""
    lengths = skeleton.segment_lengths(seqs).astype(np.float64)  # (N, T, S)
    cv = lengths.std(axis=-2) / np.maximum(lengths.mean(axis=-2), eps)  # (N, S)
    return cv.mean(axis=-1)


def bone_length_ratio(
    gen: np.ndarray, real: np.ndarray, *, skeleton: Skeleton = VICON_53
) -> float:
    """Mean bone-length variation of generated over real sequences (1 = as steady as real)."""
    gen_cv = bone_length_variation(gen, skeleton=skeleton).mean()
    return float(gen_cv / bone_length_variation(real, skeleton=skeleton).mean())
