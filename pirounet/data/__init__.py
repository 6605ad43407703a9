"""Data pipeline: recordings, labels, splits and window loaders."""
from pirounet.data.labels import augment_labels, load_labels, read_label_rows
from pirounet.data.loaders import WindowLoader, cycle
from pirounet.data.mocap import DataError, Recordings, load_mocap, load_recordings
from pirounet.data.prepare import Dataset, ensure_recordings, prepare_data
from pirounet.data.splits import Split, make_split

__all__ = [
    "DataError", "Dataset", "Recordings", "Split", "WindowLoader", "augment_labels", "cycle",
    "ensure_recordings", "load_labels", "load_mocap", "load_recordings", "make_split",
    "prepare_data", "read_label_rows",
]
