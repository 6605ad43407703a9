"""What every training loop shares: running means over batches and ranks, the epoch's
metrics line, and the error that stops a run whose loss stopped being a number.

    average = Averager()
    for batch in loader:
        terms = step(batch)                       # {"total": 0.51, "accuracy": 0.75, ...}
        average.add(terms, weight=len(batch))
    metrics = epoch_metrics(epoch, average.reduced(), validate())

optimizer_step checks the loss and takes one step, the same way in every system.
"""
from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import nn

from pirounet.run.distributed import all_true, sum_across_ranks


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; the message names the epoch and the batch."""


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor,
                   terms: dict[str, float], parameters: Iterable[nn.Parameter],
                   grad_clip: float = 0.0) -> None:
    """Check terms["total"] is finite on every rank, then zero_grad, backward, clip and step.

    Every rank stops at the same step (one collective under DDP), before any weight changes.
    grad_clip > 0 clips the gradients' global norm.
    """
    if not all_true(math.isfinite(terms["total"])):
        shown = ", ".join(f"{k}={v:.4g}" for k, v in terms.items())
        raise NonFiniteLossError(f"the loss is not finite on this or another rank ({shown})")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        nn.utils.clip_grad_norm_(parameters, grad_clip)
    optimizer.step()


class Averager:
    """Means of named floats weighted by batch size, summed over ranks when asked."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.weight = 0.0

    def add(self, terms: dict[str, float], weight: float) -> None:
        """Accumulate one batch's terms with its weight (e.g. its batch size)."""
        for name, value in terms.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * weight
        self.weight += weight

    def means(self) -> dict[str, float]:
        """This process's running means (what a progress bar shows)."""
        return {name: total / max(self.weight, 1e-12) for name, total in self.sums.items()}

    def reduced(self, names: list[str] | None = None, empty_ok: bool = False) -> dict[str, float]:
        """Means over every rank's batches, in one collective under DDP.

        names: the terms to reduce (every rank must pass the same list; default: the ones
        added here). With no batches on any rank: NaN for each term when empty_ok, else a
        ValueError, since an empty loader usually means batch_size is too large for the data.
        """
        names = sorted(self.sums) if names is None else list(names)
        *sums, weight = sum_across_ranks([self.sums.get(n, 0.0) for n in names] + [self.weight])
        if weight == 0 and not empty_ok:
            raise ValueError("no batches to average: the loader is empty (too few windows "
                             "for batch_size on every rank?)")
        return {n: (total / weight if weight else math.nan) for n, total in zip(names, sums)}


def epoch_metrics(epoch: int, train: dict[str, float],
                  valid: dict[str, float]) -> dict[str, float]:
    """{"epoch", "train/<term>", "valid/<term>"}: one history line, one wandb log."""
    return {"epoch": epoch, **{f"train/{k}": v for k, v in train.items()},
            **{f"valid/{k}": v for k, v in valid.items()}}
