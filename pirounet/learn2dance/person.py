"""Which detected person is the dancer, frame by frame.

OpenPose lists every person it finds in a frame, in an order that can change from one frame
to the next. The published parse always took people[0], so a second person in the picture
could steal the dance for a frame ("published"). By default ("track") the dancer is the
person with the most confident joints in the first frame with anyone, and in every later
frame the person that best combines confidence with nearness to the dancer's last pose.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

NEARNESS_WEIGHT = 2.0  # score lost per body size of distance from the last pose


def _body_size(pose: np.ndarray, seen: np.ndarray) -> float:
    """Height of the bounding box of the seen joints of one pose (15, 2), at least 1 pixel."""
    if seen.sum() < 2:
        return 1.0
    extent = pose[seen].max(axis=0) - pose[seen].min(axis=0)
    return max(float(extent.max()), 1.0)


def _track_score(people: np.ndarray, last: np.ndarray | None, threshold: float) -> np.ndarray:
    """Score (P,) of each person (P, 15, 3): mean confidence minus distance from `last`."""
    conf = people[..., 2]  # (P, 15)
    score = conf.mean(axis=1)
    if last is None:
        return score
    last_seen = last[:, 2] >= threshold  # (15,)
    size = _body_size(last[:, :2], last_seen)
    both = (conf >= threshold) & last_seen  # (P, 15) joints seen in both frames
    dist = np.linalg.norm(people[..., :2] - last[None, :, :2], axis=-1)  # (P, 15)
    mean_dist = np.where(both.any(axis=1),
                         (dist * both).sum(axis=1) / np.maximum(both.sum(axis=1), 1),
                         np.inf)  # a person sharing no joint with the last pose is far away
    return score - NEARNESS_WEIGHT * np.minimum(mean_dist / size, 10.0)


def choose_people(frames: Sequence[np.ndarray], rule: str, threshold: float) -> np.ndarray:
    """One person per frame: (T, 15, 3) x, y, confidence; confidence 0 where nobody is.

    frames: per frame, the people found, each (P_t, 15, 3) in the 15-joint order.
    rule: "published" (people[0]) or "track" (see the module docstring).
    """
    out = np.zeros((len(frames), 15, 3), dtype=np.float64)
    last = None
    for t, people in enumerate(frames):
        if len(people) == 0:
            continue
        if rule == "published":
            out[t] = people[0]
            continue
        pick = people[int(np.argmax(_track_score(people, last, threshold)))]
        out[t] = pick
        if (pick[:, 2] >= threshold).sum() >= 2:  # keep the last well-seen pose as reference
            last = pick
    return out
