"""Synthetic songs: drums, bass and tones at a steady tempo, written as WAV.

Each song has a style, a tempo (80-140 BPM) and a key. The style sets the metre and the
drum pattern: rock (4/4, kick on 1 and 3, snare on 2 and 4, eighth-note hats), electro
(4/4, kick on every beat, claps on 2 and 4, off-beat hats), waltz (3/4, kick on 1, chords on
2 and 3) and funk (4/4, syncopated kick, snare on 2 and 4, sixteenth-note hats). A bass
plays the chord roots and tones play the chords of a I-V-vi-IV progression, one per bar.
Beats fall at first_beat + k * 60 / bpm seconds; those times are the ground truth.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SAMPLE_RATE = 22050  # Hz of the written WAV files
STYLES = ("rock", "electro", "waltz", "funk")
TEMPO_RANGE = {"rock": (100, 140), "electro": (118, 135), "waltz": (80, 110),
               "funk": (88, 115)}  # BPM; every style lies in 80-140
BEATS_PER_BAR = {"rock": 4, "electro": 4, "waltz": 3, "funk": 4}
# Drum hits as (instrument, position in beats within the bar, gain).
DRUMS = {
    "rock": [("kick", 0, 1.0), ("snare", 1, 0.8), ("kick", 2, 1.0), ("snare", 3, 0.8)]
    + [("hat", i / 2, 0.25) for i in range(8)],
    "electro": [("kick", b, 1.0) for b in range(4)] + [("snare", 1, 0.6), ("snare", 3, 0.6)]
    + [("hat", b + 0.5, 0.2) for b in range(4)],
    "waltz": [("kick", 0, 0.9), ("snare", 1, 0.35), ("snare", 2, 0.35)],
    "funk": [("kick", 0, 1.0), ("kick", 1.75, 0.6), ("kick", 2.5, 0.7), ("snare", 1, 0.8),
             ("snare", 3, 0.8)] + [("hat", i / 4, 0.15) for i in range(16)],
}
PROGRESSION = (0, 7, 9, 5)  # I-V-vi-IV: chord roots in semitones above the key
MAJOR_TRIAD, MINOR_TRIAD = (0, 4, 7), (0, 3, 7)


@dataclass(frozen=True)
class SongPlan:
    """Everything needed to render a song and to dance to it."""

    name: str
    style: str
    bpm: float
    beats_per_bar: int
    first_beat: float  # seconds
    seconds: float
    key: int  # MIDI note of the tonic in the bass octave

    @property
    def beat_period(self) -> float:
        return 60.0 / self.bpm

    def beat_times(self) -> np.ndarray:
        """(B,) times of every beat inside the song, seconds."""
        return np.arange(self.first_beat, self.seconds - 1e-9, self.beat_period)

    def bar_starts(self) -> np.ndarray:
        """(N,) times of every bar's first beat (the downbeats), seconds."""
        return self.beat_times()[::self.beats_per_bar]

    def to_dict(self) -> dict:
        return asdict(self)


def plan_song(rng: np.random.Generator, name: str, seconds: float, style: str | None = None
              ) -> SongPlan:
    """A random song plan: style (given or drawn), tempo in the style's range, key."""
    style = style or str(rng.choice(STYLES))
    low, high = TEMPO_RANGE[style]
    return SongPlan(name=name, style=style, bpm=float(round(rng.uniform(low, high), 1)),
                    beats_per_bar=BEATS_PER_BAR[style],
                    first_beat=float(round(rng.uniform(0.2, 0.6), 3)), seconds=float(seconds),
                    key=int(rng.integers(33, 45)))


def _decay(seconds: float, tau: float, sr: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return np.exp(-t / tau)


def _drum(kind: str, rng: np.random.Generator, sr: int) -> np.ndarray:
    """One drum hit's samples."""
    if kind == "kick":
        t = np.arange(int(0.35 * sr)) / sr
        freq = 45 + 75 * np.exp(-t / 0.04)  # pitch drops from 120 to 45 Hz
        return np.sin(2 * np.pi * np.cumsum(freq) / sr) * _decay(0.35, 0.12, sr)
    if kind == "snare":
        n = int(0.2 * sr)
        noise = np.diff(rng.normal(size=n + 1))  # brighter than white noise
        tone = np.sin(2 * np.pi * 185 * np.arange(n) / sr)
        return (0.5 * noise + 0.5 * tone) * _decay(0.2, 0.05, sr)
    n = int(0.05 * sr)  # hat: very bright, very short
    return 0.5 * np.diff(rng.normal(size=n + 2), 2) * _decay(0.05, 0.012, sr)


def _tone(midi: float, seconds: float, sr: int, harmonics: int, tau: float) -> np.ndarray:
    """A plucked note: a few harmonics under a fast attack and an exponential decay."""
    t = np.arange(int(seconds * sr)) / sr
    freq = 440.0 * 2 ** ((midi - 69) / 12)
    wave = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, harmonics + 1))
    return wave * np.minimum(t / 0.005, 1.0) * np.exp(-t / tau)


def _add(track: np.ndarray, sound: np.ndarray, start: float, sr: int, gain: float) -> None:
    i = int(round(start * sr))
    if i < len(track):
        n = min(len(sound), len(track) - i)
        track[i:i + n] += gain * sound[:n]


def render_song(plan: SongPlan, rng: np.random.Generator, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The song's samples (N,) float32 in [-1, 1]."""
    track = np.zeros(int(plan.seconds * sr))
    beat = plan.beat_period
    for bar, start in enumerate(plan.bar_starts()):
        for kind, position, gain in DRUMS[plan.style]:
            if position < plan.beats_per_bar:
                _add(track, _drum(kind, rng, sr), start + position * beat, sr, gain)
        root = plan.key + PROGRESSION[bar % len(PROGRESSION)]
        triad = MINOR_TRIAD if PROGRESSION[bar % len(PROGRESSION)] == 9 else MAJOR_TRIAD
        for b in range(plan.beats_per_bar):  # bass on every beat, octave up on the last
            note = root + (12 if b == plan.beats_per_bar - 1 else 0)
            _add(track, _tone(note, beat, sr, 4, 0.25), start + b * beat, sr, 0.35)
        chord_beats = (1, 2) if plan.style == "waltz" else (0, 2)
        for b in chord_beats:  # tones: the chord two octaves above the bass
            for interval in triad:
                _add(track, _tone(root + 24 + interval, 2 * beat, sr, 2, 0.4),
                     start + b * beat, sr, 0.12)
    return (0.9 * track / max(np.abs(track).max(), 1e-9)).astype(np.float32)
