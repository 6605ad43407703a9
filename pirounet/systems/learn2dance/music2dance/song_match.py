"""Which training songs sound like a new song: the songs whose dances beat_sync may play.

    raw = song_descriptor(music, beats, fps)               # (2F + 1,) for music (T, F)
    near = nearest_songs(library_raw, raw, k, exclude)     # (k,) rows of library_raw (n, 2F + 1)

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
"""
from __future__ import annotations

import numpy as np

FOLD_CENTRE_S = 0.6  # beat period (s) at the middle of the folded octave (100 BPM)


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


def standardized(raw: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """raw (N, D) descriptors z-scored with reference's (n, D) statistics, parts weighted."""
    mean, std = np.nanmean(reference, 0), np.nanstd(reference, 0)
    z = np.nan_to_num((raw - mean) / np.where(std > 1e-9, std, 1.0))  # no tempo: the mean's
    sound = raw.shape[1] - 1
    return np.concatenate([z[:, :sound] / np.sqrt(sound), z[:, sound:]], axis=1)


def nearest_songs(library: np.ndarray, query: np.ndarray, k: int,
                  exclude: np.ndarray | None = None) -> np.ndarray:
    """Rows (min(k, n),) of library (n, D) nearest to query (D,), nearest first.

    exclude (n,) bool marks songs that are never chosen (the song being danced).
    """
    z = standardized(np.vstack([library, query[None]]), library)
    distance = np.linalg.norm(z[:-1] - z[-1], axis=1)  # (n,)
    if exclude is not None:
        distance[exclude] = np.inf
    order = np.argsort(distance, kind="stable")
    return order[:min(k, int(np.isfinite(distance).sum()))]
