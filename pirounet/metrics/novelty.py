"""Novelty: how far each generated sequence lies from its nearest training window.

A generator that memorises training windows scores near 0. The distance between two
sequences (T, 53, 3) is the root mean square over the T·53 marker positions of the
Euclidean marker distance, i.e. |a - b|_2 / sqrt(T·53) on the flattened sequences. It is
in pose units like AJD, and equals AJD's per-marker distance when every marker is equally
far (otherwise it is at least that mean).

The search uses |a|² + |b|² - 2 a·b in float64 over chunks of training windows, so memory
stays at O(N·chunk + chunk·T·159) even for all 38k stride-1 windows; the winning
neighbour's distance is then recomputed exactly, so a copied window scores exactly 0.
"""
from __future__ import annotations

import numpy as np

from pirounet.skeleton import as_markers


def _flatten(seqs: np.ndarray) -> np.ndarray:
    markers = as_markers(seqs)  # (N, T, 53, 3)
    if markers.ndim != 4:
        raise ValueError(f"expected sequences (N, T, 159) or (N, T, 53, 3), got {markers.shape}")
    return markers.reshape(markers.shape[0], -1)  # (N, T*159)


def nearest_train_windows(
    gen: np.ndarray, train: np.ndarray, chunk: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Index (N,) of each generated sequence's nearest training window and its distance (N,)."""
    gen_flat = _flatten(gen).astype(np.float64)  # (N, D)
    train_flat = _flatten(train)  # (M, D), kept in its own dtype; chunks go to float64
    if gen_flat.shape[1] != train_flat.shape[1]:
        raise ValueError(f"sequence sizes differ: {gen_flat.shape[1]} vs {train_flat.shape[1]}")
    gen_sq = np.einsum("nd,nd->n", gen_flat, gen_flat)  # (N,)
    best_sq = np.full(gen_flat.shape[0], np.inf)
    best_idx = np.zeros(gen_flat.shape[0], dtype=np.int64)
    rows = np.arange(gen_flat.shape[0])
    for start in range(0, train_flat.shape[0], chunk):  # chunks of windows, not single ones
        block = train_flat[start:start + chunk].astype(np.float64)  # (c, D)
        sq = gen_sq[:, None] + np.einsum("cd,cd->c", block, block)[None] - 2.0 * gen_flat @ block.T
        local = sq.argmin(axis=1)  # (N,)
        better = sq[rows, local] < best_sq
        best_sq[better] = sq[rows, local][better]
        best_idx[better] = start + local[better]
    exact = np.linalg.norm(gen_flat - train_flat[best_idx], axis=1)  # (N,)
    return best_idx, exact / np.sqrt(gen_flat.shape[1] / 3)


def novelty(gen: np.ndarray, train: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """RMS marker distance (N,) from each generated sequence to its nearest training window."""
    return nearest_train_windows(gen, train, chunk)[1]
