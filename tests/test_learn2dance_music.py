"""learn2dance music input: formats, aligned features, beats at known frames, the cache."""
import numpy as np
import pytest
import soundfile

from pirounet.music import features as music
from pirounet.systems.learn2dance.cache import cached, content_key
from pirounet.music.errors import DataError

SR = 22050  # how the test songs are written; features read them at fps * hop


def click_track(bpm: float, seconds: float, first: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Samples (N,) at SR of short 1 kHz clicks, and the click times (B,) in seconds."""
    times = np.arange(first, seconds - 0.2, 60.0 / bpm)
    y = np.zeros(int(seconds * SR), dtype=np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(400) / SR) * np.exp(-np.arange(400) / 80)
    for t in times:
        i = int(round(t * SR))
        y[i:i + 400] += click.astype(np.float32)
    return y, times


@pytest.mark.parametrize("bpm,fps", [(120, 30.0), (97, 25.0)])
def test_click_track_beats_land_on_the_known_frames(tmp_path, bpm, fps):
    y, times = click_track(bpm, 12.0)
    soundfile.write(tmp_path / "clicks.wav", y, SR)
    features = music.music_features(tmp_path / "clicks.wav", "fact35", fps, 512)
    assert features.shape == (1 + int(12.0 * fps * 512) // 512, 35)
    beats = np.flatnonzero(features[:, music.BEAT_CHANNEL])
    expected = np.round(times * fps)  # pose frame t is at t / fps seconds
    assert len(beats) >= len(expected) - 2  # the tracker may skip the first or last beat
    assert np.abs(beats[:, None] - expected[None]).min(axis=1).max() <= 1
    peaks = np.flatnonzero(features[:, music.FACT35_CHANNELS["onset_peaks"]])
    assert np.abs(peaks[:, None] - expected[None]).min(axis=1).max() <= 1


def test_published512_shape_and_log1p(tmp_path):
    y, _ = click_track(100, 6.0)
    soundfile.write(tmp_path / "clicks.wav", y, SR)
    features = music.music_features(tmp_path / "clicks.wav", "published512", 30.0, 512)
    assert features.shape == (181, 512) and features.dtype == np.float32
    assert features.min() > -1e-6  # log1p of non-negative power and tempogram (to rounding)
    assert features[:, 128:].max() <= np.log1p(1.0) + 1e-5  # the tempogram is max-normalised


@pytest.mark.parametrize("suffix", [".flac", ".ogg", ".mp3"])
def test_other_formats_read_like_wav(tmp_path, suffix):
    y, times = click_track(120, 4.0)
    soundfile.write(tmp_path / f"a{suffix}", y, SR)
    features = music.music_features(tmp_path / f"a{suffix}", "fact35", 30.0, 512)
    assert abs(len(features) - 121) <= 2  # mp3 adds a little padding
    peaks = np.flatnonzero(features[:, music.FACT35_CHANNELS["onset_peaks"]])
    assert np.abs(peaks[:, None] - np.round(times * 30)[None]).min(axis=1).max() <= 1


def test_bad_audio_names_the_file(tmp_path):
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(DataError, match=r"junk.wav: unreadable audio"):
        music.read_audio(tmp_path / "junk.wav", 15360)
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(DataError, match=r"empty.wav: audio is empty"):
        music.read_audio(tmp_path / "empty.wav", 15360)
    with pytest.raises(DataError, match=r"song.m4a: not a song file"):
        music.read_audio(tmp_path / "song.m4a", 15360)


def test_cache_hits_on_same_content_and_settings_and_misses_otherwise(tmp_path):
    song = tmp_path / "a.wav"
    soundfile.write(song, click_track(120, 2.0)[0], SR)
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3)}

    key = content_key([song], {"fps": 30})
    first = cached(tmp_path / "cache", "music", key, compute, keys=("x",))
    again = cached(tmp_path / "cache", "music", content_key([song], {"fps": 30}), compute,
                   keys=("x",))
    assert len(calls) == 1 and (first["x"] == again["x"]).all()
    assert content_key([song], {"fps": 25}) != key  # a setting changes the key
    soundfile.write(song, click_track(100, 2.0)[0], SR)  # so does the content
    assert content_key([song], {"fps": 30}) != key


def test_onset_shift_0_is_librosas_tempogram_and_1_its_envelope_one_frame_earlier(tmp_path):
    import librosa
    y, _ = click_track(100, 6.0)
    soundfile.write(tmp_path / "clicks.wav", y, SR)
    sr = music.sample_rate(30.0, 512)
    raw = music.read_audio(tmp_path / "clicks.wav", sr)
    mel = librosa.feature.melspectrogram(y=raw, sr=sr, hop_length=512, n_mels=128)
    tempogram = librosa.feature.tempogram(y=raw, sr=sr, hop_length=512, win_length=384)
    published = np.log1p(np.concatenate([mel, tempogram])).T  # as the published notebook
    as_published = music.music_features(tmp_path / "clicks.wav", "published512", 30.0, 512,
                                        onset_shift=0)
    np.testing.assert_allclose(as_published, published, rtol=1e-5, atol=1e-6)
    envelope = librosa.onset.onset_strength(y=raw, sr=sr, hop_length=512)
    earlier = librosa.feature.tempogram(onset_envelope=np.append(envelope[1:], 0), sr=sr,
                                        hop_length=512, win_length=384)
    shifted = music.music_features(tmp_path / "clicks.wav", "published512", 30.0, 512)
    np.testing.assert_allclose(shifted[:, 128:], np.log1p(earlier).T, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(shifted, as_published)


def test_the_published_preset_sets_every_published_behaviour():
    from pirounet.systems.learn2dance.music2dance.settings import TRAINING
    cfg = TRAINING.load(["configs/learn2dance_published_code.py"])
    assert (cfg.music_standardize, cfg.onset_shift, cfg.gaps, cfg.person, cfg.mirror_x,
            cfg.mode, cfg.music_features, cfg.vocabulary_features, cfg.transitions) == (
        False, 0, "published", "published", True, "published", "published512", "published",
        "hard")
