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

The results never depend on how many parts there are: a part is a run of whole batches, cut at
the same multiples of batch_size whatever the number of workers (so every batch holds the same
windows and gives the same floats), and the encoder's noise for all windows is drawn up front
from one generator seeded by `seed`. Same seed, same metrics.json on 1, 2 or 16 cores.
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

from pirounet.run.config import Config, keys_named
from pirounet.run.runtime import resolve_device
from pirounet.run.checkpoint import load_weights
from pirounet.run.results import results_name
from pirounet.skeletons import Skeleton
from pirounet.systems.pirounet.checkpoint import load_checkpoint, shape_help
from pirounet.systems.pirounet.data import Dataset, prepare_data
from pirounet.systems.pirounet.data.prepare import check_skeleton, recorded_skeleton
from pirounet.systems.pirounet.efforts import class_name
from pirounet.systems.pirounet.generation import (
    MIN_WINDOWS_PER_LABEL,
    LabelTiles,
    TileSettings,
    decode,
    find_dense_tiles,
    posterior_params,
    sample_codes,
)
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.settings import DEFAULT_CONFIG, TRAINING

log = logging.getLogger(__name__)

PARTS = ("train", "valid", "test")
PUBLISHED_FRACTIONS = {"dance": 0.789, "watch": 0.92}  # fraction_label of the paper's models


class EvalError(ValueError):
    """Input that the evaluation cannot use; the message says what to change."""




def tile_settings(eval_cfg: Config) -> TileSettings:
    """The dense-tile settings of the eval config."""
    return TileSettings(grid_bound=eval_cfg.grid_bound, tile_sizes=tuple(eval_cfg.tile_sizes),
                        density_thresholds=tuple(eval_cfg.density_thresholds),
                        min_counts=tuple(eval_cfg.min_counts), rule=eval_cfg.tile_rule)


def whole_batches(n: int, batch_size: int, partial_batches: str) -> int:
    """How many of n windows a loader gives: all ("keep"), or whole batches only ("drop")."""
    return n - n % batch_size if partial_batches == "drop" else n


