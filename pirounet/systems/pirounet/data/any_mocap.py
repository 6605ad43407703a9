"""Recordings of any motion capture: BVH, joint arrays, Tang et al. dances, C3D by definition.

The Vicon layout (.npy (55, T, 3), .c3d without a skeleton definition beside it) keeps the
published steps (mocap.py). Any other recording is read by
pirounet.interchange.joints3d.read_motion (joint positions in metres, z up, with their
skeleton) and then, per file:

  1. resampled linearly to the run's frame rate (`fps`; 0 = the first file's rate), in the log;
  2. trimmed by `trim_frames` at each end (-1 = auto = 0 here: the published 500 frames are
     14 s at 35 fps and would take half of a 40-s recording at 25 fps); the log says so;
  3. gaps (NaN) filled as the Vicon files are (max_gap_frames).

The files are then concatenated and normalised exactly as the Vicon data (mocap.normalise:
quantile scaling of the capture volume, per-frame x-y centring). All files of a run share one
skeleton; the run records it (prepare.py's data fingerprint) and refuses data of another.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.interchange.c3d import C3DError
from pirounet.interchange.joints3d import read_motion
from pirounet.interchange.motion import Motion, MotionError
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.data.mocap import TRIM, DataError, fill_gaps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """How recordings outside the Vicon layout are read (the data settings of a config)."""

    skeleton: str = ""  # "" = the data's own; a skeleton name (SKELETONS) or definition .json
    fps: float = 0.0  # the run's frame rate; 0 = the first recording's
    trim_frames: int = -1  # frames dropped at each end; -1 = auto (0 outside the Vicon layout)

    @classmethod
    def from_config(cls, cfg: Any) -> Layout:
        """The layout settings of a training config (defaults where it has none)."""
        return cls(str(getattr(cfg, "skeleton", "") or ""), float(getattr(cfg, "fps", 0) or 0),
                   int(getattr(cfg, "trim_frames", -1)))

    def checked(self) -> Layout:
        """This layout, or a DataError naming the first value the training rules refuse (for
        commands that take these settings as options: the app, machine_labels)."""
        from pirounet.systems.pirounet.settings import TRAINING_RULES

        for key in ("skeleton", "fps", "trim_frames"):
            problem = TRAINING_RULES[key](getattr(self, key))
            if problem:
                raise DataError(f"{key} {getattr(self, key)!r}: expected {problem}")
        return self


def is_vicon_file(path: Path, layout: Layout) -> bool:
    """Whether a recording is read by the published Vicon pipeline (mocap.py)."""
    if layout.skeleton in ("", VICON_53.name):
        suffix = path.suffix.lower()
        if layout.skeleton or suffix == ".c3d":
            return layout.skeleton == VICON_53.name or not (
                path.with_suffix(".skeleton.json").is_file()
                or (path.parent / "skeleton.json").is_file())
        if suffix == ".npy":  # a joint array brings its names beside it (joints3d.py)
            return not path.with_suffix(".joints.txt").is_file()
    return False


def reads_other_layout(files: list[Path], layout: Layout | None) -> bool:
    """True when the files are not the Vicon layout; mixing both is a DataError."""
    layout = layout or Layout()
    vicon = [f for f in files if is_vicon_file(f, layout)]
    if vicon and len(vicon) < len(files):
        other = next(f for f in files if f not in vicon)
        raise DataError(f"the recordings mix the Vicon layout ({vicon[0]}) with other motion "
                        f"({other}); a run learns one skeleton: match one kind with "
                        "data_pattern")
    return not vicon


def _read(path: Path, layout: Layout) -> Motion:
    try:
        return read_motion(path, skeleton=layout.skeleton or None)
    except (MotionError, C3DError) as err:
        raise DataError(str(err)) from None


def trim_frames(layout: Layout) -> int:
    """Frames dropped at each end of a recording outside the Vicon layout."""
    return layout.trim_frames if layout.trim_frames >= 0 else 0


def read_other_layout(files: list[Path], max_gap_frames: int,
                      layout: Layout | None) -> tuple[list[np.ndarray], Skeleton]:
    """Per-file poses (T_i, J, 3) float64, metres z up, at one rate; and their skeleton."""
    layout = layout or Layout()
    motions = [_read(f, layout) for f in files]
    first = motions[0]
    fps = layout.fps or first.fps
    trim = trim_frames(layout)
    log.info("%s skeleton (%d joints) at %g fps; trimming %d frames at each end (trim_frames; "
             "the published %d apply to the Vicon layout only)", first.skeleton.name,
             first.skeleton.n_joints, fps, trim, TRIM)
    for path, motion in zip(files, motions):
        if not motion.skeleton.same_layout(first.skeleton):
            raise DataError(f"{path}: skeleton {motion.skeleton.name} ({motion.skeleton.n_joints}"
                            f" joints), but {files[0]} has {first.skeleton.name} "
                            f"({first.skeleton.n_joints} joints); a run learns one skeleton")
    parts = []
    for path, motion in zip(files, motions):
        if abs(motion.fps - fps) > 1e-6:
            log.info("%s: resampled from %g to %g fps (the run's rate)", path, motion.fps, fps)
            motion = motion.resampled(fps)
        if motion.n_frames <= 2 * trim + 1:
            raise DataError(f"{path}: {motion.n_frames} frames at {fps:g} fps, but {2 * trim} "
                            f"are trimmed ({trim} at each end, trim_frames)")
        poses = motion.positions[trim:motion.n_frames - trim].astype(np.float64)
        poses = fill_gaps(poses, path, max_gap_frames, motion.skeleton.joints, trim)
        if np.ptp(poses[..., :2]) == 0:
            raise DataError(f"{path}: every x and y value is {poses[0, 0, 0]:g}; it has no "
                            "motion to scale or learn from")
        parts.append(poses)
    skeleton = first.skeleton
    if skeleton.fps != fps:
        skeleton = replace(skeleton, fps=float(fps))
    return parts, skeleton
