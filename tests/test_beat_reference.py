"""Beats you can trust: the tracker's half-beat phase on songs whose beats are known, FACT's
motion-beat detector, and the warnings the evaluation gives when the beat reference is off."""
import numpy as np
import pytest
import soundfile

from pirounet.metrics.beats import (motion_beats, motion_beats_bailando, motion_beats_fact,
                                    relative_minima)
from pirounet.music import features as music
from pirounet.systems.learn2dance.music2dance.data import Song
from pirounet.systems.learn2dance.music2dance.evaluation import half_beat_later, real_checks
from pirounet.systems.learn2dance.music2dance.trust import (beat_reference, beat_warnings,
                                                            style_skipped)

SR = 15360  # 30 fps x hop 512: the rate the features read at


def kick_and_hat(bpm: float, seconds: float, hat_gain: float, first: float = 0.4,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A kick drum on every beat and a bright hi-hat half-way between; samples and beat times."""
    rng = np.random.default_rng(seed)
    beats = np.arange(first, seconds - 0.5, 60.0 / bpm)
    y = np.zeros(int(seconds * SR))
    t = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * np.cumsum(45 + 75 * np.exp(-t / 0.04)) / SR) * np.exp(-t / 0.1)
    for b in beats:
        i = int(round(b * SR))
        y[i:i + len(kick)] += kick[:len(y) - i]
        j = int(round((b + 30.0 / bpm) * SR))
        hat = np.diff(rng.normal(size=int(0.05 * SR) + 2), 2) * np.exp(-t[:int(0.05 * SR)] / 0.012)
        y[j:j + len(hat)] += hat_gain * hat[:max(0, len(y) - j)]
    return (0.9 * y / np.abs(y).max()).astype(np.float32), beats


def phase_of(found: np.ndarray, beats: np.ndarray, bpm: float) -> float:
    """Median phase (0..1 of a beat) of found beat times against the true beats."""
    return float(np.median(((found - beats[0]) / (60.0 / bpm)) % 1.0))


@pytest.mark.parametrize("bpm", [100, 128])
def test_the_tracker_follows_an_off_beat_hi_hat_and_the_low_band_check_moves_it_back(
        tmp_path, bpm):
    y, beats = kick_and_hat(bpm, 20.0, hat_gain=0.6)
    soundfile.write(tmp_path / "song.wav", y, SR)
    tracked, check = music.song_beats(tmp_path / "song.wav", 30.0, 512, "tracker")
    assert abs(phase_of(tracked, beats, bpm) - 0.5) < 0.1  # librosa: half a beat late
    assert not check.moved and check.margin < -0.5  # and the check says it is wrong
    fixed, check = music.song_beats(tmp_path / "song.wav", 30.0, 512, "low_band")
    assert min(phase_of(fixed, beats, bpm), 1 - phase_of(fixed, beats, bpm)) < 0.1
    assert check.moved and check.sure and abs(check.bpm - bpm) < 3
    features = music.music_features(tmp_path / "song.wav", "fact35", 30.0, 512)
    channel = np.flatnonzero(features[:, music.BEAT_CHANNEL]) / 30.0
    assert np.allclose(channel, fixed)  # the model hears the same beats


def test_without_the_hi_hat_both_phases_agree_with_the_truth(tmp_path):
    y, beats = kick_and_hat(110, 20.0, hat_gain=0.0)
    soundfile.write(tmp_path / "song.wav", y, SR)
    for phase in ("tracker", "low_band"):
        found, check = music.song_beats(tmp_path / "song.wav", 30.0, 512, phase)
        assert min(phase_of(found, beats, 110), 1 - phase_of(found, beats, 110)) < 0.1
        assert not check.moved and check.sure


# ---- FACT's and Bailando's motion-beat detectors

def stop_and_go(fps: float, stops: np.ndarray, seconds: float, jitter: float = 0.0,
                seed: int = 0) -> np.ndarray:
    """(T, 15, 2) poses moving at speed |t - nearest stop| (zero at each stop), plus jitter."""
    t = np.arange(int(seconds * fps)) / fps
    speed = np.abs(t[:, None] - stops[None]).min(axis=1)
    x = np.cumsum(speed) / fps
    poses = np.zeros((len(t), 15, 2))
    poses[..., 0] = x[:, None] * np.linspace(1, 2, 15)
    noise = np.random.default_rng(seed).normal(scale=jitter, size=poses.shape)
    return poses + noise


def test_relative_minima_match_scipy_argrelextrema():
    from scipy.signal import argrelextrema
    rng = np.random.default_rng(1)
    for _ in range(50):
        x = rng.integers(0, 6, size=int(rng.integers(1, 60))).astype(float)
        for order in (1, 4, 10):
            assert relative_minima(x, order).tolist() == argrelextrema(x, np.less,
                                                                      order=order)[0].tolist()


def test_fact_detector_finds_the_stops_of_a_dance():
    fps, stops = 60.0, np.array([1.0, 2.0, 3.0, 4.0])
    found = motion_beats_fact(stop_and_go(fps, stops, 5.0), fps)
    assert len(found) == len(stops)
    assert np.abs(found - stops).max() <= 1.5 / fps


def test_on_a_jittery_dance_fact_finds_beats_in_the_noise_that_bailando_smooths_away():
    fps, stops = 30.0, np.arange(1.0, 10.0)
    poses = stop_and_go(fps, stops, 10.0, jitter=0.01)
    fact, bailando = motion_beats_fact(poses, fps), motion_beats_bailando(poses, fps)
    assert len(bailando) == len(stops) < len(fact)
    assert motion_beats(poses, fps, "fact").tolist() == fact.tolist()
    with pytest.raises(ValueError, match="detector"):
        motion_beats(poses, fps, "edge")


# ---- the checks of the beat reference

def song(name: str, poses: np.ndarray, beats: np.ndarray, fps: float = 30.0) -> Song:
    return Song(name, np.zeros((len(poses), 35), np.float32), np.zeros(1, np.int64), poses,
                "test", fps, beats, None, "beats/x.txt")


def test_real_dances_beat_other_songs_and_half_beats_only_with_the_right_beats():
    fps, songs = 30.0, []
    for k, bpm in enumerate((90, 104, 117, 131)):
        beats = np.arange(0.5 + 0.1 * k, 19.5, 60.0 / bpm)
        songs.append(song(f"s{k}", stop_and_go(fps, beats, 20.0), beats))
    own, others, half = real_checks(songs, "fact", 0.05, 5 / 60)
    assert (own > 0.8).all() and (own > others + 0.3).all() and (own > half + 0.3).all()
    late = [song(s.name, s.poses, half_beat_later(s.beats)) for s in songs]
    own_late, _, half_late = real_checks(late, "fact", 0.05, 5 / 60)
    assert (half_late > own_late + 0.3).all()  # moving the wrong beats back scores higher


def summary(mean: float, low: float, high: float) -> dict:
    return {"mean": mean, "boot_low": low, "boot_high": high}


def test_warnings_say_in_words_when_the_reference_is_off():
    reference = {"sources": {"tracker": 12}, "tracker": {"beat_phase": "tracker",
                                                        "unsure_songs": 0}}
    scores = {"fact": {"real_dance": summary(0.08, 0.05, 0.1),
                       "real_dance_other_songs_beats": summary(0.25, 0.2, 0.3),
                       "real_dance_minus_other_songs_beats": summary(-0.17, -0.2, -0.1),
                       "real_dance_beats_half_beat_later": summary(0.6, 0.5, 0.7),
                       "real_dance_minus_half_beat_later": summary(-0.5, -0.6, -0.4)}}
    found = beat_warnings(scores, reference)
    assert len(found) == 2
    assert "no better than other songs' beats (BAS fact 0.08 against 0.25)" in found[0]
    assert "12 from tracker" in found[0]
    assert "probably half a beat off" in found[1] and "--beat_phase=low_band" in found[1]
    good = {"fact": {"real_dance": summary(0.8, 0.7, 0.9),
                     "real_dance_other_songs_beats": summary(0.25, 0.2, 0.3),
                     "real_dance_minus_other_songs_beats": summary(0.55, 0.4, 0.6),
                     "real_dance_beats_half_beat_later": summary(0.2, 0.1, 0.3),
                     "real_dance_minus_half_beat_later": summary(0.6, 0.5, 0.7)}}
    assert beat_warnings(good, reference) == []


def test_beat_reference_says_where_each_songs_beats_came_from(tmp_path):
    y, _ = kick_and_hat(120, 8.0, hat_gain=0.6)
    soundfile.write(tmp_path / "b.wav", y, SR)
    known = song("a", np.zeros((240, 15, 2)), np.array([1.0, 2.0]))
    tracked = song("b", np.zeros((240, 15, 2)), None)
    info = beat_reference([known, tracked], {"b": tmp_path / "b.wav"}, 512, "low_band")
    assert info["sources"] == {"beats/x.txt": 1, "tracker": 1}
    assert info["songs"]["b"]["moved_half_beat"] and tracked.beats is not None
    assert info["tracker"]["beat_phase"] == "low_band"


def test_style_figure_skipped_with_a_reason():
    def styled(name, style):
        s = song(name, np.zeros((30, 15, 2)), None)
        s.style = style
        return s
    assert "no styles" in style_skipped([styled("a", None)], [styled("b", None)])
    assert "one style only (W)" in style_skipped([styled("a", "W")], [styled("b", "W")])
    assert "(T; training" in style_skipped([styled("a", "W"), styled("c", "R")],
                                            [styled("b", "T")])
    assert style_skipped([styled("a", "W"), styled("c", "R")], [styled("b", "R")]) is None
    # a held-out tango beside a rumba: the rumba is scored (the tango is named in the figure)
    assert style_skipped([styled("a", "W"), styled("c", "R")],
                         [styled("b", "R"), styled("d", "T")]) is None
