"""beat_sync with segment_songs="nearest": segments come from the songs most like this one."""
import io

import numpy as np
import pytest
import torch

from pirounet.systems.learn2dance.music2dance.beat_sync import (LibraryError, MotionLibrary,
                                                                beat_sync_poses,
                                                                beats_at_octave)
from pirounet.systems.learn2dance.music2dance.generate import (DanceModel, GenerationSettings,
                                                               PlaybackError)
from pirounet.systems.learn2dance.music2dance.song_match import (folded_log_period,
                                                                 nearest_songs, song_descriptor)

FPS = 30.0
N = 300  # frames of each song (10 s)


def music(loud: float, period: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, 4) of a song: noise around a level, and its beats (s) every period."""
    rng = np.random.default_rng(seed)
    return (loud + 0.1 * rng.normal(size=(N, 4))).astype(np.float32), np.arange(0.5, 10, period)


def dance(where: float, seed: int) -> np.ndarray:
    """A dance (N, 15, 2) around x = where that stops every 0.5 s: its song is read from x."""
    rng = np.random.default_rng(seed)
    phase = (np.arange(N) / FPS) % 0.5 / 0.5
    ramp = (phase * phase * (3 - 2 * phase))[:, None, None]
    keys = rng.normal(size=(N // 15 + 2, 15, 2))
    k = np.arange(N) // 15
    return (where + keys[k] + ramp * (keys[k + 1] - keys[k])).astype(np.float32)


SONGS = {"loud_a": (1.0, 0.5), "loud_b": (1.1, 0.5), "soft_a": (-1.0, 0.75),
         "soft_b": (-1.1, 0.75)}


def library() -> MotionLibrary:
    """Four training songs, two loud and fast, two soft and slow; song i dances at x = 100 i."""
    tunes = [music(loud, period, i) for i, (loud, period) in enumerate(SONGS.values())]
    dances = [dance(100.0 * i, i) for i in range(len(SONGS))]
    moves = [np.arange(N // 30) % 3 for _ in dances]
    return MotionLibrary.of(dances, moves, [b for _, b in tunes], 30, FPS, list(SONGS),
                            [m for m, _ in tunes])


def sources(poses: np.ndarray, beats: np.ndarray) -> set[int]:
    """Which training songs (by their x = 100 i) the segments of a dance came from.

    Read just before each beat, where a segment ends and its joining offset has faded out.
    """
    ends = np.round(beats * FPS).astype(int) - 1
    return set(np.round(poses[ends[ends < N], :, 0].mean(axis=1) / 100).astype(int).tolist())


def test_folded_tempo_is_the_same_at_double_and_half_tempo():
    assert folded_log_period(np.arange(0, 10, 0.6)) == pytest.approx(np.log(0.6))
    for period in (0.25, 0.5, 1.0):  # 240, 120, 60 BPM: one octave apart
        assert folded_log_period(np.arange(0, 20, period)) == pytest.approx(np.log(0.5))
    assert np.isnan(folded_log_period(np.array([1.0])))


def test_nearest_songs_by_sound_and_tempo():
    raw = np.stack([song_descriptor(*music(loud, period, i))
                    for i, (loud, period) in enumerate(SONGS.values())])
    query = song_descriptor(*music(1.05, 0.5, 9))  # loud and fast
    assert nearest_songs(raw, query, 2).tolist() in ([0, 1], [1, 0])
    excluded = np.array([True, False, False, False])
    assert nearest_songs(raw, query, 2, excluded)[0] == 1
    assert 0 not in nearest_songs(raw, query, 4, excluded)


def test_segments_come_from_the_nearest_songs_never_the_song_itself():
    lib = library()
    assert lib.song_names == list(SONGS) and len(lib.descriptors) == 4
    tune, beats = music(1.05, 0.5, 9)  # a new loud, fast song
    moves = np.random.default_rng(0).integers(0, 3, N // 30)
    allowed = lib.near_segments(tune, beats, 2)
    assert set(lib.songs[allowed].tolist()) == {0, 1}
    assert sources(beat_sync_poses(moves, lib, beats, N, 30, allowed=allowed), beats) <= {0, 1}
    allowed = lib.near_segments(*music(-1.05, 0.75, 9), 2)  # a soft, slow one
    assert sources(beat_sync_poses(moves, lib, beats, N, 30, allowed=allowed), beats) <= {2, 3}
    # the song being danced is one of the library's (its own dance held out): never played
    allowed = lib.near_segments(tune, beats, 1, name="loud_a")
    assert set(lib.songs[allowed].tolist()) == {1}
    soft, soft_beats = music(-1.0, 0.75, 2)  # soft_a's own song: soft_b is the nearest left
    assert set(lib.songs[lib.near_segments(soft, soft_beats, 1, "soft_a")].tolist()) == {3}


def test_library_with_songs_survives_a_checkpoint():
    lib = library()
    buffer = io.BytesIO()
    arrays = {k: v if k == "song_names" else torch.as_tensor(v)
              for k, v in lib.to_arrays().items()}
    torch.save({"motion_library": arrays}, buffer)
    buffer.seek(0)
    again = MotionLibrary.from_arrays(torch.load(buffer, weights_only=True)["motion_library"])
    assert again.song_names == lib.song_names
    assert np.array_equal(again.songs, lib.songs)
    assert np.allclose(again.descriptors, lib.descriptors)


def test_a_library_saved_before_song_descriptors_says_so():
    old = {k: v for k, v in library().to_arrays().items()
           if k not in ("songs", "song_names", "descriptors")}
    lib = MotionLibrary.from_arrays(old)
    tune, beats = music(1.0, 0.5, 0)
    with pytest.raises(LibraryError, match="no song descriptors.*segment_songs=all"):
        lib.near_segments(tune, beats, 2)
    model = DanceModel(None, None, None, np.zeros((3, 30, 15, 2), np.float32), "aligned", FPS,
                       library=lib)
    moves = np.zeros(N // 30, np.int64)
    with pytest.raises(PlaybackError, match="segment_songs=all"):
        model.play(moves, N, beats, GenerationSettings(segment_songs="nearest"), tune)
    poses = model.play(moves, N, beats, GenerationSettings(segment_songs="all"), tune)
    assert poses.shape == (N, 15, 2)


def test_beats_meet_the_near_songs_tempo_octave():
    """A song tracked at 167 BPM danced with segments of 0.72 s: a segment every other beat."""
    beats = 0.1 + 0.36 * np.arange(20)
    assert np.allclose(beats_at_octave(beats, 0.72), beats[::2])
    assert np.allclose(beats_at_octave(beats, 0.40), beats)  # the same octave: as they are
    halves = beats_at_octave(beats, 0.18)
    assert len(halves) == 39 and np.allclose(np.diff(halves), 0.18)


def tiny_model(library: MotionLibrary | None) -> DanceModel:
    """An untrained model on 4 music features and 3 moves of 30 frames."""
    from pirounet.systems.learn2dance.music2dance.data import MusicScaler
    from pirounet.systems.learn2dance.music2dance.model import (ModelSettings, MusicEncoder,
                                                                PoseDecoder)
    torch.manual_seed(0)
    settings = ModelSettings(music_dim=4, music_emb=8, hidden=8, layers=1, n_moves=3)
    centroids = np.stack([dance(0.0, 10 + k)[:30] for k in range(3)])
    return DanceModel(MusicEncoder(settings).eval(), PoseDecoder(settings).eval(),
                      MusicScaler.identity(4), centroids, "aligned", FPS, library=library,
                      beat_channel=None)


def songs(styles: dict[str, str], split: str):
    """Songs of the tiny library's kind, one per name, with the given styles."""
    from pirounet.systems.learn2dance.music2dance.data import Song
    out = []
    for i, (name, style) in enumerate(styles.items()):
        tune, beats = music(1.0 if i % 2 else -1.0, 0.5, 20 + i)
        out.append(Song(name, tune, np.arange(N // 30) % 3, dance(0.0, 20 + i), split, FPS,
                        beats, style))
    return out


def test_style_figure_leaves_out_a_style_no_training_song_has():
    from pirounet.metrics.beats import SIGMA_S, SMOOTH_S
    from pirounet.systems.learn2dance.music2dance.evaluation import evaluate_songs, grouped
    train = songs({"w1": "W", "r1": "R", "w2": "W"}, "train")
    held = songs({"w3": "W", "r2": "R", "t1": "T"}, "test")
    result = evaluate_songs(tiny_model(None), held, train, GenerationSettings(playback="published"),
                            4, 0, SIGMA_S, SMOOTH_S, 2.0, 10)
    style = grouped(result, SIGMA_S)["style"]
    assert style["not_scored"]["styles"] == ["T"] and style["styles"] == ["R", "W"]
    assert set(style["per_style"]) <= {"R", "W"}
    for value in (style["generated"]["mean"], *(v["mean"] for v in style["per_style"].values())):
        assert 0.0 <= value <= 1.0


def test_evaluation_refuses_a_held_out_song_in_the_library():
    from pirounet.metrics.beats import SIGMA_S, SMOOTH_S
    from pirounet.systems.learn2dance.music2dance.evaluation import evaluate_songs
    held = songs({"loud_a": "W", "soft_a": "R"}, "test")  # the library's own songs
    with pytest.raises(ValueError, match="held-out songs loud_a, soft_a are in the motion"):
        evaluate_songs(tiny_model(library()), held, held, GenerationSettings(), 2, 0, SIGMA_S,
                       SMOOTH_S, 2.0, 10)
    # ... unless the data changed and the user evaluates anyway (on_data_change="warn")
    result = evaluate_songs(tiny_model(library()), held, held, GenerationSettings(), 2, 0,
                            SIGMA_S, SMOOTH_S, 2.0, 10, allow_in_library=True)
    assert result


def test_a_song_tracked_at_double_tempo_does_not_set_the_octave_for_all():
    """Two near songs, one cut every 0.72 s and one (tracked at double tempo, and longer)
    every 0.36 s, with three times as many segments: each song counts once, so a song with
    0.64-s beats is danced on its beats, not on every half beat."""
    dances = [np.tile(dance(0.0, 0), (2, 1, 1))[:int(12 * FPS)],
              np.tile(dance(100.0, 1), (2, 1, 1))[:int(18 * FPS)]]
    moves = [np.zeros(-(-len(d) // 30), np.int64) for d in dances]
    beats = [np.arange(0.0, 12, 0.72), np.arange(0.0, 18, 0.36)]
    per_segment = MotionLibrary.of(dances, moves, beats, 30, FPS)  # no song names
    everything = np.ones(len(per_segment), bool)
    assert per_segment.typical_length(everything) / FPS < 0.45  # the fast song's 0.36 s
    lib = MotionLibrary.of(dances, moves, beats, 30, FPS, ["slow", "fast"],
                           [np.zeros((len(d), 4), np.float32) for d in dances])
    assert 0.45 < lib.typical_length(everything) / FPS < 0.6  # between 0.36 and 0.72
    song_beats = np.arange(0.0, 10, 0.64)
    assert np.allclose(beats_at_octave(song_beats, lib.typical_length(everything) / FPS),
                       song_beats)
    assert len(beats_at_octave(song_beats, 0.36)) > len(song_beats)  # per segment: halves


def test_the_true_moves_oracle_plays_the_held_out_dances_own_moves():
    """Training waltzes dance move 0 only and rumbas move 1 only; held-out songs do the same.
    Played from their own moves, every dance's moves name its style (as the real ones do)."""
    from pirounet.metrics.beats import SIGMA_S, SMOOTH_S
    from pirounet.systems.learn2dance.music2dance.evaluation import evaluate_songs, grouped
    train = songs({"w1": "W", "r1": "R", "w2": "W", "r2": "R"}, "train")
    held = songs({"w3": "W", "r3": "R", "w4": "W", "r4": "R"}, "test")
    for song in train + held:
        song.moves[:] = 0 if song.style == "W" else 1
    gen = GenerationSettings(playback="published")
    oracle = grouped(evaluate_songs(tiny_model(None), held, train, gen, 6, 0, SIGMA_S,
                                    SMOOTH_S, 2.0, 10, true_moves=True), SIGMA_S)["style"]
    assert oracle["real_dance"]["mean"] == 1.0
    assert oracle["played_moves"]["mean"] == 1.0 and oracle["played_moves"]["std"] == 0.0
