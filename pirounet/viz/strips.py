"""Comic strips: a row of stick-figure poses sampled across a sequence, one row per sequence.

    comic_strip(seq, "results/run/strip.png", n_panels=8, title="generated, high time effort")
    comic_strip(batch, "results/run/strips.png", labels=[0, 1, 2])  # one row per label
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from pirounet.skeleton import FPS
from pirounet.viz.animation import (
    FIGURE_COLOR,
    SeqInput,
    add_stick_axes,
    add_stick_figure,
    as_sequences,
    cube_limits,
    label_color,
    match_ghosts,
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
    fps: float = FPS,
) -> Path:
    """Write a PNG of n_panels evenly spaced poses per sequence (one row each); returns path.

    seq: one sequence (T, 159) / (T, 53, 3), a batch (N, T, ...) or a list (one row each).
    ghost: drawn in light grey behind each pose; one sequence for all rows or one per row.
    labels: effort classes (0/1/2 or names) named at the left of each row and used as colours.
    """
    rows = as_sequences(seq)
    ghosts = match_ghosts(ghost, len(rows))
    names = panel_titles(len(rows), row_titles, labels)
    limits = cube_limits(rows + ghosts)  # shared by every panel, so sizes compare
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
            ax = add_stick_axes(fig, (len(rows), n_panels, r * n_panels + c + 1), limits)
            if gho is not None:
                add_stick_figure(ax, gho[min(t, len(gho) - 1)], ghost=True)
            add_stick_figure(ax, row[t], color)
            ax.text2D(0.5, 0.02, f"{t / fps:.2f} s", transform=ax.transAxes, ha="center",
                      fontsize=7, color="#666666")
            if c == 0 and name:
                ax.text2D(-0.02, 0.5, name, transform=ax.transAxes, rotation=90,
                          ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, facecolor="white")
    return path
