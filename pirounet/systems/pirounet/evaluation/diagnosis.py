"""Does it dance? Three headline figures with targets, warnings, and the training curves.

    metrics.update(diagnose(ctx, metrics))   # after every section, before metrics.json

Headline (metrics["headline"]), each {"value", "target", "pass_if", "passed", and its inputs};
a figure whose inputs were not computed (a section switched off) is left out:
- reconstruction_vs_mean_pose: AJD of the reconstructed labelled valid windows over the AJD of
  predicting every frame as the training mean pose (quantitative.ajd_mean_pose); <= 0.35;
- effort_as_asked: the effort meter's "as asked" rate of conditional generations; >= 0.9
  (chance is 1 / label_dim);
- diversity_vs_real: diversity of the generated dances over that of real windows; >= 0.7;
- label_swap_as_asked: one code decoded with every label, rated as each label asked; >= 0.8,
  with the sentence that says whether the label steers (evaluation/steering.py);
- prior_as_asked, prior_diversity_vs_real: the same two figures for dances sampled from the
  prior p(z|y) (the paper's random generation); >= 0.8 and >= 0.7;
- bone_length_vs_real: bone-length variation of the conditional dances over real; <= 3;
- start_speed_vs_real: their speed over the first frames over real's; within 1.3x either way.
The targets were 0.5, 0.6 and 0.5 for the first three until the label-steering options
(docs/label_steering.md) raised them.

Warnings (metrics["warnings"], plain sentences): posterior collapse (the evaluated checkpoint's
KL on the labelled valid windows under KL_COLLAPSE), a label whose conditional dances fell back
to a Gaussian (no dense tile), the built-in synthetic dancer as data, labels that are not all
a person's (machine labels (meter)), and an FID classifier trained for fewer
epochs than the paper's.
"""
from __future__ import annotations

import glob
import logging
import math
import operator
from pathlib import Path
from typing import Any, Mapping

import torch

from pirounet.run.tracking import HISTORY_FILE, read_history
from pirounet.systems.pirounet.data.synthetic import TRUTH_FILE
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.systems.pirounet.evaluation.results import metric_at
from pirounet.systems.pirounet.model.objective import kl_divergence
from pirounet.viz.plots import plot_training_curves

log = logging.getLogger(__name__)

CURVES_FILE = "training_curves.png"  # in results/<run>/
KL_COLLAPSE = 0.1  # nats, summed over the latent dimensions: below this z carries ~nothing
PAPER_RECOGNITION_EPOCHS = 400
TARGETS = {  # headline figure -> (pass_if, target)
    "reconstruction_vs_mean_pose": ("<=", 0.35),
    "effort_as_asked": (">=", 0.9),
    "diversity_vs_real": (">=", 0.7),
    "label_swap_as_asked": (">=", 0.8),
    "prior_as_asked": (">=", 0.8),
    "prior_diversity_vs_real": (">=", 0.7),
    "bone_length_vs_real": ("<=", 3.0),
    "start_speed_vs_real": ("within", 1.3),
}
_COMPARE = {"<=": operator.le, ">=": operator.ge,
            "within": lambda value, factor: 1 / factor <= value <= factor}


def _figure(name: str, value: float, **inputs: Any) -> dict[str, Any]:
    """One headline figure: its value, target and whether it passes, then its inputs."""
    pass_if, target = TARGETS[name]
    return {"value": value, "target": target, "pass_if": pass_if,
            "passed": bool(_COMPARE[pass_if](value, target)), **inputs}


