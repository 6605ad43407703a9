"""One training epoch and one validation pass of the music->dance model.

Every step zeroes the gradients first (the published loop never did, so gradients summed
over all 190 updates). Loss terms come back as Python floats, so no batch's autograd graph
outlives its step. Under DDP each rank trains on its share of the windows and the epoch's
means are summed over ranks, so every rank logs the same numbers.
"""
from __future__ import annotations


import torch
from torch import Tensor, nn
from tqdm import tqdm

from pirounet.systems.learn2dance.music2dance.data import Windows
from pirounet.run.epochs import Averager, NonFiniteLossError, optimizer_step


TERMS = ["total", "nll_per_move", "accuracy", "top5_accuracy"]  # what the objective reports


def train_step(objective: nn.Module, optimizer: torch.optim.Optimizer, music: Tensor,
               moves: Tensor, grad_clip: float = 0.0) -> dict[str, float]:
    """One optimiser step on a batch: music (B, L * c, F), moves (B, L); returns the terms."""
    loss, terms = objective(music, moves)
    optimizer_step(optimizer, loss, terms, objective.parameters(), grad_clip)
    return terms


def train_epoch(objective: nn.Module, optimizer: torch.optim.Optimizer, windows: Windows,
                epoch: int, device: torch.device, grad_clip: float, max_steps: int,
                show_progress: bool) -> dict[str, float]:
    """Train one epoch (1-based) on shuffled windows; returns the mean terms over all ranks."""
    batches = windows.batches(epoch)
    if max_steps > 0:
        batches = batches[:max_steps]
    bar = tqdm(batches, desc=f"epoch {epoch}", leave=False, dynamic_ncols=True,
               disable=None if show_progress else True)  # None: off when not a TTY
    average = Averager()
    objective.train()
    for step, (music, moves) in enumerate(bar, start=1):
        try:
            terms = train_step(objective, optimizer, music.to(device), moves.to(device),
                               grad_clip)
        except NonFiniteLossError as err:
            raise NonFiniteLossError(f"epoch {epoch}, batch {step} of {len(batches)}: "
                                     f"{err}") from None
        average.add(terms, len(moves))
        bar.set_postfix(loss=f"{average.means()['total']:.4f}", refresh=False)
    bar.close()
    return average.reduced(TERMS, empty_ok=True)


@torch.no_grad()
def validate(objective: nn.Module, windows: Windows, device: torch.device) -> dict[str, float]:
    """The same terms on the validation windows (fixed offsets, no shuffle)."""
    objective.eval()
    average = Averager()
    for music, moves in windows.batches(0):
        _, terms = objective(music.to(device), moves.to(device))
        average.add(terms, len(moves))
    objective.train()
    return average.reduced(TERMS, empty_ok=True)
