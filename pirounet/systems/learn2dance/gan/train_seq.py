"""Stage 2: the sequence GAN, walking the latent space of stage 1's trained pose generator.

    python main.py learn2dance --model=seq_gan --pose_gan_run=pg --run_name=sg
    python main.py learn2dance --model=seq_gan --pose_gan_run=pg --gan_music=True --run_name=sgm

The generator turns [z_seq, z_0] into gan_window - 1 latent increments; the path
z_t = z_0 + sum of increments is decoded frame by frame by the pose generator of
pose_gan_run's last.pt, frozen (gradients flow through it; its weights never change). The
critic, a bidirectional LSTM, scores 50-frame windows. Loss: BCE (published, on logits with
targets of the prediction's shape) or WGAN-GP. With gan_music both networks read the window's
music, and the critic also learns to call a real dance with another window's music fake, so
ignoring the music costs it. The checkpoint records the pose-GAN run (name, epoch, checksum)
and holds the frozen generator, so evaluation needs nothing else; resuming after that run's
last.pt changed is refused.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pirounet.systems.learn2dance.gan import runs
from pirounet.systems.learn2dance.gan.data import MusicStats, WindowSet, batches, split_songs
from pirounet.systems.learn2dance.gan.models import (
    GanSettings,
    PoseGenerator,
    SeqDiscriminator,
    SeqGenerator,
    n_parameters,
)
from pirounet.systems.learn2dance.gan.penalty import gradient_penalty
from pirounet.metrics.features import FeatureReference, geometric_features
from pirounet.run.checkpoint import (
    CheckpointError,
    check_system,
    load_weights,
    read_checkpoint,
)
from pirounet.run.config import Config, ConfigError
from pirounet.run.lifecycle import Run
from pirounet.skeletons import OPENPOSE_15

log = logging.getLogger("pirounet.systems.learn2dance.gan.train_seq")
SHARED_KEYS = ("z_dim", "bn_eps", "gan_poses")  # must match between the two stages


def load_pose_generator(cfg: Config, device: torch.device) -> tuple[PoseGenerator, dict]:
    """pose_gan_run's final pose generator (last.pt), frozen, and the record of that run."""
    name = cfg.pose_gan_run
    if name is None:
        raise ConfigError("model=seq_gan walks a trained pose generator: name its run with "
                          "--pose_gan_run=<run_name> (train one with `python main.py "
                          "learn2dance --model=pose_gan --run_name=<run_name>`)")
    try:
        ckpt = read_checkpoint(name, "last")
    except CheckpointError as err:
        raise CheckpointError(f"pose_gan_run={name!r}: {err}. Train the pose GAN first: "
                              f"`python main.py learn2dance --model=pose_gan "
                              f"--run_name={name}`") from None
    check_system(ckpt, runs.SYSTEM)
    saved = ckpt.get("config") or {}
    if saved.get("model") != "pose_gan":
        raise CheckpointError(f"pose_gan_run={name!r}: {ckpt['path']} is a "
                              f"{saved.get('model')!r} run, not a pose_gan run")
    wanted = cfg.to_dict()
    diffs = [f"{k}={saved.get(k)!r} there, {wanted[k]!r} here" for k in SHARED_KEYS
             if saved.get(k) != wanted[k]]
    if diffs:
        raise CheckpointError(f"pose_gan_run={name!r} does not fit this run: "
                              f"{'; '.join(diffs)}. Set them as that run had them")
    generator = PoseGenerator(GanSettings.from_config(cfg)).to(device)
    load_weights(ckpt, {"generator": generator})
    generator.eval().requires_grad_(False)  # frozen: BatchNorm statistics and weights
    record = {"run": name, "path": ckpt["path"], "epoch": ckpt["epoch"],
              "checksum": ckpt.get("checksum")}
    return generator, record


