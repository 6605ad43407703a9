"""The labeling app's CSV: one integer row per labelled block, no header, sorted by key.

Label mode writes `start_index,space,time` (what training reads); blind mode writes
`seq_index,danceability,time` (what main_eval reads). Each save rewrites the whole file
through a temp file and `os.replace`, under a lock, so a reader never sees half a file
and two concurrent saves never lose a row.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Collection, Mapping, Sequence

from pirounet.atomic import write_text_atomic

log = logging.getLogger(__name__)

Columns = Sequence[tuple[str, Collection[int]]]  # (column name, allowed values), in CSV order


class LabelError(ValueError):
    """A label that cannot be stored: unknown key, missing or unknown field, bad value."""


class LabelFileError(ValueError):
    """An existing label file that cannot be read; the message names the file and line."""


def parse_label_csv(
    path: Path, columns: Columns, valid_keys: Collection[int]
) -> dict[int, tuple[int, ...]]:
    """Rows {key: values} of an existing label file; a repeated key keeps its last row."""
    rows: dict[int, tuple[int, ...]] = {}
    first_line: dict[int, int] = {}
    width = 1 + len(columns)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number} ({line!r})"
        cells = line.split(",")
        if len(cells) != width:
            raise LabelFileError(f"{where}: expected {width} comma-separated integers")
        try:
            key, *values = (int(cell) for cell in cells)
        except ValueError:
            raise LabelFileError(
                f"{where}: expected integers only (label files have no header)"
            ) from None
        if key not in valid_keys:
            raise LabelFileError(f"{where}: {key} is not a block of this data")
        for (name, allowed), value in zip(columns, values):
            if value not in allowed:
                raise LabelFileError(f"{where}: {name} must be one of {sorted(allowed)}")
        if key in rows:
            log.warning(
                "%s: key %d was already labelled on line %d; keeping this later row",
                where, key, first_line[key],
            )
        rows[key] = tuple(values)
        first_line[key] = number
    return rows


def write_label_csv(path: Path, rows: Mapping[int, Sequence[int]]) -> None:
    """Write rows sorted by key, atomically and durably (fsync of the file and its folder)."""
    text = "".join(f"{key},{','.join(map(str, rows[key]))}\n" for key in sorted(rows))
    write_text_atomic(path, text, durable=True)


class LabelStore:
    """The labels of one output file, kept in memory and written through on every save."""

    def __init__(self, path: str | Path, columns: Columns, valid_keys: Collection[int]):
        self.path = Path(path)
        self.columns = [(name, frozenset(allowed)) for name, allowed in columns]
        self.names = [name for name, _ in self.columns]
        self.valid_keys = frozenset(valid_keys)
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[int, ...]] = {}
        if self.path.exists():
            self._rows = parse_label_csv(self.path, self.columns, self.valid_keys)

    def labels(self) -> dict[int, dict[str, int]]:
        """A snapshot {key: {column: value}} of every stored row."""
        with self._lock:
            return {key: dict(zip(self.names, values)) for key, values in self._rows.items()}

    def save(self, key: int, values: Mapping[str, object]) -> None:
        """Validate one row and store it, replacing the key's old row; durable on return."""
        row = self._validate(key, values)
        with self._lock:
            rows = {**self._rows, key: row}
            write_label_csv(self.path, rows)
            self._rows = rows

    def _validate(self, key: object, values: Mapping[str, object]) -> tuple[int, ...]:
        # bool is an int subclass, and JSON true must not pass for 1.
        if type(key) is not int or key not in self.valid_keys:
            raise LabelError(f"unknown block {key!r}")
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise LabelError(f"unknown field(s) {unknown}; expected {self.names}")
        row = []
        for name, allowed in self.columns:
            if name not in values:
                raise LabelError(f"missing {name}")
            value = values[name]
            if type(value) is not int or value not in allowed:
                raise LabelError(f"{name} must be an integer in {sorted(allowed)}, got {value!r}")
            row.append(value)
        return tuple(row)
