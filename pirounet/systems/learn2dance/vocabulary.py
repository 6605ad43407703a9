"""The motion vocabulary: k-means over fixed-length chunks of poses.

A dance (T, 15, 2) is cut into chunks of chunk_frames frames on an exact grid: chunk i holds
frames [i * c, (i + 1) * c). The last chunk, when T is not a multiple of c, holds the last
frame still to the end of the chunk, so every frame belongs to a chunk and no chunk is
dropped (the published code cut 30- or 31-frame chunks and silently dropped the 31s).

Features are the poses of a chunk, flattened (c * 30 values). "normalized" (default) poses
are root-centred (MidHip at 0) and measured in torso lengths (Neck to MidHip), so a centroid
is a movement; "published" poses are absolute pixels, whose centroids mostly say where in
the picture the dancer stands and how large they appear.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

from pirounet.music.errors import DataError
from pirounet.skeletons import OPENPOSE_15

MIDHIP, NECK = OPENPOSE_15.index["MidHip"], OPENPOSE_15.index["Neck"]
KMEANS_RESTARTS = 4  # k-means++ starts; the best (lowest inertia) is kept


@dataclass
class Vocabulary:
    """k centroids of pose chunks, and the units they are in."""

    centroids: np.ndarray  # (K, chunk_frames, 15, 2) float32
    features: str  # "normalized" (torso lengths, root-centred) | "published" (pixels)

    @property
    def chunk_frames(self) -> int:
        return self.centroids.shape[1]

    def assign(self, chunks: np.ndarray) -> np.ndarray:
        """Move id (N,) int64 of each chunk (N, chunk_frames, 15, 2): its nearest centroid."""
        flat = chunks.reshape(len(chunks), -1).astype(np.float64)
        cents = self.centroids.reshape(len(self.centroids), -1).astype(np.float64)
        dist = (flat**2).sum(1)[:, None] - 2 * flat @ cents.T + (cents**2).sum(1)[None]
        return dist.argmin(axis=1).astype(np.int64)

    def decode(self, moves: np.ndarray) -> np.ndarray:
        """Poses (len(moves) * chunk_frames, 15, 2): the moves' centroids, one after another."""
        return self.centroids[np.asarray(moves)].reshape(-1, 15, 2)


def normalize(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Root-centred poses in torso lengths (T, 15, 2), the root (T, 2) and the torso (pixels)."""
    root = poses[:, MIDHIP]  # (T, 2)
    torso = float(np.median(np.linalg.norm(poses[:, NECK] - root, axis=-1)))
    torso = torso if torso > 1e-6 else 1.0  # a degenerate dance keeps pixel units
    return ((poses - root[:, None]) / torso).astype(np.float32), root.astype(np.float32), torso


def chunk(poses: np.ndarray, chunk_frames: int) -> np.ndarray:
    """(ceil(T / c), c, 15, 2) chunks of (T, 15, 2) poses; the last one padded by its last frame."""
    n = -(-len(poses) // chunk_frames)
    padded = np.concatenate([poses, np.repeat(poses[-1:], n * chunk_frames - len(poses), 0)])
    return padded.reshape(n, chunk_frames, *poses.shape[1:])


def fit(chunks: np.ndarray, n_moves: int, seed: int, features: str) -> Vocabulary:
    """k-means (seeded) over chunks (N, c, 15, 2) into n_moves centroids."""
    if len(chunks) < n_moves:
        raise DataError(
            f"the training songs hold {len(chunks)} chunks, fewer than n_moves={n_moves}; "
            "lower n_moves or chunk_frames, or add songs")
    flat = chunks.reshape(len(chunks), -1).astype(np.float64)
    kmeans = KMeans(n_clusters=n_moves, n_init=KMEANS_RESTARTS, random_state=seed).fit(flat)
    centroids = kmeans.cluster_centers_.reshape(n_moves, *chunks.shape[1:])
    return Vocabulary(centroids.astype(np.float32), features)


def load_published(path: str | Path, chunk_frames: int = 30) -> Vocabulary:
    """The published clusters.npy (128, 900) as a vocabulary in published (mirrored pixel) units."""
    path = Path(path)
    try:
        centroids = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: not a readable .npy array ({err})") from None
    per_chunk = chunk_frames * 15 * 2
    if centroids.ndim != 2 or centroids.shape[1] != per_chunk:
        raise DataError(f"{path}: expected centroids (K, {per_chunk}) = "
                                   f"(K, {chunk_frames} frames x 15 joints x 2); "
                                   f"got {centroids.shape}")
    return Vocabulary(centroids.reshape(-1, chunk_frames, 15, 2).astype(np.float32),
                      "published")
