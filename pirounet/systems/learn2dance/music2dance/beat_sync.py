"""Beat-synchronous playback: each move played as real motion, its stops on the song's beats.

    library = MotionLibrary.of(train_poses, train_moves, chunk_frames, fps)
    poses = beat_sync_poses(moves, library, beats, n_frames, fps)   # (n_frames, 15, 2)

The published playback shows a move as its k-means centroid: an average of many real chunks,
slower and smoother than any of them, cut on a fixed one-second grid whatever the tempo.
Here the training dances are cut at their music's beats instead, each cut moved to the
dancer's own stop (a local minimum of the smoothed joint speed, Bailando's motion beat)
when one lies within SNAP_S of the beat: a *segment* is what the dancer did over one beat,
at its real speed, from one stop to the next where the dancer stops on the beats. A dance
without known beats is cut at its stops alone. A segment carries the move of the training
chunk that holds its middle frame.

A song is cut at its beats into intervals. Each interval takes the move that the model
predicted for the chunk holding its middle, and plays that move's segment that best
continues the dance: nearest in pose and velocity to where the previous segment ended, and
nearest in length, so the time warp is small. The segment is resampled (linearly in time) to
the interval's length, so its end stops land on the beats. A small pose offset joins it to
the previous segment and fades out along it with a smoothstep, whose zero slope at both ends
leaves the stops where they are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from pirounet.metrics.beats import SMOOTH_S, motion_beats_bailando

MIN_SEGMENT_S = 0.2  # shorter segments (jitter between two close cuts) are merged
SNAP_S = 0.15  # a beat's cut moves to the dancer's stop when one is this close (seconds)
VELOCITY_WEIGHT = 0.1  # continuity cost: pose distance + this x velocity distance (per s)
WARP_WEIGHT = 5.0  # cost of a time warp: this x |log(segment length / interval length)|
JITTER_SIGMA = 1.0  # frames: what a Gaussian this wide smooths away is a recording's jitter


@dataclass
class MotionLibrary:
    """Real segments of the training dances, one beat (or stop to stop) long, with moves."""

    poses: np.ndarray  # (N, 15, 2) float32: every segment's frames, one after another
    bounds: np.ndarray  # (S + 1,) int64: segment s is poses[bounds[s]:bounds[s + 1]]
    moves: np.ndarray  # (S,) int64: the move of the training chunk holding its middle frame
    fps: float

    @classmethod
    def of(cls, dances: list[np.ndarray], moves: list[np.ndarray],
           beats: list[np.ndarray | None], chunk_frames: int, fps: float) -> "MotionLibrary":
        """Cut dances (T, 15, 2) at their beats (s) or stops; moves (ceil(T / c),) per chunk."""
        frames, bounds, labels = [], [0], []
        for poses, chunk_moves, song_beats in zip(dances, moves, beats):
            for start, end in segment_ends(poses, song_beats, fps):
                frames.append(poses[start:end + 1])  # both stops included
                bounds.append(bounds[-1] + end + 1 - start)
                labels.append(chunk_moves[min((start + end) // 2 // chunk_frames,
                                              len(chunk_moves) - 1)])
        if not labels:
            raise ValueError("the training dances hold no movement between two stops")
        return cls(np.concatenate(frames).astype(np.float32), np.asarray(bounds, np.int64),
                   np.asarray(labels, np.int64), float(fps))

    def __len__(self) -> int:
        return len(self.moves)

    def segment(self, s: int) -> np.ndarray:
        """Frames (L + 1, 15, 2) of segment s, both stops included."""
        return self.poses[self.bounds[s]:self.bounds[s + 1]]

    @property
    def lengths(self) -> np.ndarray:
        """(S,) frames from the first stop to the last of each segment."""
        return np.diff(self.bounds) - 1

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for a checkpoint."""
        return {"poses": self.poses, "bounds": self.bounds, "moves": self.moves,
                "fps": np.float32(self.fps)}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "MotionLibrary":
        """The library of to_arrays() (numpy arrays or tensors)."""
        values = {k: np.asarray(v) for k, v in arrays.items()}
        return cls(values["poses"].astype(np.float32), values["bounds"].astype(np.int64),
                   values["moves"].astype(np.int64), float(values["fps"]))


def segment_ends(poses: np.ndarray, beats: np.ndarray | None,
                 fps: float) -> list[tuple[int, int]]:
    """(first, last) frames of each segment of poses (T, 15, 2): beat to beat, or stop to stop.

    Each beat (s) is cut at the nearest stop within SNAP_S, else at the beat itself.
    """
    stops = np.round(motion_beats_bailando(poses, fps, SMOOTH_S) * fps).astype(int)
    cuts = stops
    if beats is not None and len(beats) >= 2 and len(stops):
        frames = np.round(np.asarray(beats) * fps).astype(int)
        frames = frames[(frames >= 0) & (frames < len(poses))]
        nearest = stops[np.abs(frames[:, None] - stops[None]).argmin(1)]
        cuts = np.where(np.abs(nearest - frames) <= SNAP_S * fps, nearest, frames)
    keep = []
    for cut in np.sort(cuts):  # merge cuts closer than MIN_SEGMENT_S: one movement, not two
        if not keep or cut - keep[-1] >= MIN_SEGMENT_S * fps:
            keep.append(int(cut))
    return list(zip(keep[:-1], keep[1:]))


