"""Checkpoints and run folders, for any system: saved_models/<run_name>/{last,best,epoch_<N>}.pt.

A checkpoint is one plain dict that loads with `torch.load(weights_only=True)`:

    {"system": "pirounet", "epoch": 3,                     # completed epochs
     "<name>_state_dict": ... for each model and optimizer (model, optimizer; or generator,
                              critic, generator_optimizer, critic_optimizer for a GAN),
     "metrics": {...}, "best_valid_loss": 0.1, "config": {...}, "rng_state": [one per rank],
     "wandb_run_id": "..."}

This module knows no model. A system adds its own keys and reads its own older formats on
top (PirouNet's published format: pirounet/systems/pirounet/checkpoint.py).
"""
from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from pirounet.run.atomic import FileLock, LockedError, atomic_open
from pirounet.run.runtime import set_rng_state

log = logging.getLogger(__name__)

MODELS_DIR = Path("saved_models")  # relative to the working directory, like data/
RUN_LOCK = ".run.lock"  # in a run folder while a run trains into it (holds its pid)


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
    """A run folder holds last.pt or best.pt (a folder of cached classifiers holds neither)."""
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


def state_key(name: str) -> str:
    """The checkpoint key of a model's or an optimizer's state: "<name>_state_dict"."""
    return f"{name}_state_dict"


def read_checkpoint(source: str | Path, which: str = "last",
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """The checkpoint dict at a .pt path, run folder or run name, loaded with weights_only=True.

    The returned dict also has "path". Raises CheckpointError for a file that is missing,
    unreadable, unsafe or not a dict.
    """
    path = resolve_checkpoint(source, which)
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for a corrupt or unsafe file
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from err
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path} is not a checkpoint: expected a dict, got "
                              f"{type(ckpt).__name__}")
    verify_checksum(ckpt, path)
    check_training_keys(ckpt, path)
    ckpt["path"] = str(path)
    return ckpt


CHECKSUM_KEY = "checksum"  # sha256 of everything else in the checkpoint (state_checksum)


def state_checksum(ckpt: Mapping[str, Any]) -> str:
    """sha256 over a checkpoint's contents (not "path" or the checksum): tensors by dtype, shape
    and bytes, other values by type and repr, dicts in order. The same after a save and load."""
    digest = hashlib.sha256()

    def feed(obj: Any) -> None:
        if isinstance(obj, torch.Tensor):
            t = obj.detach().cpu().contiguous()
            digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(obj, Mapping):
            digest.update(b"{")
            for key, value in obj.items():
                digest.update(repr(key).encode())
                feed(value)
            digest.update(b"}")
        elif isinstance(obj, (list, tuple)):
            digest.update(b"[")
            for value in obj:
                feed(value)
            digest.update(b"]")
        else:
            digest.update(f"{type(obj).__name__}:{obj!r};".encode())

    feed({k: v for k, v in ckpt.items() if k not in (CHECKSUM_KEY, "path")})
    return digest.hexdigest()


def verify_checksum(ckpt: Mapping[str, Any], path: Path | str) -> None:
    """Refuse a checkpoint whose contents no longer match the checksum written with it.

    A checkpoint written before checksums existed (or a published one) has none and passes.
    """
    saved = ckpt.get(CHECKSUM_KEY)
    if saved is None:
        return
    if saved != state_checksum(ckpt):
        raise CheckpointError(
            f"{path} is corrupt: its contents do not match the checksum written with it "
            f"(flipped bytes on disk or in a copy). Use another checkpoint of the run "
            f"(best.pt, last.pt, epoch_<N>.pt) or copy it again")


def check_system(ckpt: Mapping[str, Any], system: str) -> None:
    """Refuse a checkpoint that another system made ("system" key, or its config's)."""
    made_by = ckpt.get("system") or (ckpt.get("config") or {}).get("system")
    if made_by is not None and made_by != system:
        path = ckpt.get("path", "checkpoint")
        raise CheckpointError(
            f"{path} was made by {made_by}, not {system}: evaluate it with "
            f"`python main_eval.py {made_by} --load_from_checkpoint={path}`")


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str,
                     explain: Callable[[str], str] = lambda key: "the model settings",
                     note: str = "") -> None:
    """Raise a CheckpointError naming every key whose shape differs from model's.

    explain(key) says which settings decide that key's shape, with their values; note ends
    the message (e.g. the settings where the checkpoint's config and this one differ).
    """
    expected = model.state_dict()
    problems = []
    for key in sorted(set(expected) | set(state)):
        if key not in state:
            shape = tuple(expected[key].shape)
            problems.append(f"{key}: missing from the checkpoint; config builds {shape} "
                            f"(set by {explain(key)})")
        elif key not in expected:
            problems.append(f"{key} {tuple(state[key].shape)}: in the checkpoint, but the config "
                            f"builds no such key (set by {explain(key)})")
        elif state[key].shape != expected[key].shape:
            problems.append(f"{key}: checkpoint {tuple(state[key].shape)}, config "
                            f"{tuple(expected[key].shape)} (set by {explain(key)})")
    if not problems:
        return
    shown = problems[:8] + ([f"... and {len(problems) - 8} more"] if len(problems) > 8 else [])
    raise CheckpointError(f"{source} does not fit the config's model:\n  " + "\n  ".join(shown)
                          + note)


