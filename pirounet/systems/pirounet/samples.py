"""The samples GIF a training run writes every artifact_every epochs (samples/epoch_<N>.gif)."""
from __future__ import annotations

from pathlib import Path

import torch

from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.efforts import class_name
from pirounet.systems.pirounet.generation import prior_codes
from pirounet.systems.pirounet.model import PirouNet
from pirounet.viz.animation import animate


@torch.no_grad()
def write_samples_gif(model: PirouNet, path: Path, seed: int, effort: str = "time",
                      skeleton: Skeleton = VICON_53) -> Path:
    """One z from the prior (fixed by seed; N(0, I) as published) under each label, in a GIF."""
    c = model.config
    device = next(model.parameters()).device
    z = prior_codes(model, [0], seed)  # (1, latent), label 0's prior when learned or a mixture
    z = z.expand(c.label_dim, -1).to(device)  # (K, latent): the same z for every label
    seqs = model.sample(z, torch.arange(c.label_dim, device=device))  # (K, T, J * 3)
    names = [class_name(effort, k) for k in range(c.label_dim)]
    return animate(seqs.cpu().numpy(), path, labels=list(range(c.label_dim)), label_names=names,
                   skeleton=skeleton)
