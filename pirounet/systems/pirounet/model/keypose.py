"""Key-pose decoder p(x|z,y) (decoder="keypose", an option): z says what, the label says how fast.

On a Time-Effort dancer the effort IS timing: sustained moves are long ramps without holds,
sudden ones quick moves between long holds. A window's code holds when each key pose is
reached, so an LSTM decoder can take the whole effort from z and ignore y. Here the label sets
the timing by construction:

- from z alone an MLP (`trunk.*`) gives K key poses P_0..P_{K-1} (`poses.*`, in the decoder's
  (-1, 1) output space), K-1 sorted transition centres c_k (`gaps.*`: a softmax over K gaps,
  summed, so they lie in order in the window widened by CENTRE_MARGIN on each side) and a pace
  factor f in [PACE_RANGE] (`pace.*`) for the variation within a label;
- each label y has a learned transition duration d_y frames (`log_duration`, (label_dim,),
  started at INITIAL_FRAMES: the synthetic dancer's sustained / neutral / sudden transitions,
  classes 0 / 1 / 2, last 42-88 / 14-28 / 5-10 frames at 35 fps);
- x_t = P_0 + sum_k (P_k - P_{k-1}) s((t - c_k) / (f d_y)), s the minimum-jerk smoothstep of
  clamp(u + 1/2, 0, 1): each transition takes f d_y frames, velocity zero at both ends.

The pace factor's range (ratio 2) is narrower than the gaps between the starting durations
(ratio about 3), so z cannot move a dance into another label's timing.

detours=True (`detours.*`) adds each transition's cubic-Bezier bend off the straight line,
3 s (1 - s)^2 E1_k + 3 s^2 (1 - s) E2_k with E from z: the Space Effort's detours, timed by
the same label-set ramp s, so they cannot re-time the dance either.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

INITIAL_FRAMES = (60.0, 20.0, 7.0)  # transition frames per label, low (sustained) to high
PACE_RANGE = (0.7, 1.4)  # bounds of the pace factor z sets on its label's duration
CENTRE_MARGIN = 0.25  # share of the window by which centres may fall outside it on each side


def initial_frames(label_dim: int) -> Tensor:
    """Starting transition frames (label_dim,): INITIAL_FRAMES, or their geometric spread."""
    if label_dim == len(INITIAL_FRAMES):
        return torch.tensor(INITIAL_FRAMES)
    return torch.logspace(math.log10(INITIAL_FRAMES[0]), math.log10(INITIAL_FRAMES[-1]),
                          label_dim)


def min_jerk(u: Tensor) -> Tensor:
    """The minimum-jerk step 10 v^3 - 15 v^4 + 6 v^5 of v = clamp(u + 1/2, 0, 1)."""
    v = (u + 0.5).clamp(0.0, 1.0)
    return v.pow(3) * (10.0 - 15.0 * v + 6.0 * v.pow(2))


class KeyposeDecoder(nn.Module):
    """z -> MLP -> key poses, centres, pace; y -> duration; smooth steps between the poses."""

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, output_dim: int,
                 seq_len: int, neg_slope: float, n_keys: int, detours: bool = False):
        super().__init__()
        if n_keys < 2:
            raise ValueError(f"keypose_keys must be at least 2 (one transition), got {n_keys}")
        self.seq_len, self.n_keys, self.output_dim = seq_len, n_keys, output_dim
        self.trunk = nn.Sequential(nn.Linear(latent_dim, h_dim), nn.LeakyReLU(neg_slope),
                                   nn.Linear(h_dim, h_dim), nn.LeakyReLU(neg_slope))
        self.poses = nn.Linear(h_dim, n_keys * output_dim)
        self.gaps = nn.Linear(h_dim, n_keys)
        self.pace = nn.Linear(h_dim, 1)
        self.log_duration = nn.Parameter(initial_frames(label_dim).log())
        self.detours = nn.Linear(h_dim, 2 * (n_keys - 1) * output_dim) if detours else None
        self.register_buffer("frames", torch.arange(seq_len, dtype=torch.float32),
                             persistent=False)  # (T,)

    def timing(self, h: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor]:
        """Transition centres (B, K-1) in frames and durations (B,) in frames."""
        margin = CENTRE_MARGIN * self.seq_len
        share = torch.softmax(self.gaps(h), dim=1).cumsum(dim=1)[:, :-1]  # (B, K-1) in (0, 1)
        centres = -margin + (self.seq_len - 1 + 2 * margin) * share
        low, high = PACE_RANGE
        pace = low * (high / low) ** torch.sigmoid(self.pace(h)[:, 0])  # (B,)
        return centres, torch.exp(y_onehot @ self.log_duration) * pace

    def steps(self, z: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor]:
        """The trunk's features (B, h) and each transition's progress s (B, K-1, T) in [0, 1]."""
        h = self.trunk(z)  # (B, h)
        centres, duration = self.timing(h, y_onehot)
        u = (self.frames - centres[:, :, None]) / duration[:, None, None]  # (B, K-1, T)
        return h, min_jerk(u)

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        h, s = self.steps(z, y_onehot)
        keys = torch.tanh(self.poses(h)).reshape(-1, self.n_keys, self.output_dim)  # (B, K, D)
        moves = keys.diff(dim=1)  # (B, K-1, D)
        x = keys[:, :1] + torch.einsum("bkt,bkd->btd", s, moves)  # (B, T, D)
        if self.detours is None:
            return x
        bend = torch.tanh(self.detours(h)).reshape(-1, 2, self.n_keys - 1, self.output_dim)
        first, second = 3 * s * (1 - s).pow(2), 3 * s.pow(2) * (1 - s)  # (B, K-1, T) each
        return (x + torch.einsum("bkt,bkd->btd", first, bend[:, 0])
                + torch.einsum("bkt,bkd->btd", second, bend[:, 1]))
