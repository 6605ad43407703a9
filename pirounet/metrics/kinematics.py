"""Finite-difference velocity and acceleration of joint (or marker) trajectories.

Sequences are (..., T, J*D) or (..., T, J, D) for a skeleton of J joints in D dimensions:
(..., T, 159) or (..., T, 53, 3) for VICON_53, (..., T, 30) or (..., T, 15, 2) for OPENPOSE_15.
Time is the axis just before the joints. Units are pose units per second (per second²) at the
given frame rate, which defaults to the skeleton's (35 fps for VICON_53, 30 for OPENPOSE_15).
"""
from __future__ import annotations

import numpy as np

from pirounet.skeletons import VICON_53, Skeleton


def velocity(
    seqs: np.ndarray, fps: float | None = None, *, skeleton: Skeleton = VICON_53
) -> np.ndarray:
    """Forward differences (..., T-1, J, D) of joint positions, times fps (None: skeleton's)."""
    fps = skeleton.fps if fps is None else fps
    return np.diff(skeleton.as_joints(seqs), axis=-3) * fps


def acceleration(
    seqs: np.ndarray, fps: float | None = None, *, skeleton: Skeleton = VICON_53
) -> np.ndarray:
    """Second differences (..., T-2, J, D) of joint positions, times fps² (None: skeleton's)."""
    fps = skeleton.fps if fps is None else fps
    return np.diff(skeleton.as_joints(seqs), n=2, axis=-3) * fps**2