def check_same_pose_run(start: dict[str, Any] | None, record: dict, resume: bool) -> None:
    """Refuse to resume on a pose generator other than the one the run started with."""
    if start is None or not resume or "pose_gan" not in start:
        return
    then = start["pose_gan"]
    if (then["run"], then["checksum"]) != (record["run"], record["checksum"]):
        raise CheckpointError(
            f"{start['path']} was trained on pose_gan_run={then['run']!r} (epoch "
            f"{then['epoch']}), but {record['path']} is now a different checkpoint (epoch "
            f"{record['epoch']}); start a new seq_gan run on it instead of resuming")


def sample_sequences(generator: nn.Module, pose_generator: nn.Module, n: int, z_dim: int,
                     seq_z_dim: int, music: Tensor | None, seed: int,
                     device: torch.device) -> Tensor:
    """n generated windows (n, T, 30) from fixed latents (music (n, T, F) when conditioned)."""
    gen = torch.Generator().manual_seed(seed)
    z_seq, z0 = torch.randn(n, seq_z_dim, generator=gen), torch.randn(n, z_dim, generator=gen)
    was_training = generator.training
    generator.eval()
    with torch.no_grad():
        path = generator(z_seq.to(device), z0.to(device),
                         None if music is None else music.to(device))
        poses = pose_generator(path).cpu()
    generator.train(was_training)
    return poses


def critic_loss(critic: nn.Module, real: Tensor, fake: Tensor, music: Tensor | None,
                cfg: Config) -> tuple[Tensor, dict[str, float]]:
    """The critic's loss on real and generated windows (B, T, 30) and its terms."""
    d_real, d_fake = critic(real, music), critic(fake, music)
    d_wrong = critic(real, music.roll(1, dims=0)) if music is not None else None
    if cfg.gan_loss == "bce":  # targets (B,) float, the prediction's shape (B41)
        fake_part = F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        if d_wrong is not None:  # a real dance with another window's music is fake too
            fake_part = (fake_part + F.binary_cross_entropy_with_logits(
                d_wrong, torch.zeros_like(d_wrong))) / 2
        loss = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + fake_part
        terms = {"d_real": torch.sigmoid(d_real).mean().item(),
                 "d_fake": torch.sigmoid(d_fake).mean().item()}
    else:
        fake_part = d_fake.mean() if d_wrong is None else (d_fake.mean() + d_wrong.mean()) / 2
        gp = gradient_penalty(lambda x: critic(x, music), real, fake, cfg.lambda_gp)
        loss = fake_part - d_real.mean() + gp
        terms = {"wasserstein": (d_real.mean() - d_fake.mean()).item(), "gp": gp.item()}
    return loss, {"critic": loss.item(), **terms}


def generator_loss(critic: nn.Module, fake: Tensor, music: Tensor | None,
                   gan_loss: str) -> Tensor:
    """The generator's loss: BCE towards "real", or -D."""
    score = critic(fake, music)
    if gan_loss == "bce":
        return F.binary_cross_entropy_with_logits(score, torch.ones_like(score))
    return -score.mean()


def window_score(generator: nn.Module, pose_generator: nn.Module, held: WindowSet,
                 reference: FeatureReference, cfg: Config, device: torch.device) -> float:
    """2-D geometric-feature FID of generated windows to held-out windows (picks best.pt)."""
    take = np.random.default_rng(cfg.seed).permutation(len(held))[:cfg.gan_eval_windows]
    _, music = held.take(take)
    fake = sample_sequences(generator, pose_generator, len(take), cfg.z_dim, cfg.seq_z_dim,
                            music if cfg.gan_music else None, cfg.seed, device)
    return reference.fid(geometric_features(fake.numpy(), skeleton=OPENPOSE_15))


