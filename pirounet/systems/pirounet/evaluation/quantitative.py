"""Quantitative metrics: the paper's FID, diversity, multimodality and AJD, and the ones it lacked.

Per bootstrap iteration i (of stat_sampling_size), n_per_label dances per label are drawn from
the dense tiles and decoded. Every figure is then reported as mean ± std and 95 % CI over the
iterations (pirounet.metrics.summarize). What does not depend on the draw is computed ONCE:
the training codes and dense tiles (EvalContext), the real windows' FID-classifier activations,
kinetic / geometric features and bone lengths (RealReference). The heavy per-dance work
(decoding, activations, features, novelty) runs in one batch over all iterations' dances; only
the cheap statistics are taken per iteration.

Real data: as in the paper, every labelled training window is the FID reference and the real
diversity / multimodality set, and novelty searches all of them. The network-free features
that the paper lacked (kinetic / geometric FID, bone lengths, the effort meter's calibration)
use a seeded random subset of real_feature_windows of them: the labelled windows overlap
heavily (stride 1 and the +-7 label augmentation), so a subset carries nearly all their
variety, while the features of all ~8,000 cost several seconds.

On the generated dances:
- fid, diversity, multimodality: on the FID classifier's activations (paper);
- kinetic_fid, geometric_fid: network-free FIDs on hand-made features (AIST++, Bailando);
- bone_length_variation, bone_length_ratio: segment-length steadiness, generated / real;
- start_speed_ratio: mean marker speed over a dance's first START_FRAMES frame steps, over
  the same of the real windows (a decoder that starts from nothing rushes in: above 1);
- effort_recognition_rate: share of dances whose automatic Time-Effort class (EffortMeter,
  calibrated on the real labelled training windows) is the label they were conditioned on;
  read it next to effort_meter.real_test_accuracy, the meter's own accuracy on real test data.
  Only for effort="time": a run of another effort gets effort_meter = {"skipped": why};
- novelty_mean / novelty_min: RMS marker distance to the nearest labelled training window (the
  set the tiles are drawn from), and novelty_copy_fraction: the share under novelty_threshold.
steering (evaluation/steering.py): label swap, dances from the prior, and a verdict.
AJD (average joint distance) is the reconstruction error of the train, valid and test windows.

Settings that reproduce the reference code instead (configs/eval_published_code.py):
- tile_fit="every_iteration": each bootstrap iteration encodes the training windows with fresh
  noise, refits the PCAs and searches the tiles again before drawing, as the reference did; the
  ± values then include that variation, which tile_fit="once" (one encoding for all) leaves out.
  The encoder's mean and log-variance do not change between iterations, so they are computed
  once and each iteration only draws new noise: the same codes as a fresh encoding, at the cost
  of one.
- partial_batches="drop": the train and valid AJD and the tile encoding skip the last partial
  batch of the training batch_size (7,360 of the paper split's 7,428 training windows at 80).
- test_ajd="mean_and_running_sum": also ajd_running_sum.test, the reference code's test AJD,
  sum_j (n - j + 1) D_j / n^2 over the test windows in order (D_j: window j's AJD), about
  (n + 1) / (2 n) times the true mean ajd.test (0.50x for the paper's 296 windows).
ajd_mean_pose is the AJD of a model that ignores its input: every frame of every window is
predicted as the mean pose of the training windows (labelled and unlabelled, each window's
frames counted, overlaps included). A model that dances reconstructs well below it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from pirounet.metrics import (
    FeatureReference,
    accuracy,
    activation_statistics,
    ajd,
    balanced_accuracy,
    bone_length_variation,
    diversity,
    frechet_distance,
    geometric_features,
    iteration_rngs,
    kinetic_features,
    multimodality,
    novelty,
    summarize_runs,
    velocity,
)
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.effort_meter import EffortMeter
from pirounet.systems.pirounet.evaluation.context import PARTS, EvalContext, EvalError
from pirounet.systems.pirounet.evaluation.steering import steering_metrics
from pirounet.systems.pirounet.generation import draw_plane_points
from pirounet.systems.pirounet.fid_classifier import (
    FidClassifierSettings,
    get_or_train_fid_classifier,
    fid_classifier_activations,
)

log = logging.getLogger(__name__)

REAL_STREAM = 3  # seeds the real-window subset apart from the other draws
REFIT_STREAM = 4  # seeds each iteration's encoding noise under tile_fit="every_iteration"
START_FRAMES = 3  # frame steps whose speed start_speed measures


@dataclass
class RealReference:
    """Everything the metrics need from the real labelled training windows, computed once."""

    windows: np.ndarray  # (N, T, D) float32, the novelty search set
    labels: np.ndarray  # (N,)
    acts: np.ndarray  # (N, F) FID-classifier activations
    act_stats: tuple[np.ndarray, np.ndarray]  # their mean (F,) and covariance (F, F)
    kinetic: FeatureReference
    geometric: FeatureReference
    bone_variation: float  # mean bone-length variation of the real windows
    start_speed: float  # mean start_speed of the real windows
    meter: EffortMeter | None  # Time-Effort meter on the feature subset; None for other efforts
    n_feature_windows: int  # real windows behind the features, bones and meter


def start_speed(seqs: np.ndarray, frames: int = START_FRAMES, *,
                skeleton: Skeleton = VICON_53) -> np.ndarray:
    """Mean marker speed (N,) over the first `frames` frame steps of sequences (N, T, J * 3)."""
    v = velocity(seqs, skeleton=skeleton)[:, :frames]  # (N, frames, J, 3)
    return np.linalg.norm(v, axis=-1).mean(axis=(1, 2))


def feature_subset(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset of `size` of n windows (all when size is 0)."""
    if size <= 0 or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, REAL_STREAM]).choice(n, size, replace=False))


