"""Does the label steer? One code decoded with every label, and dances from the prior.

quantitative.steering in metrics.json (run_quantitative calls steering_metrics):
- label_swap: codes from the prior p(z|y) (n_per_label per label) and the posterior means of
  up to n_per_label * K labelled valid windows, each decoded with every label.
  as_asked: the share of (code, label) pairs whose effort-meter class is the label (chance
  1 / K); from_prior / from_posterior split it by where the codes came from. ordered: the
  share of codes whose end effectors' 90th-percentile acceleration rises with the label
  (low < medium < high), a check that needs no fitted judge.
- prior: n_per_label dances per label and bootstrap iteration decoded from p(z|y) (the paper's
  random generation: N(0, I) unless latent_prior is "learned" or "mixture"): the meter's
  "as asked" rate and diversity on the FID-classifier activations, with the real diversity of
  the same iteration.
- verdict: one sentence, whether the label steers (the report shows it next to the strip).
run_entanglement draws results/<name>/entanglement/label_swap_strip.png with swap_strip.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from pirounet.metrics import acceleration, accuracy, diversity, iteration_rngs, summarize_runs
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.systems.pirounet.generation import label_swap, posterior_params, prior_codes
from pirounet.systems.pirounet.fid_classifier import fid_classifier_activations
from pirounet.viz import comic_strip

PRIOR_STREAM = 5  # seeds the prior draws apart from the other draws
STEERS_AT = 0.8  # label-swap "as asked" rate from which the report says the label steers
ORDER_PERCENTILE = 90  # end-effector acceleration percentile of the judge-free ordering


def effector_acceleration(seqs: np.ndarray, percentile: float = ORDER_PERCENTILE, *,
                          skeleton: Skeleton = VICON_53) -> np.ndarray:
    """The percentile (N,) of end-effector acceleration magnitudes of sequences (N, T, J * 3)."""
    acc = acceleration(seqs, skeleton=skeleton)[..., skeleton.end_effector_indices, :]
    # (N, T-2, E, 3): E = 13 for VICON_53
    return np.percentile(np.linalg.norm(acc, axis=-1), percentile, axis=(1, 2))


def swap_rates(meter, swapped: np.ndarray) -> tuple[float, float]:
    """("as asked" rate, ordered share) of swapped dances (K, n, T, D), one code per column."""
    k, n = swapped.shape[:2]
    flat = swapped.reshape(k * n, *swapped.shape[2:])
    asked = accuracy(np.repeat(np.arange(k), n), meter.predict(flat))
    level = effector_acceleration(flat, skeleton=meter.skeleton).reshape(k, n)  # (K, n)
    return asked, float((np.diff(level, axis=0) > 0).all(axis=0).mean())


def swap_codes(ctx: EvalContext) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes from the prior (n_per_label per label) and posterior means of valid windows."""
    e, k = ctx.eval_cfg, ctx.cfg.label_dim
    prior = prior_codes(ctx.model, np.repeat(np.arange(k), e.n_per_label),
                        int(np.random.SeedSequence([e.seed, PRIOR_STREAM]).generate_state(1)[0]))
    part = "valid" if len(ctx.dataset.split.valid_lab) else "train"
    x, y = ctx.windows(part)
    pick = np.unique(np.linspace(0, len(x) - 1, e.n_per_label * k).round().astype(np.int64))
    params = posterior_params(ctx.model, x[pick], y[pick], e.batch_size).cpu()
    return prior, params.chunk(2, dim=1)[0]


def prior_dances(ctx: EvalContext, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Dances (I, M, T, D) decoded from p(z|y), M = n_per_label * K, and their labels (M,)."""
    e, k = ctx.eval_cfg, ctx.cfg.label_dim
    labels = np.repeat(np.arange(k), e.n_per_label)  # (M,)
    all_labels = np.tile(labels, n_iter)
    seed = int(np.random.SeedSequence([e.seed, PRIOR_STREAM, 1]).generate_state(1)[0])
    x = ctx.decode(prior_codes(ctx.model, all_labels, seed), all_labels).numpy()
    return x.reshape(n_iter, len(labels), *x.shape[1:]), labels


def verdict(rate: float, chance: float) -> str:
    """One sentence: does decoding one code with another label give that label's effort?"""
    if rate >= STEERS_AT:
        return (f"The label steers: one code decoded with each label is rated as the label asked "
                f"{rate:.0%} of the time (chance {chance:.0%}).")
    return (f"The label does not steer: one code decoded with each label is rated as the label "
            f"asked only {rate:.0%} of the time (chance {chance:.0%}); the effort lives in z.")


def steering_metrics(ctx: EvalContext, meter, recognizer: torch.nn.Module,
                     real_acts: np.ndarray) -> dict[str, Any]:
    """Label swap, prior dances and the verdict (module docstring); meter: the EffortMeter."""
    e, k = ctx.eval_cfg, ctx.cfg.label_dim
    prior_z, post_z = swap_codes(ctx)
    swapped = label_swap(ctx.model, torch.cat([prior_z, post_z]), e.batch_size).cpu().numpy()
    n_prior = len(prior_z)
    asked, ordered = swap_rates(meter, swapped)
    swap = {"as_asked": asked, "ordered": ordered,
            "from_prior": swap_rates(meter, swapped[:, :n_prior])[0],
            "from_posterior": swap_rates(meter, swapped[:, n_prior:])[0],
            "n_codes": {"prior": n_prior, "posterior": len(post_z)}, "chance": 1 / k}
    rngs = iteration_rngs(e.stat_sampling_size, e.seed)
    dances, labels = prior_dances(ctx, len(rngs))  # (I, M, T, D)
    flat = dances.reshape(-1, *dances.shape[2:])
    acts = fid_classifier_activations(recognizer, torch.from_numpy(flat), e.batch_size)
    acts = acts.reshape(len(rngs), len(labels), -1)
    effort = meter.predict(flat).reshape(len(rngs), len(labels))
    runs = [{"effort_recognition_rate": accuracy(labels, effort[i]),
             "diversity": diversity(acts[i], e.diversity_pairs, rng=rng),
             "real_diversity": diversity(real_acts, e.diversity_pairs, rng=rng)}
            for i, rng in enumerate(rngs)]
    return {"label_swap": swap, "prior": summarize_runs(runs), "verdict": verdict(asked, 1 / k)}


def swap_strip(ctx: EvalContext, path: Path) -> Path:
    """A comic strip of one valid window's posterior mean decoded with each label, row by row."""
    _, post_z = swap_codes(ctx)
    dances = label_swap(ctx.model, post_z[:1], ctx.eval_cfg.batch_size).cpu().numpy()[:, 0]
    k = len(dances)
    return comic_strip(dances, path, ctx.eval_cfg.comic_panels, labels=list(range(k)),
                       label_names=ctx.class_names,
                       title="label swap: one code (a valid window's), one row per label")
