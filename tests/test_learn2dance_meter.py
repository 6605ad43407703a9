"""The song descriptor's meter (song_features="sound_tempo_meter"): bars of 3 beats vs 2 or 4.

Songs made here: clicks on every beat under chords that change on each bar's first beat, in
3/4 (a waltz's bar) and 4/4 (a rumba's); and a tiny motion library whose songs differ in
meter, where sound and tempo alone choose the wrong songs.
"""
import numpy as np
import pytest
import soundfile

from pirounet.music.features import BEAT_CHANNEL, music_features
from pirounet.metrics.beats import beat_times
from pirounet.run.config import ConfigError
from pirounet.systems.learn2dance.music2dance.beat_sync import LibraryError, MotionLibrary
from pirounet.systems.learn2dance.music2dance.generate import (DanceModel, GenerationSettings,
                                                               PlaybackError)
from pirounet.systems.learn2dance.music2dance.settings import EVALUATION, TRAINING
from pirounet.systems.learn2dance.music2dance.song_match import (HARMONY, song_meter,
                                                                 standardized, with_meter)

FPS, HOP = 30.0, 512
SR = int(FPS * HOP)
CHORDS = [(261.6, 329.6, 392.0), (349.2, 440.0, 523.3), (392.0, 493.9, 587.3),
          (220.0, 261.6, 329.6)]  # C, F, G, A minor (Hz)


