"""LSTM decoder p(x|z,y): one latent vector, repeated at every step, unrolled into poses.

Keys: `linear.*`, `lstm.*_l0 ... _l{n_layers-2}`, `lstm_out.*_l0` (under `decoder.` inside
PirouNet). The output LSTM's hidden state is the pose, so poses lie in (-1, 1) by the LSTM's
own tanh; no extra activation is applied.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Decoder(nn.Module):
    """[z, one-hot] -> Linear+LeakyReLU -> repeat seq_len -> LSTM(h) -> LSTM(output_dim)."""

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, n_layers: int,
                 output_dim: int, seq_len: int, neg_slope: float):
        super().__init__()
        self.seq_len = seq_len
        self.neg_slope = neg_slope
        self.linear = nn.Linear(latent_dim + label_dim, h_dim)
        self.lstm = nn.LSTM(h_dim, h_dim, num_layers=n_layers - 1, batch_first=True)
        self.lstm_out = nn.LSTM(h_dim, output_dim, num_layers=1, batch_first=True)

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        h = F.leaky_relu(self.linear(torch.cat([z, y_onehot], dim=1)), self.neg_slope)  # (B, h)
        h = h[:, None, :].expand(-1, self.seq_len, -1)  # (B, T, h), the same vector each step
        h, _ = self.lstm(h)  # (B, T, h)
        x_hat, _ = self.lstm_out(h)  # (B, T, output_dim)
        return x_hat
