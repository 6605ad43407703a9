"""One training run's lifecycle, the same for every system and model.

    cfg, start = resolve_config(TRAINING, args)           # sweep name, resume merge, system
    with open_run(cfg, TRAINING.system, ddp) as run:      # lock first, then the folder's checks
        data = ...                                        # the system's data
        run.check_data(start, fingerprint, describe)      # a resume on changed data: refused
        run.begin(cfg)                                    # train.log and config.json
        state = run.start(start, models, optimizers)      # resumed weights, RNG; wandb
        with run.non_finite_stop():
            for epoch in range(state.start_epoch, cfg.epochs + 1):
                metrics = ...                             # the system's epoch step
                run.end_epoch(metrics, score, models, optimizers, extra)

What it promises, for every system (docs/data_safety.md): one run per run folder (the lock is
taken before the folder is looked at, so a run that finished meanwhile is seen); an old run
is deleted by --overwrite only once the new one has trained an epoch; a resume on data that
differs from the checkpoint's data fingerprint is refused unless on_data_change="warn"; each
epoch appends its history line, logs to wandb and saves last.pt, best.pt (lowest finite
score) and epoch_<N>.pt; a non-finite loss stops the run, naming the last good checkpoint.
The system supplies its data, models, the fingerprint's contents and one epoch's step.
"""
from __future__ import annotations

import logging
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import torch
from torch import nn

from pirounet.run.checkpoint import (
    CheckpointError,
    TrainingState,
    check_run_folder,
    check_system,
    lock_run_folder,
    make_checkpoint,
    read_checkpoint,
    restore_training,
    run_folder,
    save_epoch_checkpoints,
)
from pirounet.run.config import Config, keys_named, load_config, run_config
from pirounet.run.distributed import gather_to_main
from pirounet.run.epochs import NonFiniteLossError
from pirounet.run.rules import Rule
from pirounet.run.runtime import rng_state
from pirounet.run.tracking import (
    HISTORY_FILE,
    append_history,
    close_logging,
    finish_wandb,
    log_metrics,
    log_to_file,
    start_wandb,
    trim_history,
)

log = logging.getLogger(__name__)
FINGERPRINT_KEY = "data_fingerprint"  # in every checkpoint and metrics.json
Describe = Callable[[str, Any, Any], str]  # (key, saved, now) -> what changed, in words


@dataclass(frozen=True)
class SettingsFile:
    """A system's defaults file (training or evaluation) and the rules of its keys."""

    system: str  # "pirounet" | "learn2dance": the `system` key and the checkpoints' maker
    defaults: Path  # e.g. default_config.py, learn2dance_eval_config.py
    rules: Mapping[str, Rule]  # checked on every config, rebuilt ones too
    renamed: Mapping[str, str] = field(default_factory=dict)  # old key -> its new name

    def load(self, args: Iterable[str] = ()) -> Config:
        """Defaults, override files and --key=value, checked by the rules."""
        return load_config(self.defaults, args, self.rules, self.renamed)

    def rebuild(self, saved: Mapping[str, Any] | None, args: Iterable[str] = ()) -> Config:
        """A run's saved config with the keys args name on top (see config.run_config)."""
        return run_config(saved, args, self.defaults, self.rules)


def resolve_config(settings: SettingsFile, args: list[str],
                   read: Callable[[str], dict[str, Any]] = read_checkpoint
                   ) -> tuple[Config, dict[str, Any] | None]:
    """The run's config and the checkpoint it starts from (None for a fresh start).

    A wandb sweep agent passes no run name: each sweep run gets its own folder. On resume the
    run's saved config is the base and whatever args name goes on top. read(source) loads a
    checkpoint (a system may read its published formats too); it must be this system's.
    """
    cfg = settings.load(args)
    if os.environ.get("WANDB_SWEEP_ID") and "run_name" not in keys_named(args):
        args = [*args, f"--run_name={cfg.run_name}_{os.environ.get('WANDB_RUN_ID', 'sweep')}"]
        cfg = settings.load(args)
    source = cfg.load_from_checkpoint or (cfg.run_name if cfg.resume else None)
    if source is None:
        return cfg, None
    ckpt = read(source)
    check_system(ckpt, settings.system)
    if cfg.resume:  # resume and load_from_checkpoint always say how this start was asked for
        given = [f"--{key}={cfg[key]!r}" for key in ("resume", "load_from_checkpoint")]
        cfg = settings.rebuild(ckpt.get("config"), [*args, *given])
    return cfg, ckpt


