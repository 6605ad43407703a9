"""What every evaluation step shares: both configs, the model, the data and the training codes.

    ctx = load_context(eval_cfg)
    ctx.cfg            # the training config, rebuilt from the checkpoint
    ctx.windows("valid")  # labelled windows (N, T, D) and their classes (N,)
    ctx.train_codes    # (N, latent): the labelled training windows, encoded ONCE
    ctx.tiles          # each label's dense tiles, found ONCE from those codes
    ctx.decode(z, y), ctx.reconstruct(x, y)   # many windows, on every core

The codes and tiles are computed on first use and then shared by the quantitative metrics,
the animations, the latent-space plot and the blind export.

Many windows go through the LSTMs as `workers` contiguous parts side by side, each on its own
Python thread while torch uses one intra-op thread: an LSTM forward releases the GIL, so each
part gets a core. Torch's own threading splits every one of the 40 time steps of these small
LSTMs, gains little, and collapses when other jobs share the cores.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

from pirounet.run.config import Config
from pirounet.run.runtime import resolve_device
from pirounet.vae.checkpoint import load_checkpoint, load_weights, run_config
from pirounet.vae.data import Dataset, prepare_data
from pirounet.vae.efforts import class_name
from pirounet.vae.generation import (
    MIN_WINDOWS_PER_LABEL,
    LabelTiles,
    TileSettings,
    decode,
    encode_windows,
    find_dense_tiles,
)
from pirounet.vae.model import ModelConfig, PirouNet
from pirounet.vae.settings import DEFAULT_CONFIG

log = logging.getLogger(__name__)

PARTS = ("train", "valid", "test")


class EvalError(ValueError):
    """Input that the evaluation cannot use; the message says what to change."""




def tile_settings(eval_cfg: Config) -> TileSettings:
    """The dense-tile settings of the eval config."""
    return TileSettings(grid_bound=eval_cfg.grid_bound, tile_sizes=tuple(eval_cfg.tile_sizes),
                        density_thresholds=tuple(eval_cfg.density_thresholds),
                        min_counts=tuple(eval_cfg.min_counts))


def run_split(fn: Callable[[int, slice], Tensor], n: int, workers: int) -> Tensor:
    """torch.cat of fn(i, part_i) over `workers` contiguous parts of range(n), side by side."""
    if workers <= 1 or n < 2 * workers:
        return fn(0, slice(0, n))
    bounds = np.linspace(0, n, workers + 1).round().astype(int)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per part, not parts fighting over every core
    try:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda i: fn(i, slice(bounds[i], bounds[i + 1])),
                                  range(workers)))
    finally:
        torch.set_num_threads(threads)
    return torch.cat(parts)


@dataclass
class EvalContext:
    """A loaded checkpoint with its data, and where its results go."""

    eval_cfg: Config
    cfg: Config  # the training config of the checkpoint
    model: PirouNet  # in eval mode, on `device`
    dataset: Dataset
    device: torch.device
    results_dir: Path
    checkpoint: dict[str, Any]  # path, epoch, format ("pirounet" or "published")
    workers: int  # parts that run side by side in encode / decode (1 on a GPU)

    @property
    def class_names(self) -> list[str]:
        """Names of the run's classes 0 .. label_dim - 1 (time: sustained, neutral, sudden)."""
        return [self.label_name(k) for k in range(self.cfg.label_dim)]

    def label_name(self, k: int) -> str:
        """Class k of the run's effort, e.g. "sudden"; "class k" beyond its three."""
        return class_name(self.cfg.effort, int(k))

    def windows(self, part: str) -> tuple[Tensor, np.ndarray]:
        """Labelled windows (N, T, D) float32 and their classes (N,) of train, valid or test."""
        split = self.dataset.split
        starts, labels = getattr(split, f"{part}_lab"), getattr(split, f"{part}_y")
        return self.dataset.windows(starts), np.asarray(labels, np.int64)

    def encode(self, x: Tensor, y: np.ndarray) -> Tensor:
        """Codes z (N, latent) on the CPU, sampled from q(z|x,y) for windows x (N, T, D).

        Part i of the windows draws its noise from seed + i (the published code sampled z too).
        """
        e, y = self.eval_cfg, torch.as_tensor(y)
        return run_split(lambda i, part: encode_windows(
            self.model, x[part], y[part], e.batch_size, seed=e.seed + i).cpu(), len(x),
            self.workers)

    def decode(self, z: Tensor, y: np.ndarray) -> Tensor:
        """Sequences (N, T, D) on the CPU decoded from codes z (N, latent) under labels y (N,)."""
        y = torch.as_tensor(y)
        return run_split(lambda i, part: decode(self.model, z[part], y[part],
                                                self.eval_cfg.batch_size).cpu(),
                         len(z), self.workers)

    def reconstruct(self, x: Tensor, y: np.ndarray) -> Tensor:
        """Windows x (N, T, D) encoded with labels y (N,) and decoded again, on the CPU."""
        return self.decode(self.encode(x, y), y)

    @cached_property
    def train(self) -> tuple[Tensor, np.ndarray]:
        """The labelled training windows (N, T, D) and classes (N,), materialised once."""
        return self.windows("train")

    @cached_property
    def train_codes(self) -> Tensor:
        """Codes z (N, latent) of the labelled training windows under their own labels.

        z is sampled from q(z|x,y) as in the published code, in batches on every core (one
        window at a time was what made the published evaluation slow).
        """
        x, y = self.train
        log.info("encoding %d labelled training windows", len(x))
        return self.encode(x, y)

    def check_label_counts(self) -> None:
        """Raise EvalError when a label has too few labelled training windows for its tiles."""
        counts = np.bincount(self.train[1], minlength=self.cfg.label_dim)
        for k, n in enumerate(counts):
            if n < MIN_WINDOWS_PER_LABEL:
                raise EvalError(
                    f"label {k} ({self.label_name(k)}) has {n} labelled training window(s) in the "
                    f"{self.cfg.split!r} split; fitting its tiles for conditional generation "
                    f"needs at least {MIN_WINDOWS_PER_LABEL}. Label more windows of that effort "
                    f"or train with another split / fraction_label")

    @cached_property
    def tiles(self) -> list[LabelTiles]:
        """Each label's 2-D PCA plane and dense tiles (found once, reused by every draw)."""
        self.check_label_counts()
        return find_dense_tiles(self.train_codes, self.train[1], tile_settings(self.eval_cfg))


