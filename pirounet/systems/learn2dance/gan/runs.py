"""What both GAN stages do around their steps: optimizers, the adversarial epoch, samples.

The run itself (resume, the end of an epoch, the non-finite stop) is the lifecycle's
(pirounet/run/lifecycle.py); every sample_every epochs a stage draws samples/epoch_<N>.gif
from poses it generated.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from pirounet.run.config import Config, ConfigError
from pirounet.run.epochs import NonFiniteLossError
from pirounet.run.lifecycle import Run
from pirounet.run.tracking import log_animation

log = logging.getLogger("pirounet.systems.learn2dance.gan")
SYSTEM = "learn2dance"  # the maker a first stage's checkpoint must name


def refuse_ddp(ddp, model: str) -> None:
    """The GAN stages train in one process (one GPU or the CPU)."""
    if ddp.enabled:
        raise ConfigError(f"model={model} trains in one process: run `python main.py "
                          "learn2dance ...` without torchrun")


def make_optimizers(cfg: Config, generator: nn.Module,
                    critic: nn.Module) -> dict[str, torch.optim.Optimizer]:
    """Adam for each network with gan_learning_rate and gan_betas."""
    def adam(module: nn.Module) -> torch.optim.Optimizer:
        params = [p for p in module.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=cfg.gan_learning_rate, betas=tuple(cfg.gan_betas))
    return {"generator_optimizer": adam(generator), "critic_optimizer": adam(critic)}


def start_networks(run: Run, cfg: Config, generator: nn.Module, critic: nn.Module,
                   start: dict[str, Any] | None):
    """(models, optimizers, training state) of a stage, resumed when start is given.

    models are {"generator", "critic"}; the optimizers one Adam each (make_optimizers).
    """
    models = {"generator": generator, "critic": critic}
    optimizers = make_optimizers(cfg, generator, critic)
    return models, optimizers, run.start(start, models, optimizers)


def progress(cfg: Config, order: list, epoch: int) -> tqdm:
    """The epoch's progress bar over its batches (hidden when progress=False)."""
    return tqdm(order, desc=f"epoch {epoch}", leave=False, dynamic_ncols=True,
                disable=None if cfg.progress else True)


def step(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One optimiser step on loss: zero the gradients, backward, step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def adversarial_epoch(cfg: Config, epoch: int, order: list,
                      optimizers: dict[str, torch.optim.Optimizer],
                      critic_step: Callable[[Any], tuple[torch.Tensor, dict[str, float], Any]],
                      generator_loss: Callable[[Any], torch.Tensor],
                      shown: str) -> dict[str, float]:
    """One epoch of a GAN: each batch a critic step, every n_critic batches a generator step.

    critic_step(batch indices) -> (critic loss, its named terms, what generator_loss needs);
    generator_loss(that) -> the generator's loss. Both losses are checked before their step.
    Returns the mean of every term over the epoch; `shown` is the term on the progress bar.
    """
    bar, rows = progress(cfg, order, epoch), []
    for i, idx in enumerate(bar, start=1):
        loss, terms, context = critic_step(idx)
        check_finite(terms, epoch, i, len(order))
        step(optimizers["critic_optimizer"], loss)
        if i % cfg.n_critic == 0:
            g_loss = generator_loss(context)
            terms["generator"] = g_loss.item()
            check_finite(terms, epoch, i, len(order))
            step(optimizers["generator_optimizer"], g_loss)
        rows.append(terms)
        bar.set_postfix({shown: f"{terms[shown]:.3f}"}, refresh=False)
    bar.close()
    return mean_terms(rows)


def check_finite(terms: dict[str, float], epoch: int, step: int, n_steps: int) -> None:
    """Stop before the step when a loss term is NaN or infinite."""
    if not all(math.isfinite(v) for v in terms.values()):
        shown = ", ".join(f"{k}={v:.4g}" for k, v in terms.items())
        raise NonFiniteLossError(f"epoch {epoch}, batch {step} of {n_steps}: the loss is not "
                                 f"finite ({shown})")


def mean_terms(rows: list[dict[str, float]]) -> dict[str, float]:
    """The mean of each named term over an epoch's steps ({} with no steps)."""
    names = dict.fromkeys(k for row in rows for k in row)  # a generator term may skip steps
    return {k: float(np.mean([r[k] for r in rows if k in r])) for k in names}


def samples_due(cfg: Config, epoch: int) -> bool:
    """Samples are drawn every sample_every epochs and after the last one (never when 0)."""
    return cfg.sample_every > 0 and (epoch % cfg.sample_every == 0 or epoch == cfg.gan_epochs)


def write_samples(run: Run, epoch: int, seqs: np.ndarray, titles: list[str],
                  fps: float) -> Path:
    """samples/epoch_<N>.gif of flat pose sequences (N, T, 30), logged to wandb."""
    from pirounet.skeletons import OPENPOSE_15
    from pirounet.viz.animation import animate

    path = animate(list(seqs), run.folder / "samples" / f"epoch_{epoch}.gif", titles=titles,
                   fps=fps, skeleton=OPENPOSE_15)
    log_animation(run.tracker, "samples", path, epoch)
    return path
