"""Train PirouNet, the semi-supervised conditional recurrent VAE, on dance recordings.

    python main.py                                    # the published PirouNet_dance run
    python main.py configs/quickstart.py              # CPU quickstart on the synthetic dancer
    python main.py configs/pirounet_watch.py --seed=1 --epochs=100
    python main.py --run_name=pirounet_dance --resume=True      # continue an interrupted run
    torchrun --nproc_per_node=2 main.py configs/quickstart.py   # data-parallel (DDP)

Settings: default_config.py, then override files, then --key=value (see pirounet/run/config.py).
On resume, the run's saved config is the base and whatever the command line names goes on
top (e.g. --epochs=600). A run lives in saved_models/<run_name>/: config.json, train.log,
history.jsonl (one line per epoch), last.pt, best.pt (lowest valid loss), epoch_<N>.pt every
save_every epochs and samples/epoch_<N>.gif every artifact_every epochs.

Validation uses every valid window (no drop_last), weighted by batch size. Under DDP each
rank trains on its own shard of the labelled and unlabelled windows with seed + rank, and
DistributedDataParallel averages the gradients. Every rank validates its shard of the valid
windows and the metrics are summed over ranks, so all ranks see the same numbers; rank 0
logs, tracks and saves.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from pirounet.run.checkpoint import (
    CheckpointError,
    TrainingState,
    check_run_folder,
    lock_run_folder,
    run_folder,
    save_epoch_checkpoints,
)
from pirounet.run.config import Config, ConfigError, keys_named
from pirounet.run.distributed import barrier, cleanup_distributed, gather_to_main, setup_distributed
from pirounet.run.epochs import NonFiniteLossError, epoch_metrics
from pirounet.run.runtime import rng_state, start_process
from pirounet.run.tracking import (
    HISTORY_FILE,
    TrackingError,
    append_history,
    close_logging,
    finish_wandb,
    log_animation,
    log_metrics,
    log_to_file,
    setup_logging,
    start_wandb,
    trim_history,
)
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.checkpoint import (
    check_data_fingerprint,
    load_checkpoint,
    make_checkpoint,
    restore_training,
    run_config,
)
from pirounet.systems.pirounet.data import DataError, ensure_recordings, prepare_data
from pirounet.systems.pirounet.data.prepare import check_skeleton, match_input_dim
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.model.annealing import check_remedy_settings
from pirounet.systems.pirounet.model.objective import alpha_from_batches
from pirounet.systems.pirounet.samples import write_samples_gif
from pirounet.systems.pirounet.settings import DEFAULT_CONFIG, load_config
from pirounet.systems.pirounet.training import M2Objective, epoch_steps, train_epoch, validate

log = logging.getLogger("pirounet.main")

DEFAULTS = DEFAULT_CONFIG  # default_config.py
USER_ERRORS = (ConfigError, CheckpointError, DataError, NonFiniteLossError, TrackingError)


def resolve_config(args: list[str]) -> tuple[Config, dict[str, Any] | None]:
    """The run's config and the checkpoint it starts from (None for a fresh start)."""
    cfg = load_config(DEFAULT_CONFIG, args)
    if os.environ.get("WANDB_SWEEP_ID") and "run_name" not in keys_named(args):
        # A wandb agent passes no run name: give each sweep run its own folder.
        args = [*args, f"--run_name={cfg.run_name}_{os.environ.get('WANDB_RUN_ID', 'sweep')}"]
        cfg = load_config(DEFAULT_CONFIG, args)
    source = cfg.load_from_checkpoint or (cfg.run_name if cfg.resume else None)
    if source is None:
        return cfg, None
    ckpt = load_checkpoint(source)
    if cfg.resume:
        # resume and load_from_checkpoint always say how this start was asked for
        given = [f"--{key}={cfg[key]!r}" for key in ("resume", "load_from_checkpoint")]
        cfg = run_config(ckpt, [*args, *given])
    return cfg, ckpt