def real_reference(recognizer: torch.nn.Module, x: Tensor, y: np.ndarray, batch_size: int,
                   n_feature_windows: int, seed: int, time_effort: bool = True,
                   skeleton: Skeleton = VICON_53) -> RealReference:
    """The reference of real windows x (N, T, D) with classes y (N,).

    Activations come from all windows; features, bone lengths and the effort meter's
    calibration from a seeded subset of n_feature_windows (0 = all). time_effort=False (the
    labels are another effort, e.g. Space) leaves the Time-Effort meter out.
    """
    windows = x.numpy()
    acts = fid_classifier_activations(recognizer, x, batch_size)
    sub = feature_subset(len(windows), n_feature_windows, seed)
    some, some_y = windows[sub], y[sub]  # (n_sub, T, D), (n_sub,)
    return RealReference(
        windows=windows, labels=y, acts=acts, act_stats=activation_statistics(acts),
        kinetic=FeatureReference.of(kinetic_features(some, skeleton=skeleton)),
        geometric=FeatureReference.of(geometric_features(some, skeleton=skeleton)),
        bone_variation=float(bone_length_variation(some, skeleton=skeleton).mean()),
        start_speed=float(start_speed(some, skeleton=skeleton).mean()),
        meter=(EffortMeter(skeleton=skeleton, fps=skeleton.fps).fit(some, some_y)
               if time_effort else None),
        n_feature_windows=len(sub),
    )


def refit_seed(seed: int, iteration: int) -> int:
    """The encoding-noise seed of one bootstrap iteration under tile_fit="every_iteration"."""
    return int(np.random.SeedSequence([seed, REFIT_STREAM, iteration]).generate_state(1)[0])


