"""Finite-difference velocity and acceleration of marker trajectories.

Sequences are (..., T, 159) or (..., T, 53, 3); time is the axis just before the markers.
Units are pose units per second (per second²) given the frame rate (the data: 35 fps).
"""
from __future__ import annotations

import numpy as np

from pirounet.skeleton import FPS, as_markers



def velocity(seqs: np.ndarray, fps: float = FPS) -> np.ndarray:
    """Forward differences (..., T-1, 53, 3) of marker positions, times fps."""
    return np.diff(as_markers(seqs), axis=-3) * fps


def acceleration(seqs: np.ndarray, fps: float = FPS) -> np.ndarray:
    """Second differences (..., T-2, 53, 3) of marker positions, times fps²."""
    return np.diff(as_markers(seqs), n=2, axis=-3) * fps**2
