"""The samples GIF a training run writes every artifact_every epochs (samples/epoch_<N>.gif)."""
from __future__ import annotations

from pathlib import Path

import torch

from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.efforts import class_name
from pirounet.systems.pirounet.model import PirouNet
from pirounet.viz.animation import animate


@torch.no_grad()
def write_samples_gif(model: PirouNet, path: Path, seed: int, effort: str = "time",
                      skeleton: Skeleton = VICON_53) -> Path:
    """One z ~ N(0, I) (fixed by seed) decoded under each label, side by side in a GIF."""
    c = model.config
    device = next(model.parameters()).device
    z = torch.randn(1, c.latent_dim, generator=torch.Generator().manual_seed(seed))
    z = z.expand(c.label_dim, -1).to(device)  # (K, latent): the same z for every label
    seqs = model.sample(z, torch.arange(c.label_dim, device=device))  # (K, T, J * 3)
    names = [class_name(effort, k) for k in range(c.label_dim)]
    return animate(seqs.cpu().numpy(), path, labels=list(range(c.label_dim)), label_names=names,
                   skeleton=skeleton)
