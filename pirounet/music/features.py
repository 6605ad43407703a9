"""Music in: audio files read at the pose frame rate, and two feature sets.

Audio is read mono at sr = fps * hop samples per second, so that with a hop of `hop`
samples, audio feature frame t is centred on t / fps seconds: the time of pose frame t.
(The published code read 22050 Hz with hop 512, 43 feature frames a second, against ~24-30
pose frames a second, and never aligned the two.) Two feature sets, each (T, F) float32:

    fact35         the FACT/EDGE recipe, F = 35: onset envelope (1), MFCC (20), chroma CENS
                   (12), onset peaks one-hot (1), beats one-hot (1)
    published512   the published one, F = 512: 128-band mel power and a 384-lag tempogram,
                   each through log1p (mel rows carry the magnitude, tempogram rows the count)

Beats come from librosa's tracker (beat_track, tightness 100, as FACT). On a song with a
kick on every beat and a bright hi-hat between them the tracker follows the hi-hat: every beat
half a beat late. With beat_phase="low_band" (default) the tracked beats are checked against
the onsets below LOW_BAND_HZ (kick and bass) and moved half a beat when those fall between
them; "tracker" keeps the tracker's beats as they are (FACT's features).

Formats: WAV, FLAC, MP3 and OGG, read through soundfile (librosa.load).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
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
BEAT_PHASES = ("low_band", "tracker")
LOW_BAND_HZ = 150.0  # beat_phase="low_band": kick drum and bass live below this
SURE_MARGIN = 0.2  # a phase whose low-band evidence differs by less than this is unsure


@dataclass(frozen=True)
class BeatCheck:
    """How a song's beats were found and how sure the half-beat phase is."""

    bpm: float  # tempo of the tracked beats
    on_beat: float  # mean low-band onset strength at the beats (after any move)
    half_beat: float  # ... and half a beat away from them
    moved: bool  # the tracker's beats were moved half a beat (beat_phase="low_band")

    @property
    def margin(self) -> float:
        """(on - half) / (on + half): 1 sure, 0 no evidence either way, < 0 likely wrong."""
        total = self.on_beat + self.half_beat
        return float((self.on_beat - self.half_beat) / total) if total > 0 else 0.0

    @property
    def sure(self) -> bool:
        return self.margin >= SURE_MARGIN


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
        # audioread's NoBackendError carries no message: say what it means
        reason = str(err).strip() or (f"no decoder could read it; is it a whole "
                                      f"{path.suffix.lstrip('.').upper()} file?")
        raise DataError(f"{path}: unreadable audio ({type(err).__name__}: {reason})") from None
    if y.size == 0 or not np.isfinite(y).all():
        raise DataError(f"{path}: audio is empty or holds non-finite samples")
    return y


def one_hot(frames: np.ndarray, n: int) -> np.ndarray:
    """(n,) float32 with ones at `frames`."""
    out = np.zeros(n, dtype=np.float32)
    out[frames[(frames >= 0) & (frames < n)]] = 1.0
    return out


def onset_envelope(y: np.ndarray, sr: int, hop: int, shift: int = ONSET_LAG,
                   **mel: float) -> np.ndarray:
    """Onset strength (T,), moved `shift` frames earlier so a hit at t / fps peaks at t.

    (Measured on click tracks at 25-60 fps: librosa's envelope, shift 0, puts every onset,
    onset peak and beat one frame late.) `mel` goes to the mel spectrogram (fmax, n_mels).
    """
    envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop, **mel)
    return np.concatenate([envelope[shift:], np.zeros(shift, envelope.dtype)])


def _strength_near(envelope: np.ndarray, frames: np.ndarray) -> float:
    """Mean over frames of the envelope's largest value within one frame of each."""
    frames = frames[(frames >= 1) & (frames < len(envelope) - 1)]
    if frames.size == 0:
        return 0.0
    near = np.maximum(np.maximum(envelope[frames - 1], envelope[frames]), envelope[frames + 1])
    return float(near.mean())


