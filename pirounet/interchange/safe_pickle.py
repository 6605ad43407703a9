"""Read an AIST++ pickle without running anything it carries.

`pickle.load` calls whatever callable a file names, so a `.pkl` dropped into `poses/` could
run `os.system` during `prepare`. This unpickler resolves only the names numpy arrays and
scalars are rebuilt from (across numpy 1.x and 2.x module paths and pickle protocols 2-5);
dicts, lists, tuples, strings and numbers need no name at all. Any other name refuses the
file before it is called.
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

ALLOWED = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # protocol 2 writes an array's raw bytes as latin-1 text
})


class ForbiddenName(pickle.UnpicklingError):
    """The pickle names something other than a numpy array, dtype or scalar."""


class ArraysOnlyUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds numpy arrays and plain containers, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise ForbiddenName(f"it names {module}.{name}; only numpy arrays and plain "
                                "containers are read")
        return super().find_class(module, name)


def load_arrays(path: str | Path) -> Any:
    """The contents of a pickle holding only numpy arrays, numbers, strings and containers."""
    data = Path(path).read_bytes()
    return ArraysOnlyUnpickler(io.BytesIO(data)).load()