def beat_intervals(beats: np.ndarray, n_frames: int, fps: float,
                   period: float) -> np.ndarray:
    """Frame boundaries (I + 1,) from 0 to n_frames: the beats, gaps cut near `period` (s).

    Beat-less stretches (before the first beat, after the last, a tracker's gap) are cut into
    equal parts about one period long, so no segment is stretched far beyond its own length.
    """
    marks = np.unique(np.round(np.asarray(beats, np.float64) * fps).astype(np.int64))
    marks = marks[(marks > 0) & (marks < n_frames)]
    edges = np.concatenate([[0], marks, [n_frames]])
    step = max(period * fps, 2.0)
    out = [0]
    for a, b in zip(edges[:-1], edges[1:]):
        parts = max(1, int(round((b - a) / step)))
        out += [int(round(a + (b - a) * k / parts)) for k in range(1, parts + 1)]
    out = np.unique(out)
    short = np.flatnonzero(np.diff(out) < 2)  # one-frame intervals: join to the next
    return np.delete(out, short + 1) if len(out) - len(short) >= 2 else np.array([0, n_frames])


def warp(frames: np.ndarray, n: int) -> np.ndarray:
    """frames (L + 1, J, D) resampled to (n + 1, J, D): same ends, new length.

    The smooth movement is resampled linearly; the frame-to-frame jitter of the recording on
    top of it is carried by the nearest frame. Interpolating the jitter too would average it
    away, and the dance would move more smoothly (lower kinetic energy) than the real one.
    """
    frames = np.asarray(frames, np.float64)
    smooth = gaussian_filter1d(frames, JITTER_SIGMA, axis=0, mode="nearest")
    src = np.linspace(0, len(frames) - 1, n + 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, len(frames) - 1)
    w = (src - lo)[:, None, None]
    jitter = (frames - smooth)[np.round(src).astype(int)]
    return (1 - w) * smooth[lo] + w * smooth[hi] + jitter


def smoothstep(x: np.ndarray) -> np.ndarray:
    """3x^2 - 2x^3 on [0, 1]: a ramp with zero slope at both ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def choose_segment(library: MotionLibrary, move: int, end_pose: np.ndarray | None,
                   end_velocity: np.ndarray | None, n: int, previous: int) -> int:
    """The move's segment that best continues the dance into an interval of n frames."""
    candidates = np.flatnonzero(library.moves == move)
    if len(candidates) == 0:  # a move whose chunks hold no segment's middle: any segment
        candidates = np.arange(len(library))
    if len(candidates) > 1:
        candidates = candidates[candidates != previous]  # no segment twice in a row
    starts = library.poses[library.bounds[candidates]]  # (C, 15, 2)
    cost = WARP_WEIGHT * np.abs(np.log(library.lengths[candidates] / n))
    if end_pose is not None:
        after = library.poses[library.bounds[candidates] + 1]
        velocity = (after - starts) * library.fps  # (C, 15, 2), per second
        cost += np.linalg.norm(starts - end_pose, axis=-1).mean(-1)
        cost += VELOCITY_WEIGHT * np.linalg.norm(velocity - end_velocity, axis=-1).mean(-1)
    return int(candidates[cost.argmin()])


def beat_sync_poses(moves: np.ndarray, library: MotionLibrary, beats: np.ndarray,
                    n_frames: int, chunk_frames: int, period: float | None = None
                    ) -> np.ndarray:
    """Poses (n_frames, 15, 2): moves (S,) on chunks of chunk_frames, played on the beats.

    beats (n,) are seconds; period (s) cuts beat-less stretches (default: the library's
    median segment length).
    """
    fps = library.fps
    period = float(np.median(library.lengths)) / fps if period is None else period
    edges = beat_intervals(beats, n_frames, fps, period)
    out = np.zeros((n_frames, *library.poses.shape[1:]), np.float32)
    end_pose = end_velocity = None
    previous = -1
    for a, b in zip(edges[:-1], edges[1:]):
        n = int(b - a)
        move = int(moves[min((a + b) // 2 // chunk_frames, len(moves) - 1)])
        previous = choose_segment(library, move, end_pose, end_velocity, n, previous)
        frames = warp(library.segment(previous), n)  # (n + 1, 15, 2)
        if end_pose is not None:  # join the previous end, then fade the offset out
            fade = 1 - smoothstep(np.arange(n + 1) / n)[:, None, None]
            frames = frames + fade * (end_pose - frames[0])
        out[a:b] = frames[:n]
        end_pose, end_velocity = frames[n], (frames[n] - frames[n - 1]) * fps
    return out
