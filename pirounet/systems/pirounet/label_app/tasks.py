"""What the labeling app shows: the fields of each mode and the items (blocks or sequences).

Label mode shows recordings in blocks of seq_len frames (stride seq_len) and writes
`start,space,time`; blind mode shows generated sequences in their stored order and writes
`seq_index,danceability,time`. A task carries the skeleton its poses are joints of.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pirounet.interchange.joint_names import side_and_part
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.data import DataError, load_recordings
from pirounet.systems.pirounet.data.any_mocap import Layout
from pirounet.systems.pirounet.data.label_files import (
    BLIND_COLUMNS,
    BLIND_INFO_FILE,
    BLIND_SEQUENCES_FILE,
    LABEL_COLUMNS,
    NA,
    read_blind_info,
    recordings_identity,
)
from pirounet.systems.pirounet.efforts import EFFORTS, NA_HINT, effort
from pirounet.systems.pirounet.suggestions import label_blocks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Option:
    """One choice of a field: the value written to the CSV and its on-page words."""

    value: int
    name: str
    hint: str
    keys: tuple[str, ...]  # keyboard shortcuts, as the page names them ("1", "q", "shift+1")


@dataclass(frozen=True)
class Field:
    """One labelled quantity (a CSV column) and its choices."""

    name: str
    title: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Mode:
    """What is labelled and how it is written: the CSV key and columns, and the page's fields."""

    name: str
    unit: str  # what one item is called on the page
    key_name: str  # the CSV's first column
    columns: tuple[str, ...]  # the other CSV columns, in file order
    fields: tuple[Field, ...]  # in page order

    def store_columns(self) -> list[tuple[str, set[int]]]:
        """(column, allowed values) in CSV order, for LabelStore."""
        by_name = {f.name: f for f in self.fields}
        return [(c, {o.value for o in by_name[c].options}) for c in self.columns]


def _effort_field(name: str, column: str, values: tuple[int, ...],
                  keys: tuple[tuple[str, ...], ...]) -> Field:
    """Laban effort `name` in CSV `column`, with the given values and keys for low ... N/A."""
    e = effort(name)
    words = [*zip(e.classes, e.hints), ("N/A", NA_HINT)]
    options = [Option(v, word, hint, k) for v, k, (word, hint) in zip(values, keys, words)]
    return Field(column, e.title, tuple(options))


DIGITS = (("1",), ("2",), ("3",), ("4",))
DANCE_FIELD = Field("danceability", "Danceability", (
    Option(1, "a dance", "plausible, intentional human dance", ("d",)),
    Option(0, "not a dance", "broken, implausible or frozen motion", ("x",)),
))
LABEL_MODE = Mode("label", "block", LABEL_COLUMNS[0], LABEL_COLUMNS[1:], (
    _effort_field("time", EFFORTS["time"].column, (1, 2, 3, NA), DIGITS),
    _effort_field("space", EFFORTS["space"].column, (1, 2, 3, NA),
                  tuple((letter, f"shift+{v}") for letter, v in zip("qwer", (1, 2, 3, NA)))),
))


def blind_mode(effort: str = "time") -> Mode:
    """Blind mode: the 0-based `time` column (4 = N/A) holds the export's effort."""
    return Mode("blind", "sequence", BLIND_COLUMNS[0], BLIND_COLUMNS[1:], (
        DANCE_FIELD, _effort_field(effort, BLIND_COLUMNS[2], (0, 1, 2, NA), DIGITS)))


BLIND_MODE = blind_mode("time")


@dataclass
class Task:
    """The items to label: windows poses[starts[i] : starts[i] + seq_len], CSV keys keys[i]."""

    mode: Mode
    poses: np.ndarray  # (T, J, 3) joints of the skeleton
    starts: np.ndarray  # (n,) first frame of each item in poses
    keys: np.ndarray  # (n,) what the CSV calls each item
    seq_len: int
    source: str  # shown on the page
    identity: dict | None = None  # label mode: the recordings the starts count through
    file_keys: np.ndarray | None = None  # keys a label file may hold (default: keys)
    skeleton: Skeleton = VICON_53  # what the joints are: the figure and the meter use it

    def window(self, i: int) -> np.ndarray:
        """Item i's poses (seq_len, J, 3)."""
        return self.poses[self.starts[i]: self.starts[i] + self.seq_len]

    def segments(self, i: int) -> np.ndarray:
        """Stick-figure segment ends (seq_len, S, 2, 3) of item i."""
        return self.skeleton.segment_endpoints(self.window(i))

    def bounds(self) -> dict[str, list[float]]:
        """Axis ranges over every drawn point, so the figure keeps one scale per recording."""
        ends = self.skeleton.segment_endpoints(self.poses).reshape(-1, self.skeleton.dims)
        return {"min": ends.min(axis=0).tolist(), "max": ends.max(axis=0).tolist()}

    def sides(self) -> list[str]:
        """Each segment's side ("L", "R", or "" on the midline), to colour it."""
        return [segment_side(pair, self.skeleton) for pair in self.skeleton.segments]


