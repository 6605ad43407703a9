"""An automatic Laban Time-Effort meter from end-effector acceleration.

Laban Time runs from sustained (low) to sudden (high). In the computable-descriptor
literature (Larboulette & Gibet 2015, "A review of computable expressive descriptors of
human motion") Time is measured by the acceleration of the end effectors. The meter finds
them by body role, not by marker name, so it measures any skeleton: the score of a window is
the mean, over frames and over the five roles head, left hand, right hand, left foot and right
foot (equal weights), of the role's mean second-difference acceleration magnitude (a role of
several markers averages them: VICON_53's head is 4 markers, each hand and foot 2).

The meter turns scores into classes 0/1/2 (low/medium/high) with two thresholds, assuming
a higher score means a higher Time effort. `fit` picks the pair (t1 <= t2) that maximises
balanced accuracy on real labelled windows, so the rarer high class counts as much as the
common low one. Candidate thresholds are the midpoints between consecutive distinct scores
(evenly subsampled by rank to at most n_candidates); all pairs are scored at once from
per-class counts, and ties go to the lowest thresholds, so fitting is deterministic.
Without labels, `from_quantiles` cuts the scores of unlabelled windows into thirds.

`probabilities` softens the cut into an ordinal logistic in log score: P(class > k) =
sigmoid((log s - log t_k) / width). `fit` picks the width that maximises the likelihood of the
labels; `from_quantiles` has no labels and sets it to a quarter of the log gap between the
thresholds (uncalibrated). The labeling app shows P of the suggested class as its confidence.

    meter = EffortMeter(skeleton=VICON_53).fit(train_seqs, train_labels)
    real_acc = accuracy(test_labels, meter.predict(test_seqs))  # the meter's own accuracy
    rate = effort_recognition_rate(meter, gen_seqs, cond_labels)  # on generated dances
    json.dump({"effort_meter": meter.to_dict(), ...}, f)

Report both numbers: the recognition rate means little unless the meter itself beats
chance on real data. Generated motion that is jittery reads as sudden.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pirounet.metrics.classification import accuracy
from pirounet.metrics.kinematics import acceleration
from pirounet.skeletons import VICON_53, Skeleton, SkeletonError

FPS = VICON_53.fps
METER_ROLES = ("head", "Lhand", "Rhand", "Lfoot", "Rfoot")  # body roles the meter measures
N_CLASSES = 3
WIDTHS = np.geomspace(0.01, 10.0, 121)  # candidate logistic widths, in log-score units
UNCALIBRATED_WIDTH_SHARE = 0.25  # from_quantiles: width = this x log(t2 / t1)
SCORE_FLOOR = 1e-12  # scores are clipped here before the log (a perfectly still window)


def role_matrix(skeleton: Skeleton) -> np.ndarray:
    """(5, J) matrix averaging each meter role's joints; SkeletonError naming a lacking role."""
    skeleton.require(METER_ROLES, f"the Time-Effort meter (it measures {', '.join(METER_ROLES)})")
    empty = [role for role in METER_ROLES if not skeleton.body[role]]
    if empty:
        raise SkeletonError(f"skeleton {skeleton.name}: body point '{empty[0]}' names no "
                            "joint; the Time-Effort meter needs its joints")
    return skeleton.group_matrix({role: skeleton.body[role] for role in METER_ROLES})


def time_effort_score(seqs: np.ndarray, fps: float | None = None,
                      skeleton: Skeleton = VICON_53) -> np.ndarray:
    """Mean end-effector acceleration magnitude (N,) of sequences (N, T, J*D) or (N, T, J, D)."""
    roles = role_matrix(skeleton)  # (5, J)
    magnitude = np.linalg.norm(acceleration(seqs, fps, skeleton=skeleton), axis=-1)  # (N,T-2,J)
    return (magnitude @ roles.T.astype(magnitude.dtype)).mean(axis=(-2, -1))


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


def _ordinal_probabilities(scores: np.ndarray, thresholds: tuple, width) -> np.ndarray:
    """P (..., N, 3) of each class under the ordinal logistic; width broadcasts as (..., 1)."""
    log_s = np.log(np.maximum(scores, SCORE_FLOOR))  # (N,)
    cuts = np.log(np.maximum(np.asarray(thresholds, np.float64), SCORE_FLOOR))  # (2,)
    above = 1.0 / (1.0 + np.exp(-(log_s[:, None] - cuts) / np.asarray(width)[..., None, None]))
    above = np.clip(above, 0.0, 1.0)  # (..., N, 2): P(class > 0), P(class > 1)
    return np.stack([1.0 - above[..., 0], above[..., 0] - above[..., 1], above[..., 1]], -1)


def _fit_width(scores: np.ndarray, labels: np.ndarray, thresholds: tuple) -> float:
    """The candidate width with the highest likelihood of labels (N,) given the thresholds."""
    probs = _ordinal_probabilities(scores, thresholds, WIDTHS)  # (W, N, 3)
    picked = np.take_along_axis(probs, labels[None, :, None], axis=-1)[..., 0]  # (W, N)
    return float(WIDTHS[np.argmax(np.log(np.maximum(picked, 1e-12)).sum(axis=1))])


