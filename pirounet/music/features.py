"""Music in: audio files read at the pose frame rate, and two feature sets.

Audio is read mono at sr = fps * hop samples per second, so that with a hop of `hop`
samples, audio feature frame t is centred on t / fps seconds: the time of pose frame t.
(The published code read 22050 Hz with hop 512, 43 feature frames a second, against ~24-30
pose frames a second, and never aligned the two.) Two feature sets, each (T, F) float32:

    fact35         the FACT/EDGE recipe, F = 35: onset envelope (1), MFCC (20), chroma CENS
                   (12), onset peaks one-hot (1), beats one-hot (1)
    published512   the published one, F = 512: 128-band mel power and a 384-lag tempogram,
                   each through log1p (mel rows carry the magnitude, tempogram rows the count)

Formats: WAV, FLAC, MP3 and OGG, read through soundfile (librosa.load).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import librosa
import numpy as np

from pirounet.music.errors import DataError

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")
FEATURE_DIMS = {"fact35": 35, "published512": 512}
FACT35_CHANNELS = {"envelope": slice(0, 1), "mfcc": slice(1, 21), "chroma": slice(21, 33),
                   "onset_peaks": slice(33, 34), "beats": slice(34, 35)}
BEAT_CHANNEL = 34  # fact35: 1 on the frames the beat tracker picks
N_MELS, TEMPOGRAM_LAGS = 128, 384  # published512
BEAT_TIGHTNESS = 100  # FACT's beat_track setting: stay close to one steady tempo
ONSET_LAG = 1  # frames: librosa's spectral-flux envelope peaks one hop after an onset


def sample_rate(fps: float, hop: int) -> int:
    """Audio rate (Hz) at which `hop` samples make one pose frame."""
    return int(round(fps * hop))


def read_audio(path: str | Path, sr: int) -> np.ndarray:
    """Mono samples (N,) float32 of an audio file, resampled to sr."""
    path = Path(path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise DataError(f"{path}: not a song file ({', '.join(AUDIO_SUFFIXES)})")
    try:
        with warnings.catch_warnings():  # librosa warns before a deprecated fallback reader
            warnings.simplefilter("ignore")
            y, _ = librosa.load(path, sr=sr, mono=True)
    except Exception as err:  # noqa: BLE001 - any decoder failure means an unreadable file
        raise DataError(f"{path}: unreadable audio ({type(err).__name__}: "
                                   f"{err})") from None
    if y.size == 0 or not np.isfinite(y).all():
        raise DataError(f"{path}: audio is empty or holds non-finite samples")
    return y


def one_hot(frames: np.ndarray, n: int) -> np.ndarray:
    """(n,) float32 with ones at `frames`."""
    out = np.zeros(n, dtype=np.float32)
    out[frames[(frames >= 0) & (frames < n)]] = 1.0
    return out


def onset_envelope(y: np.ndarray, sr: int, hop: int) -> np.ndarray:
    """Onset strength (T,), shifted ONSET_LAG frames earlier so a hit at t / fps peaks at t.

    (Measured on click tracks at 25-60 fps: without the shift every onset, onset peak and
    beat lands one frame late.)
    """
    envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    return np.concatenate([envelope[ONSET_LAG:], np.zeros(ONSET_LAG, envelope.dtype)])


def fact35(y: np.ndarray, sr: int, hop: int) -> np.ndarray:
    """FACT/EDGE features (T, 35), T = 1 + len(y) // hop."""
    envelope = onset_envelope(y, sr, hop)  # (T,)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, hop_length=hop, n_mfcc=20)  # (20, T)
    chroma = librosa.feature.chroma_cens(y=y, sr=sr, hop_length=hop, n_chroma=12)  # (12, T)
    n = envelope.shape[0]
    peaks = librosa.onset.onset_detect(onset_envelope=envelope, sr=sr, hop_length=hop)
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=sr, hop_length=hop,
                                       tightness=BEAT_TIGHTNESS)
    rows = [envelope[None], mfcc[:, :n], chroma[:, :n], one_hot(peaks, n)[None],
            one_hot(beats, n)[None]]
    return np.concatenate(rows, axis=0).T.astype(np.float32)


def published512(y: np.ndarray, sr: int, hop: int) -> np.ndarray:
    """Published features (T, 512): log1p of 128 mel bands and a 384-lag tempogram."""
    mel = librosa.feature.melspectrogram(y=y, sr=sr, hop_length=hop, n_mels=N_MELS)  # (128, T)
    envelope = onset_envelope(y, sr, hop)
    tempogram = librosa.feature.tempogram(onset_envelope=envelope, sr=sr, hop_length=hop,
                                          win_length=TEMPOGRAM_LAGS)  # (384, T)
    n = min(mel.shape[1], tempogram.shape[1])
    return np.log1p(np.concatenate([mel[:, :n], tempogram[:, :n]], axis=0)).T.astype(np.float32)


def music_features(path: str | Path, kind: str, fps: float, hop: int) -> np.ndarray:
    """(T, F) features of a song at `fps` frames a second (frame t at t / fps seconds)."""
    sr = sample_rate(fps, hop)
    y = read_audio(path, sr)
    with warnings.catch_warnings():  # n_fft > a very short song's length is only a warning
        warnings.simplefilter("ignore", UserWarning)
        return fact35(y, sr, hop) if kind == "fact35" else published512(y, sr, hop)
