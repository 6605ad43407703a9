"""Rhythm timing of the key-pose decoder (keypose_timing="rhythm"): z gives the path, y the rhythm.

Under keypose_timing="transitions" (model/keypose.py) the label re-times the transitions
that z placed, so a code keeps its own window's number and size of moves: a sustained
window's code, re-timed as sudden, gives one small quick move (read as neutral), and a sudden
window's 2-3 moves, run together by 60-frame ramps, read as neutral too. Here z gives only a
path, and the label decides how the window travels along it:

- from z alone an MLP (`trunk.*`) gives K key poses (`poses.*`, in (-1, 1)): the control
  points of a Catmull-Rom path P(sigma), sigma in [0, K-1], through every key pose (key k at
  sigma = k; the end points are repeated, so the path starts and ends on its first and last
  key), plus a phase phi in (0, 1) (`phase.*`), a pace factor f in PACE_RANGE (`pace.*`) and
  MAX_STEPS step-size logits (`sizes.*`);
- label y sets the rhythm: n_y steps per window (RHYTHM_STEPS: 1 / 2 / 3 for sustained /
  neutral / sudden), each lasting f d_y frames (d_y: the learned transition durations of
  model/keypose.py, 60 / 20 / 7 at the start), centred at c_j = (j + phi) (T - 1) / n_y,
  j < n_y, and carrying a share w_j = softmax(logits[:n_y])_j of the path;
- the time warp s(t) = sum_j w_j m((t - c_j) / (f d_y)), m the minimum-jerk step, rises
  monotonically from about 0 to about 1, and the dance is x_t = P((K - 1) s(t)).

So the same path under "sustained" is one slow 60-frame traversal without holds (the window
sees its middle), under "neutral" two 20-frame steps, under "sudden" three 7-frame steps with
holds between them: the label changes how many moves the window holds and how quick they are,
and z (uneven shares, the phase) still places them where its window had them. A soft label
mixes the labels' warps.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from pirounet.systems.pirounet.model.keypose import DURATION_SLACK, PACE_RANGE, initial_frames
from pirounet.systems.pirounet.model.keypose import min_jerk

RHYTHM_STEPS = (1, 2, 3)  # steps per window, low (sustained) to high (sudden)
MAX_STEPS = max(RHYTHM_STEPS)


def label_steps(label_dim: int) -> Tensor:
    """Steps per window for each label (label_dim,): RHYTHM_STEPS, or spread between its ends."""
    if label_dim == len(RHYTHM_STEPS):
        return torch.tensor(RHYTHM_STEPS, dtype=torch.float32)
    return torch.linspace(RHYTHM_STEPS[0], RHYTHM_STEPS[-1], label_dim).round()


def catmull_rom_weights(sigma: Tensor, n_keys: int) -> Tensor:
    """Weights (..., K) of each key pose at path positions sigma (...) in [0, K-1].

    The uniform Catmull-Rom spline through the keys, end points repeated: at sigma = k it is
    key k exactly, between keys a cubic with a continuous velocity, so a quick step that
    crosses a key pose does not jerk there. Each row sums to 1.
    """
    sigma = sigma.clamp(0.0, n_keys - 1.0)
    k = sigma.detach().floor().clamp(max=n_keys - 2)  # the segment [k, k+1] sigma lies in
    u = (sigma - k)[..., None]  # (..., 1) in [0, 1]
    u2, u3 = u * u, u * u * u
    basis = 0.5 * torch.cat([-u3 + 2 * u2 - u, 3 * u3 - 5 * u2 + 2,
                             -3 * u3 + 4 * u2 + u, u3 - u2], dim=-1)  # (..., 4): keys k-1..k+2
    # keys k-1..k+2 clamped into 0..K-1: the repeated end points take the missing neighbours
    index = (k.long()[..., None] + torch.arange(-1, 3, device=sigma.device)).clamp(0, n_keys - 1)
    out = torch.zeros(*sigma.shape, n_keys, dtype=basis.dtype, device=sigma.device)
    return out.scatter_add(-1, index, basis)


class RhythmDecoder(nn.Module):
    """z -> MLP -> key poses (a path), phase, pace, step shares; y -> steps' number and length."""

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, output_dim: int,
                 seq_len: int, neg_slope: float, n_keys: int,
                 duration_slack: float = DURATION_SLACK):
        super().__init__()
        if n_keys < 2:
            raise ValueError(f"keypose_keys must be at least 2 (a path needs two ends), got {n_keys}")
        self.seq_len, self.n_keys, self.output_dim = seq_len, n_keys, output_dim
        self.trunk = nn.Sequential(nn.Linear(latent_dim, h_dim), nn.LeakyReLU(neg_slope),
                                   nn.Linear(h_dim, h_dim), nn.LeakyReLU(neg_slope))
        self.poses = nn.Linear(h_dim, n_keys * output_dim)
        self.phase = nn.Linear(h_dim, 1)
        self.pace = nn.Linear(h_dim, 1)
        self.sizes = nn.Linear(h_dim, MAX_STEPS)
        self.register_buffer("initial_frames", initial_frames(label_dim), persistent=False)
        self.register_buffer("steps_per_label", label_steps(label_dim), persistent=False)
        self.duration_shift = nn.Parameter(torch.zeros(label_dim))
        self.duration_slack = duration_slack
        self.register_buffer("frames", torch.arange(seq_len, dtype=torch.float32),
                             persistent=False)  # (T,)

    def label_frames(self) -> Tensor:
        """Each label's step duration d_y in frames, (label_dim,), as in model/keypose.py."""
        shift = self.duration_slack * torch.tanh(self.duration_shift)  # (label_dim,)
        return self.initial_frames * torch.exp(shift)

    def warps(self, h: Tensor) -> Tensor:
        """Every label's time warp s(t) (B, label_dim, T) in [0, 1] from trunk features (B, h)."""
        n = self.steps_per_label  # (L,)
        j = torch.arange(MAX_STEPS, dtype=h.dtype, device=h.device)  # (M,)
        used = j[None, :] < n[:, None]  # (L, M): the steps each label's rhythm has
        logits = self.sizes(h)[:, None, :].masked_fill(~used, -math.inf)  # (B, L, M)
        shares = torch.softmax(logits, dim=-1)  # (B, L, M), 0 for unused steps
        phase = torch.sigmoid(self.phase(h))  # (B, 1)
        centres = (j + phase[:, :, None]) * ((self.seq_len - 1) / n)[None, :, None]  # (B, L, M)
        low, high = PACE_RANGE
        pace = low * (high / low) ** torch.sigmoid(self.pace(h))  # (B, 1)
        length = pace[:, :, None] * self.label_frames()[None, :, None]  # (B, L, 1)
        u = (self.frames - centres[..., None]) / length[..., None]  # (B, L, M, T)
        return torch.einsum("blm,blmt->blt", shares, min_jerk(u))

    def warp(self, z: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor]:
        """The trunk's features (B, h) and the label's warp s(t) (B, T): soft labels mix warps."""
        h = self.trunk(z)  # (B, h)
        return h, torch.einsum("bl,blt->bt", y_onehot, self.warps(h))

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        h, s = self.warp(z, y_onehot)
        keys = torch.tanh(self.poses(h)).reshape(-1, self.n_keys, self.output_dim)  # (B, K, D)
        weights = catmull_rom_weights((self.n_keys - 1) * s, self.n_keys)  # (B, T, K)
        return torch.einsum("btk,bkd->btd", weights, keys)
