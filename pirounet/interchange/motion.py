"""A 3-D motion as every reader returns it: joint positions, the skeleton, the frame rate.

    motion.positions   # (T, J, 3) float32, metres, z up (the project's 3-D convention)
    motion.skeleton    # pirounet.skeletons.Skeleton: joint names, parents, body points
    motion.fps         # the file's own frame rate
    motion.resampled(35.0)   # linearly interpolated to another rate

Readers convert units and axes where they read (`to_metres_z_up`), so everything after
them sees one convention.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pirounet.skeletons import Skeleton

UNIT_METRES = {"mm": 1e-3, "cm": 1e-2, "dm": 1e-1, "m": 1.0, "in": 0.0254}
UP_AXES = ("y", "z")


class MotionError(ValueError):
    """A motion file that cannot be read as it is, with a message naming it."""


@dataclass
class Motion:
    """Joint positions of one recording with the skeleton that names them."""

    positions: np.ndarray  # (T, J, 3) float32 metres, z up; NaN where a joint was not seen
    skeleton: Skeleton
    fps: float
    source: str = ""
    span: tuple[float, float] | None = None  # seconds of its song the motion covers, if known

    def __post_init__(self) -> None:
        shape = (self.skeleton.n_joints, 3)
        if self.positions.ndim != 3 or self.positions.shape[1:] != shape:
            raise MotionError(f"{self.source}: positions of shape {self.positions.shape} do "
                              f"not fit skeleton {self.skeleton.name} (T, {shape[0]}, 3)")
        if not self.fps > 0:
            raise MotionError(f"{self.source}: frame rate {self.fps:g}; a rate above 0 is "
                              "needed")

    @property
    def n_frames(self) -> int:
        return len(self.positions)

    @property
    def seconds(self) -> float:
        return self.n_frames / self.fps

    def resampled(self, fps: float) -> "Motion":
        """The motion linearly interpolated at `fps` (itself if the rate is the same)."""
        if abs(fps - self.fps) < 1e-9 or self.n_frames < 2:
            return self
        positions = resample(self.positions, self.fps, fps).astype(np.float32)
        return replace(self, positions=positions, fps=float(fps))


def resample(points: np.ndarray, rate: float, target: float) -> np.ndarray:
    """(T, ...) sampled at `rate` -> linearly interpolated at `target` fps (NaN stays NaN)."""
    n = int(np.floor((len(points) - 1) * target / rate)) + 1
    t_new = np.arange(n) / target
    t_old = np.arange(len(points)) / rate
    idx = np.clip(np.searchsorted(t_old, t_new, side="right") - 1, 0, len(points) - 2)
    w = ((t_new - t_old[idx]) * rate).reshape(-1, *[1] * (points.ndim - 1))
    return points[idx] * (1 - w) + points[idx + 1] * w


def to_metres_z_up(points: np.ndarray, units: str, up: str) -> np.ndarray:
    """(..., 3) in `units` with `up` the vertical axis -> metres, z up (a rotation, not a
    mirror: y-up (x, y, z) becomes (x, -z, y))."""
    if units not in UNIT_METRES:
        raise ValueError(f"units {units!r}: expected one of {', '.join(UNIT_METRES)}")
    if up not in UP_AXES:
        raise ValueError(f"up axis {up!r}: expected one of {', '.join(UP_AXES)}")
    p = np.asarray(points, dtype=np.float64) * UNIT_METRES[units]
    if up == "y":
        p = np.stack([p[..., 0], -p[..., 2], p[..., 1]], axis=-1)
    return p.astype(np.float32)