def check_batches(cfg: Config, data: Any, loaders: dict[str, Any], world_size: int) -> None:
    """A DataError naming the label file when a loader would give no batch (too few labels)."""
    empty = [name for name, loader in loaders.items() if len(loader) == 0]
    if not empty:
        return
    sizes = ", ".join(f"{k} {v}" for k, v in data.split.sizes().items())
    per_rank = f" per process ({world_size} processes)" if world_size > 1 else ""
    raise DataError(
        f"too few usable labels: the {' and '.join(empty)} windows make no batch{per_rank} "
        f"(batch_size={cfg.batch_size}; {cfg.split} split of {cfg.labels_path} for "
        f"effort={cfg.effort!r}: {sizes}). Label more blocks 1-3 with `python -m "
        f"pirounet.systems.pirounet.label_app`, or lower batch_size")


def end_of_epoch(cfg: Config, run_dir: Path, run: Any, metrics: dict[str, float],
                 ckpt: dict[str, Any], is_best: bool, model: PirouNet, seconds: float,
                 n_batches: int, skeleton: Skeleton = VICON_53) -> None:
    """Rank 0: history line, wandb, checkpoints and, when due, the samples GIF.

    n_batches: unlabelled batches per rank, of which max_steps_per_epoch may train fewer.
    """
    epoch = metrics["epoch"]
    steps = epoch_steps(n_batches, cfg.max_steps_per_epoch)
    capped = f", {steps} of {n_batches} batches: max_steps_per_epoch" if steps < n_batches else ""
    append_history(run_dir / HISTORY_FILE, metrics)  # before the checkpoint; see trim_history
    log_metrics(run, metrics, epoch)
    saved = save_epoch_checkpoints(run_dir, ckpt, is_best, cfg.save_every)
    log.info("epoch %d/%d  train loss %.4f acc %.3f  valid loss %.4f acc %.3f  (%.1f s%s)  "
             "saved %s", epoch, cfg.epochs, metrics["train/total"], metrics["train/accuracy"],
             metrics["valid/total"], metrics["valid/accuracy"], seconds, capped,
             ", ".join(p.name for p in saved))
    if cfg.artifact_every > 0 and epoch % cfg.artifact_every == 0:
        gif = write_samples_gif(model, run_dir / "samples" / f"epoch_{epoch}.gif", cfg.seed,
                                cfg.effort, skeleton)
        log_animation(run, "samples", gif, epoch)


