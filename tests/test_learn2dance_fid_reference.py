"""The real training reference of FID_k / FID_g is drawn like the generated set: same N,
lengths and style mix (a known answer on dances whose frames say where they came from)."""
import numpy as np

from pirounet.systems.learn2dance.music2dance.data import Song
from pirounet.systems.learn2dance.music2dance.evaluation import drawn_training_dances

FPS, WINDOW = 25.0, 10


def song(name: str, frames: int, style: str | None, value: float = 0.0) -> Song:
    """A song of `frames` frames whose every pose coordinate is `value` (its dance's id)."""
    return Song(name, np.zeros((frames, 3), np.float32), np.zeros(1, np.int64),
                np.full((frames, 15, 2), value, np.float32), "train", FPS, style=style)


def source_ids(pieces: list[np.ndarray]) -> set[float]:
    return {float(v) for p in pieces for v in np.unique(p)}


def test_same_windows_as_the_song_from_its_style_only():
    train = [song("w1", 35, "W", 1), song("w2", 25, "W", 2), song("r1", 200, "R", 3)]
    held = song("held_w", 57, "W")  # 5 whole windows: more than any one waltz holds
    for seed in range(20):
        pieces = drawn_training_dances(held, train, WINDOW, np.random.default_rng(seed))
        assert sum(len(p) for p in pieces) == 5 * WINDOW  # the generated dance's N
        assert all(len(p) % WINDOW == 0 and len(p) > 0 for p in pieces)
        assert source_ids(pieces) <= {1.0, 2.0}  # never the rumba


def test_a_style_no_training_dance_has_draws_from_all_and_random_starts_vary():
    train = [song("w1", 100, "W", 1), song("r1", 100, "R", 3)]
    held = song("held_t", 40, "T")
    seen = set()
    for seed in range(30):
        pieces = drawn_training_dances(held, train, WINDOW, np.random.default_rng(seed))
        assert sum(len(p) for p in pieces) == 4 * WINDOW
        seen |= source_ids(pieces)
    assert seen == {1.0, 3.0}


def test_training_dances_shorter_than_a_window_give_nothing_and_stop():
    train = [song("w1", 5, "W", 1)]
    assert drawn_training_dances(song("held", 50, "W"), train, WINDOW,
                                 np.random.default_rng(0)) == []