def fingerprint_differences(saved: Mapping[str, Any] | None, current: Mapping[str, Any],
                            describe: Describe | None = None) -> list[str]:
    """What differs between a checkpoint's data fingerprint and the data now loaded.

    [] when they agree, or when the checkpoint carries none (made before fingerprints).
    describe(key, saved, now) words a difference; by default "<key> <saved> then, <now> now".
    """
    if not saved:
        return []
    return [(describe or plain_difference)(key, saved[key], current[key])
            for key in sorted(set(saved) & set(current)) if saved[key] != current[key]]


def plain_difference(key: str, old: Any, new: Any) -> str:
    """A fingerprint difference in words: "<key> <saved> then, <now> now"."""
    return f"{key} {old!r} then, {new!r} now"


def rows_changed(what: str, old: list, new: list) -> str:
    """A changed list of [name, ...] rows (recordings, songs) in words, the rows by name."""
    old_set, new_set = {tuple(r) for r in old}, {tuple(r) for r in new}
    gone = [r[0] for r in old if tuple(r) not in new_set]
    added = [r[0] for r in new if tuple(r) not in old_set]
    return (f"{what} changed (no longer as saved: {gone or 'none'}; new or changed: "
            f"{added or 'none'})")


def check_data_fingerprint(ckpt: Mapping[str, Any], fingerprint: Mapping[str, Any],
                           on_change: str = "refuse", describe: Describe | None = None
                           ) -> list[str]:
    """Compare the checkpoint's data fingerprint with the data now loaded; returns differences.

    on_change "refuse": a CheckpointError lists them; "warn": the caller logs them.
    """
    diffs = fingerprint_differences(ckpt.get(FINGERPRINT_KEY), fingerprint, describe)
    if diffs and on_change == "refuse":
        raise CheckpointError(
            f"the data differs from what {ckpt.get('path', 'the checkpoint')} was trained on: "
            + "; ".join(diffs) + ". Its losses and best.pt refer to the old data; set "
            "--on_data_change=warn to go on anyway, or start a new run")
    return diffs


