"""The FID classifier: PirouNet's classifier design, trained alone on labelled windows.

FID, diversity and multimodality are measured on its last hidden layer
(docs/published_method.md, "Model"):
h 250, 13 hidden layers, LeakyReLU slope 0.4295..., cross-entropy, batch 55, lr 3e-4, 400
epochs. Its state-dict keys are `dense.*` and `layers.0 ... layers.13.*`, so the published
checkpoints (their `model_state_dict`) load unchanged.

    python -m pirounet.systems.pirounet.fid_classifier [override.py ...] [--key=value ...]
        [--epochs=N] [--out=PATH]
    python -m pirounet.systems.pirounet.fid_classifier --run=<run name or .pt> [--key=value ...]

trains it on the labelled training windows of the configured data, effort and split (held out:
the valid windows) and writes saved_models/fid_classifier/<effort>_<split>_<data key>.pt, the
key a hash of the data fingerprint (recordings, label file, effort, split and its sizes), so a
cached classifier is never reused for other data. With --run, the
settings are that run's saved config with the other arguments on top (as main_eval builds
it). Flags for the FID classifier itself are --out, --epochs, and --recog_<field> for
any other field of FidClassifierSettings (--recog_batch_size=55, --recog_seed=1, ...); --epochs
here is the FID classifier's, not PirouNet's. Every other argument is a PirouNet
setting (pirounet/systems/pirounet/settings.py).

Choices made here:
- Loss: F.cross_entropy on the logits. The published code took -sum y log(softmax + 1e-8),
  the same loss up to that 1e-8, computed less stably.
- Batches: reshuffled every epoch by a generator seeded with settings.seed; the last, partial
  batch is kept. Initial weights are drawn from settings.seed too.
- Kept weights: those of the epoch with the best held-out accuracy, the latest on ties (a small
  held-out set saturates early; later epochs have seen more training). The published run
  saved every epoch and one checkpoint was picked by hand.
- The loop is a cached classifier's, not a run folder's, but shares the trainings' pieces
  (pirounet/run/epochs.py): optimizer_step, so a non-finite loss stops it before any weight
  changes, naming the epoch and batch; epoch_metrics for each epoch's line; and the atomic
  write (a temp file, then os.replace) of every checkpoint.
"""
from __future__ import annotations

import ast
import dataclasses
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from pirounet.run.atomic import atomic_open
from pirounet.run.config import ConfigError
from pirounet.run.epochs import NonFiniteLossError, epoch_metrics, optimizer_step
from pirounet.systems.pirounet.data.mocap import DataError
from pirounet.systems.pirounet.model.classifier import Classifier

logger = logging.getLogger(__name__)
HISTORY_KEYS = {"train_loss": "train/loss", "train_accuracy": "train/accuracy",
                "valid_accuracy": "valid/accuracy"}  # history list <- epoch_metrics key


class FidClassifierError(DataError):
    """A cached FID classifier that cannot be used: unreadable, or for other data."""


@dataclass(frozen=True)
class FidClassifierSettings:
    """Architecture and training of the FID classifier (published values)."""

    h_dim: int = 250  # hidden width
    n_layers: int = 13  # hidden h->h layers after the first dense layer
    neg_slope: float = 0.42950429805116874  # LeakyReLU slope of the hidden layers
    batch_size: int = 55
    learning_rate: float = 3e-4  # Adam, betas (0.9, 0.999)
    epochs: int = 400
    seed: int = 0  # initial weights and batch order


def build_fid_classifier(settings: FidClassifierSettings, seq_len: int, input_dim: int,
                      label_dim: int) -> Classifier:
    """A freshly initialised FID classifier, its weights drawn from settings.seed."""
    with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
        torch.manual_seed(settings.seed)
        return Classifier(seq_len * input_dim, settings.h_dim, settings.n_layers, label_dim,
                          settings.neg_slope)


def _predict(model: Classifier, x: Tensor, batch_size: int = 1024) -> Tensor:
    """Predicted classes (N,) for windows x (N, T, D) already on the model's device."""
    with torch.no_grad():
        return torch.cat([model.logits(x[s:s + batch_size]).argmax(dim=1)
                          for s in range(0, len(x), batch_size)])


def fid_classifier_activations(model: Classifier, x, batch_size: int = 1024) -> np.ndarray:
    """Last-hidden-layer activations (N, h_dim) of windows x (N, T, D), as float64 for FID."""
    device = next(model.parameters()).device
    x = torch.as_tensor(x)
    with torch.no_grad():
        acts = [model.activations(x[s:s + batch_size].to(device, torch.float32)).cpu()
                for s in range(0, len(x), batch_size)]
    return torch.cat(acts).numpy().astype(np.float64)


