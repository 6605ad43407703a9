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
    A symlink is followed: its target gets the new contents and the link stays a link.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
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


def check_writable(path: str | Path) -> Path:
    """Raise PermissionError (naming what is wrong) unless an atomic write to path can succeed.

    Tries what atomic_open does: a temp file in the (link-resolved) folder, then a rename onto
    path; nothing is left behind.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a file to write")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)  # as atomic_open would
    except OSError as err:
        raise PermissionError(f"cannot write {path}: cannot make its folder {folder} "
                              f"({err.strerror})") from None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise PermissionError(f"cannot write {path}: cannot create files in {folder} "
                              f"({err.strerror})") from None
    os.close(fd)
    os.unlink(tmp)
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(f"cannot write {path}: the file is read-only")
    return target


def write_text_atomic(path: str | Path, text: str, durable: bool = False) -> Path:
    """Write text (UTF-8) atomically; returns the path."""
    with atomic_open(path, "w", durable) as f:
        f.write(text)
    return Path(path)


class LockedError(RuntimeError):
    """Another process holds the lock; the message names the lock file and its holder's pid."""


RELOCK_TRIES = 10  # a lock file replaced this many times in a row while locking it: give up


def _same_file(fd: int, path: Path) -> bool:
    """Whether the open file fd is still the file at path (not removed or replaced)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


class FileLock:
    """An advisory lock (flock) on a small file, released by release() or at process exit.

    The lock file holds the holder's pid, so a refusal can name it. The lock is tied to the
    open file, so a killed holder (even kill -9) releases it: no stale lock is ever left. On
    systems without fcntl (Windows) it does nothing.
    """

    def __init__(self, path: str | Path, blocking: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            return
        for _ in range(RELOCK_TRIES):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except OSError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise LockedError(f"{self.path} is locked by another process (pid {holder})"
                                  ) from None
            if _same_file(fd, self.path):
                break
            # The holder removed the file while this process waited on its copy (a failed
            # run cleans up its empty folder): that lock guards nothing, so lock the new file.
            os.close(fd)
        else:
            raise LockedError(f"{self.path} kept being replaced while locking it")
        self._fd = fd
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Unlock (closing the file releases the flock); safe to call twice."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FileLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()