def make_checkpoint(system: str, epoch: int, models: Mapping[str, nn.Module],
                    optimizers: Mapping[str, torch.optim.Optimizer], metrics: dict[str, float],
                    config: dict[str, Any], best_valid_loss: float,
                    rng_states: list[dict[str, Any]], wandb_run_id: str | None) -> dict[str, Any]:
    """The checkpoint dict after `epoch` (1-based, completed); models are unwrapped (no DDP)."""
    ckpt: dict[str, Any] = {"system": system, "epoch": epoch}
    for name, part in {**models, **optimizers}.items():
        ckpt[state_key(name)] = part.state_dict()
    ckpt.update(metrics=metrics, best_valid_loss=best_valid_loss, config=config,
                rng_state=rng_states, wandb_run_id=wandb_run_id)
    return ckpt


def load_weights(ckpt: Mapping[str, Any], models: Mapping[str, nn.Module],
                 explain: Callable[[str], str] = lambda key: "the model settings",
                 note: str = "") -> None:
    """Load each model's "<name>_state_dict" after checking every shape (see check_state_dict)."""
    source = f"checkpoint {ckpt.get('path', '')}".strip()
    for name, model in models.items():
        if state_key(name) not in ckpt:
            raise CheckpointError(f"{source} holds no {state_key(name)!r}")
        check_state_dict(model, ckpt[state_key(name)], source, explain, note)
        model.load_state_dict(ckpt[state_key(name)])


def restore_training(ckpt: dict[str, Any], models: Mapping[str, nn.Module],
                     optimizers: Mapping[str, torch.optim.Optimizer], resume: bool,
                     rank: int = 0,
                     explain: Callable[[str], str] = lambda key: "the model settings",
                     note: str = "") -> TrainingState:
    """Load every model's weights; when resuming, also the optimizers and this rank's RNG.

    The epochs done are ckpt["epochs_done"] when a system's reader set it (an older format
    that counts otherwise), else ckpt["epoch"].
    """
    load_weights(ckpt, models, explain, note)
    if not resume:
        log.info("starting a new run from the weights of %s", ckpt["path"])
        return TrainingState()
    for name, optimizer in optimizers.items():
        try:
            optimizer.load_state_dict(ckpt[state_key(name)])
        except (KeyError, ValueError) as err:
            raise CheckpointError(f"the {name} state in {ckpt['path']} does not fit: {err}; "
                                  "resume=False starts a new run from its weights instead"
                                  ) from err
    rng_states = ckpt.get("rng_state") or []
    if rank < len(rng_states):
        try:
            set_rng_state(rng_states[rank])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                RuntimeError) as err:
            raise CheckpointError(
                f"the rng_state of rank {rank} in {ckpt['path']} is malformed ({type(err).__name__}"
                f": {err}); resume=False starts a new run from its weights instead") from None
    else:
        log.warning("%s holds no RNG state for rank %d; it keeps its fresh seed", ckpt["path"],
                    rank)
    valid_loss = ckpt.get("best_valid_loss", ckpt.get("valid_loss", math.inf))
    epochs_done = int(ckpt.get("epochs_done", ckpt.get("epoch", 0)))
    state = TrainingState(start_epoch=epochs_done + 1, best_valid_loss=float(valid_loss),
                          wandb_run_id=ckpt.get("wandb_run_id"))
    log.info("resuming %s at epoch %d", ckpt["path"], state.start_epoch)
    return state


def check_training_keys(ckpt: Mapping[str, Any], path: Path | str) -> None:
    """A checkpoint of ours (it has a config) must say its epoch and hold a list of RNG states.

    A hand-edited one that lacks them is one clear error instead of a KeyError on resume.
    """
    if "config" not in ckpt:  # a published-format checkpoint: its system checks its own keys
        return
    epoch = ckpt.get("epoch")
    if type(epoch) is not int or epoch < 0:
        raise CheckpointError(f"{path}: 'epoch' is {epoch!r}; expected the number of completed "
                              "epochs (an integer >= 0)")
    rng = ckpt.get("rng_state")
    if rng is not None and not (isinstance(rng, (list, tuple))
                                and all(isinstance(r, Mapping) for r in rng)):
        raise CheckpointError(f"{path}: 'rng_state' is a {type(rng).__name__}; expected a list "
                              "of one RNG state dict per process")


def save_checkpoint(path: Path, ckpt: dict[str, Any]) -> None:
    """Write atomically (a temporary file in the same folder, then os.replace), with a checksum
    of the contents that read_checkpoint verifies."""
    ckpt = {k: v for k, v in ckpt.items() if k != "path"}
    ckpt[CHECKSUM_KEY] = state_checksum(ckpt)
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


def lock_run_folder(folder: Path) -> FileLock:
    """Hold the run folder for this process; a second run of the same run_name is refused.

    Two runs training into one folder would interleave their history lines and leave last.pt
    and best.pt from different runs. The lock dies with the process (even kill -9).
    """
    try:
        return FileLock(folder / RUN_LOCK)
    except LockedError as err:
        holder = str(err).rsplit("(pid ", 1)[-1].rstrip(")")
        raise CheckpointError(
            f"run folder {folder} is in use by another run (pid {holder}); wait for it to "
            f"finish, or choose another --run_name") from None