def chord_song(beats_per_bar: int, period: float = 0.5, seconds: float = 30.0,
               seed: int = 0) -> np.ndarray:
    """Audio (seconds * SR,): a click every period s, a new chord on each bar's first beat."""
    t = np.arange(int(seconds * SR)) / SR
    beat = np.floor(t / period).astype(int)  # (N,) which beat each sample is in
    chord = np.random.default_rng(seed).permutation(len(CHORDS))[
        (beat // beats_per_bar) % len(CHORDS)]  # (N,) the bar's chord
    y = np.zeros_like(t)
    for c, notes in enumerate(CHORDS):
        y += (chord == c) * sum(np.sin(2 * np.pi * f * t) for f in notes) / 6
    since = t - beat * period  # (N,) seconds since the beat
    y += 0.8 * np.exp(-since / 0.01) * np.random.default_rng(seed + 1).normal(size=len(t))
    return y.astype(np.float32)


def features(path) -> tuple[np.ndarray, np.ndarray]:
    """fact35 features (T, 35) of an audio file and its tracked beats (s)."""
    music = music_features(path, "fact35", FPS, HOP)
    return music, beat_times(music[:, BEAT_CHANNEL], FPS)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_meter_tells_bars_of_3_from_bars_of_4_in_audio(tmp_path, seed):
    meters = {}
    for bar in (3, 4):
        soundfile.write(tmp_path / f"bar{bar}.wav", chord_song(bar, seed=seed), SR)
        music, beats = features(tmp_path / f"bar{bar}.wav")
        assert len(beats) > 30 and np.median(np.diff(beats)) == pytest.approx(0.5, abs=0.04)
        meters[bar] = song_meter(music, beats, FPS)
        # the tracker's octave errors leave the sign as it is: beats at double tempo (a bar
        # of 3 is then 6 beats long, one of 4 is 8) or at half tempo
        doubled = np.sort(np.concatenate([beats, (beats[:-1] + beats[1:]) / 2]))
        meters[bar, "double"] = song_meter(music, doubled, FPS)
        meters[bar, "half"] = song_meter(music, beats[::2], FPS)
    assert not np.isnan(list(meters.values())).any()
    assert min(meters[3], meters[3, "double"], meters[3, "half"]) > 0.2
    assert max(meters[4], meters[4, "double"], meters[4, "half"]) < -0.2


def harmony_features(beats_per_bar: int, n_beats: int = 48, period_frames: int = 15,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """fact35-shaped features (T, 35): chroma changing every bar, noise elsewhere; beats (s)."""
    rng = np.random.default_rng(seed)
    music = rng.normal(size=(n_beats * period_frames, 35)).astype(np.float32)
    chords = rng.random((n_beats // beats_per_bar + 1, 12))  # (bars, 12)
    bar = np.arange(len(music)) // (period_frames * beats_per_bar)
    music[:, HARMONY[35][0]] = chords[bar] + 0.05 * rng.normal(size=(len(music), 12))
    return music, np.arange(n_beats) * period_frames / FPS


def test_the_meter_needs_enough_beats_and_reads_only_the_harmony():
    music, beats = harmony_features(3)
    assert song_meter(music, beats, FPS) > 0.3
    assert np.isnan(song_meter(music, beats[:20], FPS))  # under 3 x 8 beats: unknown
    assert np.isnan(song_meter(music, None, FPS))
    music[:, :21] = 0.0  # no onsets or timbre: the harmony alone gives the same value
    assert song_meter(music, beats, FPS) == pytest.approx(song_meter(*harmony_features(3),
                                                                     FPS))
    duple, beats = harmony_features(4)
    assert song_meter(duple, beats, FPS) < -0.1


def test_published512_reads_its_mel_bands_not_its_tempogram():
    rng = np.random.default_rng(0)
    n_beats, period = 48, 15
    bar = np.arange(n_beats * period) // (period * 3)  # bars of 3 beats
    music = np.concatenate([rng.random((n_beats // 3 + 1, 128))[bar],  # mel: a chord a bar
                            rng.normal(size=(n_beats * period, 384))], axis=1)
    music[:, 128:][(np.arange(len(music)) // (period * 4)) % 2 == 1] += 3.0  # tempogram: 4s
    assert song_meter(music, np.arange(n_beats) * period / FPS, FPS) > 0.3


def test_standardized_weighs_tempo_and_meter_each_as_much_as_the_sound():
    rng = np.random.default_rng(0)
    raw = with_meter(rng.normal(size=(20, 9)), rng.normal(size=20))  # 8 sound, tempo, meter
    z = standardized(raw, raw, parts=2)
    assert np.allclose((z[:, :8] ** 2).sum(1).mean(), 1.0)
    assert np.allclose((z[:, 8] ** 2).mean(), 1.0) and np.allclose((z[:, 9] ** 2).mean(), 1.0)
    nan_meters = with_meter(raw[:, :9], np.full(20, np.nan))  # no meter known: no distance
    assert np.array_equal(standardized(nan_meters, nan_meters, 2)[:, 9], np.zeros(20))


def dance(where: float, n: int) -> np.ndarray:
    """A dance (n, 15, 2) around x = where that stops every 0.5 s."""
    phase = (np.arange(n) / FPS) % 0.5 / 0.5
    ramp = (phase * phase * (3 - 2 * phase))[:, None, None]
    return (where + ramp * np.ones((n, 15, 2))).astype(np.float32)


def meter_library() -> MotionLibrary:
    """Four training songs: waltzes (bars of 3) and rumbas (bars of 4); the waltzes' other
    features sit near a louder level, which the new song shares with the rumbas."""
    tunes = [harmony_features(3, seed=1), harmony_features(3, seed=2),
             harmony_features(4, seed=3), harmony_features(4, seed=4)]
    tunes[0][0][:, :21] += 1.0
    tunes[1][0][:, :21] += 1.0
    n = len(tunes[0][0])
    return MotionLibrary.of([dance(100.0 * i, n) for i in range(4)],
                            [np.arange(n // 30) % 3 for _ in range(4)],
                            [b for _, b in tunes], 30, FPS, ["w1", "w2", "r1", "r2"],
                            [m for m, _ in tunes], ["W", "W", "R", "R"])


def test_with_the_meter_a_waltz_is_danced_from_the_waltzes():
    lib = meter_library()
    assert lib.meters[0] > 0 and lib.meters[1] > 0 and lib.meters[2] < 0 and lib.meters[3] < 0
    waltz, beats = harmony_features(3, seed=9)  # a new waltz, as quiet as the rumbas
    assert lib.music_style(waltz, beats, 1) == "R"  # sound and tempo alone: wrong
    assert lib.music_style(waltz, beats, 1, features="sound_tempo_meter") == "W"
    allowed = lib.style_segments(waltz, beats, 2, features="sound_tempo_meter")
    assert set(lib.songs[allowed].tolist()) == {0, 1}
    near = lib.near_segments(waltz, beats, 1, name="w1", features="sound_tempo_meter")
    assert set(lib.songs[near].tolist()) == {1}  # the song itself is never danced from
    again = MotionLibrary.from_arrays(lib.to_arrays())
    assert np.allclose(again.meters, lib.meters)


def test_a_library_saved_before_the_meter_says_so():
    old = MotionLibrary.from_arrays({k: v for k, v in meter_library().to_arrays().items()
                                     if k != "meters"})
    waltz, beats = harmony_features(3, seed=9)
    assert old.music_style(waltz, beats, 1) == "R"  # sound_tempo still works
    with pytest.raises(LibraryError, match="no song meters.*song_features=sound_tempo"):
        old.style_segments(waltz, beats, 1, features="sound_tempo_meter")
    model = DanceModel(None, None, None, np.zeros((3, 30, 15, 2), np.float32), "aligned", FPS,
                       library=old)
    with pytest.raises(PlaybackError, match="song_features=sound_tempo"):
        model.play(np.zeros(len(waltz) // 30, np.int64), len(waltz), beats,
                   GenerationSettings(segment_songs="style", song_features="sound_tempo_meter"),
                   waltz)


@pytest.mark.parametrize("value", ["'meter'", "'sound'", "''"])
def test_song_features_refuses_unknown_values(value):
    for settings in (TRAINING, EVALUATION):
        with pytest.raises(ConfigError, match="song_features.*not allowed"):
            settings.load([f"--song_features={value}"])
    assert TRAINING.load().song_features == "sound_tempo_meter"
    assert EVALUATION.load(["--song_features='sound_tempo'"]).song_features == "sound_tempo"
