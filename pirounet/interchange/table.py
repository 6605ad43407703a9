"""Dances as CSV: one row per frame, `frame, time_s, <joint>_x, <joint>_y[, <joint>_z]`.

    write_csv("dance.csv", poses, OPENPOSE_15, fps=30.0)
    poses, fps = read_csv("dance.csv", OPENPOSE_15)

Values are written as they are held (learn2dance: pixels, y up; PirouNet: the model's units,
z up), with 6 decimals; NaN is an empty cell. Spreadsheets and pandas read it directly.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from pirounet.skeletons import Skeleton

AXES = "xyz"


def header(skeleton: Skeleton) -> list[str]:
    """The column names: frame, time_s, then each joint's coordinates."""
    return ["frame", "time_s"] + [f"{j}_{a}" for j in skeleton.joints
                                  for a in AXES[: skeleton.dims]]


def write_csv(path: str | Path, poses: np.ndarray, skeleton: Skeleton,
              fps: float | None = None) -> Path:
    """Write (T, J, D) or (T, J*D) poses as CSV; returns the path."""
    path = Path(path)
    poses = skeleton.as_joints(np.asarray(poses, dtype=np.float64))
    fps = skeleton.fps if fps is None else float(fps)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header(skeleton))
        for t, pose in enumerate(poses.reshape(len(poses), -1)):
            writer.writerow([t, f"{t / fps:.6f}"]
                            + ["" if not np.isfinite(v) else f"{v:.6f}" for v in pose])
    return path


def read_csv(path: str | Path, skeleton: Skeleton) -> tuple[np.ndarray, float]:
    """(T, J, D) poses and the frame rate of a CSV written by write_csv."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != header(skeleton):
        raise ValueError(f"{path}: not a {skeleton.name} CSV (expected columns "
                         f"{', '.join(header(skeleton)[:4])}, ...)")
    values = np.array([[float(v) if v else np.nan for v in row[2:]] for row in rows[1:]])
    times = np.array([float(row[1]) for row in rows[1:]])
    fps = 1.0 / np.median(np.diff(times)) if len(times) > 1 else skeleton.fps
    return values.reshape(len(values), skeleton.n_joints, skeleton.dims), float(fps)
