"""One training epoch and one validation pass, as published (docs/published_method.md, "Objective").

An epoch walks the unlabelled loader once and pairs each unlabelled batch with the next
labelled batch; the labelled loader starts over whenever it runs out. Loss terms come back
from the objective as Python floats, so no batch's autograd graph outlives its step.

Two settings reproduce the reference code rather than the formulas (configs/published_code.py):
`classification_loss="broadcast"` (model/objective.py) and `valid_batches="drop_last"`, with which
validation skips the last partial batch as the reference's loader did (400 of the paper
split's 470 valid windows at batch 80). `M2Objective.from_config` reads every objective
setting; `train_epoch` also applies them to an objective built without it.
"""
from __future__ import annotations

import math
from itertools import islice
from typing import Iterator

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm

from pirounet.run.epochs import Averager, NonFiniteLossError, optimizer_step
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.data import WindowLoader, cycle
from pirounet.systems.pirounet.data.prepare import Dataset
from pirounet.systems.pirounet.generation import posterior_params
from pirounet.systems.pirounet.model import PirouNet, m2_loss
from pirounet.systems.pirounet.model.annealing import kl_weight_at
from pirounet.systems.pirounet.model.objective import bone_matrix

# latent_prior="mixture" is fitted on at most this many labelled training windows, evenly
# spaced: neighbouring windows share all but one frame, so more add time, not information.
PRIOR_FIT_WINDOWS = 3000
LEARNING_RATE_SCHEDULES = ("constant", "cosine")  # learning_rate_at


class M2Objective(nn.Module):
    """PirouNet and its loss in one forward, so DistributedDataParallel sees every parameter."""

    def __init__(self, model: PirouNet, kl_weight: float, pairing: str = "formula",
                 free_bits: float = 0.0, energy_weight: float = 0.0,
                 classification: str = "per_sample", valid_drop_last: bool = False,
                 skeleton: Skeleton = VICON_53):
        super().__init__()
        self.model = model
        self.kl_weight = kl_weight  # the full weight; a schedule passes its own per step
        self.pairing = pairing  # how U pairs q(y|x) with L(x, y); see model/objective.py
        self.free_bits = free_bits  # nats per latent dimension that cost no KL
        self.energy_weight = energy_weight  # weight of the motion-energy term (0 = published)
        self.classification = classification  # "per_sample" | "broadcast" (reference code)
        self.valid_drop_last = valid_drop_last  # validation skips the last partial batch
        self.bone_weight = 0.0  # weight of the bone-length term (0 = published)
        self.velocity_weight = 0.0  # weight of the velocity term (0 = published)
        self.swap_weight = 0.0  # weight of the label-swap term (0 = published)
        self.bone_variation_weight = 0.0  # weight of the bone-steadiness term (0 = published)
        self.adversary_weight = model.config.latent_adversary_weight  # (0 = published)
        # (S, J) segments of the data's skeleton, for the bone-length term; moves with .to()
        self.register_buffer("bones", bone_matrix(skeleton), persistent=False)

    @classmethod
    def from_config(cls, model: PirouNet, cfg) -> M2Objective:
        """The objective with every setting of a training config."""
        objective = cls(model, cfg.kl_weight)
        objective.configure(cfg)
        return objective

    def configure(self, cfg) -> None:
        """Take the objective settings of a training config (kl_weight aside)."""
        self.pairing = getattr(cfg, "unlabelled_pairing", self.pairing)
        self.free_bits = getattr(cfg, "free_bits", self.free_bits)
        self.energy_weight = getattr(cfg, "motion_energy_weight", self.energy_weight)
        self.classification = getattr(cfg, "classification_loss", self.classification)
        self.bone_weight = getattr(cfg, "bone_length_weight", self.bone_weight)
        self.velocity_weight = getattr(cfg, "velocity_weight", self.velocity_weight)
        self.swap_weight = getattr(cfg, "label_swap_weight", self.swap_weight)
        self.bone_variation_weight = getattr(cfg, "bone_variation_weight",
                                             self.bone_variation_weight)
        batches = getattr(cfg, "valid_batches", None)
        if batches is not None:
            self.valid_drop_last = batches == "drop_last"

    def forward(self, x_lab: Tensor, y_lab: Tensor, x_unlab: Tensor, alpha: float,
                kl_weight: float | None = None) -> tuple[Tensor, dict[str, float]]:
        """Batch loss J and its named terms; x (B, T, 159), y_lab (B,) class indices."""
        weight = self.kl_weight if kl_weight is None else kl_weight
        return m2_loss(self.model, x_lab, y_lab, x_unlab, alpha, weight, self.pairing,
                       self.free_bits, self.energy_weight, self.classification,
                       self.bone_weight, self.bones, self.adversary_weight,
                       self.velocity_weight, self.swap_weight, self.bone_variation_weight)


def learning_rate_at(step: int, total_steps: int, base: float, schedule: str) -> float:
    """The learning rate of a 1-based step: base ("constant", published) or a cosine decay.

    "cosine" falls from base at the first step to near 0 at the last (Loshchilov & Hutter
    2017, without restarts): Adam's steps at a constant 3e-3 keep shaking the weights at the
    end of a short run, and the last checkpoint is what gets evaluated.
    """
    if schedule == "constant":
        return base
    if schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * (step - 1) / max(total_steps, 1)))
    raise ValueError(f"learning_rate_schedule must be one of {LEARNING_RATE_SCHEDULES}, "
                     f"got {schedule!r}")


