"""Stage 1: the pose GAN, a generator of single poses trained with WGAN-GP.

    python main.py learn2dance --model=pose_gan --run_name=pg

Every training frame is one example (a flat MidHip-centred pose, 30 values). Each step
trains the critic on a batch (-D(real) + D(fake) + the gradient penalty) and, every n_critic
steps, the generator (-D(G(z))). The validation score, which picks best.pt, is the Fréchet
distance between generated and held-out poses (30-D Gaussians). Stage 2 walks the latent space
of this run's final generator (last.pt).
"""
from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from pirounet.systems.learn2dance.gan import runs
from pirounet.systems.learn2dance.gan.data import batches, pose_array
from pirounet.systems.learn2dance.gan.models import (
    GanSettings,
    PoseDiscriminator,
    PoseGenerator,
    n_parameters,
)
from pirounet.systems.learn2dance.gan.penalty import gradient_penalty
from pirounet.metrics.distribution import activation_statistics, frechet_distance
from pirounet.run.config import Config
from pirounet.run.lifecycle import Run

log = logging.getLogger("pirounet.systems.learn2dance.gan.train_pose")
VALID_POSES = 2000  # generated and held-out poses compared by the validation score


def critic_loss(generator: nn.Module, critic: nn.Module, real: torch.Tensor,
                cfg: Config) -> tuple[torch.Tensor, dict[str, float]]:
    """The WGAN-GP critic loss on real poses (B, 30) and fresh fakes, and its terms."""
    with torch.no_grad():
        fake = generator(torch.randn(len(real), cfg.z_dim, device=real.device))
    d_real, d_fake = critic(real).mean(), critic(fake).mean()
    gp = gradient_penalty(critic, real, fake, cfg.lambda_gp)
    loss = d_fake - d_real + gp
    return loss, {"critic": loss.item(), "wasserstein": (d_real - d_fake).item(),
                  "gp": gp.item()}


@torch.no_grad()
def pose_distance(generator: nn.Module, held: np.ndarray, z_dim: int, seed: int,
                  device: torch.device) -> float:
    """Fréchet distance between generated and held-out flat poses (fixed latents)."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(min(VALID_POSES, len(held)), z_dim, generator=gen).to(device)
    was_training = generator.training
    generator.eval()
    fake = generator(z).cpu().numpy()
    generator.train(was_training)
    take = np.random.default_rng(seed).permutation(len(held))[:len(z)]
    return frechet_distance(*activation_statistics(fake), *activation_statistics(held[take]))


@torch.no_grad()
def latent_walks(generator: nn.Module, z_dim: int, frames: int, seed: int,
                 device: torch.device, n: int = 3) -> np.ndarray:
    """n straight walks between two random latents, decoded: poses (n, frames, 30)."""
    gen = torch.Generator().manual_seed(seed)
    a, b = torch.randn(2, n, 1, z_dim, generator=gen)
    t = torch.linspace(0, 1, frames)[None, :, None]
    was_training = generator.training
    generator.eval()
    poses = generator(((1 - t) * a + t * b).to(device)).cpu().numpy()
    generator.train(was_training)
    return poses


def train_pose_gan(cfg: Config, prepared, run: Run, ddp, device: torch.device,
                   start: dict[str, Any] | None) -> dict[str, torch.nn.Module]:
    """The pose GAN's training loop; returns {"generator", "critic"}."""
    runs.refuse_ddp(ddp, "pose_gan")
    # Data: every training frame is one pose; the validation songs' frames score the epoch
    poses = torch.from_numpy(pose_array(prepared, "train", cfg.gan_poses))  # (N, 30)
    has_valid = any(s.split == "valid" for s in prepared.songs)
    held = pose_array(prepared, "valid" if has_valid else "train", cfg.gan_poses)
    fps = float(prepared.songs[0].fps)
    log.info("%d training poses (%s units), %d held-out poses", len(poses), cfg.gan_poses,
             len(held))

    # Model
    settings = GanSettings.from_config(cfg)
    generator, critic = PoseGenerator(settings).to(device), PoseDiscriminator(settings).to(device)
    models, optimizers, state = runs.start_networks(run, cfg, generator, critic, start)
    log.info("pose GAN: generator %d, critic %d parameters; epochs %d to %d",
             n_parameters(generator), n_parameters(critic), state.start_epoch, cfg.gan_epochs)
    extra = {"gan_poses": cfg.gan_poses, "fps": fps}

    # Train
    with run.non_finite_stop():
        for epoch in range(state.start_epoch, cfg.gan_epochs + 1):
            tic = time.perf_counter()
            order = batches(len(poses), cfg.pose_batch_size, cfg.seed, epoch,
                            cfg.max_steps_per_epoch)
            def critic_step(idx):
                real = poses[idx].to(device)
                return (*critic_loss(generator, critic, real, cfg), len(real))

            def generator_loss(n):
                return -critic(generator(torch.randn(n, cfg.z_dim, device=device))).mean()

            train = runs.adversarial_epoch(cfg, epoch, order, optimizers, critic_step,
                                           generator_loss, shown="wasserstein")
            score = pose_distance(generator, held, cfg.z_dim, cfg.seed, device)
            metrics = {"epoch": epoch, **{f"train/{k}": v for k, v in train.items()},
                       "valid/pose_frechet": score}
            saved = run.end_epoch(metrics, score, models, optimizers, extra)
            if runs.samples_due(cfg, epoch):
                runs.write_samples(run, epoch,
                                   latent_walks(generator, cfg.z_dim, 30, cfg.seed, device),
                                   ["latent walk"] * 3, fps)
            log.info("epoch %d/%d  critic %.4f  W %.4f  gp %.4f  generator %.4f  valid pose "
                     "FD %.4f  (%.1f s) saved %s", epoch, cfg.gan_epochs,
                     metrics.get("train/critic", float("nan")),
                     metrics.get("train/wasserstein", float("nan")),
                     metrics.get("train/gp", float("nan")),
                     metrics.get("train/generator", float("nan")), score,
                     time.perf_counter() - tic, ", ".join(p.name for p in saved))
    return models
