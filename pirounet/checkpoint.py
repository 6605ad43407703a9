"""Checkpoints and run folders: saved_models/<run_name>/{last,best,epoch_<N>}.pt + config.json.

A checkpoint is one plain dict that loads with `torch.load(weights_only=True)`. It is a
superset of the published format (`epoch`, `model_state_dict`, `optimizer_state_dict`, `loss`,
`accuracy`, `valid_loss`, `valid_accuracy`) and adds `metrics`, `best_valid_loss`, `config`
(the run's resolved config), `rng_state` (one per rank) and `wandb_run_id`. Here `epoch`
counts completed epochs (3 after the third, as in history.jsonl and epoch_3.pt); the
published code stored the 0-based index of the last one, so a published checkpoint's epoch E
means E + 1 epochs done (`epochs_done` below). Published checkpoints load for training and
for evaluation:

    model, cfg, ckpt = load_model("pirounet_dance", which="best")
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pirounet.atomic import atomic_open
from pirounet.config import DEFAULT_CONFIG, Config, config_from_dict
from pirounet.model import ModelConfig, PirouNet
from pirounet.runtime import set_rng_state

log = logging.getLogger(__name__)

MODELS_DIR = Path("saved_models")  # relative to the working directory, like data/
PUBLISHED_KEYS = ("epoch", "model_state_dict", "optimizer_state_dict", "loss", "accuracy",
                  "valid_loss", "valid_accuracy")
# State-dict key prefix -> the config settings that decide its shapes (first match wins).
KEY_SETTINGS = (
    ("encoder.lstm.weight_ih_l0", ("input_dim", "label_dim", "h_dim")),
    ("encoder.lstm.", ("h_dim", "n_layers")),
    ("encoder.", ("h_dim", "latent_dim")),
    ("decoder.linear.", ("latent_dim", "label_dim", "h_dim")),
    ("decoder.time_proj.", ("decoder_time_features", "h_dim")),
    ("decoder.lstm_out.", ("h_dim", "input_dim")),
    ("decoder.lstm.", ("h_dim", "n_layers")),
    ("classifier.dense.", ("seq_len", "input_dim", "h_dim_classif")),
    ("classifier.layers.", ("h_dim_classif", "n_layers_classif", "label_dim")),
    ("pose_", ("pose_normalization", "input_dim")),
)


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, unreadable or does not fit the config."""


@dataclass
class TrainingState:
    """Where training (re)starts: the next epoch, the best valid loss so far, the wandb run."""

    start_epoch: int = 1
    best_valid_loss: float = math.inf
    wandb_run_id: str | None = None


def run_folder(run_name: str) -> Path:
    """The folder of a run: saved_models/<run_name>."""
    return MODELS_DIR / run_name


def list_checkpoints(folder: Path) -> list[Path]:
    """The .pt files in a folder, sorted by name."""
    return sorted(folder.glob("*.pt")) if folder.is_dir() else []


def is_run(folder: Path) -> bool:
    """A run folder holds last.pt or best.pt (saved_models/recognition holds neither)."""
    return (folder / "last.pt").is_file() or (folder / "best.pt").is_file()


def list_runs(root: Path = MODELS_DIR) -> list[str]:
    """The names of the run folders under root, sorted."""
    return sorted(p.name for p in root.glob("*") if p.is_dir() and is_run(p))


def _missing_message(wanted: Path) -> str:
    """What exists near a checkpoint that does not."""
    found = list_checkpoints(wanted.parent)
    if found:
        return f"{wanted.parent} has: {', '.join(p.name for p in found)}"
    return f"runs with checkpoints in {MODELS_DIR}/: {', '.join(list_runs()) or 'none'}"


def resolve_checkpoint(source: str | Path, which: str = "last") -> Path:
    """A .pt path, a run folder (-> <which>.pt) or a run name (-> saved_models/<name>/...)."""
    path = Path(source)
    if path.suffix == ".pt":
        wanted = path
    elif path.is_dir():
        wanted = path / f"{which}.pt"
    else:
        wanted = run_folder(str(source)) / f"{which}.pt"
    if not wanted.is_file():
        raise CheckpointError(f"no checkpoint at {wanted}; {_missing_message(wanted)}")
    return wanted


