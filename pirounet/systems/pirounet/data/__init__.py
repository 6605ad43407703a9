"""Data pipeline: recordings, labels, splits and window loaders.

Loaders, splits and prepare_data pull in torch and scikit-learn, so they are imported on
first use: `python -m pirounet.systems.pirounet.data.synthetic` and the label app start without them.
"""
from importlib import import_module

from pirounet.systems.pirounet.data.labels import augment_labels, load_labels, read_label_rows
from pirounet.systems.pirounet.data.mocap import DataError, Recordings, load_mocap, load_recordings

_LAZY = {
    "WindowLoader": "loaders", "cycle": "loaders",
    "Dataset": "prepare", "ensure_recordings": "prepare", "prepare_data": "prepare",
    "Split": "splits", "make_split": "splits",
}

__all__ = [
    "DataError", "Recordings", "augment_labels", "load_labels", "load_mocap", "load_recordings",
    "read_label_rows", *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"pirounet.systems.pirounet.data.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'pirounet.systems.pirounet.data' has no attribute {name!r}")
