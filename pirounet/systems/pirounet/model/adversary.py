"""A classifier of the label from z behind a gradient reversal: z learns to hide the label.

With the published objective z carries the effort itself (a sudden window's code differs from
a sustained one's), so the decoder can ignore y, and decoding one z with another label
changes almost nothing. The adversary (Ganin & Lempitsky 2015, "Unsupervised Domain
Adaptation by Backpropagation"; Lample et al. 2017, "Fader Networks") reads y from the
posterior mean; the same loss trains it to read the label and, through the reversal, trains
the encoder to make z useless for that. What tells the decoder the effort is then y.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _ReverseGradient(torch.autograd.Function):
    """Identity forward; the gradient comes back negated."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return -grad


def reverse_gradient(x: Tensor) -> Tensor:
    """x unchanged; gradients flowing back through it change sign."""
    return _ReverseGradient.apply(x)


class LatentAdversary(nn.Module):
    """z (B, latent) -> Linear+ReLU -> Linear -> label logits (B, K)."""

    def __init__(self, latent_dim: int, h_dim: int, label_dim: int):
        super().__init__()
        self.hidden = nn.Linear(latent_dim, h_dim)
        self.out = nn.Linear(h_dim, label_dim)

    def forward(self, z: Tensor) -> Tensor:
        """Label logits (B, K) from codes z (B, latent)."""
        return self.out(F.relu(self.hidden(z)))


def adversary_loss(adversary: LatentAdversary, mean: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy of the adversary's guess of y (B,) from posterior means (B, latent).

    Minimising it trains the adversary; the reversal makes the same step train the encoder
    to raise it.
    """
    return F.cross_entropy(adversary(reverse_gradient(mean)), y)
