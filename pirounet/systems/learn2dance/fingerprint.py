"""learn2dance's data fingerprint: what a run was trained on, kept in every checkpoint.

Resuming (pirounet/run/lifecycle.py) and evaluating compare it with the data loaded now, so
a song or dance that changed, came or went since training is refused (or, with
on_data_change="warn", logged). The hashes cover the prepared arrays the model reads (poses
in their units, music features), so they also notice a changed setting of the data step.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from pirounet.run.lifecycle import plain_difference, rows_changed


def _sha1(*arrays: np.ndarray) -> str:
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def data_fingerprint(prepared) -> dict[str, Any]:
    """Each song's name, split, frames and a hash of its poses and music; the vocabulary's
    hash; the pose units and music features."""
    return {
        "songs": [[s.name, s.split, int(len(s.poses)), _sha1(s.poses, s.music)]
                  for s in prepared.songs],
        "vocabulary_sha1": _sha1(prepared.vocabulary.centroids),
        "pose_units": prepared.pose_units, "music_features": prepared.music_features,
    }


def describe_change(key: str, old: Any, new: Any) -> str:
    """A difference of two fingerprints, in words (the songs by name)."""
    if key == "songs" and isinstance(old, list) and isinstance(new, list):
        return rows_changed("songs", old, new)
    if key == "vocabulary_sha1":
        return "the motion vocabulary changed"
    return plain_difference(key, old, new)
