"""LSTM decoder p(x|z,y): one latent vector, repeated at every step, unrolled into poses.

Keys: `linear.*`, `lstm.*_l0 ... _l{n_layers-2}`, `lstm_out.*_l0` (under `decoder.` inside
PirouNet). The output LSTM's hidden state is the pose, so poses lie in (-1, 1) by the LSTM's
own tanh; no extra activation is applied.

time_features > 0 (an option; the paper has none) adds `time_proj.*`: a fixed basis of
sin / cos(pi k t / T), k = 1..time_features, mapped to h_dim and added to the repeated vector
before the LeakyReLU, so each step's input says where in the sequence it is. With the same
vector at every step the LSTMs settle into a fixed point within a few frames.

initial_state=True (an option; the paper starts every LSTM at zero) adds `init_state.*`: a
linear map of [z, one-hot] to the starting (h, c) of every LSTM layer. The output LSTM's hidden
state is the pose, so from a zero start the first frames must travel from the centre of the
value range to the pose: the first two or three frames moved about twice as fast as real ones.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Decoder(nn.Module):
    """[z, one-hot] -> Linear+LeakyReLU -> repeat seq_len -> LSTM(h) -> LSTM(output_dim)."""

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, n_layers: int,
                 output_dim: int, seq_len: int, neg_slope: float, time_features: int = 0,
                 initial_state: bool = False):
        super().__init__()
        self.seq_len = seq_len
        self.neg_slope = neg_slope
        self.linear = nn.Linear(latent_dim + label_dim, h_dim)
        self.lstm = nn.LSTM(h_dim, h_dim, num_layers=n_layers - 1, batch_first=True)
        self.lstm_out = nn.LSTM(h_dim, output_dim, num_layers=1, batch_first=True)
        self.time_proj = None
        if time_features > 0:
            t = torch.arange(seq_len, dtype=torch.float32)[:, None] / seq_len  # (T, 1)
            k = torch.arange(1, time_features + 1, dtype=torch.float32)[None, :]  # (1, F)
            basis = torch.cat([torch.sin(torch.pi * k * t), torch.cos(torch.pi * k * t)], dim=1)
            self.register_buffer("time_basis", basis, persistent=False)  # (T, 2F)
            self.time_proj = nn.Linear(2 * time_features, h_dim)
        self.init_state = None
        if initial_state:  # h and c of the n_layers - 1 hidden layers, then of the output layer
            self.init_state = nn.Linear(latent_dim + label_dim,
                                        2 * ((n_layers - 1) * h_dim + output_dim))

    def _initial_states(self, zy: Tensor) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
        """Starting (h, c) of the hidden LSTM, (L, B, h) each, and of the output LSTM, (1, B, D)."""
        layers, h_dim = self.lstm.num_layers, self.lstm.hidden_size
        h, c = torch.tanh(self.init_state(zy)).chunk(2, dim=1)  # (B, L h + D) each
        states = []
        for t in (h, c):
            hidden, out = t.split([layers * h_dim, t.shape[1] - layers * h_dim], dim=1)
            states.append((hidden.reshape(-1, layers, h_dim).transpose(0, 1).contiguous(),
                           out[None].contiguous()))
        (h_hid, h_out), (c_hid, c_out) = states
        return (h_hid, c_hid), (h_out, c_out)

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        zy = torch.cat([z, y_onehot], dim=1)  # (B, latent + K)
        h = self.linear(zy)[:, None, :]  # (B, 1, h)
        if self.time_proj is not None:
            h = h + self.time_proj(self.time_basis)  # (B, T, h): where in the sequence
        h = F.leaky_relu(h, self.neg_slope)
        h = h.expand(-1, self.seq_len, -1)  # (B, T, h); without time, the same vector each step
        if self.init_state is None:
            h, _ = self.lstm(h)  # (B, T, h), from a zero state as published
            x_hat, _ = self.lstm_out(h)  # (B, T, output_dim)
            return x_hat
        hidden, out = self._initial_states(zy)
        h, _ = self.lstm(h, hidden)  # (B, T, h)
        x_hat, _ = self.lstm_out(h, out)  # (B, T, output_dim)
        return x_hat