def iteration_tiles(ctx: EvalContext, n_iter: int) -> list[list]:
    """The dense tiles each bootstrap iteration draws from: the shared ones (tile_fit="once"),
    or, under "every_iteration", tiles found anew from a fresh encoding in each iteration."""
    if ctx.eval_cfg.tile_fit != "every_iteration":
        return [ctx.tiles] * n_iter
    ctx.check_label_counts()
    return [ctx.find_tiles(ctx.encode_tile_windows(refit_seed(ctx.eval_cfg.seed, i)))
            for i in range(n_iter)]


def draw_dances(ctx: EvalContext, rngs: list[np.random.Generator],
                n_per_label: int) -> tuple[np.ndarray, np.ndarray]:
    """Dances (I, M, T, D) drawn from the dense tiles, M = n_per_label * K, and labels (M,).

    Each iteration's generator draws its tile points (from its own tiles under
    tile_fit="every_iteration"); all I * M codes are decoded in one pass.
    """
    per_iteration = iteration_tiles(ctx, len(rngs))
    k = len(per_iteration[0])
    z = np.concatenate([t.lift(draw_plane_points(t, n_per_label, rng)[0])
                        for rng, tiles in zip(rngs, per_iteration)
                        for t in tiles])  # (I * M, latent), label-major per i
    labels = np.repeat(np.arange(k), n_per_label)  # (M,)
    x = ctx.decode(torch.as_tensor(z, dtype=torch.float32), np.tile(labels, len(rngs)))
    return x.numpy().reshape(len(rngs), len(labels), *x.shape[1:]), labels


def generated_metrics(ctx: EvalContext, real: RealReference, recognizer: torch.nn.Module
                      ) -> tuple[dict[str, dict], dict[str, dict]]:
    """Summaries (mean, std, 95 % CI, values) of every generated and real-data statistic."""
    e = ctx.eval_cfg
    if e.n_per_label * len(ctx.tiles) < 2:
        raise EvalError(f"n_per_label={e.n_per_label} gives fewer than 2 dances; FID needs 2")
    if e.stat_sampling_size < 1:
        raise EvalError(f"stat_sampling_size must be >= 1, got {e.stat_sampling_size}")
    rngs = iteration_rngs(e.stat_sampling_size, e.seed)
    dances, labels = draw_dances(ctx, rngs, e.n_per_label)  # (I, M, T, D), (M,)
    n_iter, m = dances.shape[:2]
    flat = dances.reshape(n_iter * m, *dances.shape[2:])  # (I * M, T, D)

    # Per-dance work in one batch over every iteration, then split back: (I, M, ...)
    acts = fid_classifier_activations(recognizer, torch.from_numpy(flat), e.batch_size)
    acts = acts.reshape(n_iter, m, -1)
    skeleton = ctx.skeleton
    kinetic = kinetic_features(flat, skeleton=skeleton).reshape(n_iter, m, -1)
    geometric = geometric_features(flat, skeleton=skeleton).reshape(n_iter, m, -1)
    bones = bone_length_variation(flat, skeleton=skeleton).reshape(n_iter, m)
    starts = start_speed(flat, skeleton=skeleton).reshape(n_iter, m)
    effort = None if real.meter is None else real.meter.predict(flat).reshape(n_iter, m)
    novel = novelty(flat, real.windows, skeleton=skeleton).reshape(n_iter, m)

    gen_runs, real_runs = [], []
    for i, rng in enumerate(rngs):  # a handful of iterations; each statistic is vectorised
        gen_runs.append({
            "fid": frechet_distance(*activation_statistics(acts[i]), *real.act_stats),
            "diversity": diversity(acts[i], e.diversity_pairs, rng=rng),
            "multimodality": multimodality(acts[i], labels, e.multimodality_pairs, rng=rng),
            "kinetic_fid": real.kinetic.fid(kinetic[i]),
            "geometric_fid": real.geometric.fid(geometric[i]),
            "bone_length_variation": float(bones[i].mean()),
            "bone_length_ratio": float(bones[i].mean() / real.bone_variation),
            "start_speed_ratio": float(starts[i].mean() / real.start_speed),
            **({} if effort is None else {"effort_recognition_rate": accuracy(labels, effort[i])}),
            "novelty_mean": float(novel[i].mean()),
            "novelty_min": float(novel[i].min()),
            "novelty_copy_fraction": float((novel[i] < e.novelty_threshold).mean()),
        })
        real_runs.append({
            "diversity": diversity(real.acts, e.diversity_pairs, rng=rng),
            "multimodality": multimodality(real.acts, real.labels, e.multimodality_pairs,
                                           rng=rng),
        })
    return summarize_runs(gen_runs), summarize_runs(real_runs)


