"""The WGAN-GP gradient penalty (Gulrajani et al. 2017), done right.

    GP = lambda * mean_i (||grad_x D(x_hat_i)||_2 - 1)^2,  x_hat = a x_real + (1 - a) x_fake,

a ~ U(0, 1) per example. The published code passed grad_outputs of zeros to autograd, so the
gradient it measured was always 0 and the "penalty" a constant lambda with no gradient: the
critic had no Lipschitz constraint. Here grad_outputs are ones (dD/dx_hat of each example).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

LAMBDA_GP = 10.0  # the WGAN-GP paper's and the published value


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     lam: float = LAMBDA_GP, generator: torch.Generator | None = None
                     ) -> Tensor:
    """lam * mean (||dD/dx at random interpolates|| - 1)^2 for batches real, fake (B, ...).

    critic maps (B, ...) to scores (B,); the result keeps the graph, so it trains the critic.
    """
    shape = (len(real),) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, device=real.device, dtype=real.dtype, generator=generator)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    with torch.backends.cudnn.flags(enabled=False):  # cuDNN's LSTM has no double backward
        scores = critic(x_hat)
        grad, = torch.autograd.grad(scores, x_hat, grad_outputs=torch.ones_like(scores),
                                    create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)  # (B,)
    return lam * ((norms - 1) ** 2).mean()
