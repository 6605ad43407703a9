"""Rhythm timing of the key-pose decoder (keypose_timing="rhythm"): z gives the path, y the rhythm.

Under keypose_timing="transitions" (model/keypose.py) the label re-times the transitions
that z placed, so a code keeps its own window's number and size of moves: a sustained
window's code, re-timed as sudden, gives one small quick move (read as neutral), and a sudden
window's 2-3 moves, run together by 60-frame ramps, read as neutral too. Here z gives only a
path and where the window lies on it, and the label gives the rhythm of moves along it:

- from z alone an MLP (`trunk.*`) gives K key poses P_0..P_{K-1} (`poses.*`, in (-1, 1)):
  a path of K-1 moves, each a straight line from one key pose to the next; a phase phi in
  (0, 1) (`phase.*`), each move's pace factor f_k in PACE_RANGE (`pace.*`, (K-1,)) and each
  gap's factor g_k in GAP_RANGE (`gaps.*`, (K-2,)): the dancer's moves and holds are not
  equal, and a window's code must be able to place its own;
- label y gives the rhythm: move k takes f_k d_y frames (d_y the learned transition
  durations of model/keypose.py, 60 / 20 / 7 at the start), and the centres of consecutive
  moves lie g_k (d_y + h_y) frames apart (HOLD_FRAMES h_y: the dancer's mean holds, 2 / 8 /
  16), the first at c_0 = (T - 1) / 2 - phi g_0 (d_y + h_y): the window's centre lies between
  the first two moves' centres, phi of the way;
- x_t = P_0 + sum_k (P_{k+1} - P_k) m((t - c_k) / (f_k d_y)), m the minimum-jerk step: velocity
  zero at every key pose, as the dancer's.

So the same code under "sustained" shows part of one or two slow moves without holds, under
"neutral" one or two 20-frame moves with short holds, under "sudden" two or three 7-frame
moves between long holds: the label sets how many of the path's moves the window holds and
how quick they are, as it does on the dancer, whose sustained / neutral / sudden windows hold
about 0.6 / 1.4 / 1.7 moves. A soft label mixes the labels' move progressions.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from pirounet.systems.pirounet.model.keypose import (DURATION_SLACK, PACE_RANGE, KeyPoses,
                                                    min_jerk)

HOLD_FRAMES = (2.0, 8.0, 16.0)  # hold after each move per label, low (sustained) to high
GAP_RANGE = (0.6, 1.4)  # bounds of z's factor on a label's spacing of moves (the dancer's +-40 %)


def hold_frames(label_dim: int) -> Tensor:
    """Hold frames after each move per label (label_dim,): HOLD_FRAMES, or spread between ends."""
    if label_dim == len(HOLD_FRAMES):
        return torch.tensor(HOLD_FRAMES)
    return torch.linspace(HOLD_FRAMES[0], HOLD_FRAMES[-1], label_dim)


class RhythmDecoder(KeyPoses):
    """z -> MLP -> key poses (a path), phase, pace; y -> the moves' length and the holds.

    Its label_frames() are each label's move duration d_y, learned as in model/keypose.py.
    """

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, output_dim: int,
                 seq_len: int, neg_slope: float, n_keys: int,
                 duration_slack: float = DURATION_SLACK, size_power: float = 0.0):
        if n_keys < 3:
            raise ValueError(f"keypose_keys must be at least 3 under keypose_timing='rhythm' "
                             f"(two moves, so that the window may lie between them), got {n_keys}")
        super().__init__(latent_dim, label_dim, h_dim, output_dim, seq_len, neg_slope, n_keys,
                         duration_slack, size_power)
        self.phase = nn.Linear(h_dim, 1)
        self.pace = nn.Linear(h_dim, n_keys - 1)
        self.gaps = nn.Linear(h_dim, n_keys - 2)
        self.register_buffer("hold_frames", hold_frames(label_dim), persistent=False)

    def progress(self, h: Tensor) -> Tensor:
        """Every label's progress of every move (B, label_dim, K-1, T) in [0, 1], h (B, h)."""
        low, high = PACE_RANGE
        pace = low * (high / low) ** torch.sigmoid(self.pace(h))  # (B, K-1)
        low, high = GAP_RANGE
        gaps = low + (high - low) * torch.sigmoid(self.gaps(h))  # (B, K-2)
        phase = torch.sigmoid(self.phase(h))  # (B, 1)
        period = self.label_frames() + self.hold_frames  # (L,): a move and its hold
        # centres (B, L, K-1): the first phi g_0 periods before the window's centre, then
        # each g_k periods after the one before
        steps = torch.cat([-phase * gaps[:, :1], gaps], dim=1).cumsum(dim=1)  # (B, K-1)
        centres = (self.seq_len - 1) / 2 + steps[:, None, :] * period[None, :, None]
        length = pace[:, None, :] * self.label_frames()[None, :, None]  # (B, L, K-1)
        u = (self.frames - centres[..., None]) / length[..., None]  # (B, L, K-1, T)
        return min_jerk(u)

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        h = self.trunk(z)  # (B, h)
        s = torch.einsum("bl,blkt->bkt", y_onehot, self.progress(h))  # (B, K-1, T)
        keys = self.key_poses(h)  # (B, K, D)
        return keys[:, :1] + torch.einsum("bkt,bkd->btd", s, self.moves(keys, y_onehot))
