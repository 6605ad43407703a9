"""Load mariel recordings and preprocess them exactly as the published pipeline does.

A recording is a `.npy` array of shape (55 markers, T frames, 3) at ~35 fps. Preprocessing
(docs/published_method.md, "Data"): transpose to (T, 55, 3), trim 500 frames at each end, drop
the derived hip markers 26 and 53, negate z, concatenate the files in sorted name order, scale
x, y, z by the 1 %/99 % quantiles of x and y, and centre every frame in x and y.

Beyond the published code: short NaN gaps (missing markers) are filled by linear
interpolation in time, and every bad file gets an error that names it. A recording may also be
a Vicon `.c3d` file (docs/interchange.md): its labelled markers are found by name (a
"Subject:" prefix is ignored; `c3d_marker_map` maps other names), millimetres become metres,
z up becomes the .npy files' z down, and the frame rate is checked against ~35 fps (refused,
or resampled with `c3d_rate_mismatch="resample"`), so that it loads exactly as the same
recording saved as `.npy` would.
"""
from __future__ import annotations

import glob
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pirounet.interchange.c3d import C3DError, pick_markers, read_c3d, write_c3d
from pirounet.interchange.motion import resample
from pirounet.skeletons import (
    VICON_53,
    VICON_DROPPED_MARKERS,
    VICON_KEPT_RAW_INDICES,
    VICON_RAW_MARKERS,
    Skeleton,
)

if TYPE_CHECKING:
    from pirounet.systems.pirounet.data.any_mocap import Layout

MARKERS = VICON_53.joints  # the 53 kept markers
N_RAW_MARKERS = len(VICON_RAW_MARKERS)  # 55 in a file

log = logging.getLogger(__name__)

TRIM = 500  # frames dropped at each end of every recording
QUANTILES = (0.01, 0.99)


class DataError(ValueError):
    """A recording or label file that cannot be used, with a message naming it."""


@dataclass
class Recordings:
    """Preprocessed poses of all files, concatenated, with where each file starts."""

    poses: np.ndarray  # (T, J, 3) float32: (T, 53, 3) for the Vicon layout
    files: list[Path]
    offsets: np.ndarray  # (n_files + 1,) frame index where each file starts; last = T
    skeleton: Skeleton = VICON_53  # what the J joints are (any_mocap.py reads other layouts)

    def file_of(self, frame: int) -> Path:
        """The recording a concatenated frame index comes from."""
        return self.files[int(np.searchsorted(self.offsets, frame, side="right")) - 1]


C3D_RATE_MISMATCH = ("refuse", "resample")  # what a .c3d far from ~35 fps gets
C3D_RATE_TOLERANCE = 0.10  # a .c3d within 10 % of VICON_53.fps is read at its own rate
WAIST = ("LFWT", "RFWT", "LBWT", "RBWT")  # the derived hip markers stand in as their mean


@dataclass(frozen=True)
class C3DOptions:
    """How .c3d recordings are read: label mapping and what a far-off frame rate gets."""

    marker_map: Mapping[str, str] = field(default_factory=dict)  # file label -> marker name
    rate_mismatch: str = "refuse"  # "refuse" | "resample" (to VICON_53.fps)

    @classmethod
    def from_config(cls, cfg: Any) -> C3DOptions:
        """The C3D settings of a training config (defaults where it has none)."""
        return cls(dict(getattr(cfg, "c3d_marker_map", None) or {}),
                   getattr(cfg, "c3d_rate_mismatch", "refuse"))


def read_c3d_raw(path: Path, options: C3DOptions | None = None) -> np.ndarray:
    """A .c3d recording as the raw .npy layout (55, T, 3): metres, z down, ~35 fps.

    LabelingHips and SolvingHips, which loading drops, are the waist markers' mean where the
    file lacks them. Raises DataError naming the file and any missing marker.
    """
    options = options or C3DOptions()
    try:
        markers = read_c3d(path)
        points = pick_markers(markers, VICON_RAW_MARKERS, options.marker_map,
                              optional=tuple(VICON_DROPPED_MARKERS.values()))  # (T, 55, 3)
    except C3DError as err:
        raise DataError(str(err)) from None
    waist = points[:, [VICON_RAW_MARKERS.index(m) for m in WAIST]].mean(axis=1)
    for i in VICON_DROPPED_MARKERS:
        if np.isnan(points[:, i]).all():
            points[:, i] = waist
    target = VICON_53.fps
    if abs(markers.rate / target - 1.0) > C3D_RATE_TOLERANCE:
        if options.rate_mismatch != "resample":
            raise DataError(
                f"{path}: recorded at {markers.rate:g} fps, but the model's data runs at "
                f"~{target:g} fps (windows of seq_len frames would span another duration); "
                f"set c3d_rate_mismatch='resample' to resample it to {target:g} fps, or export "
                f"it from Vicon at {target:g} fps")
        log.info("%s: resampled from %g to %g fps", path, markers.rate, target)
        points = resample(points, markers.rate, target)
    points[..., 2] *= -1.0  # the .npy files hold z = -height
    return np.ascontiguousarray(np.transpose(points, (1, 0, 2)))


