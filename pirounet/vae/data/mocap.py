"""Load mariel recordings and preprocess them exactly as the published pipeline does.

A recording is a `.npy` array of shape (55 markers, T frames, 3) at ~35 fps. Preprocessing
(docs/published_method.md, "Data"): transpose to (T, 55, 3), trim 500 frames at each end, drop
the derived hip markers 26 and 53, negate z, concatenate the files in sorted name order, scale
x, y, z by the 1 %/99 % quantiles of x and y, and centre every frame in x and y.

Beyond the published code: short NaN gaps (missing markers) are filled by linear
interpolation in time, and every bad file gets an error that names it.
"""
from __future__ import annotations

import glob
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pirounet.skeletons import VICON_53, VICON_KEPT_RAW_INDICES, VICON_RAW_MARKERS

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

    poses: np.ndarray  # (T, 53, 3) float32
    files: list[Path]
    offsets: np.ndarray  # (n_files + 1,) frame index where each file starts; last = T

    def file_of(self, frame: int) -> Path:
        """The recording a concatenated frame index comes from."""
        return self.files[int(np.searchsorted(self.offsets, frame, side="right")) - 1]


def _read_raw(path: Path) -> np.ndarray:
    """Load one file and check shape, dtype and length; returns (55, T, 3)."""
    expected = f"({N_RAW_MARKERS}, T, 3) floats with T > {2 * TRIM}"
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


def fill_gaps(poses: np.ndarray, path: Path, max_gap_frames: int) -> np.ndarray:
    """Interpolate NaN markers of (T, 53, 3) poses linearly in time; refuse hopeless files."""
    if np.isinf(poses).any():
        t, m, _ = np.argwhere(np.isinf(poses))[0]
        raise DataError(f"{path}: infinite value at frame {t + TRIM}, marker {MARKERS[m]}")
    missing = np.isnan(poses).any(axis=2)  # (T, 53): a marker counts as missing if any coord is
    if not missing.any():
        return poses
    absent = np.nonzero(missing.all(axis=0))[0]
    if absent.size:
        names = ", ".join(MARKERS[m] for m in absent)
        raise DataError(f"{path}: marker(s) {names} are missing (NaN) in every frame")
    markers, starts, lengths = _nan_runs(missing)
    too_long = lengths > max_gap_frames
    if too_long.any():
        i = int(np.argmax(lengths))
        raise DataError(
            f"{path}: marker {MARKERS[markers[i]]} is missing for {lengths[i]} frames from frame "
            f"{starts[i] + TRIM}; gaps up to max_gap_frames={max_gap_frames} are interpolated"
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


def _trimmed(path: Path, max_gap_frames: int) -> np.ndarray:
    """Steps 1-4 for one file: (55, T, 3) -> (T - 1000, 53, 3) float64, z negated."""
    raw = _read_raw(path)
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


def load_recordings(pattern: str = "data/mariel_*.npy", max_gap_frames: int = 35) -> Recordings:
    """Load and preprocess every file matching `pattern`; keeps where each file starts."""
    files = find_recordings(pattern)
    if not files:
        raise DataError(
            f"no recordings match {pattern!r}: put mariel_*.npy files of shape (55, T, 3) there, "
            "or write the synthetic dancer with `python -m pirounet.vae.data.synthetic --out data`"
        )
    parts = [_trimmed(f, max_gap_frames) for f in files]
    lengths = [len(p) for p in parts]
    poses = normalise(np.concatenate(parts)).astype(np.float32)
    log.info("loaded %d recordings, %d frames after trimming: %s", len(files), len(poses),
             ", ".join(f"{f.name} ({n})" for f, n in zip(files, lengths)))
    return Recordings(poses, files, np.concatenate([[0], np.cumsum(lengths)]))


def load_mocap(pattern: str = "data/mariel_*.npy", max_gap_frames: int = 35) -> np.ndarray:
    """Preprocessed poses of all recordings as float32 (T, 53, 3)."""
    return load_recordings(pattern, max_gap_frames).poses