def train_fid_classifier(x_train, y_train, x_valid, y_valid,
                      settings: FidClassifierSettings = FidClassifierSettings(),
                      device: str | torch.device = "cpu", label_dim: int = 3,
                      log: Callable[[str], None] = logger.info) -> tuple[Classifier, dict]:
    """Train on windows (N, T, D) with classes (N,); keep the best held-out-accuracy weights.

    The history holds per-epoch train_loss, train_accuracy and valid_accuracy lists, plus
    best_epoch and best_valid_accuracy (the kept weights').
    """
    x_train, x_valid = (torch.as_tensor(x).to(device, torch.float32) for x in (x_train, x_valid))
    y_train, y_valid = (torch.as_tensor(y).to(device, torch.int64) for y in (y_train, y_valid))
    if settings.epochs < 1:
        raise ValueError(f"the FID classifier needs epochs >= 1, got {settings.epochs}")
    if len(x_train) == 0 or len(x_valid) == 0:
        raise ValueError(f"need training and held-out windows, got {len(x_train)} and "
                         f"{len(x_valid)}")
    for name, y in (("training", y_train), ("held-out", y_valid)):
        if y.min() < 0 or y.max() >= label_dim:
            raise ValueError(f"{name} classes must lie in [0, {label_dim}), got "
                             f"{int(y.min())}..{int(y.max())}")
    model = build_fid_classifier(settings, x_train.shape[1], x_train.shape[2], label_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate,
                                 betas=(0.9, 0.999))
    gen = torch.Generator().manual_seed(settings.seed)
    history: dict[str, Any] = {key: [] for key in HISTORY_KEYS}
    best_acc, best_state = -1.0, None
    every = max(1, settings.epochs // 20)  # about 20 progress lines per run
    for epoch in range(settings.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=gen).to(device)
        loss_sum, correct = 0.0, 0  # summed exactly (counts, not means), as before
        for batch, s in enumerate(range(0, len(order), settings.batch_size)):
            idx = order[s:s + settings.batch_size]
            logits = model.logits(x_train[idx])  # (B, K)
            loss = F.cross_entropy(logits, y_train[idx])
            terms = {"total": loss.item()}
            try:
                optimizer_step(optimizer, loss, terms, model.parameters())
            except NonFiniteLossError as err:
                raise NonFiniteLossError(f"FID classifier epoch {epoch + 1}, batch {batch + 1}"
                                         f": {err}; nothing was saved") from None
            loss_sum += terms["total"] * len(idx)
            correct += int((logits.argmax(dim=1) == y_train[idx]).sum())
        model.eval()
        valid_acc = float((_predict(model, x_valid) == y_valid).float().mean())
        metrics = epoch_metrics(epoch + 1, {"loss": loss_sum / len(x_train),
                                            "accuracy": correct / len(x_train)},
                                {"accuracy": valid_acc})
        for key, name in HISTORY_KEYS.items():
            history[key].append(metrics[name])
        if valid_acc >= best_acc:
            best_acc, history["best_epoch"] = valid_acc, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if epoch % every == 0 or epoch == settings.epochs - 1:
            log(f"FID classifier epoch {metrics['epoch']}/{settings.epochs}: loss "
                f"{metrics['train/loss']:.4f}, train accuracy "
                f"{metrics['train/accuracy']:.3f}, held-out accuracy {valid_acc:.3f}")
    model.load_state_dict(best_state)
    history["best_valid_accuracy"] = best_acc
    return model, history


def save_fid_classifier(path: str | Path, model: Classifier, settings: FidClassifierSettings,
                     history: dict, data_info: dict) -> Path:
    """Write a plain-dict checkpoint atomically (temp file, then os.replace); returns the path."""
    path = Path(path)
    checkpoint = {
        "model_state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "settings": dataclasses.asdict(settings),
        "valid_accuracy": float(history["best_valid_accuracy"]),
        "best_epoch": int(history["best_epoch"]),
        "history": {k: history[k] for k in HISTORY_KEYS},
        "data": dict(data_info),
    }
    with atomic_open(path) as f:
        torch.save(checkpoint, f)
    return path


def classifier_from_state(state: dict[str, Tensor], neg_slope: float) -> Classifier:
    """A Classifier shaped after a state dict with keys dense.*, layers.0 ... layers.n.*."""
    n_linear = sum(1 for k in state if k.startswith("layers.") and k.endswith(".weight"))
    h_dim, flat_dim = state["dense.weight"].shape
    label_dim = state[f"layers.{n_linear - 1}.weight"].shape[0]
    model = Classifier(flat_dim, h_dim, n_linear - 1, label_dim, neg_slope)
    model.load_state_dict(state)
    return model


def load_fid_classifier(path: str | Path,
                     device: str | torch.device = "cpu") -> tuple[Classifier, dict]:
    """The classifier and its info dict from a checkpoint of save_fid_classifier or the paper.

    Accepts this module's checkpoints, the published ones (a dict with model_state_dict) and a
    bare state dict. The info holds settings, valid_accuracy, data (what it was trained on,
    {} if unknown), input_size (T * D), label_dim and path.
    """
    retrain = "delete it to train a new one, or set fid_classifier_path to another file"
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a corrupt or unsafe file
        raise FidClassifierError(f"FID classifier {path} cannot be read ({err}); "
                               f"{retrain}") from None
    if not isinstance(checkpoint, dict):
        raise FidClassifierError(f"FID classifier {path} holds a "
                               f"{type(checkpoint).__name__}, not a dict; {retrain}")
    try:
        state = checkpoint.get("model_state_dict", checkpoint)
        settings = FidClassifierSettings(**checkpoint.get("settings", {}))
        model = classifier_from_state(state, settings.neg_slope).to(device)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as err:
        raise FidClassifierError(f"FID classifier {path} is not a usable classifier "
                               f"({type(err).__name__}: {err}); {retrain}") from None
    model.eval()
    return model, _info(model, settings, checkpoint.get("valid_accuracy"),
                        checkpoint.get("data", {}), path)


def _info(model: Classifier, settings: FidClassifierSettings, valid_accuracy, data: dict,
          path: str | Path) -> dict[str, Any]:
    """What load_fid_classifier reports about a classifier."""
    return {
        "settings": dataclasses.asdict(settings),
        "valid_accuracy": None if valid_accuracy is None else float(valid_accuracy),
        "data": dict(data),
        "input_size": model.dense.in_features,
        "label_dim": model.layers[-1].out_features,
        "path": str(path),
    }


def data_info(cfg, dataset) -> dict[str, Any]:
    """What a FID classifier is trained on, as stored in its checkpoint."""
    split = dataset.split
    return {
        "effort": cfg.effort, "split": cfg.split, "seq_len": dataset.seq_len,
        "input_dim": int(dataset.poses.shape[1]), "label_dim": cfg.label_dim,
        "n_train": len(split.train_lab), "n_valid": len(split.valid_lab),
        "data_pattern": cfg.data_pattern, "labels_path": cfg.labels_path,
        "fingerprint": dict(getattr(dataset, "fingerprint", None) or {}),
    }


def default_fid_classifier_path(cfg, dataset=None) -> Path:
    """saved_models/fid_classifier/<effort>_<split>_<data key>.pt (the key: see fingerprint_key).

    Keyed by the data fingerprint, so other recordings, labels or split sizes get their own
    classifier; without a dataset (or fingerprint), <effort>_<split>.pt as before.
    """
    fingerprint = getattr(dataset, "fingerprint", None)
    if not fingerprint:
        return Path("saved_models") / "fid_classifier" / f"{cfg.effort}_{cfg.split}.pt"
    from pirounet.systems.pirounet.data.prepare import fingerprint_key

    key = fingerprint_key(fingerprint)
    return Path("saved_models") / "fid_classifier" / f"{cfg.effort}_{cfg.split}_{key}.pt"


def _check_matches(info: dict, wanted: dict, settings: FidClassifierSettings,
                   log: Callable[[str], None]) -> None:
    """Refuse a cached classifier trained on other data; say when it differs only mildly."""
    size = wanted["seq_len"] * wanted["input_dim"]
    if info["input_size"] != size or info["label_dim"] != wanted["label_dim"]:
        raise FidClassifierError(
            f"FID classifier {info['path']} takes {info['input_size']} inputs and "
            f"{info['label_dim']} classes, but the data gives {size} and "
            f"{wanted['label_dim']}; delete it or choose another path to train a new one"
        )
    saved = info["data"]
    for key in ("effort", "split", "seq_len", "input_dim"):
        if key in saved and saved[key] != wanted[key]:
            raise FidClassifierError(
                f"FID classifier {info['path']} was trained with {key}={saved[key]!r}, "
                f"but this run uses {key}={wanted[key]!r}; delete it or choose another path"
            )
    if saved.get("fingerprint") and saved["fingerprint"] != wanted.get("fingerprint"):
        log(f"note: FID classifier {info['path']} was trained on other data (its data "
            "fingerprint differs: recordings, labels or split sizes changed); delete it to "
            "retrain")
    if not saved:
        log(f"FID classifier {info['path']} does not say what data it was trained "
            "on (published format); using it as is")
    elif (saved.get("n_train"), saved.get("n_valid")) != (wanted["n_train"], wanted["n_valid"]):
        log(f"note: FID classifier {info['path']} was trained on {saved.get('n_train')}"
            f" windows ({saved.get('n_valid')} held out); this data has {wanted['n_train']} "
            f"({wanted['n_valid']}); delete it to retrain")
    if saved and info["settings"] != dataclasses.asdict(settings):
        log(f"note: FID classifier {info['path']} was trained with {info['settings']}"
            f", not the requested {dataclasses.asdict(settings)}; delete it to retrain")


def get_or_train_fid_classifier(cfg, dataset, path: str | Path | None = None,
                             settings: FidClassifierSettings = FidClassifierSettings(),
                             device: str | torch.device = "cpu",
                             log: Callable[[str], None] = logger.info
                             ) -> tuple[Classifier, dict]:
    """Load the cached classifier at path (default_fid_classifier_path) or train and save it.

    A cached one trained on another effort, split or window shape is refused with an error.
    The info is load_fid_classifier's, with trained=True when it was trained just now.
    """
    path = Path(path) if path is not None else default_fid_classifier_path(cfg, dataset)
    wanted = data_info(cfg, dataset)
    if path.exists():
        model, info = load_fid_classifier(path, device)
        _check_matches(info, wanted, settings, log)
        log(f"FID classifier loaded from {path} (held-out accuracy "
            f"{info['valid_accuracy']})")
        return model, {**info, "trained": False}
    log(f"FID classifier not found at {path}, training it ({settings.epochs} epochs) "
        f"on {wanted['n_train']} labelled training windows ({wanted['effort']} effort, "
        f"{wanted['split']} split; {wanted['n_valid']} held out)")
    split = dataset.split
    model, history = train_fid_classifier(
        dataset.windows(split.train_lab), split.train_y, dataset.windows(split.valid_lab),
        split.valid_y, settings, device, cfg.label_dim, log,
    )
    save_fid_classifier(path, model, settings, history, wanted)
    log(f"FID classifier saved to {path} (held-out accuracy "
        f"{history['best_valid_accuracy']:.3f} at epoch {history['best_epoch'] + 1})")
    model.eval()
    info = _info(model, settings, history["best_valid_accuracy"], wanted, path)
    return model, {**info, "trained": True}


def parse_fid_classifier_args(args: list[str]) -> tuple[FidClassifierSettings, Path | None,
                                                      str | None, list[str]]:
    """Split CLI args into FID-classifier settings, --out, --run and the rest (the run's config)."""
    fields = {f.name: f for f in dataclasses.fields(FidClassifierSettings)}
    changes: dict[str, Any] = {}
    out, run, rest = None, None, []
    for arg in args:
        key, _, text = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        name = key.removeprefix("recog_")
        if key == "out":
            out = Path(text)
        elif key == "run":
            run = text
        elif key == "epochs" or key.startswith("recog_"):
            if name not in fields:
                raise ConfigError(f"{arg}: unknown FID-classifier setting; use --recog_<field> "
                                 f"with a field of {', '.join(fields)}")
            default = getattr(FidClassifierSettings(), name)
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(default, int) and value != int(value)):
                raise ConfigError(f"{arg}: expects a {type(default).__name__}, got {text!r}")
            changes[name] = type(default)(value)
        else:
            rest.append(arg)
    return FidClassifierSettings(**changes), out, run, rest


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: train the FID classifier and write its checkpoint."""
    from pirounet.run.runtime import resolve_device
    from pirounet.systems.pirounet.checkpoint import load_checkpoint
    from pirounet.systems.pirounet.data import prepare_data
    from pirounet.systems.pirounet.settings import TRAINING

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings, out, run, rest = parse_fid_classifier_args(sys.argv[1:] if argv is None else argv)
    cfg = TRAINING.rebuild(None if run is None else load_checkpoint(run).get("config"), rest)
    data = prepare_data(cfg)
    path = out or default_fid_classifier_path(cfg, data)
    if path.exists():
        raise SystemExit(f"error: {path} exists; delete it or pass --out=another/path.pt")
    _, info = get_or_train_fid_classifier(cfg, data, path, settings,
                                       resolve_device(cfg.device))
    print(f"held-out accuracy {info['valid_accuracy']:.3f}; wrote {path}")


def command_line() -> None:
    """`python -m pirounet.systems.pirounet.fid_classifier ...`: a user error is one line."""
    from pirounet.run.checkpoint import CheckpointError
    from pirounet.systems.pirounet.data import DataError

    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__)
        return
    try:
        main()
    except (ConfigError, DataError, CheckpointError, NonFiniteLossError) as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    command_line()