def part_bounds(n: int, workers: int, batch_size: int) -> np.ndarray:
    """Bounds (parts + 1,) of contiguous parts of range(n), each a run of whole batches.

    Batches start at multiples of batch_size whatever `workers` is, so a window always shares
    its batch with the same windows and the floats do not depend on the split.
    """
    n_batches = -(-n // batch_size)
    parts = max(1, min(workers, n_batches))
    return np.minimum(np.linspace(0, n_batches, parts + 1).round().astype(int) * batch_size, n)


def run_split(fn: Callable[[slice], Tensor], n: int, workers: int, batch_size: int) -> Tensor:
    """torch.cat of fn(part) over contiguous parts of range(n) (whole batches), side by side.

    fn must batch its part from the part's start in batch_size steps, and must not draw random
    numbers of its own (draw them for all n first and index them by the part).
    """
    bounds = part_bounds(n, workers, batch_size)
    if len(bounds) <= 2:
        return fn(slice(0, n))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per part, not parts fighting over every core
    try:
        with ThreadPoolExecutor(len(bounds) - 1) as pool:
            parts = list(pool.map(lambda i: fn(slice(bounds[i], bounds[i + 1])),
                                  range(len(bounds) - 1)))
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
    def skeleton(self) -> Skeleton:
        """The skeleton of the run's poses (VICON_53 for the published layout)."""
        return self.dataset.skeleton

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

    def posterior(self, x: Tensor, y: np.ndarray) -> Tensor:
        """[mean | logvar] (N, 2 latent) of q(z|x,y) on the CPU, for windows x (N, T, D)."""
        y, size = torch.as_tensor(y), self.eval_cfg.batch_size
        return run_split(lambda part: posterior_params(self.model, x[part], y[part], size).cpu(),
                         len(x), self.workers, size)

    def sample(self, params: Tensor, seed: int | None = None) -> Tensor:
        """Codes z (N, latent) from [mean | logvar] (N, 2 latent) with noise from `seed`.

        The noise of all N windows is drawn at once from a generator seeded by `seed` (default:
        the eval seed), so the codes do not depend on `workers`.
        """
        gen = torch.Generator().manual_seed(self.eval_cfg.seed if seed is None else int(seed))
        return sample_codes(params, torch.randn((len(params), params.shape[1] // 2),
                                                generator=gen))

    def encode(self, x: Tensor, y: np.ndarray, seed: int | None = None) -> Tensor:
        """Codes z (N, latent) on the CPU, sampled from q(z|x,y) for windows x (N, T, D).

        The published code sampled z too; `sample` says where the noise comes from.
        """
        return self.sample(self.posterior(x, y), seed)

    def decode(self, z: Tensor, y: np.ndarray) -> Tensor:
        """Sequences (N, T, D) on the CPU decoded from codes z (N, latent) under labels y (N,)."""
        y, size = torch.as_tensor(y), self.eval_cfg.batch_size
        return run_split(lambda part: decode(self.model, z[part], y[part], size).cpu(),
                         len(z), self.workers, size)

    def reconstruct(self, x: Tensor, y: np.ndarray, seed: int | None = None) -> Tensor:
        """Windows x (N, T, D) encoded with labels y (N,) and decoded again, on the CPU."""
        return self.decode(self.encode(x, y, seed), y)

    @cached_property
    def train(self) -> tuple[Tensor, np.ndarray]:
        """The labelled training windows (N, T, D) and classes (N,), materialised once."""
        return self.windows("train")

    def kept(self, x: Tensor, y: np.ndarray) -> tuple[Tensor, np.ndarray]:
        """x and y, less a last partial batch of the training batch_size when
        partial_batches="drop" (the reference code's loaders for AJD and the tile encoding)."""
        n = whole_batches(len(x), self.cfg.batch_size, self.eval_cfg.partial_batches)
        return x[:n], y[:n]

    @cached_property
    def tile_train(self) -> tuple[Tensor, np.ndarray]:
        """The labelled training windows (N, T, D) and classes (N,) the tiles are fitted on."""
        return self.kept(*self.train)

    @cached_property
    def tile_posterior(self) -> Tensor:
        """[mean | logvar] (N, 2 latent) of the tile windows under their own labels (once)."""
        x, y = self.tile_train
        log.info("encoding %d labelled training windows", len(x))
        return self.posterior(x, y)

    def encode_tile_windows(self, seed: int | None = None) -> Tensor:
        """Codes z (N, latent) of the tile windows under their own labels (seed: the noise).

        Each seed gives what a fresh encoding with that noise would: the encoder's mean and
        log-variance are deterministic, so they are computed once and only the noise is drawn.
        """
        return self.sample(self.tile_posterior, seed)

    @cached_property
    def train_codes(self) -> Tensor:
        """Codes z (N, latent) of the tile windows (`tile_train`) under their own labels.

        z is sampled from q(z|x,y) as in the published code, in batches on every core (one
        window at a time was what made the published evaluation slow).
        """
        return self.encode_tile_windows()

    def find_tiles(self, codes: Tensor) -> list[LabelTiles]:
        """Each label's plane and dense tiles from codes of the tile windows."""
        return find_dense_tiles(codes, self.tile_train[1], tile_settings(self.eval_cfg))

    def check_label_counts(self) -> None:
        """Raise EvalError when a label has too few labelled training windows for its tiles."""
        counts = np.bincount(self.tile_train[1], minlength=self.cfg.label_dim)
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
        return self.find_tiles(self.train_codes)


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


def published_variant(eval_cfg: Config, path: str | Path) -> str:
    """"dance" or "watch" for a config-less checkpoint: published_model, else its file name.

    A watch checkpoint must not silently meet the dance split (or the other way round), so a
    file name that says one while published_model says the other is refused, and a name that
    says neither needs published_model.
    """
    name = Path(path).name.lower()
    named = [v for v in ("dance", "watch") if v in name]
    said = eval_cfg.published_model
    if said and len(named) == 1 and named[0] != said:
        raise EvalError(
            f"{path} is named as a PirouNet_{named[0]} checkpoint but published_model="
            f"{said!r}; PirouNet_{named[0]} was trained on another split (fraction_label "
            f"{PUBLISHED_FRACTIONS[named[0]]}). To evaluate it on the {said} split anyway, keep "
            f"published_model={said!r} and rename the file, or set published_model="
            f"{named[0]!r}")
    if said:
        return said
    if len(named) == 1:
        return named[0]
    raise EvalError(
        f"{path} is a published-format checkpoint: it holds no config, so say which model it "
        f"is, --published_model=dance (PirouNet_dance, fraction_label 0.789) or "
        f"--published_model=watch (PirouNet_watch, 0.92); the two were trained on different "
        f"splits, and evaluating one on the other's split reports training windows as test")


def training_config(eval_cfg: Config, ckpt: dict[str, Any]) -> Config:
    """The checkpoint's own config (or, for the published format, the defaults) + overrides.

    A published-format checkpoint gets fraction_label from published_variant, unless
    train_overrides set fraction_label themselves (and published_model is left empty).
    """
    overrides = list(eval_cfg.train_overrides)
    if ckpt.get("config") is None and ("fraction_label" not in keys_named(overrides)
                                       or eval_cfg.published_model):
        variant = published_variant(eval_cfg, ckpt["path"])
        overrides = [f"--fraction_label={PUBLISHED_FRACTIONS[variant]}", *overrides]
        log.info("%s is a published-format checkpoint without a config: PirouNet_%s, using %s"
                 " + %s", ckpt["path"], variant, DEFAULT_CONFIG.name, overrides)
    elif ckpt.get("config") is None:
        log.info("%s is a published-format checkpoint without a config: using %s + %s, whose "
                 "fraction_label says which split it meets", ckpt["path"], DEFAULT_CONFIG.name,
                 overrides)
    elif overrides:
        log.info("training config of %s, with train_overrides %s", ckpt["path"], overrides)
    return TRAINING.rebuild(ckpt.get("config"), overrides)


def load_context(eval_cfg: Config, workers: int = 1) -> EvalContext:
    """Load the checkpoint named by eval_cfg, rebuild its model and data, make the results dir.

    workers: parts of many windows that go through the LSTMs side by side on the CPU.
    """
    ckpt = load_checkpoint(eval_cfg.load_from_checkpoint, eval_cfg.checkpoint)
    fmt = "published" if ckpt.get("config") is None else "pirounet"
    cfg = training_config(eval_cfg, ckpt)
    device = resolve_device(eval_cfg.device)
    # "fixed_bones" rebuilds the figure of the skeleton the run was trained on
    model = PirouNet(ModelConfig.from_config(cfg), recorded_skeleton(ckpt.get("data_fingerprint")))
    load_weights(ckpt, {"model": model}, **shape_help(ckpt, cfg))  # names each mismatch
    model.to(device).eval()
    # Evaluation reads the data the run was trained on; it never writes a stand-in data set.
    dataset = prepare_data(cfg.replace(synthetic_if_missing=False))
    check_skeleton(ckpt.get("data_fingerprint"), dataset)  # one line if another skeleton
    run_name = cfg.run_name if ckpt.get("config") is not None else None
    results_dir = Path(eval_cfg.results_root) / results_name(
        eval_cfg.name, eval_cfg.load_from_checkpoint, eval_cfg.checkpoint, run_name)
    results_dir.mkdir(parents=True, exist_ok=True)
    info = {"path": ckpt["path"], "epoch": int(ckpt.get("epoch", -1)), "format": fmt}
    log.info("evaluating %s (epoch %d, %s format) on %s; results in %s", info["path"],
             info["epoch"], fmt, device, results_dir)
    return EvalContext(eval_cfg, cfg, model, dataset, device, results_dir, info,
                       workers if device.type == "cpu" else 1)
