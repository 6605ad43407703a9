"""The paper's prediction task: given a sequence's first k frames, find a latent whose
generated sequence starts like them, and let the generator continue.

The search runs over the sequence generator's inputs (z_seq, z_0), so every increment,
including those after frame k, comes from the trained generator: it is the generator, not
the search, that predicts. Loss: mean squared error on the k given frames plus a small pull
of the latents towards the prior's shell (|z|^2 / dim near 1), Adam, several random starts
per sequence with the best fit kept. The baseline holds the last given pose.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

PRIOR_WEIGHT = 1e-3  # pull of |z|^2 / dim towards 1 (keeps the search where G was trained)
SEARCH_LR = 0.05


@dataclass
class Prediction:
    """Predicted windows (N, T, 30) and the fit error on the given frames (N,)."""

    poses: np.ndarray
    fit_error: np.ndarray


def joint_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean Euclidean joint distance per sequence (N,) between flat poses (N, T, 30)."""
    diff = (a - b).reshape(*a.shape[:2], 15, 2)
    return np.linalg.norm(diff, axis=-1).mean(axis=(1, 2))


def predict(generator: nn.Module, pose_generator: nn.Module, given: Tensor,
            music: Tensor | None, z_dim: int, seq_z_dim: int, steps: int, restarts: int,
            seed: int) -> Prediction:
    """Windows (N, T, 30) whose first k frames fit given (N, k, 30), searched from `restarts`
    random latents per window (music (N, T, F) when the generator is conditioned)."""
    n, k = given.shape[:2]
    gen = torch.Generator().manual_seed(seed)
    z_seq = torch.randn(n * restarts, seq_z_dim, generator=gen).requires_grad_(True)
    z0 = torch.randn(n * restarts, z_dim, generator=gen).requires_grad_(True)
    target = given.repeat_interleave(restarts, dim=0)  # (N R, k, 30)
    cond = None if music is None else music.repeat_interleave(restarts, dim=0)
    generator.eval()
    optimizer = torch.optim.Adam([z_seq, z0], lr=SEARCH_LR)

    def fit() -> tuple[Tensor, Tensor]:
        poses = pose_generator(generator(z_seq, z0, cond))  # (N R, T, 30)
        return poses, ((poses[:, :k] - target) ** 2).mean(dim=(1, 2))  # (N R,)

    with torch.enable_grad():
        for _ in range(steps):
            _, err = fit()
            prior = ((z_seq.pow(2).mean(1) - 1) ** 2 + (z0.pow(2).mean(1) - 1) ** 2)
            optimizer.zero_grad(set_to_none=True)
            (err + PRIOR_WEIGHT * prior).sum().backward()
            optimizer.step()
    with torch.no_grad():
        poses, err = fit()
    best = err.view(n, restarts).argmin(dim=1) + torch.arange(n) * restarts
    chosen = poses[best].numpy()
    fit_error = joint_error(chosen[:, :k], given.numpy())
    return Prediction(chosen, fit_error)


def hold_last(given: np.ndarray, length: int) -> np.ndarray:
    """The constant-pose baseline: the last given frame held for `length` frames (N, L, 30)."""
    return np.repeat(given[:, -1:], length, axis=1)
