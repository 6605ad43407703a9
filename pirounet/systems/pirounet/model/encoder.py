"""LSTM encoder q(z|x,y): the one-hot label rides along with every pose.

Keys: `lstm.*_l0 ... _l{n_layers-1}`, `mean_block.*`, `logvar_block.*` (under `encoder.`
inside PirouNet), so published checkpoints load unchanged.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class Encoder(nn.Module):
    """[pose, one-hot] per step -> LSTM -> last layer's final hidden state -> mean, logvar."""

    def __init__(self, input_dim: int, label_dim: int, h_dim: int, n_layers: int,
                 latent_dim: int):
        super().__init__()
        self.lstm = nn.LSTM(input_dim + label_dim, h_dim, num_layers=n_layers, batch_first=True)
        self.mean_block = nn.Linear(h_dim, latent_dim)
        self.logvar_block = nn.Linear(h_dim, latent_dim)

    def forward(self, x: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(z, mean, logvar), each (B, latent_dim), from x (B, T, D) and y_onehot (B, K)."""
        y_steps = y_onehot[:, None, :].expand(-1, x.shape[1], -1)  # (B, T, K), no copy
        _, (h_n, _) = self.lstm(torch.cat([x, y_steps], dim=2))  # h_n: (n_layers, B, h)
        h_last = h_n[-1]  # (B, h): the top layer at the last step
        mean = self.mean_block(h_last)  # (B, latent)
        logvar = self.logvar_block(h_last)  # (B, latent)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)  # reparametrisation
        return z, mean, logvar
