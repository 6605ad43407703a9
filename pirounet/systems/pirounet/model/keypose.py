"""Key-pose decoder p(x|z,y) (decoder="keypose", an option): z says what, the label says how fast.

On a Time-Effort dancer the effort IS timing: sustained moves are long ramps without holds,
sudden ones quick moves between long holds. A window's code holds when each key pose is
reached, so an LSTM decoder can take the whole effort from z and ignore y. Here the label sets
the timing by construction:

- from z alone an MLP (`trunk.*`) gives K key poses P_0..P_{K-1} (`poses.*`, in the decoder's
  (-1, 1) output space), K-1 sorted transition centres c_k (`gaps.*`: a softmax over K gaps,
  summed, so they lie in order inside the window) and a pace factor f in [PACE_RANGE]
  (`pace.*`) for the variation within a label;
- each label y has a learned transition duration d_y = INITIAL_FRAMES[y] * exp(slack
  * tanh(a_y)) frames (`duration_shift`, a, (label_dim,), starts at 0; slack is the setting
  keypose_duration_slack, at most DURATION_SLACK; 0 holds every duration at INITIAL_FRAMES). INITIAL_FRAMES are the
  synthetic dancer's sustained / neutral / sudden transitions (classes 0 / 1 / 2 last 42-88 /
  14-28 / 5-10 frames at 35 fps);
- x_t = P_0 + sum_k (P_k - P_{k-1}) s((t - c_k) / (f d_y)), s the minimum-jerk smoothstep of
  clamp(u + 1/2, 0, 1): each transition takes f d_y frames, velocity zero at both ends;
- keypose_edge_margin m (0 by default) lets the centres reach m f d_y frames outside the
  window on both sides (at 0.5 a transition may end on frame 0), and keypose_move_size lets
  the label scale the moves P_k - P_{k-1} as well (KeyPoses.set_move_size).

The durations are bounded because a mean squared error prefers short ramps: a chain of short
ramps fits a long one almost as well, never the other way round. Left free, the durations ran
together in the quickstart (60 / 20 / 7 frames became 26 / 12 / 9) and the label swap stayed
at 0.44. Bounded, the slowest label-and-pace duration of one label (f d_y at its longest) is
shorter than the quickest of the label below it, so z cannot move a dance into another
label's timing (tests/test_keypose_decoder.py checks it).

detours=True (`detours.*`) adds each transition's cubic-Bezier bend off the straight line,
3 s (1 - s)^2 E1_k + 3 s^2 (1 - s) E2_k with E from z: the Space Effort's detours, timed by
the same label-set ramp s, so they cannot re-time the dance either.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

INITIAL_FRAMES = (60.0, 20.0, 7.0)  # transition frames per label, low (sustained) to high
PACE_RANGE = (0.8, 1.25)  # bounds of the pace factor z sets on its label's duration
DURATION_SLACK = 0.25  # the most a label's learned duration may leave INITIAL_FRAMES: exp(+-0.25)


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


class KeyPoses(nn.Module):
    """What both key-pose timings share: the MLP trunk on z (`trunk.*`), the K key poses it
    gives (`poses.*`) and each label's learned transition duration (`duration_shift`).

    Subclasses add their timing heads after calling this, so that the layers are made, and
    their weights drawn, in the same order as before the two timings shared this class.

    size_power > 0 (the setting keypose_move_size) also lets the label set the moves' size:
    every move P_k - P_{k-1} is multiplied by g_y, the buffer `move_size` (label_dim,), set
    by set_move_size from the labelled training windows (the dancer's size of one move per
    label) and saved in the checkpoint. Since the
    encoder q(z|x,y) sees y, it can divide the label's size out of z, and the same code decoded
    under another label gets that label's size of move as well as its timing. At 0 there is
    no buffer and the moves are z's alone, as before the setting.
    """

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, output_dim: int,
                 seq_len: int, neg_slope: float, n_keys: int, duration_slack: float,
                 size_power: float = 0.0):
        super().__init__()
        self.seq_len, self.n_keys, self.output_dim = seq_len, n_keys, output_dim
        self.trunk = nn.Sequential(nn.Linear(latent_dim, h_dim), nn.LeakyReLU(neg_slope),
                                   nn.Linear(h_dim, h_dim), nn.LeakyReLU(neg_slope))
        self.poses = nn.Linear(h_dim, n_keys * output_dim)
        self.register_buffer("initial_frames", initial_frames(label_dim), persistent=False)
        self.duration_shift = nn.Parameter(torch.zeros(label_dim))
        self.duration_slack = duration_slack
        self.register_buffer("frames", torch.arange(seq_len, dtype=torch.float32),
                             persistent=False)  # (T,)
        self.size_power = size_power
        if size_power > 0:  # ones until set_move_size; a checkpoint brings its own
            self.register_buffer("move_size", torch.ones(label_dim))

    @torch.no_grad()
    def set_move_size(self, windows: Tensor, labels: Tensor) -> Tensor:
        """Set g_y = (a_y / mean over labels of a)^size_power from labelled windows (N, T, D) in
        the decoder's output units, labels (N,) class indices; returns g (label_dim,).

        a_y is the dancer's size of one move under label y: a minimum-jerk move of size A over
        d frames peaks at an acceleration of 5.77 A / d^2, so A is the window's peak
        acceleration (the largest, over its T-2 frames, root mean square over the D values of
        the second difference) times d_y^2 (this decoder's duration of label y, so that the
        constant cancels), its median over label y's windows. On the built-in dancer a_y
        falls with the label (about 1.5 / 0.8 / 0.65 of the mean: sustained moves also travel
        further), so a sustained window's code, re-timed as neutral, no longer gives a
        sustained-sized move at a neutral pace, which the meter reads as sudden.
        """
        if self.size_power <= 0:
            raise ValueError("set_move_size needs keypose_move_size > 0")
        labels = labels.reshape(-1).long()
        accel = windows.diff(n=2, dim=1)  # (N, T-2, D)
        peak = accel.pow(2).mean(dim=2).sqrt().amax(dim=1)  # (N,)
        missing = [k for k in range(len(self.move_size)) if not bool((labels == k).any())]
        if missing:
            raise ValueError(f"keypose_move_size needs labelled training windows of every "
                             f"label; none of class(es) {missing}")
        a = torch.stack([peak[labels == k].median() for k in range(len(self.move_size))])
        a = a * self.label_frames().to(a).pow(2)  # (label_dim,): the size of one move
        size = (a / a.mean().clamp_min(1e-12)).pow(self.size_power)
        self.move_size.copy_(size.to(self.move_size))
        return self.move_size.clone()

    def moves(self, keys: Tensor, y_onehot: Tensor) -> Tensor:
        """The moves P_k - P_{k-1} (B, K-1, D) between key poses (B, K, D), each row scaled by
        its label's move-size factor g_y when keypose_move_size is on."""
        moves = keys.diff(dim=1)
        if self.size_power <= 0:
            return moves
        return (y_onehot @ self.move_size)[:, None, None] * moves

    def label_frames(self) -> Tensor:
        """Each label's transition duration d_y in frames, (label_dim,)."""
        shift = self.duration_slack * torch.tanh(self.duration_shift)  # (label_dim,)
        return self.initial_frames * torch.exp(shift)

    def key_poses(self, h: Tensor) -> Tensor:
        """The key poses (B, K, output_dim) in (-1, 1) from the trunk's features h (B, h)."""
        return torch.tanh(self.poses(h)).reshape(-1, self.n_keys, self.output_dim)


