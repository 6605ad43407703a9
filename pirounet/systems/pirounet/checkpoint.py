"""PirouNet's checkpoints: the generic layout (pirounet/run/checkpoint.py) plus the published one.

Our checkpoints are a superset of the published format (`epoch`, `model_state_dict`,
`optimizer_state_dict`, `loss`, `accuracy`, `valid_loss`, `valid_accuracy`). Here `epoch`
counts completed epochs (3 after the third, as in history.jsonl and epoch_3.pt); the published
code stored the 0-based index of the last one, so a published checkpoint's epoch E means E + 1
epochs done (`epochs_done` below, which core.restore_training reads). A published checkpoint
carries no config: its run config is the defaults with the caller's overrides
(`TRAINING.rebuild(None, overrides)`).

    model, cfg, ckpt = load_model("pirounet_dance", which="best")

The published checkpoints keep their published names: `load_checkpoint("checkpoint_pirounet_dance")`
finds saved_models/checkpoint_pirounet_dance.pt when no run folder of that name holds one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from pirounet.run import checkpoint as core
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import Config
from pirounet.run.lifecycle import plain_difference, rows_changed
from pirounet.systems.pirounet.data.prepare import recorded_skeleton
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.settings import SYSTEM, TRAINING

PUBLISHED_KEYS = ("epoch", "model_state_dict", "optimizer_state_dict", "loss", "accuracy",
                  "valid_loss", "valid_accuracy")
# State-dict key prefix -> the config settings that decide its shapes (first match wins).
KEY_SETTINGS = (
    ("encoder.lstm.weight_ih_l0", ("input_dim", "label_dim", "h_dim")),
    ("encoder.lstm.", ("h_dim", "n_layers")),
    ("encoder.", ("h_dim", "latent_dim")),
    ("decoder.linear.", ("decoder", "latent_dim", "label_dim", "h_dim")),
    ("decoder.time_proj.", ("decoder", "decoder_time_features", "h_dim")),
    ("decoder.lstm_out.", ("decoder", "h_dim", "input_dim")),
    ("decoder.lstm.", ("decoder", "h_dim", "n_layers")),
    ("decoder.trunk.", ("decoder", "latent_dim", "h_dim")),
    ("decoder.poses.", ("decoder", "keypose_keys", "h_dim", "input_dim")),
    ("decoder.gaps.", ("decoder", "keypose_timing", "keypose_keys", "h_dim")),
    ("decoder.phase.", ("decoder", "keypose_timing", "h_dim")),
    ("decoder.pace.", ("decoder", "keypose_timing", "keypose_keys", "h_dim")),
    ("decoder.duration_shift", ("decoder", "label_dim")),
    ("decoder.move_size", ("decoder", "keypose_move_size", "label_dim")),
    ("decoder.detours.", ("decoder", "keypose_detours", "keypose_keys", "h_dim", "input_dim")),
    ("classifier.dense.", ("seq_len", "input_dim", "h_dim_classif")),
    ("classifier.layers.", ("h_dim_classif", "n_layers_classif", "label_dim")),
    ("pose_", ("pose_normalization", "input_dim")),
    ("fixed_bones.", ("pose_output", "input_dim")),
    ("decoder.init_state.", ("decoder", "decoder_initial_state", "latent_dim", "h_dim",
                             "n_layers")),
    ("prior_", ("latent_prior", "label_dim", "latent_dim")),
    ("mixture.", ("latent_prior", "prior_components", "label_dim", "latent_dim")),
    ("adversary.", ("latent_adversary_weight", "latent_dim", "h_dim_classif", "label_dim")),
)


def is_published(ckpt: dict[str, Any]) -> bool:
    """A checkpoint in the published format: no config, metrics or RNG state."""
    return not any(key in ckpt for key in ("config", "metrics", "rng_state"))


def published_file(source: str | Path) -> Path | None:
    """saved_models/<source>.pt for a bare name with no run folder of checkpoints, if it exists.

    That is how a published checkpoint arrives (checkpoint_pirounet_dance.pt, dropped into
    saved_models/), so its published name works wherever a run name does.
    """
    path = Path(source)
    if path.suffix == ".pt" or path.is_dir() or len(path.parts) != 1:
        return None
    if core.list_checkpoints(core.run_folder(str(source))):
        return None  # a run of that name wins
    file = core.MODELS_DIR / f"{source}.pt"
    return file if file.is_file() else None


def load_checkpoint(source: str | Path, which: str = "last",
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """A PirouNet checkpoint (ours or the published format), with "path" and "epochs_done".

    source: a .pt path, a run folder, a run name, or a published name (`published_file`).
    """
    ckpt = core.read_checkpoint(published_file(source) or source, which, map_location)
    core.check_system(ckpt, SYSTEM)  # a learn2dance run gets a pointer to its own evaluation
    if "model_state_dict" not in ckpt:
        raise CheckpointError(f"{ckpt['path']} is not a PirouNet checkpoint: expected a dict "
                              f"with 'model_state_dict' (published keys {PUBLISHED_KEYS}); "
                              f"got {sorted(k for k in ckpt if k != 'path')}")
    published = is_published(ckpt)
    ckpt["epochs_done"] = int(ckpt.get("epoch", -1)) + 1 if published else int(ckpt["epoch"])
    return ckpt


def settings_for(cfg: Config):
    """explain(key) for core.check_state_dict: the settings (with values) behind a key."""
    def explain(key: str) -> str:
        for prefix, names in KEY_SETTINGS:
            if key.startswith(prefix):
                return ", ".join(f"{n}={cfg[n]!r}" for n in names)
        return "the model settings"
    return explain


def _differing_settings(saved: dict[str, Any] | None, cfg: Config) -> str:
    """Model settings where a checkpoint's config and cfg disagree, as readable text."""
    if not saved:
        return ""
    fields = ModelConfig.__dataclass_fields__
    diffs = [f"{k}={saved[k]!r} in the checkpoint, {cfg[k]!r} in the config"
             for k in fields if k in saved and k in cfg and saved[k] != cfg[k]]
    return "\nmodel settings that differ: " + "; ".join(diffs) if diffs else ""


