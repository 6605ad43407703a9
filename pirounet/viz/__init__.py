"""Visualisation: stick-figure animations and comic strips, evaluation figures, HTML report."""
from pirounet.viz.animation import animate
from pirounet.viz.plots import (
    plot_confusion_matrix,
    plot_entanglement,
    plot_latent_space,
    plot_tiles,
)
from pirounet.viz.report import write_report
from pirounet.viz.strips import comic_strip

__all__ = [
    "animate",
    "comic_strip",
    "plot_confusion_matrix",
    "plot_entanglement",
    "plot_latent_space",
    "plot_tiles",
    "write_report",
]
