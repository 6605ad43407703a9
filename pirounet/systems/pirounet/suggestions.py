"""The meter's Time-Effort suggestions for label blocks: the app's hints and machine labels.

A block is seq_len frames on the published grid (starts 0, seq_len, 2 seq_len, ... through
the concatenated recordings); a block that would span two recordings is left out. Each block
gets a score from the effort meter (pirounet/systems/pirounet/effort_meter.py), and the
meter's thresholds come from, in order of preference:

    calibrated    fitted on the person's own Time labels of these blocks (accepted suggestions
                  and machine labels do not count: the meter would learn from itself), once
                  every class has MIN_PER_CLASS of them;
    uncalibrated  the thirds of the blocks' scores (no labels needed).

A suggestion is the meter's class and its probability under the meter's ordinal logistic
(its confidence). Labels are values 1-3 as in the label file; suggestions are never written
by this module.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pirounet.skeletons import Skeleton
from pirounet.systems.pirounet.effort_meter import EffortMeter

MIN_PER_CLASS = 3  # own labels per class before the meter is fitted on them


def label_blocks(offsets: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid (G,) of every block start, and the starts (n,) of blocks within one recording."""
    n_frames = int(offsets[-1])
    grid = np.arange(0, n_frames - seq_len + 1, seq_len)
    ends = offsets[np.searchsorted(offsets, grid, side="right")]  # its recording's end
    return grid, grid[grid + seq_len <= ends]


def block_scores(poses: np.ndarray, starts: np.ndarray, seq_len: int,
                 skeleton: Skeleton, fps: float | None = None) -> np.ndarray:
    """The meter's score (n,) of each block poses[start : start + seq_len] (poses (T, J, D))."""
    meter = EffortMeter(skeleton=skeleton, fps=fps)
    chunk = 256  # blocks at a time: bounds memory to a few MB on long recordings
    windows = np.asarray(starts, np.int64)[:, None] + np.arange(seq_len)  # (n, seq_len)
    return np.concatenate([meter.score(poses[windows[i: i + chunk]])
                           for i in range(0, len(windows), chunk)] or [np.zeros(0)])


@dataclass
class Suggestions:
    """Each block's suggested Time value (1-3) and confidence, and how the meter was set."""

    values: np.ndarray  # (n,) int: 1 low, 2 medium, 3 high (label-file values)
    confidence: np.ndarray  # (n,) float in (0, 1): the meter's probability of that class
    meter: EffortMeter
    n_own_labels: int  # the person's own labels the meter was fitted on (0: uncalibrated)

    def describe(self) -> str:
        """One line on the page: what the meter was calibrated on."""
        if self.meter.calibrated:
            return f"meter calibrated on your {self.n_own_labels} Time labels of these blocks"
        return (f"meter uncalibrated (thirds of these blocks' scores); label {MIN_PER_CLASS} "
                "blocks of each Time class yourself to calibrate it")


def suggest(scores: np.ndarray, skeleton: Skeleton, own_values: np.ndarray | None = None,
            fps: float | None = None) -> Suggestions:
    """Suggestions for blocks with scores (n,); own_values (n,) the person's labels (0 = none).

    own_values holds label-file Time values 1-3 where the person chose one themselves, and
    0 (or 4, N/A) elsewhere; only those calibrate the meter.
    """
    own = np.zeros(len(scores), np.int64) if own_values is None else np.asarray(own_values)
    labelled = np.isin(own, (1, 2, 3))
    counts = np.bincount(own[labelled] - 1, minlength=3)
    meter = EffortMeter(skeleton=skeleton, fps=fps)
    if counts.min() >= MIN_PER_CLASS and len(np.unique(scores[labelled])) > 1:
        meter.fit_scores(scores[labelled], own[labelled] - 1)
    else:
        meter.from_quantiles(scores)
    probs = meter.probabilities(scores)  # (n, 3)
    classes = meter.classify(scores)  # (n,)
    confidence = probs[np.arange(len(scores)), classes]
    return Suggestions(classes + 1, confidence, meter,
                       int(labelled.sum()) if meter.calibrated else 0)
