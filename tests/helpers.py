"""Helpers several test modules share (importable because pytest puts tests/ on sys.path)."""
import shutil
from pathlib import Path

import pytest

import main
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

ROOT = Path(__file__).resolve().parents[1]

# learn2dance override file for tests: 6 synthetic songs of 6 s, 6 moves, one CPU thread.
LEARN2DANCE_TINY = """
data_dir = "data/l2d"
cache_dir = "data/l2d/cache"
synthetic_songs = 6
synthetic_seconds = 6.0
split_fractions = (0.5, 0.17, 0.33)
n_moves = 6
device = "cpu"
cpu_threads = 1
progress = False
wandb_mode = "disabled"
"""

# On top of LEARN2DANCE_TINY: a music->dance model of a few units, two epochs.
LEARN2DANCE_MODEL_TINY = "music_emb = 8\nhidden_size = 8\nbatch_size = 2\nepochs = 2\n"

# On top of LEARN2DANCE_TINY: pose and sequence GAN stages of a few steps, a small evaluation.
LEARN2DANCE_GAN_TINY = """
gan_epochs = 2
pose_batch_size = 64
seq_batch_size = 16
max_steps_per_epoch = 3
gan_eval_windows = 20
sample_every = 0
predict_steps = 3
predict_restarts = 1
"""


def data_args(folder: Path) -> list[str]:
    """Settings that point a PirouNet config at the synthetic recordings in folder."""
    return [f"--data_pattern={folder}/mariel_*.npy",
            f"--labels_path={folder}/labels_from_app.csv"]


TINY = str(ROOT / "configs" / "tiny.py")


def run(folder: Path, *args: str):
    """PirouNet's training on configs/tiny.py in `folder` (saved_models/ is relative to it)."""
    from pirounet.systems.pirounet import train as train_main

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        return train_main.main([TINY, *args])


def copy_run(trained: Path, to: Path) -> Path:
    """A copy of trained's saved_models/ in `to`."""
    shutil.copytree(trained / "saved_models", to / "saved_models")
    return to


def copy_data(data: Path, to: Path) -> Path:
    """A copy of the data folder as to/data."""
    return Path(shutil.copytree(data, to / "data"))


def train_tiny_run(root: Path, frames: int, *args: str) -> Path:
    """Synthetic data in root/data and saved_models/tiny trained by main.py in root.

    args go after configs/tiny.py (override files and --key=value).
    """
    write_synthetic_dataset(root / "data", seed=0, frames=frames, n_files=2)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        main.main([str(ROOT / "configs" / "tiny.py"), *args, *data_args(root / "data")])
    return root


def tiny_learn2dance_checkpoint(path: Path, *args: str) -> Path:
    """An untrained learn2dance checkpoint of 4 moves (fact35 music, 30 fps) saved at path.

    args: --key=value settings on top of a tiny model's; the checkpoint's saved config.
    """
    import numpy as np
    import torch

    from pirounet.run.checkpoint import make_checkpoint, save_checkpoint
    from pirounet.systems.learn2dance.music2dance.model import (ModelSettings, MusicEncoder,
                                                                PoseDecoder)
    from pirounet.systems.learn2dance.music2dance.settings import TRAINING

    cfg = TRAINING.load(["--music_emb=4", "--hidden_size=4", "--lstm_layers=1",
                                "--n_moves=4", "--animation='none'",
                                "--playback='published'", *args])  # no motion library here
    settings = ModelSettings(music_dim=35, music_emb=4, hidden=4, layers=1, n_moves=4)
    encoder, decoder = MusicEncoder(settings), PoseDecoder(settings)
    ckpt = make_checkpoint("learn2dance", 1, {"encoder": encoder, "decoder": decoder},
                           {"encoder_optimizer": torch.optim.SGD(encoder.parameters(), lr=0.1),
                            "decoder_optimizer": torch.optim.SGD(decoder.parameters(), lr=0.1)},
                           {}, cfg.to_dict(), 0.0, [], None)
    rng = np.random.default_rng(0)
    centroids = rng.normal(size=(4, cfg.chunk_frames, 15, 2)).astype("f4")
    ckpt.update(music_scaler={"mean": torch.zeros(35), "std": torch.ones(35)},
                centroids=torch.from_numpy(centroids), pose_units="normalized", fps=30.0)
    save_checkpoint(path, ckpt)
    return path