class KeyposeDecoder(KeyPoses):
    """z -> MLP -> key poses, centres, pace; y -> duration; smooth steps between the poses."""

    def __init__(self, latent_dim: int, label_dim: int, h_dim: int, output_dim: int,
                 seq_len: int, neg_slope: float, n_keys: int, detours: bool = False,
                 duration_slack: float = DURATION_SLACK, size_power: float = 0.0,
                 edge_margin: float = 0.0):
        if n_keys < 2:
            raise ValueError(f"keypose_keys must be at least 2 (one transition), got {n_keys}")
        super().__init__(latent_dim, label_dim, h_dim, output_dim, seq_len, neg_slope, n_keys,
                         duration_slack, size_power)
        self.gaps = nn.Linear(h_dim, n_keys)
        self.pace = nn.Linear(h_dim, 1)
        self.edge_margin = edge_margin
        self.detours = nn.Linear(h_dim, 2 * (n_keys - 1) * output_dim) if detours else None

    def timing(self, h: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor]:
        """Transition centres (B, K-1) in frames and durations (B,) in frames."""
        # Inside the window: a centre beyond it would let a slow label's code hide its move
        # there, and the same code under a quick label would show a hold.
        share = torch.softmax(self.gaps(h), dim=1).cumsum(dim=1)[:, :-1]  # (B, K-1) in (0, 1)
        low, high = PACE_RANGE
        pace = low * (high / low) ** torch.sigmoid(self.pace(h)[:, 0])  # (B,)
        duration = (y_onehot @ self.label_frames()) * pace  # (B,)
        # keypose_edge_margin m: centres may lie m durations outside the window. At 0 a move
        # that a window cuts at its edge is fitted by a transition centred on frame 0 or T-1,
        # whose peak speed then falls on the first frames (a rush at the start). The margin
        # scales with the label's duration, so a quick label cannot hide a move out there.
        margin = (self.edge_margin * duration)[:, None]  # (B, 1)
        centres = -margin + (self.seq_len - 1 + 2 * margin) * share
        return centres, duration

    def steps(self, z: Tensor, y_onehot: Tensor) -> tuple[Tensor, Tensor]:
        """The trunk's features (B, h) and each transition's progress s (B, K-1, T) in [0, 1]."""
        h = self.trunk(z)  # (B, h)
        centres, duration = self.timing(h, y_onehot)
        u = (self.frames - centres[:, :, None]) / duration[:, None, None]  # (B, K-1, T)
        return h, min_jerk(u)

    def forward(self, z: Tensor, y_onehot: Tensor) -> Tensor:
        """Pose sequences (B, seq_len, output_dim) from z (B, latent) and y_onehot (B, K)."""
        h, s = self.steps(z, y_onehot)
        keys = self.key_poses(h)  # (B, K, D)
        moves = self.moves(keys, y_onehot)  # (B, K-1, D)
        x = keys[:, :1] + torch.einsum("bkt,bkd->btd", s, moves)  # (B, T, D)
        if self.detours is None:
            return x
        bend = torch.tanh(self.detours(h)).reshape(-1, 2, self.n_keys - 1, self.output_dim)
        first, second = 3 * s * (1 - s).pow(2), 3 * s.pow(2) * (1 - s)  # (B, K-1, T) each
        return (x + torch.einsum("bkt,bkd->btd", first, bend[:, 0])
                + torch.einsum("bkt,bkd->btd", second, bend[:, 1]))
