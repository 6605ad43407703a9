"""Read the labeling app's CSV and augment its labels exactly as the published pipeline does.

The CSV has no header; each row is `start_index, space_effort, time_effort`, where the start
index is a window's first pose in the concatenated, trimmed recordings and efforts are
1 = low, 2 = medium, 3 = high, 4 = N/A. Training learns one effort; its class is value - 1.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pirounet.data.mocap import DataError

log = logging.getLogger(__name__)

EFFORT_COLUMN = {"space": 1, "time": 2}
NA = 4  # "too hard to tell"
NEIGHBOURS = 7  # rule (b): a label spreads to starts s-7 ... s+7


def _parse_row(path: Path, line_no: int, line: str, n_frames: int | None,
               seq_len: int) -> tuple[int, int, int]:
    """Validate one CSV row and return its three integers."""
    fields = [f.strip() for f in line.split(",")]
    where = f"{path}, line {line_no}: {line.strip()!r}"
    if len(fields) != 3:
        raise DataError(f"{where} has {len(fields)} columns; expected 3: start, space, time")
    try:
        start, space, time = (int(f) for f in fields)
    except ValueError:
        raise DataError(f"{where} holds a non-integer; expected 3 integers") from None
    if start < 0:
        raise DataError(f"{where}: start index {start} is negative")
    if n_frames is not None and start + seq_len > n_frames:
        raise DataError(
            f"{where}: start index {start} lies beyond the recording: a {seq_len}-frame window "
            f"must end by frame {n_frames}"
        )
    for name, value in (("space", space), ("time", time)):
        if not 1 <= value <= NA:
            raise DataError(f"{where}: {name} effort {value} is outside 1-4")
    return start, space, time


def read_label_rows(path: str | Path, n_frames: int | None = None,
                    seq_len: int = 40) -> np.ndarray:
    """Validated rows (R, 3) = start, space, time, in file order; a repeated start: last row."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"label file {path} does not exist; label blocks with "
                        "`python -m pirounet.label_app` or copy the app's CSV there")
    rows, line_of = [], []
    for line_no, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            rows.append(_parse_row(path, line_no, line, n_frames, seq_len))
            line_of.append(line_no)
    if not rows:
        raise DataError(f"{path} holds no label rows")
    table = np.array(rows, dtype=np.int64)
    # Keep the last row of each start (the app appended edits), at that last row's position.
    _, last_rev = np.unique(table[::-1, 0], return_index=True)
    keep = np.sort(len(table) - 1 - last_rev)
    if len(keep) < len(table):
        dropped = sorted(set(range(len(table))) - set(keep.tolist()))
        for i in dropped:
            later = keep[table[keep, 0] == table[i, 0]][0]
            log.warning("%s: line %d repeats start %d; keeping line %d", path, line_of[i],
                        table[i, 0], line_of[later])
    return table[keep]


def augment_labels(starts: np.ndarray, efforts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published label augmentation: (a) fill between equal neighbours, (b) spread +-7."""
    starts, efforts = np.asarray(starts, np.int64), np.asarray(efforts, np.int64)
    # (a) when row j repeats row j-1's effort, starts s(j-1)+1 ... s(j-1)+40 get it.
    same = np.nonzero(efforts[1:] == efforts[:-1])[0]  # indices j-1
    between = (starts[same, None] + np.arange(1, 41)).ravel()
    between_eff = np.repeat(efforts[same], 40)
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
                seq_len: int = 40) -> tuple[np.ndarray, np.ndarray]:
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