@dataclass
class EffortMeter:
    """Time-Effort classifier: score < t1 -> 0 (low), t1 <= score < t2 -> 1, else 2 (high)."""

    thresholds: tuple[float, float] | None = None  # (t1, t2) in score units; None = unfitted
    fps: float | None = None  # frame rate of the scores (they scale with fps²); None: skeleton's
    n_candidates: int = 512  # most candidate thresholds tried by fit
    width: float | None = None  # logistic width in log score for probabilities; None = unfitted
    calibrated: bool = False  # thresholds fitted on labels (fit), not thirds of scores
    skeleton: Skeleton = field(default=VICON_53, compare=False)  # whose roles are measured

    def __post_init__(self) -> None:
        self.fps = self.skeleton.fps if self.fps is None else float(self.fps)
        role_matrix(self.skeleton)  # a skeleton without a needed role fails here, by name

    def score(self, seqs: np.ndarray) -> np.ndarray:
        """Time-effort scores (N,) of sequences (N, T, J*D) or (N, T, J, D) of the skeleton."""
        return time_effort_score(seqs, self.fps, self.skeleton)

    def fit(self, seqs: np.ndarray, labels: np.ndarray) -> EffortMeter:
        """Calibrate the thresholds on real windows (N, T, J*D) with labels (N,) in 0..2."""
        return self.fit_scores(self.score(seqs), labels)

    def fit_scores(self, scores: np.ndarray, labels: np.ndarray) -> EffortMeter:
        """Calibrate thresholds and width on scores (N,) with labels (N,) in 0..2."""
        labels = np.asarray(labels).reshape(-1)
        scores = np.asarray(scores, np.float64).reshape(-1)
        if labels.shape != scores.shape or not np.isin(labels, np.arange(N_CLASSES)).all():
            raise ValueError(f"need one label in 0..2 per window, got {labels.shape} labels")
        labels = labels.astype(np.int64)
        self.thresholds = _fit_thresholds(scores, labels, self.n_candidates)
        self.width = _fit_width(scores, labels, self.thresholds)
        self.calibrated = True
        return self

    def from_quantiles(self, scores: np.ndarray, quantiles=(1 / 3, 2 / 3)) -> EffortMeter:
        """Uncalibrated: thresholds at quantiles of unlabelled scores (N,), thirds by default."""
        scores = np.asarray(scores, np.float64).reshape(-1)
        if scores.size == 0:
            raise ValueError("no scores to take quantiles of")
        t1, t2 = (float(q) for q in np.quantile(scores, quantiles))
        self.thresholds = (t1, t2)
        gap = np.log(max(t2, SCORE_FLOOR) / max(t1, SCORE_FLOOR))
        self.width = float(UNCALIBRATED_WIDTH_SHARE * gap) if gap > 0 else float(WIDTHS[0])
        self.calibrated = False
        return self

    def classify(self, scores: np.ndarray) -> np.ndarray:
        """Classes (N,) in 0..2 for time-effort scores (N,)."""
        if self.thresholds is None:
            raise ValueError("EffortMeter is not fitted; call fit() or from_dict() first")
        return np.searchsorted(np.asarray(self.thresholds), scores, side="right")

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """P (N, 3) of each class for scores (N,), under the ordinal logistic of the width."""
        if self.thresholds is None or self.width is None:
            raise ValueError("EffortMeter has no thresholds or width; call fit() first")
        return _ordinal_probabilities(np.asarray(scores, np.float64).reshape(-1),
                                      self.thresholds, self.width)

    def predict(self, seqs: np.ndarray) -> np.ndarray:
        """Classes (N,) in 0..2 for sequences (N, T, J*D) or (N, T, J, D) of the skeleton."""
        return self.classify(self.score(seqs))

    def to_dict(self) -> dict:
        """Plain JSON-ready settings (for metrics.json)."""
        thresholds = None if self.thresholds is None else [float(t) for t in self.thresholds]
        return {"thresholds": thresholds, "fps": float(self.fps), "n_candidates": self.n_candidates,
                "width": self.width, "calibrated": self.calibrated,
                "skeleton": self.skeleton.name, "roles": list(METER_ROLES)}

    @classmethod
    def from_dict(cls, values: dict, skeleton: Skeleton = VICON_53) -> EffortMeter:
        """Rebuild a meter from to_dict() output (older ones lack width and calibrated)."""
        thresholds = values["thresholds"]
        return cls(
            thresholds=None if thresholds is None else (float(thresholds[0]), float(thresholds[1])),
            fps=float(values["fps"]),
            n_candidates=int(values["n_candidates"]),
            width=None if values.get("width") is None else float(values["width"]),
            calibrated=bool(values.get("calibrated", thresholds is not None)),
            skeleton=skeleton,
        )


def effort_recognition_rate(
    meter: EffortMeter, gen_seqs: np.ndarray, cond_labels: np.ndarray
) -> float:
    """Fraction of conditional generations whose meter class is the label they were given."""
    return accuracy(cond_labels, meter.predict(gen_seqs))
