"""The GAN's settings (learn2dance_config.py, section GAN): their allowed values.

The table joins the music->dance model's training rules (music2dance/settings.py), so every
key is checked when a config is loaded, before anything is read or written.
"""
from __future__ import annotations

from typing import Any

from pirounet.run.rules import Rule, at_least, betas, between, folder_name, number, one_of

GAN_MODELS = ("pose_gan", "seq_gan")  # the `model` setting of the two stages
GAN_LOSSES = ("bce", "wgan_gp")  # the sequence stage's loss (the pose stage is WGAN-GP)
GAN_POSES = ("normalized", "pixels")  # data.py


def optional_run(value: Any) -> str | None:
    """None, or a run name (a plain folder name under saved_models/)."""
    return None if value is None else folder_name(value)


GAN_RULES: dict[str, Rule] = {
    "gan_epochs": at_least(1),
    "pose_batch_size": at_least(2),  # BatchNorm needs two poses
    "seq_batch_size": at_least(2),
    "gan_learning_rate": number(between(0, 1, open_low=True)),
    "gan_betas": betas,
    "n_critic": at_least(1),
    "lambda_gp": number(at_least(0)),
    "gan_loss": one_of(*GAN_LOSSES),
    "bn_eps": number(between(0, 10, open_low=True)),
    "gan_poses": one_of(*GAN_POSES),
    "pose_gan_run": optional_run,
    "music_code": at_least(1),
    "gan_window": at_least(3),
    "z_dim": at_least(1),
    "seq_z_dim": at_least(1),
    "sample_every": at_least(0),
    "gan_eval_windows": at_least(2),
    "predict_frames": at_least(1),
    "predict_steps": at_least(0),
    "predict_restarts": at_least(1),
}
