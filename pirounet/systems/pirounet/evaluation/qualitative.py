"""Qualitative outputs: conditional and random dances, and reconstructions with a ghost.

    results/<name>/generation/conditional_<i>.gif   one panel per label, drawn from dense tiles
    results/<name>/generation/random_<i>.gif        one panel per label, z ~ p(z|y) (N(0, I)
        unless the run learned its prior or fitted a mixture, latent_prior="learned"/"mixture")
    results/<name>/generation/{conditional,random}_strip.png   one comic-strip row per label
    results/<name>/generation/{conditional,random}.npy  the dances (K labels, n, T, 53, 3)
        float32, whole, in the model's units (`python -m pirounet.systems.pirounet.export` converts them)
    results/<name>/reconstruction/reconstruction.gif  valid windows (ghost: the original)
    results/<name>/reconstruction/reconstruction_strip.png

Animations are GIFs, plus MP4s when `mp4` is set (through the system ffmpeg, else the one
imageio-ffmpeg bundles).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.metrics import ajd
from pirounet.systems.pirounet.evaluation.blind_export import save_npy
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.systems.pirounet.generation import generate_conditional, generate_random
from pirounet.viz import animate, comic_strip
from pirounet.viz.animation import mp4_available

log = logging.getLogger(__name__)

GENERATION_FOLDER = "generation"
RECONSTRUCTION_FOLDER = "reconstruction"
QUALITATIVE_STREAM = 1  # seeds the qualitative draws apart from the bootstrap iterations


def animation_formats(ctx: EvalContext) -> list[str]:
    """"gif", plus "mp4" when asked for and an ffmpeg is available (otherwise said once)."""
    if not ctx.eval_cfg.mp4:
        return ["gif"]
    if not mp4_available():
        log.info("mp4=True but there is no ffmpeg (none on PATH, and imageio-ffmpeg is not "
                 "installed): animations are written as GIF only")
        return ["gif"]
    return ["gif", "mp4"]


def clip(seqs: np.ndarray, frames: int) -> np.ndarray:
    """The first `frames` poses of sequences (..., T, D); all of them when frames is 0."""
    return seqs[..., :frames, :] if frames > 0 else seqs


def write_animation(panels: Sequence[np.ndarray], stem: Path, formats: list[str],
                    **kwargs: Any) -> list[Path]:
    """animate() the panels once per format, to stem.<format>; returns the paths."""
    return [animate(list(panels), stem.with_suffix(f".{fmt}"), **kwargs) for fmt in formats]


def run_generation_figures(ctx: EvalContext) -> dict[str, Any]:
    """n_animations conditional and random animations, and one comic strip of each."""
    e = ctx.eval_cfg
    n, k = e.n_animations, len(ctx.tiles)
    labels = list(range(k))
    rng = np.random.default_rng([e.seed, QUALITATIVE_STREAM])
    conditional = np.stack([generate_conditional(ctx.model, ctx.tiles, label, n, rng,
                                                 e.batch_size).x.cpu().numpy()
                            for label in labels])  # (K, n, T, D)
    random = generate_random(ctx.model, k * n, np.repeat(labels, n), e.seed, e.batch_size)
    random = random.cpu().numpy().reshape(k, n, *random.shape[1:])  # (K, n, T, D)
    folder = ctx.results_dir / GENERATION_FOLDER
    formats = animation_formats(ctx)
    for kind, dances in (("conditional", conditional), ("random", random)):
        save_npy(folder / f"{kind}.npy", ctx.skeleton.as_joints(dances).astype(np.float32))
        dances = clip(dances, e.animation_frames)
        for i in range(n):  # one animation per draw, its panels the K labels
            write_animation(dances[:, i], folder / f"{kind}_{i}", formats, labels=labels,
                            label_names=ctx.class_names, titles=[kind] * k,
                            skeleton=ctx.skeleton)
        comic_strip(dances[:, 0], folder / f"{kind}_strip.png", e.comic_panels, labels=labels,
                    label_names=ctx.class_names, title=f"{kind} generation, one row per label",
                    skeleton=ctx.skeleton)
    log.info("wrote %d conditional and %d random animations to %s", n, n, folder)
    return {"n_animations": n, "formats": ", ".join(formats)}


def run_reconstruction_figures(ctx: EvalContext) -> dict[str, Any]:
    """Evenly spaced valid windows reconstructed, the original drawn as a ghost behind each."""
    e = ctx.eval_cfg
    part = "valid" if len(ctx.dataset.split.valid_lab) else "train"
    x, y = ctx.windows(part)
    idx = np.unique(np.linspace(0, len(x) - 1, e.n_reconstructions).round().astype(np.int64))
    original = x[idx].numpy()  # (n, T, D)
    recon = ctx.reconstruct(x[idx], y[idx]).numpy()  # (n, T, D)
    folder = ctx.results_dir / RECONSTRUCTION_FOLDER
    titles = [f"{part} #{i}, ghost: original" for i in idx]
    write_animation(clip(recon, e.animation_frames), folder / "reconstruction",
                    animation_formats(ctx), ghost=list(clip(original, e.animation_frames)),
                    labels=y[idx].tolist(), label_names=ctx.class_names, titles=titles,
                    skeleton=ctx.skeleton)
    comic_strip(clip(recon, e.animation_frames), folder / "reconstruction_strip.png",
                e.comic_panels, ghost=list(clip(original, e.animation_frames)),
                labels=y[idx].tolist(), label_names=ctx.class_names,
                title=f"reconstructed {part} windows (grey: original)", skeleton=ctx.skeleton)
    log.info("wrote reconstructions of %d %s windows to %s", len(idx), part, folder)
    return {"part": part, "windows": idx.tolist(), "labels": [ctx.label_name(k) for k in y[idx]],
            "ajd_of_shown": ajd(original, recon, skeleton=ctx.skeleton)}
