"""The latent space: its 3-D PCA by label, the dense tiles, and the entanglement test.

    results/<name>/latent/latent_space.png      training codes, 3-D PCA, coloured by label
    results/<name>/latent/dense_tiles.png       each label's PCA plane and its dense tiles
    results/<name>/entanglement/entanglement.png   distances between one z decoded per label
    results/<name>/entanglement/one_z.gif       one z decoded with every label
    results/<name>/entanglement/label_swap_strip.png   a valid window's code, one row per label
"""
from __future__ import annotations

import logging
from itertools import combinations
from typing import Any

import numpy as np
import torch

from pirounet.metrics import summarize
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.systems.pirounet.evaluation.qualitative import animation_formats, clip, write_animation
from pirounet.systems.pirounet.evaluation.steering import swap_strip
from pirounet.systems.pirounet.generation import decode, entanglement_distances, prior_codes
from pirounet.viz import plot_entanglement, plot_latent_space, plot_tiles

log = logging.getLogger(__name__)

LATENT_FOLDER = "latent"
ENTANGLEMENT_FOLDER = "entanglement"


def run_latent_space(ctx: EvalContext) -> dict[str, Any]:
    """The 3-D PCA plot of the training codes and the dense-tile plot."""
    z = ctx.train_codes.numpy().astype(np.float64)  # (N, latent)
    y = ctx.tile_train[1]
    names = [ctx.label_name(t.label) for t in ctx.tiles]
    folder = ctx.results_dir / LATENT_FOLDER
    plot_latent_space(z, y, folder / "latent_space.png", names,
                      title=f"Latent codes of {len(z)} labelled training windows (3-D PCA)")
    plot_tiles([t.project(z) for t in ctx.tiles], y, [t.corners for t in ctx.tiles],
               [t.tile_size for t in ctx.tiles], folder / "dense_tiles.png", names)
    return {"n_points": len(z), "latent_dim": z.shape[1]}


def run_entanglement(ctx: EvalContext) -> dict[str, Any]:
    """Distances between one z ~ p(z) decoded with each pair of labels, over many draws.

    entanglement_distance: "per_marker" (mean per marker and frame) or "frobenius" (the
    reference code's norm of the whole sequence difference).
    """
    e = ctx.eval_cfg
    k = ctx.cfg.label_dim
    names = [ctx.label_name(i) for i in range(k)]
    dist = entanglement_distances(ctx.model, e.entanglement_draws, e.seed, e.batch_size,
                                  e.entanglement_distance)
    folder = ctx.results_dir / ENTANGLEMENT_FOLDER
    plot_entanglement(dist, folder / "entanglement.png", names)
    # One more draw, animated: the same z under every label, side by side.
    z = prior_codes(ctx.model, [0], e.seed)  # (1, latent)
    dances = decode(ctx.model, z.expand(k, -1), torch.arange(k), e.batch_size).cpu().numpy()
    write_animation(clip(dances, e.animation_frames), folder / "one_z", animation_formats(ctx),
                    labels=list(range(k)), label_names=ctx.class_names, titles=["one z"] * k,
                    skeleton=ctx.skeleton)
    swap_strip(ctx, folder / "label_swap_strip.png")
    pairs = [f"{a}-{b}" for a, b in combinations(names, 2)]
    return {"n_draws": len(dist), "kind": e.entanglement_distance,
            "distance": {pair: summarize(dist[:, p]) for p, pair in enumerate(pairs)}}