def tile_summary(ctx: EvalContext) -> dict[str, Any]:
    """Dense tiles per label, and which labels fell back to sampling around their centre."""
    per_label = {
        ctx.label_name(t.label): {"n_dense_tiles": len(t.corners), "tile_size": t.tile_size,
                              "points_in_dense_tiles": int(t.counts.sum()),
                              "n_points": t.n_points, "fallback": t.fallback}
        for t in ctx.tiles
    }
    fallback = [ctx.label_name(t.label) for t in ctx.tiles if t.fallback]
    return {**per_label, "fallback_labels": ", ".join(fallback) or "none"}


def training_config(eval_cfg: Config, ckpt: dict[str, Any]) -> Config:
    """The checkpoint's own config (or, for the published format, the defaults) + overrides."""
    overrides = list(eval_cfg.train_overrides)
    if ckpt.get("config") is None:
        log.info("%s is a published-format checkpoint without a config: using %s%s",
                 ckpt["path"], DEFAULT_CONFIG.name,
                 f" + {overrides}" if overrides else " (set train_overrides if it differs)")
    elif overrides:
        log.info("training config of %s, with train_overrides %s", ckpt["path"], overrides)
    return run_config(ckpt, overrides)


def results_name(eval_cfg: Config, cfg: Config, ckpt: dict[str, Any]) -> str:
    """eval_cfg.name, else the run name (+ "_<checkpoint>" unless it is "last")."""
    if eval_cfg.name:
        return eval_cfg.name
    source = Path(str(eval_cfg.load_from_checkpoint))
    if source.suffix == ".pt":  # a file: its run's name, or the file name if it has no config
        return cfg.run_name if ckpt.get("config") is not None else source.stem
    suffix = "" if eval_cfg.checkpoint == "last" else f"_{eval_cfg.checkpoint}"
    return source.name + suffix


def load_context(eval_cfg: Config, workers: int = 1) -> EvalContext:
    """Load the checkpoint named by eval_cfg, rebuild its model and data, make the results dir.

    workers: parts of many windows that go through the LSTMs side by side on the CPU.
    """
    ckpt = load_checkpoint(eval_cfg.load_from_checkpoint, eval_cfg.checkpoint)
    fmt = "published" if ckpt.get("config") is None else "pirounet"
    cfg = training_config(eval_cfg, ckpt)
    device = resolve_device(eval_cfg.device)
    model = PirouNet(ModelConfig.from_config(cfg))
    load_weights(model, ckpt, cfg)  # names every mismatched key and the settings behind it
    model.to(device).eval()
    # Evaluation reads the data the run was trained on; it never writes a stand-in data set.
    dataset = prepare_data(cfg.replace(synthetic_if_missing=False))
    results_dir = Path(eval_cfg.results_root) / results_name(eval_cfg, cfg, ckpt)
    results_dir.mkdir(parents=True, exist_ok=True)
    info = {"path": ckpt["path"], "epoch": int(ckpt.get("epoch", -1)), "format": fmt}
    log.info("evaluating %s (epoch %d, %s format) on %s; results in %s", info["path"],
             info["epoch"], fmt, device, results_dir)
    return EvalContext(eval_cfg, cfg, model, dataset, device, results_dir, info,
                       workers if device.type == "cpu" else 1)
