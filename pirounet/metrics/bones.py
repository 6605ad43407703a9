"""Bone-length consistency: a real body keeps its segment lengths, a poor generator does not.

Segment ends are marker-group means (pirounet.skeleton), and markers sit on soft tissue,
so real data does not score exactly 0; compare generated with real via bone_length_ratio.
"""
from __future__ import annotations

import numpy as np

from pirounet.skeleton import segment_lengths


def bone_length_variation(seqs: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Per sequence (N,), the mean over the 22 segments of std/mean of its length over time."""
    lengths = segment_lengths(seqs).astype(np.float64)  # (N, T, 22)
    cv = lengths.std(axis=-2) / np.maximum(lengths.mean(axis=-2), eps)  # (N, 22)
    return cv.mean(axis=-1)


def bone_length_ratio(gen: np.ndarray, real: np.ndarray) -> float:
    """Mean bone-length variation of generated over real sequences (1 = as steady as real)."""
    return float(bone_length_variation(gen).mean() / bone_length_variation(real).mean())
