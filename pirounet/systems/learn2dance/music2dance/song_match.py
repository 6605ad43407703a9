"""Which training songs sound like a new song: the songs whose dances beat_sync may play.

    raw = song_descriptor(music, beats)                    # (2F + 1,) for music (T, F)
    near = nearest_songs(library_raw, raw, k, exclude)     # (k,) rows of library_raw (n, 2F + 1)
    meter = song_meter(music, beats, fps)                  # > 0: bars of 3 beats, < 0: of 2 or 4
    near = nearest_songs(with_meter(library_raw, meters), with_meter(raw, meter), k, parts=2)

A dance's style follows from its music, so a song is danced with segments of the training
dances whose songs are like it, as music-to-dance retrieval does (ChoreoMaster, Chen et al.
2021), rather than with any song's segments of the predicted move. A song is described by
two parts of equal weight:

    sound   the mean and std over the song of every music feature (timbre, harmony, onsets)
    tempo   the log of the median beat period, folded into one octave (71-141 BPM), so the
            beat tracker's double- and half-tempo errors give the same value

Each value is z-scored over the library's songs; the sound part is then divided by the square
root of its length, so that the 2F sound values together weigh as much as the tempo. Left out
in turn, the nearest song of the same style held: built-in set 0.90 (k = 1), 0.89 (2), 0.87
(3); the 15 ballroom dances of Tang et al. 2018, 0.80, 0.67, 0.62 (chance about 0.29). The
sound part alone gave 0.88 and 0.20, tempo alone 0.57 and 0.67; a meter term (the onset
envelope's correlation three beats apart against two) raised the built-in set to 0.95 and
lowered Tang's to 0.60, so it was left out.

song_features="sound_tempo_meter" (the default; "sound_tempo" is the descriptor above) adds a
third part of the same weight, the *meter*, read from the harmony instead: chords change on a bar's first beat, so the beat-to-beat change of the chroma
repeats every bar. Its autocorrelation 6 beats apart (two bars of 3, or one bar of 3 tracked
at double tempo) minus that 8 beats apart (two bars of 4, or one tracked at double tempo) is
> 0 for a waltz and < 0 for a rumba, cha-cha or tango, at either tracked tempo octave: on Tang
et al.'s 15 songs (docs/learn2dance_dance_quality.md) it parted the seven waltzes from the
eight others, and the nearest songs' style vote named each song's own style 0.87 / 0.87 /
0.93 (k = 1 / 2 / 3) instead of 0.80. Lags of 3 against 4 would be read at a double-tempo
octave as half bars.
"""
from __future__ import annotations

import warnings

import numpy as np

FOLD_CENTRE_S = 0.6  # beat period (s) at the middle of the folded octave (100 BPM)
SONG_FEATURES = ("sound_tempo", "sound_tempo_meter")  # the descriptor's parts
TRIPLE_LAG, DUPLE_LAG = 6, 8  # beats: bars of 3 (or 6) repeat at 6, bars of 2, 4 or 8 at 8
HARMONY = {35: (slice(21, 33), False), 512: (slice(0, 128), True)}  # by feature count: the
#   channels that follow the chords, and whether each is z-scored over the song first:
#   fact35's chroma (CENS, compared as it is), published512's mel bands (its tempogram does
#   not follow the chords); any other layout: every channel, z-scored


def folded_log_period(beats: np.ndarray | None) -> float:
    """log of the median beat period (s), folded into one octave around FOLD_CENTRE_S (nan:
    fewer than two beats)."""
    if beats is None or len(beats) < 2:
        return float("nan")
    low = np.log(FOLD_CENTRE_S) - np.log(2) / 2
    return float((np.log(np.median(np.diff(beats))) - low) % np.log(2) + low)


def song_descriptor(music: np.ndarray, beats: np.ndarray | None) -> np.ndarray:
    """(2F + 1,) float32: the mean and std of every feature of music (T, F), and the tempo."""
    music = np.asarray(music, np.float64)
    return np.concatenate([music.mean(0), music.std(0),
                           [folded_log_period(beats)]]).astype(np.float32)


