"""The two label CSVs: their columns, values, file names, one reader and one writer each.

    labels_from_app.csv   `start,space,time`, no header: a 40-frame block's first frame in the
                          concatenated trimmed recordings, efforts 1 low, 2 medium, 3 high, 4 N/A
    human_labels.csv      `seq_index,danceability,time`, no header: one row per blind-exported
                          dance, danceability 0 = not a dance, time 0-2 (0-based) or 4 N/A
    blind_export.json     beside the exported sequences: which effort the `time` column holds

Every reader error names the file and the line and says what was expected. A repeated start
in the label file keeps the last row with a warning (the original app appended edits); a
repeated seq_index in the blind file is an error. Writers sort by key and write atomically.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Collection, Mapping

import numpy as np

from pirounet.run.atomic import write_text_atomic
from pirounet.systems.pirounet.data.mocap import DataError
from pirounet.systems.pirounet.efforts import EFFORTS

log = logging.getLogger(__name__)

LABEL_COLUMNS = ("start", EFFORTS["space"].column, EFFORTS["time"].column)  # labels_from_app.csv
BLIND_COLUMNS = ("seq_index", "danceability", "time")  # human_labels.csv, in file order
NA = 4  # "too hard to tell", in both files
LABEL_BLOCK = 40  # frames per labelled block, and the stride between the app's blocks
EFFORT_VALUES = (1, 2, 3, NA)  # label file: low, medium, high, N/A
NOT_A_DANCE = 0  # blind file's danceability
LABELS_FILE = "labels_from_app.csv"
BLIND_FOLDER = "to_be_labeled"  # in a run's results: what the app may read, and its output
BLIND_SEQUENCES_FILE = "sequences.npy"  # the exported dances the human sees
HUMAN_LABELS_FILE = "human_labels.csv"
BLIND_INFO_FILE = "blind_export.json"

PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)  # what a cell may hold
Allowed = Mapping[str, Collection[int]]  # column -> values a caller accepts beyond the contract


class LabelFileError(DataError):
    """A label file that cannot be read; the message names the file and line."""


def _row_error(path: Path, number: int, line: str, problem: str) -> LabelFileError:
    """The error for one bad row: file, line number, the line itself, what is wrong."""
    return LabelFileError(f"{path}, line {number}: {line.strip()!r}: {problem}")


def _describe(values: Collection[int]) -> str:
    """Allowed values, listed when few and as a range when many."""
    values = sorted(values)
    if len(values) <= 8:
        return str(values)
    return f"{len(values)} values from {values[0]} to {values[-1]}"


def _integers(path: Path, number: int, line: str, columns: tuple[str, ...]) -> list[int]:
    """The row's integers, or an error saying how many columns were expected."""
    cells = [cell.strip() for cell in line.split(",")]
    names = ",".join(columns)
    if len(cells) != len(columns):
        raise _row_error(path, number, line, f"has {len(cells)} columns; expected "
                         f"{len(columns)} columns {names}")
    # int() also reads "4_0" and non-ASCII digits ("４０") as 40: accept plain ASCII only
    bad = [cell for cell in cells if not PLAIN_INTEGER.fullmatch(cell)]
    if bad:
        raise _row_error(path, number, line, f"holds a non-integer {bad[0]!r}; expected "
                         f"{len(columns)} integers {names} (no header), in plain ASCII digits")
    return [int(cell) for cell in cells]


def _check_allowed(path: Path, number: int, line: str, columns: tuple[str, ...],
                   row: list[int], allowed: Allowed | None) -> None:
    """Refuse a value the caller does not accept (e.g. a key that is not a block of its data)."""
    for name, value in zip(columns, row):
        if allowed and name in allowed and value not in allowed[name]:
            raise _row_error(path, number, line, f"{name} must be one of "
                             f"{_describe(allowed[name])}, got {value}")


def parse_label_row(path: Path, number: int, line: str, n_frames: int | None = None,
                    seq_len: int = LABEL_BLOCK, allowed: Allowed | None = None) -> tuple[int, ...]:
    """One row `start,space,time` of the label file, checked; errors name file and line."""
    start, space, time = row = _integers(path, number, line, LABEL_COLUMNS)
    if start < 0:
        raise _row_error(path, number, line, f"start index {start} is negative")
    if n_frames is not None and start + seq_len > n_frames:
        raise _row_error(path, number, line, f"start index {start} lies beyond the recording: "
                         f"a {seq_len}-frame window must end by frame {n_frames}")
    for name, value in (("space", space), ("time", time)):
        if value not in EFFORT_VALUES:
            raise _row_error(path, number, line, f"{name} effort {value} is outside 1-4; "
                             f"expected 1 low, 2 medium, 3 high or {NA} N/A")
    _check_allowed(path, number, line, LABEL_COLUMNS, row, allowed)
    return tuple(row)