def track_beats(y: np.ndarray, sr: int, hop: int, envelope: np.ndarray,
                phase: str = "low_band", shift: int = ONSET_LAG
                ) -> tuple[np.ndarray, BeatCheck]:
    """Beat frames (B,) from librosa's tracker, phase-checked on the low band (module doc)."""
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=sr, hop_length=hop,
                                       tightness=BEAT_TIGHTNESS)
    if len(beats) < 2:
        return beats, BeatCheck(0.0, 0.0, 0.0, False)
    period = float(np.median(np.diff(beats)))  # frames
    low = onset_envelope(y, sr, hop, shift, fmax=LOW_BAND_HZ, n_mels=16)  # (T,) kick, bass
    half = np.round(beats + period / 2).astype(int)
    half = half[half < len(envelope)]
    on, off = _strength_near(low, beats), _strength_near(low, half)
    bpm = 60 * sr / hop / period
    if phase == "low_band" and off > on:
        return half, BeatCheck(bpm, off, on, True)
    return beats, BeatCheck(bpm, on, off, False)


def fact35(y: np.ndarray, sr: int, hop: int, beat_phase: str = "low_band",
           shift: int = ONSET_LAG) -> np.ndarray:
    """FACT/EDGE features (T, 35), T = 1 + len(y) // hop."""
    envelope = onset_envelope(y, sr, hop, shift)  # (T,)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, hop_length=hop, n_mfcc=20)  # (20, T)
    chroma = librosa.feature.chroma_cens(y=y, sr=sr, hop_length=hop, n_chroma=12)  # (12, T)
    n = envelope.shape[0]
    peaks = librosa.onset.onset_detect(onset_envelope=envelope, sr=sr, hop_length=hop)
    beats, _ = track_beats(y, sr, hop, envelope, beat_phase, shift)
    rows = [envelope[None], mfcc[:, :n], chroma[:, :n], one_hot(peaks, n)[None],
            one_hot(beats, n)[None]]
    return np.concatenate(rows, axis=0).T.astype(np.float32)


def published512(y: np.ndarray, sr: int, hop: int, shift: int = ONSET_LAG) -> np.ndarray:
    """Published features (T, 512): log1p of 128 mel bands and a 384-lag tempogram."""
    mel = librosa.feature.melspectrogram(y=y, sr=sr, hop_length=hop, n_mels=N_MELS)  # (128, T)
    envelope = onset_envelope(y, sr, hop, shift)
    tempogram = librosa.feature.tempogram(onset_envelope=envelope, sr=sr, hop_length=hop,
                                          win_length=TEMPOGRAM_LAGS)  # (384, T)
    n = min(mel.shape[1], tempogram.shape[1])
    return np.log1p(np.concatenate([mel[:, :n], tempogram[:, :n]], axis=0)).T.astype(np.float32)


def music_features(path: str | Path, kind: str, fps: float, hop: int,
                   beat_phase: str = "low_band", onset_shift: int = ONSET_LAG) -> np.ndarray:
    """(T, F) features of a song at `fps` frames a second (frame t at t / fps seconds)."""
    sr = sample_rate(fps, hop)
    y = read_audio(path, sr)
    with warnings.catch_warnings():  # n_fft > a very short song's length is only a warning
        warnings.simplefilter("ignore", UserWarning)
        if kind == "fact35":
            return fact35(y, sr, hop, beat_phase, onset_shift)
        return published512(y, sr, hop, onset_shift)


def song_beats(path: str | Path, fps: float, hop: int, beat_phase: str = "low_band"
               ) -> tuple[np.ndarray, BeatCheck]:
    """A song's tracked beat times (B,) in seconds and how they were found."""
    sr = sample_rate(fps, hop)
    y = read_audio(path, sr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        beats, check = track_beats(y, sr, hop, onset_envelope(y, sr, hop), beat_phase)
    return beats / fps, check
