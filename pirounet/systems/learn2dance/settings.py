"""learn2dance's data settings: its defaults file and the allowed values of its data keys.

learn2dance_config.py lives at the top of a checkout; an installed package reads the copy its
wheel ships (see pirounet.run.config.defaults_file). The rule table below, with the model's
(music2dance/settings.py), is checked when a config is loaded, before anything is read or
written:

    cfg = TRAINING.load(["configs/x.py", "--n_moves=64"])   # music2dance/settings.py
"""
from __future__ import annotations

import re
from typing import Any

from pirounet.run import config as core
from pirounet.run.rules import Rule, at_least, between, folder_name, one_of

DEFAULT_CONFIG = core.defaults_file("learn2dance_config.py")

SYSTEM = "learn2dance"  # the `system` key of the defaults file, recorded in every run
POSE_FORMATS = ("auto", "body25", "coco18", "coco17", "aist")  # poses.py
PERSON_RULES = ("track", "published")  # poses.py: follow one dancer | people[0]
GAP_RULES = ("interpolate", "published")  # poses.py: fill short gaps | carry forward
LONG_GAP_RULES = ("error", "flag")
MUSIC_FEATURES = ("fact35", "published512")  # pirounet/music/features.py
BEAT_PHASES = ("low_band", "tracker")  # pirounet/music/features.py
VOCABULARY_FEATURES = ("normalized", "published")  # vocabulary.py
MAX_FPS = 240.0  # pose frames a second: high-speed video; more is a typo (audio is read at
#   fps * audio_hop samples a second, so --fps=10000 asked for 3.7 GiB)


def regular_expression(value: Any) -> str | None:
    """None, or a regular expression that compiles."""
    if value is None:
        return None
    try:
        re.compile(value)
    except (re.error, TypeError) as err:
        return f"a regular expression ({err})"
    return None


def split_fractions(value: Any) -> str | None:
    """Three non-negative shares (train, valid, test) with a positive train share."""
    ok = (len(value) == 3 and all(isinstance(f, (int, float)) and f >= 0 for f in value)
          and value[0] > 0)
    return None if ok else "3 entries (train, valid, test), each >= 0, train > 0"


def song_names(value: Any) -> str | None:
    """A tuple of song names (strings)."""
    ok = isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value)
    return None if ok else "a tuple of song names, e.g. (\"DANCE_C_2\", \"DANCE_W_1\")"


DATA_RULES: dict[str, Rule] = {
    "system": one_of(SYSTEM),
    "run_name": folder_name,
    "synthetic_songs": at_least(1),
    "synthetic_seconds": at_least(4.0),
    "fps": between(0, MAX_FPS, open_low=True),
    "pose_format": one_of(*POSE_FORMATS),
    "aist_view": between(0, 8),
    "person": one_of(*PERSON_RULES),
    "confidence_threshold": between(0, 1),
    "gaps": one_of(*GAP_RULES),
    "max_gap_seconds": at_least(0),
    "long_gaps": one_of(*LONG_GAP_RULES),
    "music_features": one_of(*MUSIC_FEATURES),
    "audio_hop": at_least(16),
    "onset_shift": between(0, 4),
    "beat_phase": one_of(*BEAT_PHASES),
    "chunk_frames": at_least(2),
    "n_moves": at_least(1),
    "vocabulary_features": one_of(*VOCABULARY_FEATURES),
    "split_fractions": split_fractions,
    "test_songs": song_names,
    "style_pattern": regular_expression,
}