def parse_blind_row(path: Path, number: int, line: str, n_classes: int = 3,
                    allowed: Allowed | None = None) -> tuple[int, ...]:
    """One row `seq_index,danceability,time` of the blind file, checked; errors name the line."""
    seq_index, dance, time = row = _integers(path, number, line, BLIND_COLUMNS)
    if seq_index < 0 or dance < 0:
        raise _row_error(path, number, line, "seq_index and danceability must be >= 0")
    if not (0 <= time < n_classes or time == NA):
        raise _row_error(path, number, line, f"time must be one of 0-{n_classes - 1} or "
                         f"{NA} (N/A), got {time}")
    _check_allowed(path, number, line, BLIND_COLUMNS, row, allowed)
    return tuple(row)


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line; a missing file is a one-line error."""
    if not path.is_file():
        raise LabelFileError(f"label file {path} does not exist; label with "
                             "`python -m pirounet.systems.pirounet.label_app` or copy the app's "
                             "CSV there")
    return [(n, line) for n, line in enumerate(path.read_text().splitlines(), start=1)
            if line.strip()]


def _keep_last(path: Path, table: np.ndarray, lines: list[int], texts: list[str]) -> np.ndarray:
    """Rows with the last row of each start, at that row's position; warn for each dropped."""
    _, last_rev = np.unique(table[::-1, 0], return_index=True)
    keep = np.sort(len(table) - 1 - last_rev)
    for i in sorted(set(range(len(table))) - set(keep.tolist())):
        later = int(keep[table[keep, 0] == table[i, 0]][0])
        log.warning("%s: line %d repeats start %d; keeping line %d (%r)", path, lines[i],
                    table[i, 0], lines[later], texts[later].strip())
    return table[keep]


def read_label_file(path: str | Path, n_frames: int | None = None,
                    seq_len: int = LABEL_BLOCK, allowed: Allowed | None = None,
                    empty_ok: bool = False) -> np.ndarray:
    """Rows (R, 3) int64 = start, space, time in file order; a repeated start keeps its last."""
    path = Path(path)
    lines = _lines(path)
    rows = [parse_label_row(path, n, line, n_frames, seq_len, allowed) for n, line in lines]
    if not rows and not empty_ok:
        raise LabelFileError(f"{path} holds no label rows")
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return _keep_last(path, table, [n for n, _ in lines], [line for _, line in lines])


def read_blind_file(path: str | Path, n_classes: int = 3,
                    allowed: Allowed | None = None) -> np.ndarray:
    """Rows (n, 3) int64 = seq_index, danceability, time, sorted by seq_index; no repeats."""
    path = Path(path)
    lines = _lines(path)
    table = np.array([parse_blind_row(path, n, line, n_classes, allowed) for n, line in lines],
                     dtype=np.int64).reshape(-1, 3)
    first: dict[int, int] = {}
    for (number, _), key in zip(lines, table[:, 0].tolist()):
        if key in first:
            raise LabelFileError(f"{path}, line {number}: seq_index {key} appears more than "
                                 f"once (first on line {first[key]}); expected one row a dance")
        first[key] = number
    return table[np.argsort(table[:, 0], kind="stable")]


def _write_rows(path: str | Path, rows: np.ndarray | list, durable: bool) -> Path:
    """Integer rows, sorted by their first column, one line each, written atomically."""
    table = np.asarray(rows, dtype=np.int64).reshape(len(rows), -1)
    table = table[np.argsort(table[:, 0], kind="stable")]
    text = "".join(",".join(map(str, row)) + "\n" for row in table.tolist())
    return write_text_atomic(path, text, durable=durable)


def write_label_file(path: str | Path, rows: np.ndarray | list, durable: bool = True) -> Path:
    """Write rows (R, 3) start, space, time sorted by start, atomically; returns the path."""
    return _write_rows(path, rows, durable)


def write_blind_file(path: str | Path, rows: np.ndarray | list, durable: bool = True) -> Path:
    """Write rows (n, 3) seq_index, danceability, time sorted by seq_index, atomically."""
    return _write_rows(path, rows, durable)


def write_blind_info(folder: str | Path, effort: str, n_sequences: int,
                     skeleton: dict | None = None) -> Path:
    """Record beside the blind export which effort its `time` column holds, how many rows,
    and (skeleton: Skeleton.to_dict(), None for Vicon) what the sequences' joints are."""
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {list(EFFORTS)}, got {effort!r}")
    info = {"effort": effort, "n_sequences": int(n_sequences), "columns": list(BLIND_COLUMNS),
            "na": NA, **({"skeleton": skeleton} if skeleton is not None else {})}
    return write_text_atomic(Path(folder) / BLIND_INFO_FILE, json.dumps(info, indent=1) + "\n")


