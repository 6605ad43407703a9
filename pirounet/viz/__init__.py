"""Visualisation: stick-figure animations and comic strips, evaluation figures, HTML report.

animate and comic_strip draw any pirounet.skeletons.Skeleton: VICON_53 (the default) in 3-D,
OPENPOSE_15 in 2-D; pass skeleton= and, for class labels, label_names=.
"""
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
