"""A second style judge: a classifier of style trained on the real training dances' motion.

    judge = StyleJudge.fit(train_poses, train_styles, fps)   # poses (T, 15, 2), style ids
    style = judge.read(poses)                                 # a style id, -1: too short

The first judge (evaluation.py) reads a dance's moves, each 30-frame chunk on a fixed grid
named by its nearest centroid, and asks whose training moves explain them best. It reads a
playback of centroids back exactly, and a real beat-long segment placed at a new tempo as
other moves, so it judges how a dance is cut as much as how it moves. This judge sees no
moves: a logistic regression on the motion features of 2-s windows (the log of each joint's
kinetic energies and acceleration, and the geometric features of the FID_g), fitted on the
real training dances' windows, names a dance's style by the sum of its windows' log
probabilities. It reads the real held-out dances' style 1.00 on the built-in set and in each
of the Tang et al. folds A-D (docs/learn2dance_dance_quality.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from pirounet.metrics.features import geometric_features, kinetic_features
from pirounet.skeletons import OPENPOSE_15

WINDOW_S = 2.0  # a window holds a few beats: enough for a step, short enough for many windows
REGULARIZATION = 0.1  # LogisticRegression's C: strong, as a few dancers make each style
KINETIC_FLOOR = 1e-6  # added before the log: a joint that does not move


def motion_features(poses: np.ndarray, fps: float, window: int) -> np.ndarray:
    """(N, 93) log kinetic and geometric features of the whole windows of poses (T, 15, 2)."""
    n = len(poses) // window
    if n == 0:
        return np.zeros((0, 93))
    cut = np.asarray(poses[:n * window], np.float64).reshape(n, window, *poses.shape[1:])
    kinetic = kinetic_features(cut, fps, skeleton=OPENPOSE_15)  # (N, 45)
    return np.concatenate([np.log(kinetic + KINETIC_FLOOR),
                           geometric_features(cut, skeleton=OPENPOSE_15)], axis=1)


@dataclass
class StyleJudge:
    """Names a dance's style from its motion features (fitted on real training dances)."""

    mean: np.ndarray  # (93,) the training windows' feature mean
    std: np.ndarray  # (93,) and standard deviation
    classifier: LogisticRegression
    fps: float
    window: int  # frames per window

    @classmethod
    def fit(cls, dances: list[np.ndarray], styles: list[int], fps: float) -> "StyleJudge":
        """Fitted on dances (T, 15, 2) of known style ids (two styles or more)."""
        window = int(round(WINDOW_S * fps))
        feats = [motion_features(p, fps, window) for p in dances]
        x = np.concatenate(feats)
        y = np.concatenate([np.full(len(f), s) for f, s in zip(feats, styles)])
        if len(np.unique(y)) < 2:
            raise ValueError("the style judge needs training windows of two styles or more")
        mean, std = x.mean(0), x.std(0) + 1e-9
        classifier = LogisticRegression(C=REGULARIZATION, max_iter=2000)
        return cls(mean, std, classifier.fit((x - mean) / std, y), float(fps), window)

    def read(self, poses: np.ndarray) -> int:
        """The style id of poses (T, 15, 2); -1 when the dance is shorter than one window."""
        feats = motion_features(poses, self.fps, self.window)
        if len(feats) == 0:
            return -1
        log_p = self.classifier.predict_log_proba((feats - self.mean) / self.std)  # (N, C)
        return int(self.classifier.classes_[log_p.sum(0).argmax()])
