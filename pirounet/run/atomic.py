"""Atomic file writes: a temp file in the same folder, then os.replace.

A reader (or a crash) never sees half a file: checkpoints, label CSVs, metrics and reports
are either the old version or the new one.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def atomic_open(path: str | Path, mode: str = "wb", durable: bool = False) -> Iterator[IO]:
    """Open a temp file beside `path`; on success it replaces `path`, on error it vanishes.

    durable: also fsync the file and its folder, so the new version survives a power cut.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        # mkstemp makes the file private (0600); keep the mode a user would expect.
        os.chmod(tmp, path.stat().st_mode if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable and os.name == "posix":  # make the rename itself survive a crash
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_text_atomic(path: str | Path, text: str, durable: bool = False) -> Path:
    """Write text (UTF-8) atomically; returns the path."""
    with atomic_open(path, "w", durable) as f:
        f.write(text)
    return Path(path)
