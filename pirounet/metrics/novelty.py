"""Novelty: how far each generated sequence lies from its nearest training window.

A generator that memorises training windows scores near 0. The distance between two
sequences (T, J, D) is the root mean square over the T·J joint positions of the Euclidean
joint distance, i.e. |a - b|_2 / sqrt(T·J) on the flattened sequences (J = 53, D = 3 for
VICON_53; J = 15, D = 2 for OPENPOSE_15). It is in pose units like AJD, and equals AJD's
per-joint distance when every joint is equally far (otherwise it is at least that mean).

The search uses |a|² + |b|² - 2 a·b in float64 over chunks of training windows, so memory
stays at O(N·chunk + chunk·T·J·D) even for all 38k stride-1 VICON_53 windows; the winning
neighbour's distance is then recomputed exactly, so a copied window scores exactly 0.
"""
from __future__ import annotations

import numpy as np

from pirounet.skeletons import VICON_53, Skeleton


def _flatten(seqs: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Sequences (N, T, J*D) or (N, T, J, D) as rows (N, T*J*D)."""
    joints = skeleton.as_joints(seqs)  # (N, T, J, D)
    if joints.ndim != 4:
        raise ValueError(f"expected {skeleton.name} sequences (N, T, {skeleton.pose_dim}) or "
                         f"(N, T, {skeleton.n_joints}, {skeleton.dims}), got {joints.shape}")
    return joints.reshape(joints.shape[0], -1)


def nearest_train_windows(
    gen: np.ndarray, train: np.ndarray, chunk: int = 1024, *, skeleton: Skeleton = VICON_53
) -> tuple[np.ndarray, np.ndarray]:
    """Index (N,) of each generated sequence's nearest training window and its distance (N,)."""
    gen_flat = _flatten(gen, skeleton).astype(np.float64)  # (N, F), F = T*J*D
    train_flat = _flatten(train, skeleton)  # (M, F), in its own dtype; chunks go to float64
    if gen_flat.shape[1] != train_flat.shape[1]:
        raise ValueError(f"sequence sizes differ: {gen_flat.shape[1]} vs {train_flat.shape[1]}")
    gen_sq = np.einsum("nd,nd->n", gen_flat, gen_flat)  # (N,)
    best_sq = np.full(gen_flat.shape[0], np.inf)
    best_idx = np.zeros(gen_flat.shape[0], dtype=np.int64)
    rows = np.arange(gen_flat.shape[0])
    for start in range(0, train_flat.shape[0], chunk):  # chunks of windows, not single ones
        block = train_flat[start:start + chunk].astype(np.float64)  # (c, F)
        sq = gen_sq[:, None] + np.einsum("cd,cd->c", block, block)[None] - 2.0 * gen_flat @ block.T
        local = sq.argmin(axis=1)  # (N,)
        better = sq[rows, local] < best_sq
        best_sq[better] = sq[rows, local][better]
        best_idx[better] = start + local[better]
    exact = np.linalg.norm(gen_flat - train_flat[best_idx], axis=1)  # (N,)
    return best_idx, exact / np.sqrt(gen_flat.shape[1] / skeleton.dims)  # / sqrt(T*J)


def novelty(
    gen: np.ndarray, train: np.ndarray, chunk: int = 1024, *, skeleton: Skeleton = VICON_53
) -> np.ndarray:
    """RMS joint distance (N,) from each generated sequence to its nearest training window."""
    return nearest_train_windows(gen, train, chunk, skeleton=skeleton)[1]
