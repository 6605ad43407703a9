"""Style: segments of the near songs' style (segment_songs="style") and the motion judge."""
import io

import numpy as np
import pytest
import torch

from pirounet.systems.learn2dance.music2dance.beat_sync import (LibraryError, MotionLibrary,
                                                                beat_sync_poses)
from pirounet.systems.learn2dance.music2dance.generate import (DanceModel, GenerationSettings,
                                                               PlaybackError)
from pirounet.systems.learn2dance.music2dance.style_judge import StyleJudge
from test_learn2dance_song_match import FPS, N, dance, music, songs, sources, tiny_model

# five training songs: two loud and fast (style "fast"), three soft and slow ("slow")
SONGS = {"loud_a": (1.0, 0.5, "fast"), "loud_b": (1.1, 0.5, "fast"),
         "soft_a": (-1.0, 0.75, "slow"), "soft_b": (-1.1, 0.75, "slow"),
         "soft_c": (-3.0, 0.75, "slow")}


def library(styles: bool = True) -> MotionLibrary:
    """The five songs; song i dances at x = 100 i."""
    tunes = [music(loud, period, i) for i, (loud, period, _) in enumerate(SONGS.values())]
    dances = [dance(100.0 * i, i) for i in range(len(SONGS))]
    moves = [np.arange(N // 30) % 3 for _ in dances]
    return MotionLibrary.of(dances, moves, [b for _, b in tunes], 30, FPS, list(SONGS),
                            [m for m, _ in tunes],
                            [s for *_, s in SONGS.values()] if styles else None)


def test_segments_come_from_every_song_of_the_near_songs_style():
    lib = library()
    tune, beats = music(-1.05, 0.75, 9)  # a new soft, slow song: soft_a and soft_b are near
    allowed = lib.style_segments(tune, beats, 1)
    assert set(lib.songs[allowed].tolist()) == {2, 3, 4}  # soft_c too: the same style
    moves = np.random.default_rng(0).integers(0, 3, N // 30)
    played = sources(beat_sync_poses(moves, lib, beats, N, 30, allowed=allowed), beats)
    assert played <= {2, 3, 4}
    loud, loud_beats = music(1.05, 0.5, 9)
    assert set(lib.songs[lib.style_segments(loud, loud_beats, 3)].tolist()) == {0, 1}
    # the song being danced is never played, even when it is of the style
    soft, soft_beats = music(-1.0, 0.75, 2)
    assert set(lib.songs[lib.style_segments(soft, soft_beats, 1, "soft_a")].tolist()) == {3, 4}


def test_the_most_common_style_wins_and_a_tie_goes_to_the_nearest_song():
    lib = library()
    lib.song_styles = ["fast", "fast", "slow", "fast", "slow"]  # soft_b now "fast"
    tune, beats = music(-1.05, 0.75, 9)  # nearest: soft_a, soft_b (in some order), then ...
    near = set(lib.songs[lib.near_segments(tune, beats, 2)].tolist())
    assert near == {2, 3}
    first = lib.song_styles[int(lib.songs[lib.near_segments(tune, beats, 1)][0])]
    chosen = {lib.song_styles[s] for s in lib.songs[lib.style_segments(tune, beats, 2)]}
    assert chosen == {first}  # one vote each: the nearest song's style


def test_song_styles_survive_a_checkpoint():
    lib = library()
    buffer = io.BytesIO()
    arrays = {k: v if k in ("song_names", "song_styles") else torch.as_tensor(v)
              for k, v in lib.to_arrays().items()}
    torch.save({"motion_library": arrays}, buffer)
    buffer.seek(0)
    again = MotionLibrary.from_arrays(torch.load(buffer, weights_only=True)["motion_library"])
    assert again.song_styles == ["fast", "fast", "slow", "slow", "slow"]


def test_a_library_without_styles_says_so():
    lib = library(styles=False)
    assert lib.song_styles is None and "song_styles" not in lib.to_arrays()
    tune, beats = music(1.0, 0.5, 0)
    with pytest.raises(LibraryError, match="no song styles.*segment_songs=all or nearest"):
        lib.style_segments(tune, beats, 2)
    alone = library()
    alone.song_styles = ["fast", "", "", "", ""]  # the one styled song is the one danced
    with pytest.raises(LibraryError, match="no other training song with a style"):
        alone.style_segments(tune, beats, 2, name="loud_a")
    model = DanceModel(None, None, None, np.zeros((3, 30, 15, 2), np.float32), "aligned", FPS,
                       library=lib)
    with pytest.raises(PlaybackError, match="no song styles"):
        model.play(np.zeros(N // 30, np.int64), N, beats,
                   GenerationSettings(segment_songs="style"), tune)


def test_the_default_is_style_of_the_nearest_song_and_falls_back_without_styles():
    assert (GenerationSettings().segment_songs, GenerationSettings().nearest_songs) == ("style", 1)
    styled = tiny_model(library())
    assert styled.playable(GenerationSettings()) == (GenerationSettings(), None)
    # no styles: "nearest" with the same nearest_songs; the meters are there, kept
    plain = tiny_model(library(styles=False))
    gen, why = plain.playable(GenerationSettings(nearest_songs=2, top_k=3))
    assert gen == GenerationSettings(segment_songs="nearest", nearest_songs=2, top_k=3)
    assert "fell back to nearest (nearest_songs=2)" in why and "no styles" in why
    # only "style" falls back: "all", "nearest" and the published playback stay as asked
    for asked in (GenerationSettings(segment_songs="all"),
                  GenerationSettings(segment_songs="nearest"),
                  GenerationSettings(playback="published")):
        assert plain.playable(asked) == (asked, None)
    # a library saved before the meter: sound_tempo too
    plain.library.meters = None
    gen, why = plain.playable(GenerationSettings())
    assert (gen.segment_songs, gen.song_features) == ("nearest", "sound_tempo")
    assert "no song meters" in why
    # the default dances; play() with an explicit "style" keeps its clear error
    tune, beats = music(-1.05, 0.75, 9)
    moves = plain.dance(tune, GenerationSettings(), beats=beats, name="new").moves
    with pytest.raises(PlaybackError, match="no song styles"):
        plain.play(moves, N, beats, GenerationSettings(), tune)
    # a library saved before segment_songs (no song descriptors): every song's segments
    bare = tiny_model(MotionLibrary(plain.library.poses, plain.library.bounds,
                                    plain.library.moves, FPS))
    gen, why = bare.playable(GenerationSettings())
    assert gen.segment_songs == "all" and "no song descriptors" in why
    assert bare.dance(tune, beats=beats).poses.shape == (len(tune), 15, 2)


def styled_dance(style: int, seed: int, frames: int = 600) -> np.ndarray:
    """A dance (frames, 15, 2): style 0 sways slowly and wide, style 1 shakes fast and small."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None, None] / FPS
    rest = rng.normal(scale=0.3, size=(1, 15, 2)) + np.linspace(0, 3, 15)[None, :, None]
    hz, size = (0.5, 1.0) if style == 0 else (3.0, 0.2)
    phase = rng.uniform(0, 2 * np.pi, size=(1, 15, 2))
    return (rest + size * np.sin(2 * np.pi * hz * t + phase)
            + rng.normal(scale=0.01, size=(frames, 15, 2))).astype(np.float32)


def test_the_motion_judge_names_held_out_dances_of_known_style():
    train = [styled_dance(s, seed) for seed in range(4) for s in (0, 1)]
    judge = StyleJudge.fit(train, [s for _ in range(4) for s in (0, 1)], FPS)
    for seed in range(10, 14):
        assert judge.read(styled_dance(0, seed)) == 0
        assert judge.read(styled_dance(1, seed)) == 1
    assert judge.read(styled_dance(0, 20, frames=30)) == -1  # shorter than one window
    with pytest.raises(ValueError, match="two styles"):
        StyleJudge.fit(train[:1], [0], FPS)


def test_evaluation_reports_the_judge_and_the_played_moves_style():
    from pirounet.metrics.beats import SIGMA_S, SMOOTH_S
    from pirounet.systems.learn2dance.music2dance.evaluation import evaluate_songs, grouped
    train = songs({"w1": "W", "r1": "R", "w2": "W", "r3": "R"}, "train")
    held = songs({"w3": "W", "r2": "R"}, "test")
    result = evaluate_songs(tiny_model(None), held, train, GenerationSettings(playback="published"),
                            3, 0, SIGMA_S, SMOOTH_S, 2.0, 10)
    style = grouped(result, SIGMA_S)["style"]
    for key in ("generated", "control_other_song", "real_dance"):
        assert 0.0 <= style["judge"][key]["mean"] <= 1.0
    # the published playback shows its moves' centroids: the moves read back are the played
    assert style["played_moves"]["mean"] == pytest.approx(style["generated"]["mean"])