def write_raw_c3d(raw: np.ndarray, path: str | Path, rate: float = VICON_53.fps) -> Path:
    """Write a raw .npy recording (55, T, 3) (metres, z down) as a Vicon-style .c3d (mm, z up)."""
    points = np.transpose(np.asarray(raw, dtype=np.float64), (1, 0, 2)).copy()
    points[..., 2] *= -1.0
    return write_c3d(path, VICON_RAW_MARKERS, points, rate)


def _read_raw(path: Path, c3d: C3DOptions | None = None) -> np.ndarray:
    """Load one file and check shape, dtype and length; returns (55, T, 3)."""
    expected = f"({N_RAW_MARKERS}, T, 3) floats with T > {2 * TRIM}"
    if path.suffix.lower() == ".c3d":
        raw = read_c3d_raw(path, c3d)
        if raw.shape[1] <= 2 * TRIM:
            raise DataError(f"{path}: {raw.shape[1]} frames at {VICON_53.fps:g} fps, but "
                            f"{2 * TRIM} are trimmed ({TRIM} at each end)")
        return raw
    try:
        size = path.stat().st_size
    except OSError as err:  # a broken link or a symlink loop
        raise DataError(f"{path}: cannot be opened ({err.strerror}; a broken link or a symlink "
                        f"loop?); expected a .npy array of shape {expected}") from None
    if path.is_dir():
        raise DataError(f"{path}: a folder; expected a .npy array of shape {expected}")
    if size == 0:
        raise DataError(f"{path}: the file is empty; expected a .npy array of shape {expected}")
    try:
        raw = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise DataError(f"{path}: not a readable .npy array ({err}); expected {expected}") from err
    if not isinstance(raw, np.ndarray):  # np.load opens an .npz archive whatever its name
        raw.close()
        raise DataError(f"{path}: an .npz archive named .npy; expected one .npy array of "
                        f"shape {expected} (np.save, not np.savez)")
    if not np.issubdtype(raw.dtype, np.floating):
        raise DataError(f"{path}: dtype {raw.dtype} with shape {raw.shape}; expected {expected}")
    if raw.ndim != 3 or raw.shape[0] != N_RAW_MARKERS or raw.shape[2] != 3:
        raise DataError(f"{path}: shape {raw.shape}; expected {expected}")
    if raw.shape[1] <= 2 * TRIM:
        raise DataError(
            f"{path}: shape {raw.shape} has {raw.shape[1]} frames, but {2 * TRIM} are trimmed "
            f"({TRIM} at each end); expected {expected}"
        )
    return raw