def parameters_without_gradient(model) -> list[str]:
    """Names of model's parameters that one M2 loss on random (6, 40, 12) windows leaves at 0.

    The first three windows are labelled 0 / 1 / 2, the last three unlabelled; the energy and
    velocity terms are on, so a decoder part that only they reach still counts as reached.
    """
    import torch

    from pirounet.systems.pirounet.model import m2_loss

    model.train()
    x = 0.3 * torch.randn(6, 40, 12, generator=torch.Generator().manual_seed(1))
    loss, _ = m2_loss(model, x[:3], torch.tensor([0, 1, 2]), x[3:], 0.3, 0.5,
                      energy_weight=1e-2, velocity_weight=1.0)
    loss.backward()
    return [name for name, p in model.named_parameters()
            if p.grad is None or p.grad.abs().sum() == 0]


def evaluate_tiny_run(root: Path, name: str) -> dict:
    """main_eval's debug evaluation of the tiny run saved_models/<name> under root: metrics.

    Checks first that training lowered the labelled reconstruction loss, and after that the
    label-swap strip was drawn. The caller has chdir'ed into root.
    """
    import json

    from pirounet.systems.pirounet import evaluate as main_eval

    history = [json.loads(line) for line in
               (root / f"saved_models/{name}/history.jsonl").read_text().splitlines()]
    assert history[-1]["train/recon_labelled"] < history[0]["train/recon_labelled"]
    metrics = main_eval.main([str(ROOT / "configs" / "eval_debug.py"),
                              f"--load_from_checkpoint={name}", "--cpu_threads=1",
                              "--blind_export=False", "--blind_accuracy=False"])
    assert (root / f"results/debug/{name}/entanglement/label_swap_strip.png").is_file()
    return metrics


def untrained_checkpoint(cfg, path: Path) -> Path:
    """Save an untrained PirouNet built from cfg (a resolved training config) at path."""
    import torch

    from pirounet.systems.pirounet.model import ModelConfig, PirouNet
    state = PirouNet(ModelConfig.from_config(cfg)).state_dict()
    torch.save({"system": "pirounet", "epoch": 1, "model_state_dict": state,
                "config": cfg.to_dict()}, path)
    return path


def load_under(path: Path, cfg) -> None:
    """Load the checkpoint at path into a PirouNet built from cfg (CheckpointError: they differ)."""
    from pirounet.run.checkpoint import load_weights
    from pirounet.systems.pirounet.checkpoint import load_checkpoint, shape_help
    from pirounet.systems.pirounet.model import ModelConfig, PirouNet
    checkpoint = load_checkpoint(path)
    load_weights(checkpoint, {"model": PirouNet(ModelConfig.from_config(cfg))},
                 **shape_help(checkpoint, cfg))


def keypose_model(seq_len: int = 40, **options):
    """A tiny untrained PirouNet with the key-pose decoder (12 values a frame), seeded."""
    import torch

    from pirounet.systems.pirounet.model import ModelConfig, PirouNet
    torch.manual_seed(0)
    config = ModelConfig(seq_len=seq_len, input_dim=12, n_layers=2, h_dim=8, latent_dim=4,
                         h_dim_classif=8, decoder="keypose", **options)
    return PirouNet(config).eval()


def two_keys(seq_len: int, **options):
    """One transition from P_0 = -0.5 to P_1 = 0.5 (every value), centred in the window."""
    import torch
    model = keypose_model(seq_len=seq_len, keypose_keys=2, **options)
    decoder = model.decoder
    with torch.no_grad():
        for layer in (decoder.poses, decoder.gaps, decoder.pace):
            layer.weight.zero_()
            layer.bias.zero_()
        decoder.poses.bias.copy_(torch.atanh(torch.tensor([-0.5, 0.5])).repeat_interleave(12))
    return model
