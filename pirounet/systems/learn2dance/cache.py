"""The prepare step's cache: arrays on disk, keyed by input contents and settings.

A key is the SHA-1 of the input's bytes (every file of a folder, with its name) and of the
settings that change the result, so an edited file or a changed setting misses the cache and
an unchanged one hits it, whatever the file's name or date. Entries are .npz files written
atomically (a crash leaves no half file); deleting cache_dir is always safe.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from pirounet.run.atomic import atomic_open

CACHE_VERSION = 2  # bump when a cached computation changes meaning (2: gaps="published")


def content_key(paths: list[Path], settings: Mapping[str, Any]) -> str:
    """SHA-1 of the files' names and bytes (a folder: every file in it) and the settings."""
    digest = hashlib.sha1()
    digest.update(json.dumps({"v": CACHE_VERSION, **settings}, sort_keys=True,
                             default=str).encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_folder(cfg: Any) -> Path:
    """The cache folder of a config: cache_dir with "<data_dir>" standing for data_dir."""
    return Path(str(cfg.cache_dir).replace("<data_dir>", str(cfg.data_dir)))


def cached(cache_dir: str | Path | None, kind: str, key: str,
           compute: Callable[[], Mapping[str, np.ndarray]],
           keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays `keys` stored under cache_dir/kind/key.npz, computed and stored on a miss.

    An entry that cannot be read, or holds other names or non-numeric arrays (a torn, empty
    or foreign file), is computed again with a warning that names it.
    """
    if cache_dir is None:
        return dict(compute())
    path = Path(cache_dir) / kind / f"{key}.npz"
    if path.is_file():
        stored = _read_entry(path, keys)
        if stored is not None:
            return stored
    arrays = dict(compute())
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)
    return arrays


def _read_entry(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """The arrays of a cache entry, or None (with a warning) when it is not a good one."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except Exception as err:  # noqa: BLE001 - BadZipFile, EOFError, OSError, ValueError, ...
        reason = f"{type(err).__name__}: {err}"
    else:
        numeric = all(a.dtype.kind in "biuf" for a in arrays.values())
        if set(arrays) == set(keys) and numeric:
            return arrays
        reason = f"holds {sorted(arrays)}, expected numbers under {sorted(keys)}"
    warnings.warn(f"{path}: a bad cache entry ({reason}); computing it again", stacklevel=3)
    return None
