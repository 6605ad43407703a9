"""The GAN's networks at the published sizes, with the published module names.

    PoseGenerator      z (.., 100) -> 500 (BN) -> 500 (BN, dropout) -> pose (.., 30)
    PoseDiscriminator  pose (B, 30) -> 500 -> 500 (dropout) -> score (B,)
    SeqGenerator       [z_seq, z_0] (B, 200) -> 500 (BN) -> 500 (BN, dropout) -> 49 x 100
                       increments; z_t = z_0 + sum of the first t increments (B, 50, 100)
    SeqDiscriminator   poses (B, 50, 30) -> 2-layer bidirectional LSTM (hidden 100); its
                       outputs at the first and last step (400) -> 500 -> score (B,)

The state-dict keys match the published checkpoints (model.0, model.1, ... and lstm, fcs.0,
fcs.2), so those load once their DataParallel `module.` prefix is stripped. With music
(music_dim > 0) the sequence generator also reads a code of the window's music, and the
critic reads each frame's music beside its pose. Scores are logits: the published sigmoid
of the sequence critic lives in the BCE loss (train_seq.py), which is the same function.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

POSE_DIM = 30  # 15 joints x 2


@dataclass
class GanSettings:
    """The networks' hyper-parameters (learn2dance_config.py, section GAN)."""

    z_dim: int = 100  # pose latent (published pose_z_dim)
    seq_z_dim: int = 100  # the sequence noise beside z_0 (published seq_z_dim)
    hidden: int = 500  # width of every MLP block (published 500)
    lstm_hidden: int = 100  # sequence critic's LSTM units per direction (published 100)
    lstm_layers: int = 2  # (published 2)
    window: int = 50  # frames per sequence: z_0 and window - 1 increments (published 50)
    bn_eps: float = 1e-5  # BatchNorm eps (torch default; the published 0.8 was a typo)
    music_dim: int = 0  # music features per frame the sequence models read (0 = none)
    music_code: int = 8  # per-frame width of the music code fed to the sequence generator

    @classmethod
    def from_config(cls, cfg, music_dim: int = 0) -> GanSettings:
        """The settings of a run's config; music_dim counts only when gan_music is set."""
        return cls(z_dim=cfg.z_dim, seq_z_dim=cfg.seq_z_dim, window=cfg.gan_window,
                   bn_eps=float(cfg.bn_eps), music_dim=music_dim if cfg.gan_music else 0,
                   music_code=cfg.music_code)


def block(n_in: int, n_out: int, bn_eps: float | None, dropout: bool) -> list[nn.Module]:
    """Linear, then BatchNorm (when bn_eps is given), LeakyReLU(0.02), Dropout(0.5) if asked."""
    layers: list[nn.Module] = [nn.Linear(n_in, n_out)]
    if bn_eps is not None:
        layers.append(nn.BatchNorm1d(n_out, eps=bn_eps))
    layers.append(nn.LeakyReLU(0.02))
    if dropout:
        layers.append(nn.Dropout(0.5))
    return layers


class PoseGenerator(nn.Module):
    """z (..., z_dim) -> a flat pose (..., 30); leading dims are flattened for BatchNorm."""

    def __init__(self, s: GanSettings):
        super().__init__()
        self.z_dim = s.z_dim
        self.model = nn.Sequential(*block(s.z_dim, s.hidden, s.bn_eps, False),
                                   *block(s.hidden, s.hidden, s.bn_eps, True),
                                   nn.Linear(s.hidden, POSE_DIM))

    def forward(self, z: Tensor) -> Tensor:
        return self.model(z.reshape(-1, self.z_dim)).reshape(*z.shape[:-1], POSE_DIM)


class PoseDiscriminator(nn.Module):
    """A flat pose (B, 30) -> critic score (B,); no BatchNorm (WGAN-GP needs none)."""

    def __init__(self, s: GanSettings):
        super().__init__()
        self.model = nn.Sequential(*block(POSE_DIM, s.hidden, None, False),
                                   *block(s.hidden, s.hidden, None, True),
                                   nn.Linear(s.hidden, 1))

    def forward(self, pose: Tensor) -> Tensor:
        return self.model(pose).view(-1)


class SeqGenerator(nn.Module):
    """[z_seq, z_0] (and the window's music) -> latent path (B, window, z_dim).

    The path is z_t = z_0 + sum_{s<=t} delta_s with window - 1 increments; the frozen pose
    generator decodes it frame by frame (see `decode`).
    """

    def __init__(self, s: GanSettings):
        super().__init__()
        self.s = s
        steps = s.window - 1
        n_in = s.seq_z_dim + s.z_dim + (s.window * s.music_code if s.music_dim else 0)
        if s.music_dim:
            self.music = nn.Linear(s.music_dim, s.music_code)  # per frame, shared over time
        self.model = nn.Sequential(*block(n_in, s.hidden, s.bn_eps, False),
                                   *block(s.hidden, s.hidden, s.bn_eps, True),
                                   nn.Linear(s.hidden, s.z_dim * steps))

    def forward(self, z_seq: Tensor, z0: Tensor, music: Tensor | None = None) -> Tensor:
        """z_seq (B, seq_z_dim), z0 (B, z_dim), music (B, window, F) -> path (B, window, z)."""
        parts = [z_seq, z0]
        if self.s.music_dim:
            parts.append(self.music(music).flatten(1))  # (B, window * music_code)
        deltas = self.model(torch.cat(parts, dim=1)).view(len(z0), self.s.window - 1, -1)
        return torch.cumsum(torch.cat([z0[:, None], deltas], dim=1), dim=1)


class SeqDiscriminator(nn.Module):
    """Poses (B, T, 30) (and music (B, T, F)) -> critic score (B,)."""

    def __init__(self, s: GanSettings):
        super().__init__()
        self.lstm = nn.LSTM(POSE_DIM + s.music_dim, s.lstm_hidden, s.lstm_layers,
                            batch_first=True, bidirectional=True)
        self.fcs = nn.Sequential(*block(4 * s.lstm_hidden, s.hidden, None, False),
                                 nn.Linear(s.hidden, 1))
        self.music_dim = s.music_dim

    def forward(self, poses: Tensor, music: Tensor | None = None) -> Tensor:
        x = torch.cat([poses, music], dim=-1) if self.music_dim else poses
        out, _ = self.lstm(x)  # (B, T, 2 * hidden)
        return self.fcs(torch.cat([out[:, 0], out[:, -1]], dim=1)).view(-1)


def decode(pose_generator: PoseGenerator, path: Tensor) -> Tensor:
    """Latent path (B, T, z) -> flat poses (B, T, 30) through the (frozen) pose generator."""
    return pose_generator(path)


def n_parameters(module: nn.Module) -> int:
    """Number of parameters (trainable or not)."""
    return sum(p.numel() for p in module.parameters())
