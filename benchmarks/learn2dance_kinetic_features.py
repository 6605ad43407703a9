"""Benchmark: learn2dance's 2-D kinetic features against Bailando's on the same windows.

    python benchmarks/learn2dance_kinetic_features.py DATA_DIR [--window_s=4] [--key=value ...]

Cuts every real dance of a learn2dance data folder into the evaluation's windows and computes
the kinetic features both ways, per joint and window:

    here       pirounet.metrics.features.kinetic_features: velocity = the plain difference of
               two frames, energy expenditure = |second difference| (an acceleration)
    Bailando   AIST++/Bailando's KineticFeatures (sliding_window=2): velocity = the mean of
               the five frame differences around the frame, energy expenditure with its
               operator-precedence quirk (v1 = p[t] - p[t-1] / dt), which makes it grow with
               where the joint is rather than how it accelerates

and prints the median ratio here / Bailando of each feature kind, with its 10th-90th
percentiles. The windowed mean shrinks everything that changes within five frames
(detector jitter, quick reversals), so the plain differences give larger kinetic energies.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pirounet.metrics.features import kinetic_features  # noqa: E402
from pirounet.skeletons import OPENPOSE_15  # noqa: E402
from pirounet.systems.learn2dance.music2dance.evaluation import windows  # noqa: E402
from pirounet.systems.learn2dance.prepare import prepare  # noqa: E402
from pirounet.systems.learn2dance.music2dance.settings import TRAINING  # noqa: E402

SLIDING = 2  # Bailando's sliding_window


def windowed_difference_mean(p: np.ndarray) -> np.ndarray:
    """(T - 1, J, D): at frame i (1..T-1) the mean of p[i+j] - p[i+j-1], j in -2..2, in range."""
    d = np.diff(p, axis=0)  # d[k] = p[k+1] - p[k]: frame k+1's difference
    out = np.empty_like(d)
    for i in range(1, len(p)):
        lo, hi = max(i - SLIDING, 1), min(i + SLIDING, len(p) - 1)
        out[i - 1] = d[lo - 1:hi].mean(axis=0)
    return out


def bailando_kinetic(p: np.ndarray, fps: float) -> np.ndarray:
    """Bailando's KineticFeatures of one window p (T, J, 2), y up: (J, 3)."""
    dt = 1.0 / fps
    v = windowed_difference_mean(p) / dt  # (T - 1, J, 2)
    ke_h, ke_v = (v[..., 0] ** 2).mean(0), (v[..., 1] ** 2).mean(0)
    acc = np.zeros((len(p) - 1,) + p.shape[1:])
    for i in range(1, len(p)):
        terms = [((p[i + j + 1] - p[i + j]) / dt - (p[i + j] - p[i + j - 1] / dt)) / dt
                 for j in range(-SLIDING, SLIDING + 1) if i + j - 1 >= 0 and i + j + 1 < len(p)]
        acc[i - 1] = np.mean(terms, axis=0) if terms else 0.0
    energy = np.linalg.norm(acc, axis=-1).mean(0)
    return np.stack([ke_h, ke_v, energy], axis=-1)


def main(argv: list[str]) -> None:
    """Print the ratios of the module doc for one data folder."""
    if not argv or argv[0].startswith("--"):
        sys.exit(__doc__)
    window_s = float(next((a.split("=")[1] for a in argv if a.startswith("--window_s=")), 4))
    rest = [a for a in argv[1:] if not a.startswith("--window_s=")]
    cfg = TRAINING.load([f"--data_dir={argv[0]}", "--progress=False", *rest])
    prepared = prepare(cfg)
    fps = prepared.songs[0].fps
    pixels = [prepared.to_pixels(s, s.poses) for s in prepared.songs]  # as the dancer stood
    seqs = windows(pixels, int(round(window_s * fps)))[:60]  # (N, L, 15, 2)
    root = seqs[:, :1, OPENPOSE_15.index["MidHip"]]  # Bailando: relative to the first root
    seqs = seqs - root[:, :, None]
    here = kinetic_features(seqs, fps, skeleton=OPENPOSE_15).reshape(len(seqs), 15, 3)
    theirs = np.stack([bailando_kinetic(s.astype(np.float64), fps) for s in seqs])
    print(f"{len(seqs)} windows of {window_s:g} s at {fps:g} fps; ratio here / Bailando, "
          "median [10th, 90th percentile] over windows and joints")
    for k, kind in enumerate(("kinetic energy, horizontal", "kinetic energy, vertical",
                              "energy expenditure")):
        ratio = (here[..., k] / np.maximum(theirs[..., k], 1e-12)).ravel()
        low, mid, high = np.percentile(ratio, [10, 50, 90])
        print(f"  {kind:28s} {mid:8.3g}  [{low:.3g}, {high:.3g}]")


if __name__ == "__main__":
    main(sys.argv[1:])