def epoch_steps(n_unlabelled_batches: int, max_steps: int) -> int:
    """Steps in one epoch: the whole unlabelled loader, or at most max_steps when > 0."""
    return min(n_unlabelled_batches, max_steps) if max_steps > 0 else n_unlabelled_batches


def labelled_batches(loader: WindowLoader, epoch: int,
                     steps: int) -> Iterator[tuple[Tensor, Tensor]]:
    """Labelled batches cycled from the start of the loader, shuffled per (epoch, pass)."""
    if len(loader) == 0:
        raise ValueError(f"the labelled training loader is empty: {len(loader.starts)} windows "
                         f"for batch_size {loader.batch_size} with drop_last")
    passes = -(-steps // len(loader))  # so every epoch uses its own shuffles after a resume
    loader.set_epoch((epoch - 1) * passes)
    return cycle(loader)


def train_step(objective: nn.Module, optimizer: torch.optim.Optimizer, x_lab: Tensor,
               y_lab: Tensor, x_unlab: Tensor, alpha: float, grad_clip: float,
               kl_weight: float | None = None) -> dict[str, float]:
    """One optimiser step on a labelled and an unlabelled batch; returns the loss terms.

    kl_weight: this step's KL weight from the schedule (None = the objective's full weight).
    """
    loss, terms = objective(x_lab, y_lab, x_unlab, alpha, kl_weight)
    optimizer_step(optimizer, loss, terms, objective.parameters(), grad_clip)
    return terms


def train_epoch(objective: nn.Module, optimizer: torch.optim.Optimizer,
                unlabelled: WindowLoader, labelled: WindowLoader, alpha: float, cfg,
                epoch: int, device: torch.device, show_progress: bool) -> dict[str, float]:
    """Train one epoch (1-based); returns the mean of every loss term over all ranks."""
    steps = epoch_steps(len(unlabelled), cfg.max_steps_per_epoch)
    unlabelled.set_epoch(epoch)
    pairs = zip(islice(unlabelled, steps), labelled_batches(labelled, epoch, steps))
    bar = tqdm(pairs, total=steps, desc=f"epoch {epoch}", leave=False, dynamic_ncols=True,
               disable=None if show_progress else True)  # None: off when not a TTY
    average = Averager()
    objective.train()
    getattr(objective, "module", objective).configure(cfg)  # under DDP: the wrapped objective
    total_steps = cfg.epochs * steps
    for batch, ((x_u, _), (x_l, y_l)) in enumerate(bar, start=1):
        step = (epoch - 1) * steps + batch  # 1-based over the whole run, for the KL schedule
        kl_weight = kl_weight_at(step, total_steps, cfg.kl_weight, cfg.kl_warmup_steps,
                                 cfg.kl_cycles, cfg.kl_cycle_ramp)
        if cfg.learning_rate_schedule != "constant":  # set per step: a resume takes up the curve
            for group in optimizer.param_groups:
                group["lr"] = learning_rate_at(step, total_steps, cfg.learning_rate,
                                               cfg.learning_rate_schedule)
        try:
            terms = train_step(objective, optimizer, x_l.to(device), y_l.to(device),
                               x_u.to(device), alpha, cfg.grad_clip, kl_weight)
        except NonFiniteLossError as err:
            raise NonFiniteLossError(f"epoch {epoch}, batch {batch} of {steps}: {err}") from None
        average.add({**terms, "kl_weight": kl_weight}, len(x_l))
        running = average.means()
        bar.set_postfix(loss=f"{running['total']:.4f}", acc=f"{running['accuracy']:.3f}",
                        refresh=False)
    bar.close()
    return average.reduced()


@torch.no_grad()
def validate(objective: M2Objective, loader: WindowLoader, alpha: float,
             device: torch.device) -> dict[str, float]:
    """The same J on labelled windows, with U computed on the batch itself, plus accuracy.

    With objective.valid_drop_last (the reference code), a last partial batch is skipped.
    """
    objective.eval()
    average = Averager()
    for x, y in loader:
        if objective.valid_drop_last and len(x) < loader.batch_size:
            continue
        x = x.to(device)
        _, terms = objective(x, y.to(device), x, alpha)
        average.add(terms, len(x))
    objective.train()
    return average.reduced()


def fit_mixture_prior(model: PirouNet, data: Dataset, seed: int, batch_size: int = 256) -> None:
    """Fit latent_prior="mixture" (model/mixture.py) on the labelled training windows.

    Each window's code is its posterior mean under its own label. Unlabelled windows stay
    out: the mixture of label k must hold the codes the decoder makes label k's effort from,
    and the classifier's guesses would mix other labels' codes into it.
    """
    starts, labels = data.split.train_lab, np.asarray(data.split.train_y, np.int64)
    pick = np.unique(np.linspace(0, len(starts) - 1, min(len(starts), PRIOR_FIT_WINDOWS))
                     .round().astype(np.int64))
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    # the encoder draws its z from torch's generator: fork it, so that training goes on with
    # the very numbers it would have drawn without the fit
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        params = posterior_params(model, data.windows(starts[pick]), labels[pick], batch_size)
    model.train(was_training)
    means = params.chunk(2, dim=1)[0].cpu().numpy()  # (N, latent)
    model.mixture.fit(means, labels[pick], seed)
