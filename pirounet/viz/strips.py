"""Comic strips: a row of stick-figure poses sampled across a sequence, one row per sequence.

    comic_strip(seq, "results/run/strip.png", n_panels=8, title="generated, high time effort")
    comic_strip(batch, "results/run/strips.png", labels=[0, 1, 2],
                label_names=["low", "medium", "high"])  # one row per label
    comic_strip(video_poses, "results/run/video_strip.png", skeleton=OPENPOSE_15)  # 2-D

Poses are drawn as in animation.py: 3-D skeletons on 3-D axes, 2-D ones on flat axes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from pirounet.skeletons import VICON_53, Skeleton
from pirounet.viz.animation import (
    FIGURE_COLOR,
    SeqInput,
    add_stick_axes,
    add_stick_figure,
    as_sequences,
    cube_limits,
    floor_height,
    label_color,
    match_ghosts,
    panel_text,
    panel_titles,
)


def comic_strip(
    seq: SeqInput,
    path: str | Path,
    n_panels: int = 8,
    title: str | None = None,
    ghost: SeqInput | None = None,
    row_titles: Sequence[str] | None = None,
    labels: Sequence[int | str] | None = None,
    fps: float | None = None,
    *,
    label_names: Sequence[str] | None = None,
    skeleton: Skeleton = VICON_53,
) -> Path:
    """Write a PNG of n_panels evenly spaced poses per sequence (one row each); returns path.

    seq: one sequence (T, J*D) / (T, J, D), a batch (N, T, ...) or a list (one row each).
    ghost: drawn in light grey behind each pose; one sequence for all rows or one per row.
    labels: classes (ints or names) named at the left of each row and used as colours; an
    int k is named label_names[k] when label_names are given, else "class k".
    fps: only for the time under each pose; default the skeleton's.
    """
    fps = skeleton.fps if fps is None else fps
    rows = as_sequences(seq, skeleton=skeleton)
    ghosts = match_ghosts(ghost, len(rows), skeleton=skeleton)
    names = panel_titles(len(rows), row_titles, labels, label_names)
    limits = cube_limits(rows + ghosts)  # (D, 2), shared by every panel, so sizes compare
    floor = floor_height(rows + ghosts, skeleton=skeleton)
    # Sizes in inches: a 1.6 x 1.9 cell per pose, plus margins for row names and the title.
    name_w, title_h = 0.6 * any(names), 0.35 * bool(title)
    width, height = 1.6 * n_panels + name_w, 1.9 * len(rows) + title_h

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=name_w / width, right=1, bottom=0, top=1 - title_h / height,
                        wspace=0, hspace=0.05)
    for r, (row, gho, name) in enumerate(zip(rows, ghosts, names)):
        # Evenly spaced frames from first to last: (n_panels,) indices into the row.
        frames = np.linspace(0, len(row) - 1, n_panels).round().astype(int)
        color = label_color(labels[r]) if labels is not None else FIGURE_COLOR
        for c, t in enumerate(frames):
            ax = add_stick_axes(fig, (len(rows), n_panels, r * n_panels + c + 1), limits, floor)
            if gho is not None:
                add_stick_figure(ax, gho[min(t, len(gho) - 1)], ghost=True, skeleton=skeleton)
            add_stick_figure(ax, row[t], color, skeleton=skeleton)
            panel_text(ax, 0.5, 0.02, f"{t / fps:.2f} s", ha="center", fontsize=7,
                       color="#666666")
            if c == 0 and name:
                panel_text(ax, -0.02, 0.5, name, rotation=90, ha="right", va="center",
                           fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, facecolor="white")
    return path
