"""Beats of a motion and how well they meet the music's beats: the Beat Align Score (BAS).

    beats = motion_beats(poses, fps=30, detector="fact")  # seconds: the motion's pauses
    bas_fact(beats, music_beats)                          # over motion beats (FACT)
    bas_bailando(beats, music_beats)                      # over music beats (Bailando)

A motion beat is a moment where the body slows to a local stop. The two papers find them
differently, and both detectors are here, named for the paper whose code they follow:

    fact      FACT's calculate_beat_scores: the summed joint displacement of each frame (0 on
              the first), no smoothing, minima below every neighbour within 10 frames at
              60 fps (scipy's argrelextrema(np.less, order=10)); here order = 1/6 s
    bailando  Bailando's: the mean joint speed, Gaussian-smoothed (sigma 5 frames at 60 fps),
              every strict local minimum (order 1)

On a noisy dance (detector jitter) FACT's unsmoothed detector also finds beats in the noise,
which Bailando's smoothing removes, so the FACT variant scores lower with its own detector
than with Bailando's. Any skeleton and dimension: poses are (T, J, D) or (T, J * D) with D
given (2 or 3).

BAS is the mean, over the beats of one sequence, of exp(-d^2 / (2 sigma^2)), d the distance
in seconds to the nearest beat of the other sequence. The two variants in use differ in
which sequence is averaged over:

    FACT      over the motion beats, nearest music beat (0 when there is no motion beat)
    Bailando  over the music beats, nearest motion beat (0 when there is no motion beat)

sigma is 3 frames at 60 fps in both papers: 0.05 s, here given in seconds so that the score
means the same at any frame rate. Pure numpy, no learned part.
"""
from __future__ import annotations

import numpy as np

SIGMA_S = 3 / 60  # the published sigma: 3 frames at 60 fps, in seconds
SMOOTH_S = 5 / 60  # Bailando's speed smoothing: sigma 5 frames at 60 fps, in seconds
FACT_ORDER_S = 10 / 60  # FACT's argrelextrema order: 10 frames at 60 fps, in seconds
VARIANTS = ("fact", "bailando")
DETECTORS = ("fact", "bailando")  # motion-beat detectors, named for the code they follow


def gaussian_smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """x (T,) convolved with a normalised Gaussian (edges reflected); sigma 0 returns x."""
    x = np.asarray(x, np.float64)
    if sigma_frames <= 0 or len(x) < 2:
        return x.copy()
    half = int(np.ceil(4 * sigma_frames))
    taps = np.arange(-half, half + 1)
    kernel = np.exp(-0.5 * (taps / sigma_frames) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(x, half, mode="reflect" if len(x) > half else "edge")
    return np.convolve(padded, kernel, mode="valid")


def joint_speed(poses: np.ndarray, fps: float, dims: int = 2) -> np.ndarray:
    """Mean joint speed (T - 1,) in units per second; sample t is frames t -> t + 1."""
    poses = np.asarray(poses, np.float64)
    joints = poses.reshape(len(poses), -1, dims)  # (T, J, D)
    return np.linalg.norm(np.diff(joints, axis=0), axis=-1).mean(axis=-1) * fps


def local_minima(x: np.ndarray) -> np.ndarray:
    """Indices t with x[t] strictly below both neighbours (as argrelextrema(np.less))."""
    x = np.asarray(x)
    if len(x) < 3:
        return np.zeros(0, np.int64)
    inner = (x[1:-1] < x[:-2]) & (x[1:-1] < x[2:])
    return np.flatnonzero(inner) + 1


def relative_minima(x: np.ndarray, order: int) -> np.ndarray:
    """Indices t with x[t] below every x within `order` on each side, indices clipped at the
    ends (as scipy.signal.argrelextrema(x, np.less, order, mode="clip"): never the ends)."""
    x = np.asarray(x, np.float64)
    t = np.arange(len(x))
    keep = np.ones(len(x), dtype=bool)
    for shift in range(1, max(1, order) + 1):
        keep &= (x < x[np.minimum(t + shift, len(x) - 1)]) & (x < x[np.maximum(t - shift, 0)])
    return np.flatnonzero(keep)


def motion_beats_fact(poses: np.ndarray, fps: float, order_s: float = FACT_ORDER_S,
                      dims: int = 2) -> np.ndarray:
    """FACT's motion beats (n,) in seconds: minima of the summed joint displacement (T,)."""
    joints = np.asarray(poses, np.float64).reshape(len(poses), -1, dims)  # (T, J, D)
    envelope = np.zeros(len(joints))  # FACT: velocity[0] = 0, velocity[t] = p[t] - p[t-1]
    envelope[1:] = np.linalg.norm(np.diff(joints, axis=0), axis=-1).sum(axis=-1)
    return relative_minima(envelope, int(round(order_s * fps))) / fps


def motion_beats_bailando(poses: np.ndarray, fps: float, smooth_s: float = SMOOTH_S,
                          dims: int = 2) -> np.ndarray:
    """Bailando's motion beats (n,) in seconds: minima of the smoothed mean joint speed."""
    speed = gaussian_smooth(joint_speed(poses, fps, dims), smooth_s * fps)
    return local_minima(speed) / fps


def motion_beats(poses: np.ndarray, fps: float, detector: str = "bailando",
                 smooth_s: float = SMOOTH_S, dims: int = 2) -> np.ndarray:
    """Motion beat times (n,) in seconds by the named detector ("fact" or "bailando")."""
    if detector == "fact":
        return motion_beats_fact(poses, fps, dims=dims)
    if detector == "bailando":
        return motion_beats_bailando(poses, fps, smooth_s, dims)
    raise ValueError(f"detector must be one of {DETECTORS}, got {detector!r}")


def beat_times(onehot: np.ndarray, fps: float) -> np.ndarray:
    """Times (n,) in seconds of the frames a beat channel (T,) marks (> 0.5)."""
    return np.flatnonzero(np.asarray(onehot) > 0.5) / fps


def _mean_gaussian_hit(over: np.ndarray, nearest_of: np.ndarray, sigma_s: float) -> float:
    """Mean over `over` of exp(-d^2 / 2 sigma^2), d the distance to the nearest `nearest_of`."""
    over, nearest_of = np.asarray(over, np.float64), np.asarray(nearest_of, np.float64)
    if over.size == 0 or nearest_of.size == 0:
        return 0.0
    d = np.abs(over[:, None] - nearest_of[None, :]).min(axis=1)
    return float(np.exp(-(d ** 2) / (2 * sigma_s ** 2)).mean())


def bas_fact(motion: np.ndarray, music: np.ndarray, sigma_s: float = SIGMA_S) -> float:
    """FACT's BAS: over motion beats (s), the Gaussian hit of the nearest music beat (s)."""
    return _mean_gaussian_hit(motion, music, sigma_s)


def bas_bailando(motion: np.ndarray, music: np.ndarray, sigma_s: float = SIGMA_S) -> float:
    """Bailando's BAS: over music beats (s), the Gaussian hit of the nearest motion beat (s)."""
    if np.size(motion) == 0:
        return 0.0
    return _mean_gaussian_hit(music, motion, sigma_s)


def beat_align_score(motion: np.ndarray, music: np.ndarray, variant: str,
                     sigma_s: float = SIGMA_S) -> float:
    """BAS of beat times (seconds) in the named variant: "fact" or "bailando"."""
    if variant == "fact":
        return bas_fact(motion, music, sigma_s)
    if variant == "bailando":
        return bas_bailando(motion, music, sigma_s)
    raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