def harmony_changes(music: np.ndarray, beats: np.ndarray | None, fps: float) -> np.ndarray:
    """(B,) how much the harmony changes from each beat to the next: the cosine distance
    between the mean harmony channels (HARMONY) of consecutive beat intervals; empty with
    fewer than three beats inside the music."""
    if beats is None:
        return np.zeros(0)
    music = np.asarray(music, np.float64)
    channels, scale = HARMONY.get(music.shape[1], (slice(None), True))
    x = music[:, channels]  # (T, H)
    if scale:  # channels of unlike scales (mel power): each z-scored, none outweighs the rest
        x = (x - x.mean(0)) / np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    frames = np.unique(np.round(np.asarray(beats) * fps).astype(int))
    frames = frames[(frames >= 0) & (frames < len(x))]
    if len(frames) < 3:
        return np.zeros(0)
    bars = np.stack([x[a:max(b, a + 1)].mean(0) for a, b in zip(frames[:-1], frames[1:])])
    norms = np.linalg.norm(bars, axis=1) + 1e-9  # (I,) intervals
    return 1 - (bars[1:] * bars[:-1]).sum(1) / (norms[1:] * norms[:-1])


def song_meter(music: np.ndarray, beats: np.ndarray | None, fps: float) -> float:
    """> 0 when the harmony of music (T, F) repeats in bars of 3 beats, < 0 in bars of 4: the
    autocorrelation of harmony_changes at TRIPLE_LAG minus that at DUPLE_LAG (nan: fewer than
    3 x DUPLE_LAG beats, or no change at all)."""
    change = harmony_changes(music, beats, fps)
    if len(change) < 3 * DUPLE_LAG or change.std() < 1e-9:
        return float("nan")
    z = (change - change.mean()) / change.std()

    def correlation(lag: int) -> float:
        return float((z[:-lag] * z[lag:]).mean())
    return correlation(TRIPLE_LAG) - correlation(DUPLE_LAG)


def with_meter(descriptors: np.ndarray, meters: np.ndarray | float) -> np.ndarray:
    """Descriptors (n, D) or (D,) with the meter (n,) or scalar appended as a last part."""
    descriptors = np.asarray(descriptors, np.float32)
    meters = np.asarray(meters, np.float32)
    return np.concatenate([descriptors, meters[..., None]], axis=-1)


def standardized(raw: np.ndarray, reference: np.ndarray, parts: int = 1) -> np.ndarray:
    """raw (N, D) descriptors z-scored with reference's (n, D) statistics, parts weighted.

    The last `parts` columns (tempo, and the meter) weigh one each; the sound columns before
    them weigh one together.
    """
    with warnings.catch_warnings():  # a column of nan only (no song long enough for a meter)
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, std = np.nanmean(reference, 0), np.nanstd(reference, 0)
    z = np.nan_to_num((raw - mean) / np.where(std > 1e-9, std, 1.0))  # no tempo: the mean's
    sound = raw.shape[1] - parts
    return np.concatenate([z[:, :sound] / np.sqrt(sound), z[:, sound:]], axis=1)


def nearest_songs(library: np.ndarray, query: np.ndarray, k: int,
                  exclude: np.ndarray | None = None, parts: int = 1) -> np.ndarray:
    """Rows (min(k, n),) of library (n, D) nearest to query (D,), nearest first.

    exclude (n,) bool marks songs that are never chosen (the song being danced); parts: how
    many one-value parts end each descriptor (1: tempo; 2: tempo and meter).
    """
    z = standardized(np.vstack([library, query[None]]), library, parts)
    distance = np.linalg.norm(z[:-1] - z[-1], axis=1)  # (n,)
    if exclude is not None:
        distance[exclude] = np.inf
    order = np.argsort(distance, kind="stable")
    return order[:min(k, int(np.isfinite(distance).sum()))]