def _nan_runs(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along axis 0 of (T, M): (marker, first frame, length) of each run."""
    padded = np.pad(missing, ((1, 1), (0, 0))).astype(np.int8)
    edges = np.diff(padded, axis=0).T  # (M, T + 1): +1 where a run starts, -1 after it ends
    markers, starts = np.nonzero(edges == 1)  # sorted by marker, then frame
    ends = np.nonzero(edges == -1)[1]  # same order, so the i-th end closes the i-th start
    return markers, starts, ends - starts


def fill_gaps(poses: np.ndarray, path: Path, max_gap_frames: int,
              names: tuple[str, ...] = MARKERS, first_frame: int = TRIM) -> np.ndarray:
    """Interpolate NaN joints of (T, J, 3) poses linearly in time; refuse hopeless files.

    names: the J joint names; first_frame: the file's frame that poses[0] is (for messages).
    """
    if np.isinf(poses).any():
        t, m, _ = np.argwhere(np.isinf(poses))[0]
        raise DataError(f"{path}: infinite value at frame {t + first_frame}, marker {names[m]}")
    missing = np.isnan(poses).any(axis=2)  # (T, 53): a marker counts as missing if any coord is
    if not missing.any():
        return poses
    absent = np.nonzero(missing.all(axis=0))[0]
    if absent.size:
        gone = ", ".join(names[m] for m in absent)
        raise DataError(f"{path}: marker(s) {gone} are missing (NaN) in every frame")
    markers, starts, lengths = _nan_runs(missing)
    too_long = lengths > max_gap_frames
    if too_long.any():
        i = int(np.argmax(lengths))
        raise DataError(
            f"{path}: marker {names[markers[i]]} is missing for {lengths[i]} frames from frame "
            f"{starts[i] + first_frame}; gaps up to max_gap_frames={max_gap_frames} are "
            "interpolated"
        )
    filled = poses.copy()
    frames = np.arange(len(poses))
    for m in np.unique(markers):  # a loop over the few gappy markers, not over frames
        ok = ~missing[:, m]
        for c in range(3):
            filled[~ok, m, c] = np.interp(frames[~ok], frames[ok], poses[ok, m, c])
    log.warning(
        "%s: filled %d missing marker positions (%d frames, %d markers, longest gap %d frames)"
        " by linear interpolation",
        path, int(missing.sum()), int(missing.any(axis=1).sum()), len(np.unique(markers)),
        int(lengths.max()),
    )
    return filled


def _trimmed(path: Path, max_gap_frames: int, c3d: C3DOptions | None = None) -> np.ndarray:
    """Steps 1-4 for one file: (55, T, 3) -> (T - 1000, 53, 3) float64, z negated."""
    raw = _read_raw(path, c3d)
    poses = np.transpose(raw, (1, 0, 2))[TRIM:-TRIM][:, VICON_KEPT_RAW_INDICES].astype(np.float64)
    poses = fill_gaps(poses, path, max_gap_frames)
    if np.ptp(poses[..., :2]) == 0:
        raise DataError(f"{path}: every x and y value is {poses[0, 0, 0]:g} (a constant "
                        "recording, e.g. all zeros); it has no motion to scale or learn from")
    poses[..., 2] *= -1.0
    return poses


def normalise(poses: np.ndarray) -> np.ndarray:
    """Steps 6-7 on concatenated (T, 53, 3): quantile scaling of x, y, z, then centre x, y."""
    lo_x, hi_x = np.quantile(poses[..., 0], QUANTILES)
    lo_y, hi_y = np.quantile(poses[..., 1], QUANTILES)
    xy_min, xy_max = min(lo_x, lo_y), max(hi_x, hi_y)
    if not xy_max > xy_min:  # almost every value the same: scaling would divide by zero
        raise DataError(f"the recordings' 1 %-99 % range of x and y is empty ({xy_min:g} to "
                        f"{xy_max:g}): they are (nearly) constant, with no motion to scale")
    scale = 2.0 / (xy_max - xy_min)
    out = poses.copy()
    out[..., :2] = (out[..., :2] - xy_min) * scale - 1.0
    out[..., 2] *= scale
    out[..., :2] -= out[..., :2].mean(axis=1, keepdims=True)  # centre each frame; z is not
    return out


def find_recordings(pattern: str) -> list[Path]:
    """Recording files matching a glob pattern, in sorted name order."""
    return [Path(p) for p in sorted(glob.glob(pattern))]


def load_recordings(pattern: str = "data/mariel_*.npy", max_gap_frames: int = 35,
                    c3d: C3DOptions | None = None, layout: Layout | None = None) -> Recordings:
    """Load and preprocess every file matching `pattern`; keeps file starts.

    The Vicon layout (.npy (55, T, 3), Vicon .c3d) is read as published; any other motion
    (BVH, joint arrays, C3D with a skeleton definition, ...) by any_mocap.py, per `layout`.
    """
    files = find_recordings(pattern)
    if not files:
        raise DataError(
            f"no recordings match {pattern!r}: put mariel_*.npy files of shape (55, T, 3) (or "
            "Vicon .c3d files, with data_pattern='data/*.c3d') there, "
            "or write the synthetic dancer with `python -m pirounet.systems.pirounet.data.synthetic --out data`"
        )
    from pirounet.systems.pirounet.data.any_mocap import read_other_layout, reads_other_layout

    skeleton = VICON_53  # any_mocap.py imports this module's checks, so it is imported here
    if reads_other_layout(files, layout):
        parts, skeleton = read_other_layout(files, max_gap_frames, layout)
    else:
        parts = [_trimmed(f, max_gap_frames, c3d) for f in files]
    lengths = [len(p) for p in parts]
    poses = normalise(np.concatenate(parts)).astype(np.float32)
    log.info("loaded %d recordings, %d frames after trimming: %s", len(files), len(poses),
             ", ".join(f"{f.name} ({n})" for f, n in zip(files, lengths)))
    return Recordings(poses, files, np.concatenate([[0], np.cumsum(lengths)]), skeleton)


def load_mocap(pattern: str = "data/mariel_*.npy", max_gap_frames: int = 35,
               c3d: C3DOptions | None = None, layout: Layout | None = None) -> np.ndarray:
    """Preprocessed poses of all recordings as float32 (T, J, 3): (T, 53, 3) for Vicon."""
    return load_recordings(pattern, max_gap_frames, c3d, layout).poses


def normalisation(pattern: str = "data/mariel_*.npy", max_gap_frames: int = 35,
                  c3d: C3DOptions | None = None, layout: Layout | None = None) -> float:
    """The factor `normalise` multiplies metres by for these recordings (2 / xy range).

    A generated pose divided by it is in metres again (x, y centred on the body).
    """
    files = find_recordings(pattern)
    if not files:
        raise DataError(f"no recordings match {pattern!r}")
    from pirounet.systems.pirounet.data.any_mocap import read_other_layout, reads_other_layout

    if reads_other_layout(files, layout):
        poses = np.concatenate(read_other_layout(files, max_gap_frames, layout)[0])
    else:
        poses = np.concatenate([_trimmed(f, max_gap_frames, c3d) for f in files])
    lo = np.quantile(poses[..., :2].reshape(-1, 2), QUANTILES[0], axis=0).min()
    hi = np.quantile(poses[..., :2].reshape(-1, 2), QUANTILES[1], axis=0).max()
    return 2.0 / (hi - lo)
