"""Missing joints: what a pose holds where the detector saw nothing (or was unsure).

A joint is missing in a frame when its confidence is below the threshold (OpenPose writes an
undetected joint as 0, 0, 0). "interpolate" (default) fills a gap linearly between the
frames around it (holding the nearest value at either end of the dance) when it lasts at
most max_gap_seconds; a longer gap is an error, or is filled the same way and flagged.
"published" carries the previous frame's value forward, as the published parse did: a
frame without anyone copies the whole previous pose (zeros at the start), and a joint
missing in the first frame keeps the detector's value ((0, 0) when undetected).
"""
from __future__ import annotations

import numpy as np

from pirounet.music.errors import DataError
from pirounet.skeletons import OPENPOSE_15


def missing_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a (T,) bool array."""
    edges = np.diff(np.concatenate([[0], missing.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def carry_forward(xy: np.ndarray, missing: np.ndarray, nobody: np.ndarray) -> np.ndarray:
    """The published fill of (T, 15, 2) poses: missing joints and empty frames copy the last.

    As the published parse: the previous frame is the one stored, so a dance that starts with
    empty frames (stored as zeros) gives the first detection's missing joints (0, 0), carried
    on; only on frame 0 does a missing joint keep the detector's value.
    """
    out = xy.copy()
    for t in range(len(out)):
        if nobody[t]:
            out[t] = out[t - 1] if t > 0 else 0.0
        elif t > 0:
            out[t, missing[t]] = out[t - 1, missing[t]]
    return out


def interpolate(xy: np.ndarray, missing: np.ndarray, max_gap: int, long_gaps: str,
                source: str, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Fill missing joints of (T, 15, 2) poses linearly; (filled poses, flagged (T, 15) bool).

    A gap longer than max_gap frames raises (long_gaps="error") or is flagged ("flag").
    """
    out = xy.copy()
    flagged = np.zeros(missing.shape, dtype=bool)
    frames = np.arange(len(xy))
    for j, name in enumerate(OPENPOSE_15.joints):
        gone = missing[:, j]
        if not gone.any():
            continue
        for start, stop in missing_runs(gone):
            if stop - start <= max_gap:
                continue
            if long_gaps == "error":
                raise DataError(
                    f"{source}: joint {name} is missing for {stop - start} frames "
                    f"({(stop - start) / fps:.2f} s, frames {start}-{stop - 1}); at most "
                    f"{max_gap} frames are filled (max_gap_seconds). Raise max_gap_seconds, "
                    f"or set long_gaps=\"flag\" to fill and flag long gaps")
            flagged[start:stop, j] = True
        seen = frames[~gone]
        if len(seen) == 0:  # never seen: stand it on the mean of the joints seen per frame
            others = np.where(missing[..., None], np.nan, xy)
            fallback = np.nanmean(others, axis=1)  # (T, 2); NaN where nothing is seen
            out[:, j] = np.nan_to_num(fallback)
            continue
        for d in range(2):  # np.interp holds the end values beyond the first and last seen
            out[gone, j, d] = np.interp(frames[gone], seen, xy[seen, j, d])
    return out, flagged
