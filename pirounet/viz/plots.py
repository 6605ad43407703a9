"""Evaluation figures: confusion matrix, latent space, entanglement test, density tiles and
training curves.

Every function draws on its own Figure (no pyplot state), saves a PNG and returns its path.
"""
from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from pirounet.viz.animation import LABEL_COLORS

CLASS_NAMES = ("class 0", "class 1", "class 2")  # a system passes its own (e.g. effort names)


def _save(fig: Figure, path: str | Path) -> Path:
    """Save a figure as PNG, creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight", facecolor="white")
    return path


def _colors(n: int) -> list[str]:
    """The label colours for n classes, cycling if there are more than three."""
    return [LABEL_COLORS[k % len(LABEL_COLORS)] for k in range(n)]


def _pca(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of x (n, d) on their first k principal axes, and each axis's % of the variance.

    The same centred SVD as sklearn's PCA, without its seconds-long import.
    """
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)  # s: (min(n, d),), vt: (., d)
    return centred @ vt[:k].T, 100 * s[:k] ** 2 / (s**2).sum()


def plot_confusion_matrix(
    cm: np.ndarray,
    path: str | Path,
    class_names: Sequence[str] = CLASS_NAMES,
    title: str = "Confusion matrix",
    axis_names: tuple[str, str] = ("true label", "predicted label"),
) -> Path:
    """Confusion matrix PNG: counts and row-normalised % per cell, accuracy in the subtitle.

    cm[i, j] counts items of class i (rows, axis_names[0]) given class j (axis_names[1]);
    for the blind-labeling test, rows are the conditioning label and columns the human one.
    """
    cm = np.asarray(cm)
    k = len(class_names)
    if cm.shape != (k, k):
        raise ValueError(f"expected a ({k}, {k}) confusion matrix, got {cm.shape}")
    totals = cm.sum(axis=1, keepdims=True)  # (k, 1) items per true class
    percent = 100 * cm / np.maximum(totals, 1)  # empty rows stay at 0 %
    accuracy = np.trace(cm) / max(cm.sum(), 1)

    fig = Figure(figsize=(1.3 * k + 1.6, 1.3 * k + 0.9))
    ax = fig.add_subplot()
    image = ax.imshow(percent, cmap="Blues", vmin=0, vmax=100)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="% of row")
    for i, j in np.ndindex(k, k):
        count = f"{cm[i, j]:.0f}" if np.isclose(cm[i, j], round(cm[i, j])) else f"{cm[i, j]:.3g}"
        ax.text(j, i, f"{count}\n{percent[i, j]:.1f} %", ha="center", va="center",
                fontsize=9, color="white" if percent[i, j] > 55 else "#222222")
    ax.set(xticks=range(k), yticks=range(k), xlabel=axis_names[1], ylabel=axis_names[0])
    ax.set_xticklabels(class_names)
    ax.set_yticklabels(class_names)
    ax.set_title(f"{title}\naccuracy {100 * accuracy:.1f} %  (n = {cm.sum():.0f})", fontsize=10)
    return _save(fig, path)


def plot_latent_space(
    z: np.ndarray,
    labels: np.ndarray,
    path: str | Path,
    class_names: Sequence[str] = CLASS_NAMES,
    title: str = "Latent space (3-D PCA)",
) -> Path:
    """3-D PCA scatter of latent vectors z (n, latent_dim) coloured by label (n,)."""
    z, labels = np.asarray(z, dtype=np.float64), np.asarray(labels)
    if len(z) != len(labels):
        raise ValueError(f"got {len(z)} latent vectors and {len(labels)} labels")
    coords, share = _pca(z, 3)  # (n, 3), (3,)

    fig = Figure(figsize=(6.0, 5.2))
    ax = fig.add_subplot(projection="3d")
    for k, (name, color) in enumerate(zip(class_names, _colors(len(class_names)))):
        points = coords[labels == k]
        ax.scatter(*points.T, s=6, alpha=0.6, color=color, label=f"{name} ({len(points)})",
                   depthshade=False)
    ax.set(xlabel=f"PC1 ({share[0]:.1f} %)", ylabel=f"PC2 ({share[1]:.1f} %)",
           zlabel=f"PC3 ({share[2]:.1f} %)")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="upper left", fontsize=8, markerscale=2)
    return _save(fig, path)


def plot_entanglement(
    distances: np.ndarray,
    path: str | Path,
    class_names: Sequence[str] = CLASS_NAMES,
    title: str = "Entanglement test: one z decoded with each label",
) -> Path:
    """Pairwise distances (n_draws, n_pairs) between decodings of one z under each label.

    Columns follow itertools.combinations over the labels: 0-1, 0-2, 1-2 for three classes.
    Left: each draw's distances; right: their spread per pair. Small, equal distances mean
    the label barely changes the dance (the latent code carries it: entanglement).
    """
    distances = np.asarray(distances, dtype=np.float64)
    pairs = [f"{a}–{b}" for a, b in combinations(class_names, 2)]
    if distances.ndim != 2 or distances.shape[1] != len(pairs):
        raise ValueError(f"expected distances of shape (n_draws, {len(pairs)}), "
                         f"got {distances.shape}")
    n_draws = len(distances)
    palette = ("#6a4c93", "#1982c4", "#8ac926", "#ff924c", "#ff595e", "#5d5d5d")
    colors = [palette[p % len(palette)] for p in range(len(pairs))]

    fig = Figure(figsize=(10.0, 3.8))
    per_draw, spread = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]}, sharey=True)
    draws = np.arange(1, n_draws + 1)
    for p, (pair, color) in enumerate(zip(pairs, colors)):
        per_draw.plot(draws, distances[:, p], "o-", ms=4, lw=0.8, color=color, label=pair)
    per_draw.set(xlabel="draw", ylabel="distance between decodings", xlim=(0.5, n_draws + 0.5))
    per_draw.legend(fontsize=8, title="label pair", title_fontsize=8)
    per_draw.grid(alpha=0.3)

    spread.boxplot(distances, positions=range(len(pairs)), widths=0.5, showfliers=False)
    # Jitter is only for display; a fixed seed keeps the figure reproducible.
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, distances.shape)
    for p, color in enumerate(colors):
        spread.scatter(p + jitter[:, p], distances[:, p], s=10, alpha=0.7, color=color)
    spread.set_xticks(range(len(pairs)), pairs, rotation=20)
    spread.set_xlabel("label pair")
    spread.grid(alpha=0.3, axis="y")
    fig.suptitle(f"{title} ({n_draws} draws)", fontsize=11)
    return _save(fig, path)