def headline(metrics: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The "Does it dance?" figures whose inputs are in metrics (see the module docstring)."""
    q = metrics.get("quantitative") or {}
    out = {}
    ajd_valid, ajd_base = metric_at(q, "ajd", "valid"), metric_at(q, "ajd_mean_pose", "valid")
    if ajd_valid is not None and ajd_base:
        out["reconstruction_vs_mean_pose"] = _figure(
            "reconstruction_vs_mean_pose", ajd_valid / ajd_base, ajd_valid=ajd_valid,
            ajd_mean_pose=ajd_base)
    rate = metric_at(q, "generated", "effort_recognition_rate", "mean")
    if rate is not None:
        label_dim = metric_at(metrics, "training_config", "label_dim") or 3
        out["effort_as_asked"] = _figure("effort_as_asked", rate, chance=1 / label_dim)
    generated, real = (metric_at(q, part, "diversity", "mean") for part in ("generated", "real"))
    if generated is not None and real:
        out["diversity_vs_real"] = _figure("diversity_vs_real", generated / real,
                                           generated=generated, real=real)
    out.update(steering_figures(q))
    return {k: v for k, v in out.items() if math.isfinite(v["value"])}


def steering_figures(q: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The label-swap, prior, bone and start figures whose inputs are in quantitative q."""
    out = {}
    swap = metric_at(q, "steering", "label_swap")
    if swap:
        out["label_swap_as_asked"] = _figure(
            "label_swap_as_asked", swap["as_asked"], chance=swap["chance"],
            ordered=swap["ordered"], verdict=metric_at(q, "steering", "verdict"))
    prior = metric_at(q, "steering", "prior")
    if prior:
        out["prior_as_asked"] = _figure("prior_as_asked",
                                        prior["effort_recognition_rate"]["mean"])
        gen, real = prior["diversity"]["mean"], prior["real_diversity"]["mean"]
        if real:
            out["prior_diversity_vs_real"] = _figure("prior_diversity_vs_real", gen / real,
                                                     generated=gen, real=real)
    for name, key in (("bone_length_vs_real", "bone_length_ratio"),
                      ("start_speed_vs_real", "start_speed_ratio")):
        value = metric_at(q, "generated", key, "mean")
        if value is not None:
            out[name] = _figure(name, value)
    return out


def posterior_kl(ctx: EvalContext, max_windows: int = 2048) -> dict[str, Any]:
    """Mean KL(q(z|x,y) || N(0, I)) in nats of the evaluated model on labelled valid windows.

    Textbook KL, summed over the latent dimensions (the training log's kl_labelled is twice it,
    as published). Train windows stand in when the split has no valid ones.
    """
    part = "valid" if len(ctx.dataset.split.valid_lab) else "train"
    x, y = ctx.windows(part)
    x, y = x[:max_windows], torch.as_tensor(y[:max_windows])
    kls = []
    with torch.no_grad():
        for s in range(0, len(x), ctx.eval_cfg.batch_size):
            xb = x[s:s + ctx.eval_cfg.batch_size].to(ctx.device)  # (B, T, D)
            _, mean, logvar = ctx.model.encode(xb, y[s:s + len(xb)].to(ctx.device))
            kls.append(0.5 * kl_divergence(mean, logvar).cpu())  # (B,)
    return {"mean": float(torch.cat(kls).mean()), "part": part, "n_windows": len(x),
            "collapse_below": KL_COLLAPSE}


def is_synthetic(data_pattern: str) -> bool:
    """True when a folder of the recordings holds the synthetic dancer's truth file."""
    folders = {Path(p).parent for p in glob.glob(data_pattern)}
    return any((folder / TRUTH_FILE).is_file() for folder in folders)


def run_warnings(metrics: Mapping[str, Any], kl: float | None, synthetic: bool) -> list[str]:
    """The warnings a reader must see before trusting the numbers (module docstring)."""
    out = []
    if kl is not None and kl < KL_COLLAPSE:
        out.append(
            f"Posterior collapse: the mean KL(q(z|x,y) ‖ N(0, I)) of the encoded windows is "
            f"{kl:.3g} nats, under {KL_COLLAPSE} summed over the latent dimensions. The decoder "
            f"ignores z; generations and reconstructions will be close to a mean pose.")
    tiles = metrics.get("conditional_generation") or {}
    for name, info in tiles.items():
        if isinstance(info, Mapping) and info.get("fallback"):
            out.append(
                f"Label {name!r} has no dense tile among its {info.get('n_points')} training "
                f"codes in the latent space: its conditional dances were drawn from a Gaussian "
                f"around the label's centre instead of from dense tiles, as the paper does.")
    if synthetic:
        out.append(
            "The data is the built-in synthetic dancer (pirounet/systems/pirounet/data/synthetic.py; "
            f"{TRUTH_FILE} lies next to the recordings): the numbers check the pipeline and "
            "say nothing about the published results on real dance.")
    labels = metric_at(metrics, "labels", "source")
    if labels is not None and not labels.startswith("human labels"):
        out.append(
            f"The run learned from {labels} ({metrics['labels']['file']}), not only a person's "
            "labels: the classifier's accuracy and the effort 'as asked' measure agreement "
            "with the effort meter's classes, not with a person's judgement.")
    epochs = metric_at(metrics, "quantitative", "fid_classifier", "epochs")
    if epochs is not None and epochs < PAPER_RECOGNITION_EPOCHS:
        out.append(
            f"The FID classifier behind FID, diversity and multimodality was trained "
            f"for {epochs} epoch(s), not the paper's {PAPER_RECOGNITION_EPOCHS}: those numbers "
            f"are not comparable to the paper's.")
    return out


def training_curves(checkpoint: Mapping[str, Any], results_dir: Path) -> dict[str, Any]:
    """Draw results_dir/CURVES_FILE from the run's history.jsonl, or say why it was skipped."""
    figure = results_dir / CURVES_FILE
    figure.unlink(missing_ok=True)  # never show the curves of an earlier evaluation
    history = Path(checkpoint["path"]).parent / HISTORY_FILE
    if not history.is_file():
        return {"skipped": f"no {HISTORY_FILE} next to the checkpoint {checkpoint['path']} "
                           f"(a published checkpoint, or a run folder without its history)"}
    lines = read_history(history)
    if not lines:
        return {"skipped": f"{history} holds no complete epoch"}
    plot_training_curves(lines, figure)
    return {"figure": CURVES_FILE, "history": str(history), "epochs": len(lines)}


def diagnose(ctx: EvalContext, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """headline, warnings, posterior_kl and training_curves for metrics.json and the report."""
    kl = posterior_kl(ctx)
    return {
        "headline": headline(metrics),
        "warnings": run_warnings(metrics, kl["mean"], is_synthetic(ctx.cfg.data_pattern)),
        "posterior_kl": kl,
        "training_curves": training_curves(ctx.checkpoint, ctx.results_dir),
    }