def load_checkpoint(source: str | Path, cfg: Config | None = None, which: str = "last",
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint dict (ours or the published format) with weights_only=True.

    `cfg` stands in for the config of a published-format checkpoint, which carries none;
    a checkpoint's own config always wins. The returned dict also has "path" and
    "epochs_done" (completed epochs, whichever format).
    """
    path = resolve_checkpoint(source, which)
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for a corrupt or unsafe file
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from err
    if not isinstance(ckpt, dict) or "model_state_dict" not in ckpt:
        keys = sorted(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise CheckpointError(f"{path} is not a PirouNet checkpoint: expected a dict with "
                              f"'model_state_dict' (published keys {PUBLISHED_KEYS}); got {keys}")
    published = not any(key in ckpt for key in ("config", "metrics", "rng_state"))
    ckpt["epochs_done"] = int(ckpt.get("epoch", -1)) + 1 if published else int(ckpt["epoch"])
    if ckpt.get("config") is None and cfg is not None:
        ckpt["config"] = cfg.to_dict()
    ckpt["path"] = str(path)
    return ckpt


def checkpoint_config(ckpt: dict[str, Any], defaults_path: str | Path = DEFAULT_CONFIG) -> Config:
    """The run config saved in a checkpoint, on top of the current defaults."""
    if ckpt.get("config") is None:
        raise CheckpointError(f"{ckpt.get('path', 'checkpoint')} is in the published format and "
                              "holds no config; pass the config it was trained with as cfg")
    return config_from_dict(ckpt["config"], defaults_path)


def _settings_for(key: str, cfg: Config) -> str:
    """The config settings (with values) that decide a state-dict key's shape."""
    for prefix, names in KEY_SETTINGS:
        if key.startswith(prefix):
            return ", ".join(f"{n}={cfg[n]!r}" for n in names)
    return "the model settings"


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor], cfg: Config,
                     source: str = "checkpoint") -> None:
    """Raise a CheckpointError naming every key whose shape differs from what cfg builds."""
    expected = model.state_dict()
    problems = []
    for key in sorted(set(expected) | set(state)):
        if key not in state:
            shape = tuple(expected[key].shape)
            problems.append(f"{key}: missing from the checkpoint; config builds {shape} "
                            f"(set by {_settings_for(key, cfg)})")
        elif key not in expected:
            problems.append(f"{key} {tuple(state[key].shape)}: in the checkpoint, but the config "
                            f"builds no such key (set by {_settings_for(key, cfg)})")
        elif state[key].shape != expected[key].shape:
            problems.append(f"{key}: checkpoint {tuple(state[key].shape)}, config "
                            f"{tuple(expected[key].shape)} (set by {_settings_for(key, cfg)})")
    if not problems:
        return
    shown = problems[:8] + ([f"... and {len(problems) - 8} more"] if len(problems) > 8 else [])
    raise CheckpointError(f"{source} does not fit the config's model:\n  " + "\n  ".join(shown))


def _differing_settings(saved: dict[str, Any] | None, cfg: Config) -> str:
    """Model settings where a checkpoint's config and cfg disagree, as readable text."""
    if not saved:
        return ""
    fields = ModelConfig.__dataclass_fields__
    diffs = [f"{k}={saved[k]!r} in the checkpoint, {cfg[k]!r} in the config"
             for k in fields if k in saved and k in cfg and saved[k] != cfg[k]]
    return "\nmodel settings that differ: " + "; ".join(diffs) if diffs else ""


def load_model_state(model: nn.Module, ckpt: dict[str, Any], cfg: Config) -> None:
    """Load a checkpoint's weights into model after checking every shape against cfg."""
    source = f"checkpoint {ckpt.get('path', '')}".strip()
    try:
        check_state_dict(model, ckpt["model_state_dict"], cfg, source)
    except CheckpointError as err:
        raise CheckpointError(f"{err}{_differing_settings(ckpt.get('config'), cfg)}") from None
    model.load_state_dict(ckpt["model_state_dict"])