def chunked_ajd(x: np.ndarray, x_hat: np.ndarray, chunk: int = 1024, *,
                skeleton: Skeleton = VICON_53) -> float:
    """ajd(x, x_hat) of windows (N, T, D), computed a chunk of windows at a time."""
    # Windows have equal lengths, so the size-weighted mean of chunk means is the mean; float64
    # copies of all ~8,000 training windows at once would take ~1 GB.
    starts = range(0, len(x), chunk)
    values = [ajd(x[s:s + chunk], x_hat[s:s + chunk], skeleton=skeleton) for s in starts]
    return float(np.average(values, weights=[len(x[s:s + chunk]) for s in starts]))


def window_ajd(x: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    """AJD of each window, (N,), of windows (N, T, 3 * markers)."""
    diff = np.subtract(x, x_hat, dtype=np.float64).reshape(len(x), x.shape[1], -1, 3)
    return np.linalg.norm(diff, axis=-1).mean(axis=(1, 2))


def running_sum_ajd(per_window: np.ndarray) -> float:
    """The reference code's test AJD: sum_j (n - j + 1) D_j / n^2, j = 1..n in window order.

    It is a running sum, not a mean: for equal D_j it gives (n + 1) / (2 n) times D.
    """
    n = len(per_window)
    weights = n - np.arange(n)  # n - j + 1 for j = 1..n
    return float((weights * np.asarray(per_window, np.float64)).sum() / n**2)


def ajd_by_part(ctx: EvalContext) -> tuple[dict[str, float], dict[str, float]]:
    """AJD of the labelled train, valid and test windows (train reuses the shared codes), and
    {"test": the reference code's running sum} under test_ajd="mean_and_running_sum", else {}.

    Under partial_batches="drop", train and valid lose their last partial batch (as the
    reference's loaders did); test never does (the reference encoded it one window at a time).
    """
    out, running = {}, {}
    for part in PARTS:
        if part == "train":
            x, y = ctx.tile_train
        elif part == "valid":
            x, y = ctx.kept(*ctx.windows(part))
        else:
            x, y = ctx.windows(part)
        if len(x) == 0:
            log.warning("no labelled %s windows in this split; AJD %s left out", part, part)
            continue
        # train: decode the codes the tiles were built from, which saves an encoder pass
        x_hat = ctx.decode(ctx.train_codes, y) if part == "train" else ctx.reconstruct(x, y)
        out[part] = chunked_ajd(x.numpy(), x_hat.numpy(), skeleton=ctx.skeleton)
        if part == "test" and ctx.eval_cfg.test_ajd == "mean_and_running_sum":
            running["test"] = running_sum_ajd(window_ajd(x.numpy(), x_hat.numpy()))
    return out, running


def training_mean_pose(poses: np.ndarray, starts: np.ndarray, seq_len: int) -> np.ndarray:
    """Mean pose (D,) over every frame of the windows at `starts` of poses (T, D), overlaps counted.

    Equal to the mean of the stacked windows (N, seq_len, D) over windows and frames, without
    building them: a frame's weight is the number of windows that cover it.
    """
    edges = np.zeros(len(poses) + 1)
    np.add.at(edges, starts, 1.0)
    np.add.at(edges, np.asarray(starts) + seq_len, -1.0)
    weights = np.cumsum(edges[:-1])  # (T,) windows covering each frame
    return weights @ np.asarray(poses, np.float64) / weights.sum()


def ajd_mean_pose(ctx: EvalContext) -> dict[str, float]:
    """AJD of predicting every frame of the labelled train / valid / test windows as one pose.

    The pose is the mean over all training windows, labelled and unlabelled (each once).
    """
    starts = ctx.dataset.training_starts()
    pose = training_mean_pose(ctx.dataset.poses.numpy(), starts, ctx.dataset.seq_len)  # (D,)
    out = {}
    for part in PARTS:
        x = (ctx.train if part == "train" else ctx.windows(part))[0].numpy()  # (N, T, D)
        if len(x):
            out[part] = chunked_ajd(x, np.broadcast_to(pose.astype(np.float32), x.shape),
                                    skeleton=ctx.skeleton)
    return out


def effort_meter_accuracy(ctx: EvalContext, meter: EffortMeter) -> dict[str, Any]:
    """The meter's thresholds and its own accuracy on the real labelled test windows."""
    x, y = ctx.windows("test")
    info: dict[str, Any] = {**meter.to_dict(), "n_test": len(y)}
    if len(y) == 0:
        log.warning("no labelled test windows; the effort meter's real accuracy is left out")
        return info
    predicted = meter.predict(x.numpy())
    return {**info, "real_test_accuracy": accuracy(y, predicted),
            "real_test_balanced_accuracy": balanced_accuracy(y, predicted, len(ctx.tiles))}


def fid_classifier(ctx: EvalContext) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The FID classifier, loaded from its cache or trained now (and then cached); its info."""
    e = ctx.eval_cfg
    model, info = get_or_train_fid_classifier(
        ctx.cfg, ctx.dataset, e.fid_classifier_path or None,
        FidClassifierSettings(epochs=e.fid_classifier_epochs), ctx.device, log.info)
    out = {"path": info["path"], "held_out_accuracy": info["valid_accuracy"],
           "trained_now": info["trained"]}
    if info["data"]:  # our own format; a published classifier does not say how it was trained
        out["epochs"] = info["settings"]["epochs"]
    return model, out


def run_quantitative(ctx: EvalContext) -> dict[str, Any]:
    """Every quantitative metric, as a JSON-ready dict (see the module docstring)."""
    e = ctx.eval_cfg
    ctx.check_label_counts()  # before any long work
    recognizer, recog_info = fid_classifier(ctx)
    x, y = ctx.train
    time_effort = ctx.cfg.effort == "time"
    real = real_reference(recognizer, x, y, e.batch_size, e.real_feature_windows, e.seed,
                          time_effort, ctx.skeleton)
    generated, real_stats = generated_metrics(ctx, real, recognizer)
    ajd, ajd_running = ajd_by_part(ctx)
    steering = ({} if real.meter is None else
                {"steering": steering_metrics(ctx, real.meter, recognizer, real.acts)})
    return {
        "generated": generated,
        **steering,
        "real": {**real_stats, "bone_length_variation": real.bone_variation,
                 "start_speed": real.start_speed,
                 "n_windows": len(y), "n_feature_windows": real.n_feature_windows},
        "ajd": ajd,
        **({"ajd_running_sum": ajd_running} if ajd_running else {}),
        "ajd_mean_pose": ajd_mean_pose(ctx),
        "effort_meter": (effort_meter_accuracy(ctx, real.meter) if time_effort else
                         {"skipped": f"the automatic meter measures Time Effort; this run learned "
                                     f"{ctx.cfg.effort} effort"}),
        "fid_classifier": recog_info,
        "settings": {k: e[k] for k in ("n_per_label", "stat_sampling_size", "diversity_pairs",
                                       "multimodality_pairs", "novelty_threshold",
                                       "real_feature_windows", "tile_rule", "tile_fit",
                                       "partial_batches", "test_ajd")},
    }
