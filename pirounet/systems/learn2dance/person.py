"""Which detected person is the dancer, frame by frame.

OpenPose lists every person it finds in a frame, in an order that can change from one frame
to the next. The published parse always took people[0], so anyone else in the picture could
steal the dance for a frame ("published").

By default ("track") detections are linked into tracks by nearness: a person continues the
track whose last pose is closest (mean joint distance, in body sizes), if it is close enough
for the frames that passed since; anyone else starts a new track. The dancer is the track
with the most confidence summed over its frames (seen longest and most clearly). In frames
where the dancer's track has no detection, nobody is chosen, and the gap is filled later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

STEP_PER_FRAME = 0.5  # body sizes a track may move per frame that passed
MAX_STEP = 3.0  # body sizes: a track may never jump further


@dataclass
class Track:
    """Detections that follow one another: the last pose and every frame's pose."""

    last: np.ndarray  # (15, 3) x, y, confidence
    last_frame: int
    poses: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> (15, 3)

    def add(self, frame: int, pose: np.ndarray) -> None:
        self.poses[frame], self.last, self.last_frame = pose, pose, frame

    @property
    def confidence(self) -> float:
        return float(sum(p[:, 2].sum() for p in self.poses.values()))


def _distance(pose: np.ndarray, last: np.ndarray, threshold: float) -> float:
    """Mean distance of the joints seen in both poses (15, 3), in body sizes of `last`."""
    both = (pose[:, 2] >= threshold) & (last[:, 2] >= threshold)
    seen = last[last[:, 2] >= threshold, :2]
    if both.sum() == 0 or len(seen) < 2:
        return np.inf
    size = max(float((seen.max(axis=0) - seen.min(axis=0)).max()), 1.0)
    return float(np.linalg.norm(pose[both, :2] - last[both, :2], axis=-1).mean()) / size


def link_tracks(frames: Sequence[np.ndarray], threshold: float, memory: int) -> list[Track]:
    """Tracks of the people (P_t, 15, 3) of every frame, linked greedily by nearness.

    A track unseen for more than `memory` frames is closed: whoever appears later starts a
    new one (this also keeps crowded videos fast).
    """
    tracks: list[Track] = []
    for t, people in enumerate(frames):
        pairs = []  # (distance, person, track) of every allowed continuation
        for i, pose in enumerate(people):
            for k, track in enumerate(tracks):
                if t - track.last_frame > memory:
                    continue
                allowed = min(STEP_PER_FRAME * (t - track.last_frame), MAX_STEP)
                d = _distance(pose, track.last, threshold)
                if d <= allowed:
                    pairs.append((d, i, k))
        placed, used = set(), set()
        for _, i, k in sorted(pairs):
            if i not in placed and k not in used:
                tracks[k].add(t, people[i])
                placed.add(i)
                used.add(k)
        for i, pose in enumerate(people):
            if i not in placed:
                track = Track(pose, t)
                track.add(t, pose)
                tracks.append(track)
    return tracks


def choose_people(frames: Sequence[np.ndarray], rule: str, threshold: float,
                  memory: int) -> np.ndarray:
    """One person per frame: (T, 15, 3) x, y, confidence; confidence 0 where nobody is.

    frames: per frame, the people found, each (P_t, 15, 3) in the 15-joint order.
    rule: "published" (people[0]) or "track" (see the module docstring); memory: frames a
    track waits for its person to reappear.
    """
    out = np.zeros((len(frames), 15, 3), dtype=np.float64)
    if rule == "published":
        for t, people in enumerate(frames):
            if len(people):
                out[t] = people[0]
        return out
    tracks = link_tracks(frames, threshold, memory)
    if tracks:
        dancer = max(tracks, key=lambda track: track.confidence)
        for t, pose in dancer.poses.items():
            out[t] = pose
    return out
