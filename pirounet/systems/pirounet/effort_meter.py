"""An automatic Laban Time-Effort meter from end-effector acceleration.

Laban Time runs from sustained (low) to sudden (high). In the computable-descriptor
literature (Larboulette & Gibet 2015, "A review of computable expressive descriptors of
human motion") Time is measured by the acceleration of the end effectors. Here the score of
a window is the mean, over frames and over the 13 end-effector markers of
VICON_53.end_effectors (4 hand, 4 foot, 5 head markers, equal weights), of the
second-difference acceleration magnitude.

The meter turns scores into classes 0/1/2 (low/medium/high) with two thresholds, assuming
a higher score means a higher Time effort. `fit` picks the pair (t1 <= t2) that maximises
balanced accuracy on real labelled windows, so the rarer high class counts as much as the
common low one. Candidate thresholds are the midpoints between consecutive distinct scores
(evenly subsampled by rank to at most n_candidates); all pairs are scored at once from
per-class counts, and ties go to the lowest thresholds, so fitting is deterministic.

    meter = EffortMeter().fit(train_seqs, train_labels)
    real_acc = accuracy(test_labels, meter.predict(test_seqs))  # the meter's own accuracy
    rate = effort_recognition_rate(meter, gen_seqs, cond_labels)  # on generated dances
    json.dump({"effort_meter": meter.to_dict(), ...}, f)

Report both numbers: the recognition rate means little unless the meter itself beats
chance on real data. Generated motion that is jittery reads as sudden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pirounet.metrics.classification import accuracy
from pirounet.metrics.kinematics import acceleration
from pirounet.skeletons import VICON_53

FPS = VICON_53.fps
END_EFFECTOR_INDICES = VICON_53.end_effector_indices  # (13,) hands, feet, head

N_CLASSES = 3


def time_effort_score(seqs: np.ndarray, fps: float = FPS) -> np.ndarray:
    """Mean end-effector acceleration magnitude (N,) of sequences (N, T, 159) or (N, T, 53, 3)."""
    acc = acceleration(seqs, fps)[..., END_EFFECTOR_INDICES, :]  # (N, T-2, 13, 3)
    return np.linalg.norm(acc, axis=-1).mean(axis=(-2, -1))


def _candidate_thresholds(scores: np.ndarray, n_candidates: int) -> np.ndarray:
    """Midpoints (K,) between consecutive distinct scores, at most n_candidates of them."""
    distinct = np.unique(scores)
    mids = 0.5 * (distinct[:-1] + distinct[1:])
    if mids.size == 0:
        raise ValueError("all scores are equal; no threshold can separate the classes")
    if mids.size > n_candidates:
        mids = mids[np.linspace(0, mids.size - 1, n_candidates).round().astype(np.int64)]
    return mids


def _fit_thresholds(scores: np.ndarray, labels: np.ndarray, n_candidates: int) -> tuple:
    """The (t1, t2), t1 <= t2, with the best balanced accuracy of the 3-class cut."""
    counts = np.bincount(labels, minlength=N_CLASSES)  # (3,)
    if np.any(counts == 0):
        raise ValueError(f"every class needs real windows to fit the meter; counts {counts}")
    cands = _candidate_thresholds(scores, n_candidates)  # (K,)
    # below[c, k]: windows of class c whose score is under candidate k.
    below = np.stack([
        np.searchsorted(np.sort(scores[labels == c]), cands, side="left")
        for c in range(N_CLASSES)
    ])  # (3, K)
    recall_low = below[0] / counts[0]  # (K,) as a function of t1
    recall_mid = (below[1][None, :] - below[1][:, None]) / counts[1]  # (K, K) [t1, t2]
    recall_high = 1.0 - below[2] / counts[2]  # (K,) as a function of t2
    balanced = (recall_low[:, None] + recall_mid + recall_high[None, :]) / 3.0
    balanced[np.tril_indices(cands.size, k=-1)] = -np.inf  # forbid t2 < t1
    i, j = np.unravel_index(np.argmax(balanced), balanced.shape)
    return float(cands[i]), float(cands[j])


@dataclass
class EffortMeter:
    """Time-Effort classifier: score < t1 -> 0 (low), t1 <= score < t2 -> 1, else 2 (high)."""

    thresholds: tuple[float, float] | None = None  # (t1, t2) in score units; None = unfitted
    fps: float = FPS  # frame rate the scores are computed at (scores scale with fps²)
    n_candidates: int = 512  # most candidate thresholds tried by fit

    def fit(self, seqs: np.ndarray, labels: np.ndarray) -> EffortMeter:
        """Calibrate the thresholds on real windows (N, T, 159) with labels (N,) in 0..2."""
        labels = np.asarray(labels).reshape(-1)
        scores = time_effort_score(seqs, self.fps)
        if labels.shape != scores.shape or not np.isin(labels, np.arange(N_CLASSES)).all():
            raise ValueError(f"need one label in 0..2 per window, got {labels.shape} labels")
        self.thresholds = _fit_thresholds(scores, labels.astype(np.int64), self.n_candidates)
        return self

    def classify(self, scores: np.ndarray) -> np.ndarray:
        """Classes (N,) in 0..2 for time-effort scores (N,)."""
        if self.thresholds is None:
            raise ValueError("EffortMeter is not fitted; call fit() or from_dict() first")
        return np.searchsorted(np.asarray(self.thresholds), scores, side="right")

    def predict(self, seqs: np.ndarray) -> np.ndarray:
        """Classes (N,) in 0..2 for sequences (N, T, 159) or (N, T, 53, 3)."""
        return self.classify(time_effort_score(seqs, self.fps))

    def to_dict(self) -> dict:
        """Plain JSON-ready settings (for metrics.json)."""
        thresholds = None if self.thresholds is None else [float(t) for t in self.thresholds]
        return {"thresholds": thresholds, "fps": float(self.fps), "n_candidates": self.n_candidates}

    @classmethod
    def from_dict(cls, values: dict) -> EffortMeter:
        """Rebuild a meter from to_dict() output."""
        thresholds = values["thresholds"]
        return cls(
            thresholds=None if thresholds is None else (float(thresholds[0]), float(thresholds[1])),
            fps=float(values["fps"]),
            n_candidates=int(values["n_candidates"]),
        )


def effort_recognition_rate(
    meter: EffortMeter, gen_seqs: np.ndarray, cond_labels: np.ndarray
) -> float:
    """Fraction of conditional generations whose meter class is the label they were given."""
    return accuracy(cond_labels, meter.predict(gen_seqs))
