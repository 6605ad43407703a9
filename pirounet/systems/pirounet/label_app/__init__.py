"""The labeling app: a local web page to label Laban efforts of recordings or blind sequences.

    python -m pirounet.systems.pirounet.label_app [--data 'data/mariel_*.npy'] \
        [--out data/labels_from_app.csv]
    python -m pirounet.systems.pirounet.label_app --blind results/<name>/to_be_labeled/
"""
from pirounet.systems.pirounet.label_app.server import LabelApp, make_server
from pirounet.systems.pirounet.label_app.store import LabelError, LabelFileError, LabelStore
from pirounet.systems.pirounet.label_app.tasks import blind_task, recording_task

__all__ = [
    "LabelApp", "LabelError", "LabelFileError", "LabelStore", "blind_task", "make_server",
    "recording_task",
]