def shape_help(ckpt: dict[str, Any], cfg: Config) -> dict[str, Any]:
    """explain and note for core.load_weights / restore_training: the settings behind each
    state-dict key, and the model settings where the checkpoint's config and cfg differ."""
    return {"explain": settings_for(cfg), "note": _differing_settings(ckpt.get("config"), cfg)}


def load_model(source: str | Path, cfg: Config | None = None, which: str = "last",
               device: str | torch.device = "cpu") -> tuple[PirouNet, Config, dict[str, Any]]:
    """(model in eval mode, its run config, the checkpoint) from a run name or a .pt path.

    cfg is needed only for a published-format checkpoint, which carries no config.
    """
    ckpt = load_checkpoint(source, which)
    if ckpt.get("config") is not None:
        run_cfg = TRAINING.rebuild(ckpt["config"])
    elif cfg is not None:
        run_cfg = cfg
    else:
        raise CheckpointError(f"{ckpt['path']} is in the published format and holds no config; "
                              "pass the config it was trained with as cfg")
    # "fixed_bones" rebuilds the figure of the skeleton the run was trained on
    model = PirouNet(ModelConfig.from_config(run_cfg),
                     recorded_skeleton(ckpt.get("data_fingerprint")))
    core.load_weights(ckpt, {"model": model}, **shape_help(ckpt, run_cfg))
    return model.to(device).eval(), run_cfg, ckpt


def published_keys(metrics: dict[str, float]) -> dict[str, float]:
    """The published format's loss and accuracy keys, from an epoch's metrics."""
    return {"loss": metrics["train/total"], "accuracy": metrics["train/accuracy"],
            "valid_loss": metrics["valid/total"], "valid_accuracy": metrics["valid/accuracy"]}


def describe_change(key: str, old: Any, new: Any) -> str:
    """A difference of PirouNet's data fingerprint (data/prepare.py), in words."""
    if key == "recordings" and isinstance(old, list) and isinstance(new, list):
        return rows_changed("recordings", old, new)
    if key == "labels_sha256":
        return "the label file's contents changed"
    return plain_difference(key, old, new)
