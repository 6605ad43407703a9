"""Songs as the model sees them, and the training windows cut from them.

A `Song` is one song with its dance: music features (T, F) aligned frame by frame with the
dance, the move of every chunk (S,) (chunk s = frames [s * c, (s + 1) * c)), the dance's
poses (T, 15, 2) in the vocabulary's units, and its split. A `Windows` batch source cuts
every song of a split into windows of the same number of chunks: training windows start at
an offset drawn from (seed, epoch), so an epoch is the same after a resume, on any machine.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

log = logging.getLogger(__name__)


@dataclass
class Song:
    """One song and its dance, frame-aligned."""

    name: str
    music: np.ndarray  # (T, F) float32, frame t at t / fps seconds
    moves: np.ndarray  # (S,) int64, S = ceil(T / chunk_frames)
    poses: np.ndarray  # (T, 15, 2) float32, in the vocabulary's units
    split: str  # "train" | "valid" | "test"
    fps: float  # frames per second of the dance and its music features
    beats: np.ndarray | None = None  # (n,) beat times in seconds, when known
    style: str | None = None  # the song's style, when known
    beat_source: str | None = None  # "truth.json", "beats/<name>.txt", "tracker", ...


@dataclass
class MusicScaler:
    """Per-feature z-scoring with the training songs' statistics."""

    mean: np.ndarray  # (F,)
    std: np.ndarray  # (F,)

    @classmethod
    def fit(cls, songs: list[Song]) -> "MusicScaler":
        """Mean and std (floored) of every feature over the frames of the songs."""
        frames = np.concatenate([s.music for s in songs]).astype(np.float64)
        return cls(frames.mean(0).astype(np.float32),
                   np.maximum(frames.std(0), 1e-6).astype(np.float32))

    @classmethod
    def identity(cls, n_features: int) -> "MusicScaler":
        """No scaling (music_standardize=False)."""
        return cls(np.zeros(n_features, np.float32), np.ones(n_features, np.float32))

    def __call__(self, music: np.ndarray) -> np.ndarray:
        return ((music - self.mean) / self.std).astype(np.float32)


def chunked_music(music: np.ndarray, n_chunks: int, chunk_frames: int) -> np.ndarray:
    """Music (n_chunks * chunk_frames, F): cut, or padded with its last frame."""
    want = n_chunks * chunk_frames
    if len(music) >= want:
        return music[:want]
    return np.concatenate([music, np.repeat(music[-1:], want - len(music), axis=0)])


@dataclass
class Windows:
    """Equal-length windows of the songs of one split, as (music, moves) batches."""

    songs: list[Song]
    scaler: MusicScaler
    window_chunks: int  # chunks per window
    chunk_frames: int
    batch_size: int
    seed: int
    shuffle: bool = True  # training: random offsets and order; validation: neither
    rank: int = 0
    world_size: int = 1
    _music: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._music = [chunked_music(self.scaler(s.music), len(s.moves), self.chunk_frames)
                       for s in self.songs]

    def starts(self, epoch: int) -> list[tuple[int, int]]:
        """(song index, first chunk) of every window of this epoch, on this rank."""
        rng = np.random.default_rng([self.seed, epoch])
        found = []
        for i, song in enumerate(self.songs):
            n = len(song.moves) // self.window_chunks
            slack = len(song.moves) - n * self.window_chunks
            offset = int(rng.integers(0, slack + 1)) if self.shuffle else 0
            found += [(i, offset + j * self.window_chunks) for j in range(n)]
        if self.shuffle:
            found = [found[j] for j in rng.permutation(len(found))]
            # every rank gets as many windows (so as many steps): repeat a few to fill
            found += found[:-len(found) % self.world_size] if found else []
        return found[self.rank::self.world_size]

    def __len__(self) -> int:
        return -(-len(self.starts(0)) // self.batch_size)

    def batches(self, epoch: int) -> list[tuple[Tensor, Tensor]]:
        """The epoch's batches: music (B, L * c, F) float32 and moves (B, L) int64."""
        starts = self.starts(epoch)
        c, w = self.chunk_frames, self.window_chunks
        out = []
        for b in range(0, len(starts), self.batch_size):
            part = starts[b:b + self.batch_size]
            music = np.stack([self._music[i][s * c:(s + w) * c] for i, s in part])
            moves = np.stack([self.songs[i].moves[s:s + w] for i, s in part])
            out.append((torch.from_numpy(music), torch.from_numpy(moves.astype(np.int64))))
        return out


def window_length(train_songs: list[Song], wanted: int) -> int:
    """Chunks per window: `wanted`, or the median training song's chunk count when fewer.

    The median, not the shortest: one short song (a 0.1 s clip) would cut every window to
    one move. A set of songs all shorter than `wanted` still trains, on windows as long as
    its typical song.
    """
    counts = sorted(len(s.moves) for s in train_songs)
    return min(wanted, counts[(len(counts) - 1) // 2]) if counts else wanted


def long_enough(songs: list[Song], length: int, split: str) -> list[Song]:
    """The songs with at least one window of `length` moves; a warning names the others."""
    short = [s for s in songs if len(s.moves) < length]
    if short:
        log.warning("%s songs left out, shorter than one window of %d moves: %s",
                    split, length, ", ".join(f"{s.name} ({len(s.moves)} moves, "
                                             f"{len(s.music) / s.fps:.1f} s)" for s in short))
    return [s for s in songs if len(s.moves) >= length]


def songs_from_prepared(prepared, beat_channel: int | None) -> list[Song]:
    """Our view of part 1's Prepared songs (pirounet/systems/learn2dance/prepare.py).

    A song's beats are the true ones where the data has them (beats/<name>.txt, truth.json),
    else the frames its music's beat channel marks (fact35, beat_channel given), else None.
    """
    songs = []
    for s in prepared.songs:
        beats, source = getattr(s, "beats", None), getattr(s, "beat_source", None)
        if beats is None and beat_channel is not None:
            beats = np.flatnonzero(s.music[:, beat_channel] > 0.5) / s.fps
            source = "tracker (the music features' beat channel)"
        songs.append(Song(s.name, s.music, s.moves, s.poses, s.split, s.fps,
                          None if beats is None else np.asarray(beats, np.float64),
                          getattr(s, "style", None), source))
    return songs
