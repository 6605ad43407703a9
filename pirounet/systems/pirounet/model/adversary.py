"""Two ways to make the label steer: hide it from z, and ask for it from the decoder.

A classifier of the label from z behind a gradient reversal: z learns to hide the label.

With the published objective z carries the effort itself (a sudden window's code differs from
a sustained one's), so the decoder can ignore y, and decoding one z with another label
changes almost nothing. The adversary (Ganin & Lempitsky 2015, "Unsupervised Domain
Adaptation by Backpropagation"; Lample et al. 2017, "Fader Networks") reads y from the
posterior mean; the same loss trains it to read the label and, through the reversal, trains
the encoder to make z useless for that. What tells the decoder the effort is then y.

The swap loss (Hu et al. 2017, "Toward Controlled Generation of Text") decodes each labelled
window's z with another label and asks the model's own classifier q(y|x), held fixed, to find
that label in the result: the decoder learns that changing y must change the movement.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call


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


def swapped_labels(y: Tensor, label_dim: int) -> Tensor:
    """Another label for each of y (B,), the others in turn: (y + 1 + i mod (K-1)) mod K."""
    shift = 1 + torch.arange(len(y), device=y.device) % (label_dim - 1)  # (B,) in 1..K-1
    return (y + shift) % label_dim


def swap_loss(model: nn.Module, z: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """(cross-entropy, accuracy) of the fixed q(y|x) on codes z (B, latent) decoded with
    swapped_labels(y); gradients reach the decoder (and z), never the classifier."""
    target = swapped_labels(y, model.config.label_dim)  # (B,)
    x_swap = model.sample(z, target)  # (B, T, D) in pose units
    fixed = {name: p.detach() for name, p in model.classifier.named_parameters()}
    probs = functional_call(model.classifier, fixed, (model._inputs(x_swap),))  # (B, K)
    log_q = torch.log(probs + 1e-8)  # the objective's LOG_EPS
    loss = F.nll_loss(log_q, target)
    accuracy = (log_q.argmax(dim=1) == target).to(z.dtype).mean()
    return loss, accuracy.detach()
