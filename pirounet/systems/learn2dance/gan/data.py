"""What the GAN learns from: single poses (stage 1) and 50-frame windows (stage 2).

Poses come from part 1's Prepared songs, MidHip-centred, in one of two units:
    "normalized"  torso lengths (Neck to MidHip = 1): every dancer and video size alike
    "pixels"      unscaled MidHip-relative pixels, as published (B52: a 720p dancer is twice a
                  360p one, and the nets see values in the hundreds)
A window is every stride-1 run of `length` consecutive frames of a song: T - length + 1 of
them (the published count, T - length, missed the last one; B45). A song shorter than a
window gives none. Music features come with each window, frame-aligned, z-scored with the
training songs' statistics. Batches are drawn from (seed, epoch), so an epoch is the same
after a resume.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from pirounet.systems.learn2dance import vocabulary
from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.vocabulary import MIDHIP


def gan_poses(prepared, song, units: str) -> np.ndarray:
    """A song's poses (T, 15, 2), MidHip-centred, in torso lengths or pixels."""
    if prepared.pose_units == "published":  # absolute pixels (song.torso is 1): centre them
        if units == "normalized":
            return vocabulary.normalize(song.poses)[0]
        return (song.poses - song.poses[:, MIDHIP:MIDHIP + 1]).astype(np.float32)
    # prepared "normalized": already centred, in torso lengths; song.torso = pixels per torso
    return (song.poses * (song.torso if units == "pixels" else 1.0)).astype(np.float32)


def split_songs(prepared, split: str) -> list:
    """The songs of a split; a clear error when there are none."""
    songs = [s for s in prepared.songs if s.split == split]
    if not songs:
        raise DataError(f"no {split} songs: give the split a share in "
                                   "split_fractions or add songs to data_dir")
    return songs


def pose_array(prepared, split: str, units: str) -> np.ndarray:
    """Every frame of the split's songs as one array of flat poses (N, 30)."""
    songs = split_songs(prepared, split)
    return np.concatenate([gan_poses(prepared, s, units) for s in songs]).reshape(-1, 30)


@dataclass
class MusicStats:
    """Per-feature mean and std (F,) of the training songs' music frames."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, songs) -> MusicStats:
        frames = np.concatenate([s.music for s in songs]).astype(np.float64)
        return cls(frames.mean(0).astype(np.float32),
                   np.maximum(frames.std(0), 1e-6).astype(np.float32))

    def __call__(self, music: np.ndarray) -> np.ndarray:
        return ((music - self.mean) / self.std).astype(np.float32)


class WindowSet:
    """All stride-1 windows of `length` frames of some songs: poses and music, frame-aligned."""

    def __init__(self, prepared, songs, units: str, length: int, music: MusicStats):
        kept = [s for s in songs if len(s.poses) >= length]
        if not kept:
            raise DataError(
                f"no song of {', '.join(s.name for s in songs)} lasts {length} frames; "
                f"lower gan_window")
        self.length = length
        self.names = [s.name for s in kept]
        self.fps = float(kept[0].fps)
        self.poses = np.concatenate([gan_poses(prepared, s, units).reshape(-1, 30)
                                     for s in kept])  # (sum T, 30)
        self.music = np.concatenate([music(s.music[:len(s.poses)]) for s in kept])  # (sum T, F)
        offsets = np.cumsum([0] + [len(s.poses) for s in kept])
        self.first = offsets[:-1]  # (songs,) where each song's frames begin in self.poses
        self.starts = np.concatenate([np.arange(o, o + len(s.poses) - length + 1)
                                      for o, s in zip(offsets, kept)])  # (N,) T - L + 1 each
        self.song_of = np.concatenate([np.full(len(s.poses) - length + 1, i)
                                       for i, s in enumerate(kept)])

    def __len__(self) -> int:
        return len(self.starts)

    def local_start(self, idx: np.ndarray) -> np.ndarray:
        """First frame (B,) of windows idx within their own song."""
        return self.starts[idx] - self.first[self.song_of[idx]]

    def take(self, idx: np.ndarray) -> tuple[Tensor, Tensor]:
        """Windows idx: poses (B, L, 30) and music (B, L, F) float32."""
        frames = self.starts[idx][:, None] + np.arange(self.length)  # (B, L)
        return torch.from_numpy(self.poses[frames]), torch.from_numpy(self.music[frames])


def batches(n: int, batch_size: int, seed: int, epoch: int,
            max_steps: int = 0) -> list[np.ndarray]:
    """Shuffled index batches of one epoch, from (seed, epoch); a last batch of one is dropped
    (BatchNorm cannot train on it); max_steps > 0 keeps only the first ones."""
    order = np.random.default_rng([seed, epoch]).permutation(n)
    out = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    out = [b for b in out if len(b) > 1]
    return out[:max_steps] if max_steps > 0 else out