def main(args: list[str]) -> PirouNet:
    """Train as configured by args (override files and --key=value); returns the model."""
    # Setup: settings and data are checked before anything is written to the run folder
    ddp = setup_distributed()
    cfg, start = resolve_config(args)
    try:
        check_remedy_settings(cfg)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    run_dir = run_folder(cfg.run_name)
    stale = check_run_folder(run_dir, cfg.resume, cfg.overwrite)
    setup_logging(None, ddp.is_main)  # console now; train.log once the data is checked
    device = start_process(cfg.device, cfg.cpu_threads, cfg.seed, ddp)

    # Data
    if ddp.is_main:
        ensure_recordings(cfg)  # may write the synthetic dancer; once, before others read it
    barrier()  # also: every rank has looked at the run folder before rank 0 writes to it
    data = prepare_data(cfg)
    if start is not None:  # the weights were learnt on one skeleton
        check_skeleton(start.get("data_fingerprint"), data)
    cfg = match_input_dim(cfg, data, start is None and "input_dim" not in keys_named(args))
    if start is not None and cfg.resume:  # the run's losses and best.pt refer to its data
        for diff in check_data_fingerprint(start, data.fingerprint, cfg.on_data_change):
            log.warning("on_data_change=warn: resuming although %s", diff)
    shard = {"rank": ddp.rank, "world_size": ddp.world_size}
    unlabelled = data.loader("train", cfg, labelled=False, **shard)
    labelled = data.loader("train", cfg, **shard)
    valid = data.loader("valid", cfg, drop_last=False, **shard)
    check_batches(cfg, data, {"labelled training": labelled, "unlabelled training": unlabelled,
                              "validation": valid}, ddp.world_size)
    alpha = alpha_from_batches(cfg.alpha_scale, len(unlabelled), len(labelled))

    # Run folder: held by this run until it ends; a second run of the same name is refused
    lock = lock_run_folder(run_dir) if ddp.is_main else None
    run = None
    try:
        log_to_file(run_dir / "train.log", ddp.is_main)
        if ddp.is_main:
            cfg.save_json(run_dir / "config.json")
        log.info("run %s on %s (%d process(es)); config in %s", cfg.run_name, device,
                 ddp.world_size, run_dir / "config.json")
        log.info("batches per rank: %d unlabelled, %d labelled, %d valid; alpha = %.3f",
                 len(unlabelled), len(labelled), len(valid), alpha)

        # Model
        model = PirouNet(ModelConfig.from_config(cfg)).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate,
                                     betas=tuple(cfg.adam_betas))
        state = TrainingState()
        if model.standardize:  # a checkpoint loaded below brings its own statistics
            model.set_pose_statistics(data.training_poses())
        if start is not None:
            state = restore_training(start, model, optimizer, cfg, cfg.resume, ddp.rank)
        objective = M2Objective(model, cfg.kl_weight, cfg.unlabelled_pairing, cfg.free_bits,
                                cfg.motion_energy_weight, skeleton=data.skeleton)
        train_objective = objective
        if ddp.enabled:  # DDP broadcasts rank 0's weights, so every rank starts the same
            ids = [device.index] if device.type == "cuda" else None
            train_objective = DistributedDataParallel(objective, device_ids=ids)
        run = start_wandb(cfg, run_dir, state.wandb_run_id) if ddp.is_main else None
        log.info("%d parameters; epochs %d to %d", sum(p.numel() for p in model.parameters()),
                 state.start_epoch, cfg.epochs)

        # Train
        for epoch in range(state.start_epoch, cfg.epochs + 1):
            tic = time.perf_counter()
            try:
                train = train_epoch(train_objective, optimizer, unlabelled, labelled, alpha, cfg,
                                    epoch, device, show_progress=ddp.is_main)
            except NonFiniteLossError as err:
                last = run_dir / "last.pt"
                log.error("%s. Training stopped; the last good checkpoint is %s", err,
                          last if last.exists() and last not in stale
                          else "none (no epoch finished)")
                raise
            metrics = epoch_metrics(epoch, train, validate(objective, valid, alpha, device))
            rng_states = gather_to_main(rng_state())  # every rank's RNG, for an exact resume
            if ddp.is_main:
                if epoch == state.start_epoch:
                    # Only now, with an epoch trained, does anything of the old run go:
                    # a run that fails before its first epoch leaves the old one whole.
                    for path in stale:
                        log.warning("overwrite=True: deleting %s of the previous run", path)
                        path.unlink(missing_ok=True)
                    trim_history(run_dir / HISTORY_FILE, state.start_epoch - 1)
                is_best = metrics["valid/total"] < state.best_valid_loss
                state.best_valid_loss = min(state.best_valid_loss, metrics["valid/total"])
                run_id = run.id if run is not None else state.wandb_run_id
                ckpt = make_checkpoint(model, optimizer, epoch, metrics, cfg,
                                       state.best_valid_loss, rng_states, run_id,
                                       data.fingerprint)
                end_of_epoch(cfg, run_dir, run, metrics, ckpt, is_best, model,
                             time.perf_counter() - tic, len(unlabelled), data.skeleton)
    finally:
        finish_wandb(run)
        close_logging()
        if lock is not None:
            lock.release()
    cleanup_distributed()
    return model

