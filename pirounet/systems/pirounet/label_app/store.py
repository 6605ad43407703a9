"""The labeling app's label store: one file of the label_files contract, kept in memory.

Label mode writes `start,space,time` (what training reads); blind mode writes
`seq_index,danceability,time` (what main_eval reads); both through that module's reader and
writer. Each save rewrites the whole file atomically and durably, under a lock, so a reader
never sees half a file and two concurrent saves never lose a row.

Two app instances (or the app and an editor) may share one file: every save holds a file
lock (.<name>.lock beside it) across other processes, re-reads the file when it changed on
disk since this store last read or wrote it, and only then writes its one row on top, so no
acknowledged label of the other instance is lost. At start the output is checked to be
writable, and temp files a killed save left (.<name>.*.tmp) are removed.

With marks=True (label mode) the store also keeps where each Time label came from in the
sidecar <name>.sources.csv (label_files: human, suggested = an accepted meter suggestion). Of
its two writes the one that errs towards "not the person's own" goes first: an accepted
suggestion marks before the CSV changes, a person's own label changes the CSV before the mark
is cleared, so a save killed between the two never passes a suggestion off as a human label.
"""
from __future__ import annotations

import logging
import os
import threading
from functools import partial
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

from pirounet.run.atomic import FileLock, check_writable
from pirounet.systems.pirounet.data.label_files import (
    BLIND_COLUMNS,
    HUMAN,
    LABEL_COLUMNS,
    LABEL_SOURCES,
    MACHINE,
    LabelFileError,
    apply_marks,
    read_blind_file,
    read_label_file,
    read_label_sources,
    sources_path,
    write_blind_file,
    write_label_file,
    write_label_sources,
)

__all__ = ["LabelError", "LabelFileError", "LabelStore"]

log = logging.getLogger(__name__)

Columns = Sequence[tuple[str, Collection[int]]]  # (column name, allowed values), in CSV order


class LabelError(ValueError):
    """A label that cannot be stored: unknown key, missing or unknown field, bad value."""


def _file_kind(names: Sequence[str]) -> tuple[str, Callable, Callable]:
    """(key column, reader, writer) of the label file whose value columns are `names`."""
    if tuple(names) == LABEL_COLUMNS[1:]:
        return LABEL_COLUMNS[0], partial(read_label_file, empty_ok=True), write_label_file
    if tuple(names) == BLIND_COLUMNS[1:]:
        return BLIND_COLUMNS[0], read_blind_file, write_blind_file
    raise ValueError(f"columns {list(names)} are neither {list(LABEL_COLUMNS[1:])} nor "
                     f"{list(BLIND_COLUMNS[1:])}")


class LabelStore:
    """The labels of one output file, kept in memory and written through on every save."""

    def __init__(self, path: str | Path, columns: Columns, valid_keys: Collection[int],
                 marks: bool = False):
        self.path = Path(path)
        self.columns = [(name, frozenset(allowed)) for name, allowed in columns]
        self.names = [name for name, _ in self.columns]
        self.marks = marks and tuple(self.names) == LABEL_COLUMNS[1:]  # label mode only
        self._marks: dict[int, tuple[int, str]] = {}  # start -> (time, source) when marks
        self.valid_keys = frozenset(valid_keys)
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[int, ...]] = {}
        self._seen: tuple[int, int, int] | None = None  # the file's identity when last read
        self._key_name, self._read, self._write = _file_kind(self.names)
        if self.path.exists() and not self.path.is_file():
            raise LabelFileError(f"{self.path} is not a file (a folder?); expected the label "
                                 "CSV to read and write")
        try:
            target = check_writable(self.path)
        except OSError as err:
            raise LabelFileError(f"label output {self.path} is not writable: {err}") from None
        self._lock_path = target.with_name(f".{target.name}.lock")
        with self._file_lock():
            self._remove_stale_temps(target)
            if self.marks:
                self._remove_stale_temps(sources_path(target))
            if self.path.exists():
                self._rows = self._load()

    def _file_lock(self) -> FileLock:
        """The lock every instance on this file holds while it reads and writes it."""
        return FileLock(self._lock_path, blocking=True)

    @staticmethod
    def _remove_stale_temps(target: Path) -> None:
        """Delete .<name>.*.tmp that a save killed mid-write (kill -9) left beside the file."""
        for tmp in target.parent.glob(f".{target.name}.*.tmp"):
            log.warning("removing %s, left by an interrupted save", tmp)
            tmp.unlink(missing_ok=True)

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _load(self) -> dict[int, tuple[int, ...]]:
        """Rows {key: values} of the existing file, checked against this data's keys."""
        allowed = {self._key_name: self.valid_keys, **dict(self.columns)}
        seen = self._identity()
        table = self._read(self.path, allowed=allowed)
        if self.marks:
            self._marks = read_label_sources(self.path)
        self._seen = seen
        return {row[0]: tuple(row[1:]) for row in table.tolist()}

    def _refresh(self) -> None:
        """Re-read the file if another instance saved since (call holding self._lock)."""
        if self._identity() not in (self._seen, None):
            try:
                with self._file_lock():
                    self._rows = self._load()
            except LabelFileError as err:  # keep what this instance knows; saves re-check
                log.warning("could not re-read %s: %s", self.path, err)

    def labels(self) -> dict[int, dict[str, int]]:
        """A snapshot {key: {column: value}} of every stored row."""
        with self._lock:
            self._refresh()
            return {key: dict(zip(self.names, values)) for key, values in self._rows.items()}

    def sources(self) -> dict[int, str]:
        """{key: source} of every stored row (all human without marks)."""
        with self._lock:
            self._refresh()
            keys = list(self._rows)
            rows = [(k, *self._rows[k]) for k in keys]
            return dict(zip(keys, apply_marks(rows, self._marks) if self.marks else
                            [HUMAN] * len(keys)))

    def save(self, key: int, values: Mapping[str, object], source: str = HUMAN) -> None:
        """Validate one row and store it, replacing the key's old row; durable on return.

        source: where the Time value came from (marks=True only): human or suggested.
        """
        row = self._validate(key, values)
        if source not in LABEL_SOURCES or source == MACHINE or (source != HUMAN
                                                               and not self.marks):
            raise LabelError(f"a label saved here is human or an accepted suggestion (label "
                             f"mode), got source {source!r}")
        with self._lock, self._file_lock():
            if self._identity() not in (self._seen, None):  # another writer changed it
                self._rows = self._load()
            rows = {**self._rows, key: row}
            table = [(k, *rows[k]) for k in rows]
            marks = {k: m for k, m in self._marks.items() if k != key}
            if source != HUMAN:
                marks[key] = (row[self.names.index(LABEL_COLUMNS[2])], source)
                write_label_sources(self.path, marks)  # mark first: see the module docstring
            self._write(self.path, table, durable=True)
            if self.marks and source == HUMAN and key in self._marks:
                write_label_sources(self.path, marks)  # the person's label is in: clear the mark
            self._rows, self._marks = rows, marks
            self._seen = self._identity()

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
