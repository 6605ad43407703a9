"""Read the labeling app's CSV and augment its labels exactly as the published pipeline does.

The file's columns, values and checks belong to pirounet.systems.pirounet.data.label_files (`start,space,time`,
efforts 1 = low, 2 = medium, 3 = high, 4 = N/A). Training learns one effort; its class is
value - 1.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pirounet.systems.pirounet.data.label_files import LABEL_BLOCK, LABEL_COLUMNS, NA, read_label_file
from pirounet.systems.pirounet.efforts import EFFORTS

log = logging.getLogger(__name__)

EFFORT_COLUMN = {name: LABEL_COLUMNS.index(e.column) for name, e in EFFORTS.items()}
NEIGHBOURS = 7  # rule (b): a label spreads to starts s-7 ... s+7


def read_label_rows(path: str | Path, n_frames: int | None = None,
                    seq_len: int = LABEL_BLOCK) -> np.ndarray:
    """Validated rows (R, 3) = start, space, time, in file order; a repeated start: last row."""
    return read_label_file(path, n_frames, seq_len)


def augment_labels(starts: np.ndarray, efforts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published label augmentation: (a) fill between equal neighbours, (b) spread +-7."""
    starts, efforts = np.asarray(starts, np.int64), np.asarray(efforts, np.int64)
    # (a) when row j repeats row j-1's effort, starts s(j-1)+1 ... s(j-1)+LABEL_BLOCK get it.
    same = np.nonzero(efforts[1:] == efforts[:-1])[0]  # indices j-1
    between = (starts[same, None] + np.arange(1, LABEL_BLOCK + 1)).ravel()
    between_eff = np.repeat(efforts[same], LABEL_BLOCK)
    # (b) each row spreads to s-7 ... s+7; a row at 0 only to 0 ... 7 (no negative starts).
    near = (starts[:, None] + np.arange(-NEIGHBOURS, NEIGHBOURS + 1)).ravel()
    near_eff = np.repeat(efforts, 2 * NEIGHBOURS + 1)
    keep = near >= 0
    all_starts = np.concatenate([between, near[keep]])
    all_eff = np.concatenate([between_eff, near_eff[keep]])
    uniq, first = np.unique(all_starts, return_index=True)  # first entry wins, sorted
    return uniq, all_eff[first]


def load_labels(csv_path: str | Path, effort: str = "time", augment: bool = True,
                drop_na: bool = True, n_frames: int | None = None,
                seq_len: int = LABEL_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Labelled window starts and classes (0-2; 3 = N/A when drop_na is False) as int arrays.

    n_frames, when given, is the length of the recordings: rows whose window would not fit
    are errors, and augmented starts whose window would not fit are dropped.
    """
    if effort not in EFFORT_COLUMN:
        raise ValueError(f"effort must be one of {sorted(EFFORT_COLUMN)}, got {effort!r}")
    rows = read_label_rows(csv_path, n_frames, seq_len)
    starts, efforts = rows[:, 0], rows[:, EFFORT_COLUMN[effort]]
    if augment:
        starts, efforts = augment_labels(starts, efforts)
    if n_frames is not None:
        fits = starts + seq_len <= n_frames
        if not fits.all():
            log.info("%s: %d augmented starts near the end do not fit a window; dropped",
                     csv_path, int((~fits).sum()))
        starts, efforts = starts[fits], efforts[fits]
    if drop_na:
        starts, efforts = starts[efforts != NA], efforts[efforts != NA]
    return starts, efforts - 1