def load_model(source: str | Path, cfg: Config | None = None, which: str = "last",
               device: str | torch.device = "cpu") -> tuple[PirouNet, Config, dict[str, Any]]:
    """(model in eval mode, its run config, the checkpoint) from a run name or a .pt path."""
    ckpt = load_checkpoint(source, cfg, which)
    run_cfg = checkpoint_config(ckpt)
    model = PirouNet(ModelConfig.from_config(run_cfg))
    load_model_state(model, ckpt, run_cfg)
    return model.to(device).eval(), run_cfg, ckpt


def make_checkpoint(model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
                    metrics: dict[str, float], cfg: Config, best_valid_loss: float,
                    rng_states: list[dict[str, Any]], wandb_run_id: str | None) -> dict[str, Any]:
    """The checkpoint dict after `epoch` (1-based, completed); model is the unwrapped model."""
    return {
        "epoch": epoch,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": metrics["train/total"],
        "accuracy": metrics["train/accuracy"],
        "valid_loss": metrics["valid/total"],
        "valid_accuracy": metrics["valid/accuracy"],
        "metrics": metrics,
        "best_valid_loss": best_valid_loss,
        "config": cfg.to_dict(),
        "rng_state": rng_states,
        "wandb_run_id": wandb_run_id,
    }


def save_checkpoint(path: Path, ckpt: dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    with atomic_open(path) as f:
        torch.save(ckpt, f)


def save_epoch_checkpoints(folder: Path, ckpt: dict[str, Any], is_best: bool,
                           save_every: int) -> list[Path]:
    """last.pt always, best.pt on a new best valid loss, epoch_<N>.pt every save_every epochs."""
    epoch = ckpt["epoch"]
    names = ["last.pt"] + (["best.pt"] if is_best else [])
    if save_every > 0 and epoch % save_every == 0:
        names.append(f"epoch_{epoch}.pt")
    for name in names:
        save_checkpoint(folder / name, ckpt)
    return [folder / name for name in names]


def restore_training(ckpt: dict[str, Any], model: nn.Module, optimizer: torch.optim.Optimizer,
                     cfg: Config, resume: bool, rank: int = 0) -> TrainingState:
    """Load weights; when resuming, also the optimizer and this rank's RNG state."""
    load_model_state(model, ckpt, cfg)
    if not resume:
        log.info("starting a new run from the weights of %s", ckpt["path"])
        return TrainingState()
    try:
        optimizer.load_state_dict(ckpt["optimizer_state_dict"])
    except (KeyError, ValueError) as err:
        raise CheckpointError(f"the optimizer state in {ckpt['path']} does not fit: {err}; "
                              "resume=False starts a new run from its weights instead") from err
    rng_states = ckpt.get("rng_state") or []
    if rank < len(rng_states):
        set_rng_state(rng_states[rank])
    else:
        log.warning("%s holds no RNG state for rank %d; it keeps its fresh seed", ckpt["path"],
                    rank)
    valid_loss = ckpt.get("best_valid_loss", ckpt.get("valid_loss", math.inf))
    state = TrainingState(start_epoch=ckpt["epochs_done"] + 1, best_valid_loss=float(valid_loss),
                          wandb_run_id=ckpt.get("wandb_run_id"))
    log.info("resuming %s at epoch %d", ckpt["path"], state.start_epoch)
    return state


def check_run_folder(folder: Path, resume: bool, overwrite: bool) -> list[Path]:
    """Refuse to start a new run over old checkpoints; returns the ones overwrite may replace."""
    found = list_checkpoints(folder)
    if resume or not found:
        return []
    if not overwrite:
        names = ", ".join(p.name for p in found)
        raise CheckpointError(
            f"{folder} already holds checkpoints ({names}). Continue that run with "
            f"--resume=True, start a new one with --run_name=<new name>, or replace it with "
            f"--overwrite=True")
    return found