def recording_task(pattern: str, seq_len: int, layout: Layout | None = None) -> Task:
    """Blocks of seq_len frames at stride seq_len, preprocessed exactly as for training.

    The blocks keep the published grid (starts 0, seq_len, 2 seq_len, ... through the
    concatenated recordings), but a block that would span two recordings is not offered: it
    would show the jump from one recording into the next as motion. The task also carries
    the recordings' identity (names and trimmed frames), which LabelApp keeps beside the CSV.
    layout: how recordings outside the Vicon layout are read; the training run's, so that the
    starts count the frames training counts. The task carries the recordings' skeleton.
    """
    rec = load_recordings(pattern, layout=layout)
    poses = rec.poses
    if len(poses) < seq_len:
        raise DataError(f"{pattern}: {len(poses)} frames after trimming, fewer than one block")
    grid, starts = label_blocks(rec.offsets, seq_len)
    if len(starts) < len(grid):
        log.info("%d block(s) spanning two recordings are not offered: starts %s",
                 len(grid) - len(starts), ", ".join(map(str, np.setdiff1d(grid, starts)[:10])))
    identity = recordings_identity(rec.files, np.diff(rec.offsets).tolist())
    return Task(LABEL_MODE, poses, starts, starts, seq_len, pattern, identity, grid,
                rec.skeleton)


def blind_skeleton(folder: str | Path, info: dict) -> Skeleton:
    """The skeleton blind_export.json records; VICON_53 for exports without one."""
    if "skeleton" not in info:
        return VICON_53
    try:
        return Skeleton.from_dict(info["skeleton"])
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"{Path(folder) / BLIND_INFO_FILE}: its skeleton cannot be rebuilt "
                        f"({err}); expected Skeleton.to_dict() output") from None


def blind_task(folder: str | Path) -> Task:
    """The evaluator's shuffled export <folder>/sequences.npy (n, seq_len, J, 3), in order.

    Only this array and blind_export.json (which effort to ask, which skeleton) are read: the
    conditioning labels stay hidden from the labeler.
    """
    path = Path(folder) / BLIND_SEQUENCES_FILE
    if not path.is_file():
        raise DataError(f"{path}: not found; the evaluator writes the blind export there")
    info = read_blind_info(folder) or {"effort": "time"}  # older exports: time, Vicon
    skeleton = blind_skeleton(folder, info)
    expected = (f"expected (n, L, {skeleton.n_joints}, 3) floats with n, L >= 1 "
                f"({skeleton.name})")
    try:
        seqs = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise DataError(f"{path}: not a readable .npy array ({err}); {expected}") from err
    if not isinstance(seqs, np.ndarray):  # an .npz archive under a .npy name
        seqs.close()
        raise DataError(f"{path}: an .npz archive, not a .npy array; {expected}")
    if seqs.ndim not in (3, 4) or 0 in seqs.shape or not np.issubdtype(seqs.dtype,
                                                                       np.floating):
        raise DataError(f"{path}: shape {seqs.shape} {seqs.dtype}; {expected}")
    try:
        markers = skeleton.as_joints(seqs).astype(np.float32)  # (n, L, J, 3)
    except ValueError as err:
        raise DataError(f"{path}: {err}") from err
    if markers.ndim != 4 or markers.shape[2:] != (skeleton.n_joints, 3):
        raise DataError(f"{path}: shape {seqs.shape}; {expected}")
    if not np.isfinite(markers).all():
        raise DataError(f"{path}: holds NaN or infinite values")
    n, seq_len = markers.shape[:2]
    keys = np.arange(n)
    poses = markers.reshape(n * seq_len, *markers.shape[2:])  # (n * seq_len, J, 3)
    return Task(blind_mode(info["effort"]), poses, keys * seq_len, keys, seq_len, str(path),
                skeleton=skeleton)


def point_side(name: str, skeleton: Skeleton) -> str:
    """"L", "R" or "" of a drawn point: by its words ("l_knee", "LeftArm"), or by the L/R
    initial of a Vicon marker ("LFHD") or of the skeleton's own points ("Lheel")."""
    side, _ = side_and_part(name)
    if side:
        return side
    initial = name[:1] if name[:1] in ("L", "R") and len(name) > 1 else ""
    return initial if name in skeleton.points or name.isupper() else ""


def segment_side(pair: tuple[str, str], skeleton: Skeleton) -> str:
    """"L" or "R" for a segment on one side of the body, "" for the midline (colours it)."""
    sides = {point_side(name, skeleton) for name in pair} - {""}
    return sides.pop() if len(sides) == 1 else ""