class Run:
    """A run folder while a run trains into it; rank 0 writes, every rank calls."""

    def __init__(self, cfg: Config, system: str, folder: Path, stale: list[Path], ddp):
        self.cfg, self.system, self.folder, self.stale = cfg, system, folder, stale
        self.is_main = ddp.is_main
        self.rank = ddp.rank
        self.state = TrainingState()
        self.fingerprint: dict[str, Any] | None = None
        self.tracker: Any | None = None  # the wandb run, on rank 0
        self.trained = False  # an epoch of this process has ended

    def check_data(self, start: dict[str, Any] | None, fingerprint: dict[str, Any],
                   describe: Describe | None = None) -> None:
        """Keep the data's fingerprint for every checkpoint; on resume, compare it with start's."""
        self.fingerprint = fingerprint
        if start is None or not self.cfg.resume:
            return
        for diff in check_data_fingerprint(start, fingerprint, self.cfg.on_data_change,
                                           describe):
            log.warning("on_data_change=warn: resuming although %s", diff)

    def begin(self, cfg: Config) -> None:
        """The data is checked: train.log (with what was logged so far) and config.json.

        cfg: the config as the run trains, which the data may have completed (e.g. input_dim).
        """
        self.cfg = cfg
        log_to_file(self.folder / "train.log", self.is_main)
        if self.is_main:
            self.cfg.save_json(self.folder / "config.json")

    def start(self, start: dict[str, Any] | None, models: Mapping[str, nn.Module],
              optimizers: Mapping[str, torch.optim.Optimizer],
              explain: Callable[[str], str] = lambda key: "the model settings",
              note: str = "") -> TrainingState:
        """Load start's weights (and, on resume, optimizers and RNG); start wandb on rank 0."""
        if start is not None:
            self.state = restore_training(start, models, optimizers, self.cfg.resume,
                                          self.rank, explain, note)
        if self.is_main:
            self.tracker = start_wandb(self.cfg, self.folder, self.state.wandb_run_id)
        return self.state

    @contextmanager
    def non_finite_stop(self) -> Iterator[None]:
        """Around the epochs: a non-finite loss is logged with the last good checkpoint."""
        try:
            yield
        except NonFiniteLossError as err:
            last = self.folder / "last.pt"
            good = last.exists() and (self.trained or last not in self.stale)
            log.error("%s. Training stopped; the last good checkpoint is %s", err,
                      last if good else "none (no epoch finished)")
            raise

    def end_epoch(self, metrics: dict[str, float], score: float,
                  models: Mapping[str, nn.Module],
                  optimizers: Mapping[str, torch.optim.Optimizer],
                  extra: Mapping[str, Any] = {}) -> list[Path]:
        """Every rank: its RNG state for an exact resume. Rank 0: history line, wandb, last.pt,
        best.pt on a new lowest finite score, epoch_<N>.pt every save_every; returns those.

        models are unwrapped (no DDP); extra holds the system's own checkpoint keys.
        """
        rng_states = gather_to_main(rng_state())
        if not self.is_main:
            return []
        if not self.trained:
            # Only now, with an epoch trained, does anything of the old run go: a run that
            # fails before its first epoch leaves the old one whole.
            for path in self.stale:
                log.warning("overwrite=True: deleting %s of the previous run", path)
                path.unlink(missing_ok=True)
            trim_history(self.folder / HISTORY_FILE, self.state.start_epoch - 1)
            self.trained = True
        epoch = int(metrics["epoch"])
        is_best = math.isfinite(score) and score < self.state.best_valid_loss
        self.state.best_valid_loss = min(self.state.best_valid_loss, score)
        run_id = self.tracker.id if self.tracker is not None else self.state.wandb_run_id
        ckpt = make_checkpoint(self.system, epoch, models, optimizers, metrics,
                               self.cfg.to_dict(), self.state.best_valid_loss, rng_states, run_id)
        if self.fingerprint is not None:
            ckpt[FINGERPRINT_KEY] = self.fingerprint
        ckpt.update(extra)
        append_history(self.folder / HISTORY_FILE, metrics)  # before the checkpoint
        log_metrics(self.tracker, metrics, epoch)
        return save_epoch_checkpoints(self.folder, ckpt, is_best, self.cfg.save_every)


@contextmanager
def open_run(cfg: Config, system: str, ddp) -> Iterator[Run]:
    """Hold cfg.run_name's folder for this run, check it, and close everything at the end.

    The lock comes first: a run of the same name that finished between this run's check and
    its lock would otherwise be replaced without --overwrite. A folder this call made that
    holds only the lock when the run fails is removed again (with saved_models/, if made too).
    """
    folder = run_folder(cfg.run_name)
    made = [p for p in (folder, *folder.parents) if not p.exists()]  # innermost first
    lock = lock_run_folder(folder) if ddp.is_main else None
    run = None
    try:
        run = Run(cfg, system, folder, check_run_folder(folder, cfg.resume, cfg.overwrite), ddp)
        yield run
    finally:
        if run is not None:
            finish_wandb(run.tracker)
        close_logging()
        if lock is not None:
            if made and [p.name for p in folder.iterdir()] == [lock.path.name]:
                lock.path.unlink()  # while still held, so no other run holds a stale copy
                for path in made:
                    if not any(path.iterdir()):
                        path.rmdir()
            lock.release()