def read_blind_info(folder: str | Path) -> dict | None:
    """The export's blind_export.json, or None for an export made before it was written."""
    path = Path(folder) / BLIND_INFO_FILE
    if not path.is_file():
        return None
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise LabelFileError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(info, dict) or info.get("effort") not in EFFORTS:
        raise LabelFileError(f"{path}: expected an object with effort one of {list(EFFORTS)}")
    if not isinstance(info.get("skeleton", {}), dict):
        raise LabelFileError(f"{path}: \"skeleton\" must be an object (Skeleton.to_dict)")
    return info


# ---- which recordings a label file's starts refer to (data safety, issue 12)
RECORDINGS_SUFFIX = ".recordings.json"  # beside the label CSV: labels_from_app.recordings.json


def recordings_identity_path(labels_path: str | Path) -> Path:
    """Where the identity of a label file's recordings is kept: <csv stem>.recordings.json."""
    path = Path(labels_path)
    return path.with_name(path.stem + RECORDINGS_SUFFIX)


def recordings_identity(files: Collection[str | Path], frames: Collection[int]) -> dict:
    """The recordings a label file's starts count through: names in order and trimmed frames.

    A start is a frame of the concatenated, trimmed recordings in sorted name order, so adding
    a recording whose name sorts earlier, or changing one's length, shifts every later label.
    Names that repeat (Tang et al.'s DANCE_*/skeletons.json) keep their folder's name.
    """
    names = [Path(f).name for f in files]
    if len(set(names)) < len(names):
        names = [f"{Path(f).parent.name}/{Path(f).name}" for f in files]
    return {"recordings": [{"name": name, "frames": int(n)} for name, n in zip(names, frames)],
            "note": "the recordings, in this order, that the starts of the label file beside "
                    "count through (written by the labeling app; checked by training)"}


def write_recordings_identity(labels_path: str | Path, identity: dict) -> Path:
    """Write the identity beside the label file, atomically."""
    return write_text_atomic(recordings_identity_path(labels_path),
                             json.dumps(identity, indent=1) + "\n")


def read_recordings_identity(labels_path: str | Path) -> dict | None:
    """The identity kept beside a label file, or None (a file made before it was kept)."""
    path = recordings_identity_path(labels_path)
    if not path.is_file():
        return None
    try:
        identity = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LabelFileError(f"{path}: not valid JSON ({err})") from None
    rows = identity.get("recordings") if isinstance(identity, dict) else None
    if not isinstance(rows, list) or not all(
            isinstance(r, dict) and isinstance(r.get("name"), str) and type(r.get("frames")) is int
            for r in rows):
        raise LabelFileError(f"{path}: expected an object whose \"recordings\" is a list of "
                             "{\"name\": <file name>, \"frames\": <trimmed frames>}")
    return identity


def identity_differences(saved: dict, current: dict) -> list[str]:
    """How the recordings differ from those a label file was made on ([] when the same)."""
    old = [(r["name"], r["frames"]) for r in saved["recordings"]]
    new = [(r["name"], r["frames"]) for r in current["recordings"]]
    if old == new:
        return []
    diffs = []
    old_names, new_names = [n for n, _ in old], [n for n, _ in new]
    added = [n for n in new_names if n not in old_names]
    gone = [n for n in old_names if n not in new_names]
    if added:
        diffs.append(f"added {', '.join(added)}")
    if gone:
        diffs.append(f"missing {', '.join(gone)}")
    lengths = dict(old)
    diffs += [f"{n} has {f} frames, not {lengths[n]}" for n, f in new if n in lengths and
              lengths[n] != f]
    if not diffs:
        diffs.append(f"order {new_names}, not {old_names}")
    return diffs


def check_recordings_identity(labels_path: str | Path, current: dict, allow: bool = False,
                              how_to_allow: str = "") -> list[str]:
    """Refuse (LabelFileError) when the recordings differ from those the labels were made on.

    Returns the differences (allow=True: the caller warns). No identity file: [].
    """
    saved = read_recordings_identity(labels_path)
    diffs = [] if saved is None else identity_differences(saved, current)
    if diffs and not allow:
        raise LabelFileError(
            f"the recordings differ from those the labels in {labels_path} were made on "
            f"({recordings_identity_path(labels_path).name}): {'; '.join(diffs)}. Every start "
            f"counts frames through the recordings in name order, so the labels would shift "
            f"onto other motion. Restore the recordings, or point data_pattern at the ones "
            f"labelled{how_to_allow}")
    return diffs