def plot_tiles(
    points: Sequence[np.ndarray],
    labels: np.ndarray,
    tiles: Sequence[np.ndarray],
    tile_sizes: Sequence[float],
    path: str | Path,
    class_names: Sequence[str] = CLASS_NAMES,
    title: str = "High-density tiles of each label's 2-D latent PCA",
) -> Path:
    """One panel per label: all points in that label's PCA plane, its sampling tiles shaded.

    points[k]: (n, 2) every encoded window projected on label k's 2-D PCA (centred on k).
    labels: (n,) the windows' labels. tiles[k]: (m_k, 2) lower-left corners of label k's
    high-density tiles, each a square of side tile_sizes[k].
    """
    labels = np.asarray(labels)
    n = len(class_names)
    if not len(points) == len(tiles) == len(tile_sizes) == n:
        raise ValueError(f"expected points, tiles and tile_sizes for each of {n} labels")
    colors = _colors(n)

    fig = Figure(figsize=(4.2 * n, 4.4))
    for k, ax in enumerate(fig.subplots(1, n, squeeze=False)[0]):
        xy = np.asarray(points[k])  # (n, 2)
        corners = np.asarray(tiles[k]).reshape(-1, 2)  # (m_k, 2)
        squares = [Rectangle(c, tile_sizes[k], tile_sizes[k]) for c in corners]
        for j in range(n):
            ax.scatter(*xy[labels == j].T, s=3, alpha=0.4, color=colors[j], zorder=1,
                       label=class_names[j])
        # Tiles on top of the points: they are small (side 0.1-0.4) and would be hidden.
        ax.add_collection(PatchCollection(squares, facecolor=colors[k], edgecolor="black",
                                          linewidth=0.6, alpha=0.8, zorder=2))
        # View the data and the tiles, not the whole [-8, 8]^2 search grid.
        extent = np.concatenate([xy, corners, corners + tile_sizes[k]])
        low, high = extent.min(axis=0), extent.max(axis=0)
        pad = 0.05 * (high - low).max() + 1e-6
        ax.set(xlim=(low[0] - pad, high[0] + pad), ylim=(low[1] - pad, high[1] + pad),
               xlabel="PC1", ylabel="PC2", aspect="equal")
        plural = "" if len(corners) == 1 else "s"
        ax.set_title(f"{class_names[k]}: {len(corners)} tile{plural} of side {tile_sizes[k]:g}",
                     fontsize=10)
    fig.axes[0].legend(fontsize=7, markerscale=3, loc="upper right")
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


# (term, panel title) of plot_training_curves, left to right
CURVE_PANELS = (("total", "total loss"), ("recon_labelled", "reconstruction (MSE)"),
                ("kl_labelled", "KL (as logged)"), ("accuracy", "accuracy of q(y|x)"))
CURVE_PARTS = (("train", "#2f6fd0"), ("valid", "#d0642f"))  # (part, line colour)
LOG_SPAN = 20.0  # a positive curve spanning more than this factor is drawn on a log axis


def _series(history: Sequence[Mapping], key: str) -> tuple[list[float], list[float]]:
    """(epochs, values) of the finite numbers logged under key."""
    points = [(float(h.get("epoch", i + 1)), float(h[key])) for i, h in enumerate(history)
              if isinstance(h.get(key), (int, float)) and math.isfinite(h[key])]
    return [e for e, _ in points], [v for _, v in points]


def plot_training_curves(history: Sequence[Mapping], path: str | Path,
                         panels: Sequence[tuple[str, str]] = CURVE_PANELS) -> Path:
    """One panel per (term, title): train/<term> and valid/<term> against the epoch.

    history: per-epoch dicts such as the lines of history.jsonl, {"epoch": 3, "train/total":
    1.4, ...}. A term that was never logged leaves its panel empty with a note.
    """
    if not history:
        raise ValueError("no history lines to draw")
    fig = Figure(figsize=(3.6 * len(panels), 3.2))
    for ax, (term, title) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        drawn: list[float] = []
        for part, color in CURVE_PARTS:
            epochs, values = _series(history, f"{part}/{term}")
            if values:
                ax.plot(epochs, values, color=color, marker="o" if len(values) < 25 else None,
                        markersize=3, label=part)
                drawn += values
        if not drawn:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes,
                    color="#888888")
        else:
            ax.legend(frameon=False, fontsize=8)
        if drawn and min(drawn) > 0 and max(drawn) > LOG_SPAN * min(drawn):
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
