"""test_songs: the songs held out for test are named; the others split by the fractions."""
from types import SimpleNamespace

import pytest

from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.prepare import song_splits

NAMES = [f"DANCE_{s}_{i}" for s in "CRW" for i in range(4)]


def cfg(test_songs=()):
    return SimpleNamespace(test_songs=test_songs, split_fractions=(0.8, 0.2, 0.0), seed=0,
                           data_dir="data")


def test_named_test_songs_and_the_rest_by_fractions():
    held = ("DANCE_C_0", "DANCE_R_1", "DANCE_W_2")
    splits = song_splits(NAMES, cfg(held))
    assert sorted(n for n, s in splits.items() if s == "test") == sorted(held)
    assert sum(s == "valid" for s in splits.values()) == 2  # 0.2 of the other 9
    assert set(splits) == set(NAMES)


def test_an_unknown_test_song_is_named():
    with pytest.raises(DataError, match="test_songs: DANCE_X_9 not among"):
        song_splits(NAMES, cfg(("DANCE_X_9",)))
