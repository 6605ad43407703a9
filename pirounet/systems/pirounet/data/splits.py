"""Train / valid / test splits of the labelled and unlabelled windows.

A window is named by its start frame s and covers poses [s, s + seq_len). Three splits:

- "paper": the published split, reproduced exactly. Labelled windows are cut by position in
  the augmented label list (valid first, then train, then test); unlabelled windows are the
  first 95 % of all windows. It leaks: the +-7 augmented neighbours and overlapping windows
  put near-identical sequences in train and test (and PirouNet_watch's train range overlaps
  its test range). Use it only to reproduce the paper.
- "ratio": the second published loader (train_ratio, train_lab_frac): sklearn's seeded
  shuffle split of all windows, then labels removed from train until train_lab_frac of it
  is labelled. It leaks too, even more (neighbouring windows land on both sides). Two rules:
  ratio_rule="intended" (default) always shuffles (seeded) and keeps round(target) labels;
  ratio_rule="published" does what the reference code does: floor(target) labels, and the
  split shuffles only when shuffle_data is True (its loaders never shuffled batches).
- "blocks": leak-free. The recording is cut into contiguous time blocks, interleaved as
  train / valid / test along time, with a gap of seq_len frames after every block in which
  no window starts. So no frame, no window and no augmented neighbour of a labelled start is
  shared by two splits, and windows never straddle two recordings. Use it for new work.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pirounet.systems.pirounet.data.mocap import DataError

SPLITS = ("paper", "ratio", "blocks")
RATIO_RULES = ("intended", "published")


@dataclass
class Split:
    """Window start indices (and classes for labelled windows) of each part."""

    train_lab: np.ndarray  # (N,) starts
    train_y: np.ndarray  # (N,) classes 0..label_dim-1
    valid_lab: np.ndarray
    valid_y: np.ndarray
    test_lab: np.ndarray
    test_y: np.ndarray
    train_unlab: np.ndarray  # starts of unlabelled training windows
    test_unlab: np.ndarray

    def sizes(self) -> dict[str, int]:
        """Number of windows in every part."""
        return {k: len(v) for k, v in vars(self).items() if not k.endswith("_y")}


def n_windows(n_frames: int, seq_len: int) -> int:
    """Published window count: every start except the last full one (T - seq_len)."""
    return n_frames - seq_len


def paper_split(starts: np.ndarray, classes: np.ndarray, n_frames: int, seq_len: int,
                fraction_label: float) -> Split:
    """The published split by position in the label list (docs/published_method.md)."""
    n = len(starts)
    one = round(0.01 * n)
    five = 5 * one
    train_end = five + round(fraction_label * n)
    test_start = 19 * five + 2 * one
    n_all = n_windows(n_frames, seq_len)
    all_starts = np.arange(n_all)
    n_unlab_train = n_all - round(0.05 * n_all)
    return Split(
        train_lab=starts[five:train_end], train_y=classes[five:train_end],
        valid_lab=starts[:five], valid_y=classes[:five],
        test_lab=starts[test_start:], test_y=classes[test_start:],
        train_unlab=all_starts[:n_unlab_train], test_unlab=all_starts[n_unlab_train:],
    )


def ratio_split(starts: np.ndarray, classes: np.ndarray, n_frames: int, seq_len: int,
                train_ratio: float, train_lab_frac: float, rule: str = "intended",
                shuffle: bool = True) -> Split:
    """The second published loader: a split of all windows, then thin the labels in train.

    rule="intended": seeded shuffle split, round(target) labelled training windows.
    rule="published": the reference code's floor(target), and a split that shuffles only
    when `shuffle` (its shuffle_data) is True.
    """
    from sklearn.model_selection import train_test_split  # ~2 s to import; only this split

    if rule not in RATIO_RULES:
        raise ValueError(f"ratio rule must be one of {RATIO_RULES}, got {rule!r}")
    n_all = n_windows(n_frames, seq_len)
    labels = np.full(n_all, -1, dtype=np.int64)
    inside = starts < n_all
    labels[starts[inside]] = classes[inside]
    # random_state=42 as published, so the same windows land in the same parts.
    mix = shuffle or rule == "intended"
    train, rest = train_test_split(np.arange(n_all), test_size=1 - train_ratio, random_state=42,
                                   shuffle=mix)
    valid, test = train_test_split(rest, test_size=0.25, random_state=42, shuffle=mix)
    labelled_train = train[labels[train] >= 0]  # in the split's order, as published
    wanted = len(train) * train_lab_frac
    target = int(np.floor(wanted)) if rule == "published" else round(wanted)
    if target > len(labelled_train):
        raise DataError(
            f"train_lab_frac={train_lab_frac} asks for {target} labelled training windows, but "
            f"only {len(labelled_train)} of the {len(train)} training windows are labelled"
        )
    # The published loop un-labels the first ones in order; its float counter never hit 0
    # exactly, which removed every label. The intended count is kept here.
    kept = labelled_train[len(labelled_train) - target:]
    valid_l, test_l = valid[labels[valid] >= 0], test[labels[test] >= 0]
    return Split(
        train_lab=kept, train_y=labels[kept], valid_lab=valid_l, valid_y=labels[valid_l],
        test_lab=test_l, test_y=labels[test_l], train_unlab=train, test_unlab=test,
    )


def block_parts(n_frames: int, n_blocks: int, fractions: tuple[float, float, float]) -> np.ndarray:
    """Part (0 train, 1 valid, 2 test) of every frame: n_blocks cycles of train|valid|test."""
    cycle = np.arange(n_frames) * n_blocks / n_frames % 1.0  # position inside its cycle
    bounds = np.cumsum(fractions[:2]) / np.sum(fractions)
    return np.searchsorted(bounds, cycle, side="right")


def blocks_split(starts: np.ndarray, classes: np.ndarray, n_frames: int, seq_len: int,
                 n_blocks: int, fractions: tuple[float, float, float],
                 file_offsets: np.ndarray | None = None) -> Split:
    """Leak-free split: whole windows inside contiguous blocks, seq_len frames apart."""
    part = block_parts(n_frames, n_blocks, fractions)
    # Block id changes at every part change and at every file start.
    change = np.r_[True, part[1:] != part[:-1]]
    if file_offsets is not None:
        change[np.asarray(file_offsets[:-1], dtype=np.int64)] = True
    block = np.cumsum(change) - 1  # (T,)
    block_end = np.r_[np.nonzero(change)[0][1:], n_frames][block]  # (T,) first frame after
    s = np.arange(n_frames)
    # A window is usable when it ends seq_len frames before its block ends (the gap).
    usable = s + 2 * seq_len <= block_end
    window_part = np.where(usable, part, -1)
    lab_part = window_part[starts]
    all_starts = s[usable]

    def pick(p: int) -> tuple[np.ndarray, np.ndarray]:
        return starts[lab_part == p], classes[lab_part == p]

    (tr, tr_y), (va, va_y), (te, te_y) = pick(0), pick(1), pick(2)
    return Split(
        train_lab=tr, train_y=tr_y, valid_lab=va, valid_y=va_y, test_lab=te, test_y=te_y,
        train_unlab=all_starts[window_part[usable] == 0],
        test_unlab=all_starts[window_part[usable] == 2],
    )


def make_split(cfg, starts: np.ndarray, classes: np.ndarray, n_frames: int,
               file_offsets: np.ndarray | None = None) -> Split:
    """The split named by cfg.split, with its settings from the config."""
    if cfg.split == "paper":
        return paper_split(starts, classes, n_frames, cfg.seq_len, cfg.fraction_label)
    if cfg.split == "ratio":
        return ratio_split(starts, classes, n_frames, cfg.seq_len, cfg.train_ratio,
                           cfg.train_lab_frac, getattr(cfg, "ratio_rule", "intended"),
                           bool(getattr(cfg, "shuffle_data", True)))
    if cfg.split == "blocks":
        return blocks_split(starts, classes, n_frames, cfg.seq_len, cfg.n_blocks,
                            tuple(cfg.block_fractions), file_offsets)
    raise ValueError(f"config key 'split' must be one of {SPLITS}, got {cfg.split!r}")