# ---- where each Time label came from: sidecar <csv stem>.sources.csv
# The paper-format CSV stays three columns (the published reader, np.loadtxt then per-row
# reshapes to 2 values, breaks on a fourth), so the marks live beside it. A mark holds the
# time value it was made for: if the CSV's value differs (edited since), the mark no longer
# applies and the label counts as the person's own.
SOURCES_SUFFIX = ".sources.csv"
SOURCES_HEADER = "start,time,source"
HUMAN, SUGGESTED, MACHINE = "human", "suggested", "machine"  # chosen, accepted, meter-written
LABEL_SOURCES = (HUMAN, SUGGESTED, MACHINE)
MACHINE_LABELS_FILE = "labels_machine_meter.csv"  # the machine_labels command's default name
MACHINE_DESCRIPTION = "machine labels (meter)"  # what every table of such a run says


def sources_path(labels_path: str | Path) -> Path:
    """Where the marks of a label file are kept: <csv stem>.sources.csv beside it."""
    path = Path(labels_path)
    return path.with_name(path.stem + SOURCES_SUFFIX)


def read_label_sources(labels_path: str | Path) -> dict[int, tuple[int, str]]:
    """Marks {start: (time value, source)} beside a label file; {} when it has none."""
    path = sources_path(labels_path)
    if not path.is_file():
        return {}
    lines = path.read_text().splitlines()
    if not lines or lines[0].strip() != SOURCES_HEADER:
        raise LabelFileError(f"{path}, line 1: expected the header {SOURCES_HEADER!r}")
    marks: dict[int, tuple[int, str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        *numbers, source = [cell.strip() for cell in line.split(",")]
        if source not in LABEL_SOURCES or len(numbers) != 2 or not all(
                PLAIN_INTEGER.fullmatch(cell) for cell in numbers):
            raise _row_error(path, number, line, f"expected {SOURCES_HEADER}: two integers "
                             f"and one of {', '.join(LABEL_SOURCES)}")
        marks[int(numbers[0])] = (int(numbers[1]), source)
    return marks


def write_label_sources(labels_path: str | Path, marks: Mapping[int, tuple[int, str]],
                        durable: bool = True) -> Path:
    """Write marks {start: (time, source)} (human ones left out) beside the file, atomically."""
    rows = sorted((s, t, src) for s, (t, src) in marks.items() if src != HUMAN)
    text = SOURCES_HEADER + "\n" + "".join(f"{s},{t},{src}\n" for s, t, src in rows)
    return write_text_atomic(sources_path(labels_path), text, durable=durable)


def apply_marks(rows: np.ndarray, marks: Mapping[int, tuple[int, str]]) -> list[str]:
    """Each row's (R, 3: start, space, time) source: its mark if the value matches, else human."""
    out = []
    for start, _, time in np.asarray(rows, np.int64).reshape(-1, 3).tolist():
        value, source = marks.get(start, (time, HUMAN))
        out.append(source if value == time else HUMAN)
    return out


def row_sources(labels_path: str | Path, rows: np.ndarray) -> list[str]:
    """apply_marks with the file's marks, warning for each mark the CSV no longer matches."""
    marks = read_label_sources(labels_path)
    for start, _, time in np.asarray(rows, np.int64).reshape(-1, 3).tolist():
        value, source = marks.get(start, (time, HUMAN))
        if value != time:
            log.warning("%s: start %d is marked %s for time %d but the label file holds %d "
                        "(edited since): counted as the person's own", sources_path(labels_path),
                        start, source, value, time)
    return apply_marks(rows, marks)


def label_source_counts(labels_path: str | Path) -> dict[str, int]:
    """How many rows of a label file are human, accepted suggestions and machine labels."""
    sources = row_sources(labels_path, read_label_file(labels_path, empty_ok=True))
    return {source: sources.count(source) for source in LABEL_SOURCES}


def describe_label_sources(counts: Mapping[str, int]) -> str:
    """Words for a label file's origin: "machine labels (meter)", "human labels", or the mix."""
    human, suggested, machine = (int(counts.get(s, 0)) for s in LABEL_SOURCES)
    if machine and not human + suggested:
        return MACHINE_DESCRIPTION
    if machine:
        return (f"mixed: {machine} {MACHINE_DESCRIPTION}, {human + suggested} by a person "
                f"({suggested} accepted meter suggestions)")
    if suggested:
        return f"human labels ({suggested} of {human + suggested} accepted meter suggestions)"
    return "human labels"


def label_origin(labels_path: str | Path) -> dict:
    """{"file", "source", "counts"}: what a run's tables say about the labels it learned from.

    A file that cannot be read (moved since training) gives source "unknown (<why>)" and no
    counts, so a report is still written.
    """
    try:
        counts = label_source_counts(labels_path)
    except LabelFileError as err:
        return {"file": str(labels_path), "source": f"unknown ({err})", "counts": None}
    return {"file": str(labels_path), "source": describe_label_sources(counts), "counts": counts}