def train_seq_gan(cfg: Config, prepared, run: Run, ddp, device: torch.device,
                  start: dict[str, Any] | None) -> dict[str, torch.nn.Module]:
    """The sequence GAN's training loop; returns {"generator", "critic", "pose_generator"}."""
    runs.refuse_ddp(ddp, "seq_gan")
    pose_generator, record = load_pose_generator(cfg, device)
    check_same_pose_run(start, record, cfg.resume)

    # Data: stride-1 windows of the training songs; the validation songs' score the epoch
    train_songs = split_songs(prepared, "train")
    held_songs = [s for s in prepared.songs if s.split == "valid"] or train_songs
    stats = (MusicStats(start["music_stats"]["mean"].numpy(), start["music_stats"]["std"].numpy())
             if start is not None and "music_stats" in start else MusicStats.fit(train_songs))
    windows = WindowSet(prepared, train_songs, cfg.gan_poses, cfg.gan_window, stats)
    held = WindowSet(prepared, held_songs, cfg.gan_poses, cfg.gan_window, stats)
    take = np.random.default_rng(cfg.seed).permutation(len(held))[:cfg.gan_eval_windows]
    reference = FeatureReference.of(geometric_features(held.take(take)[0].numpy(),
                                                       skeleton=OPENPOSE_15))
    log.info("%d training windows of %d frames, %d held-out; pose generator of %s (epoch %d)",
             len(windows), cfg.gan_window, len(held), record["path"], record["epoch"])

    # Model
    settings = GanSettings.from_config(cfg, music_dim=windows.music.shape[1])
    generator, critic = SeqGenerator(settings).to(device), SeqDiscriminator(settings).to(device)
    models, optimizers, state = runs.start_networks(run, cfg, generator, critic, start)
    log.info("sequence GAN (%s loss, music %s): generator %d, critic %d parameters; epochs %d "
             "to %d", cfg.gan_loss, cfg.gan_music, n_parameters(generator), n_parameters(critic),
             state.start_epoch, cfg.gan_epochs)
    extra = {"pose_gan": record, "gan_poses": cfg.gan_poses, "fps": windows.fps,
             "music_stats": {"mean": torch.from_numpy(stats.mean),
                             "std": torch.from_numpy(stats.std)}}
    saved_models = {**models, "pose_generator": pose_generator}

    # Train
    with run.non_finite_stop():
        for epoch in range(state.start_epoch, cfg.gan_epochs + 1):
            tic = time.perf_counter()
            order = batches(len(windows), cfg.seq_batch_size, cfg.seed, epoch,
                            cfg.max_steps_per_epoch)
            def critic_step(idx):
                real, music = (t.to(device) for t in windows.take(idx))
                music = music if cfg.gan_music else None
                z_seq = torch.randn(len(real), cfg.seq_z_dim, device=device)
                z0 = torch.randn(len(real), cfg.z_dim, device=device)
                fake = pose_generator(generator(z_seq, z0, music))  # (B, T, 30)
                return (*critic_loss(critic, real, fake.detach(), music, cfg), (fake, music))

            def g_loss(context):
                fake, music = context
                return generator_loss(critic, fake, music, cfg.gan_loss)

            train = runs.adversarial_epoch(cfg, epoch, order, optimizers, critic_step, g_loss,
                                           shown="critic")
            score = window_score(generator, pose_generator, held, reference, cfg, device)
            metrics = {"epoch": epoch, **{f"train/{k}": v for k, v in train.items()},
                       "valid/fid_g_2d": score}
            saved = run.end_epoch(metrics, score, saved_models, optimizers, extra)
            if runs.samples_due(cfg, epoch):
                music = held.take(take[:3])[1] if cfg.gan_music else None
                seqs = sample_sequences(generator, pose_generator, 3, cfg.z_dim, cfg.seq_z_dim,
                                        music, cfg.seed, device).numpy()
                runs.write_samples(run, epoch, seqs, ["generated"] * 3,
                                   windows.fps)
            log.info("epoch %d/%d  critic %.4f  generator %.4f  valid FID_g (2-D) %.3f  "
                     "(%.1f s) saved %s", epoch, cfg.gan_epochs, metrics["train/critic"],
                     metrics.get("train/generator", float("nan")), score,
                     time.perf_counter() - tic, ", ".join(p.name for p in saved))
    return saved_models
