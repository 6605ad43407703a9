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
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import Config, ConfigError, keys_named
from pirounet.run.distributed import barrier, cleanup_distributed, setup_distributed
from pirounet.run.epochs import NonFiniteLossError, epoch_metrics
from pirounet.run.lifecycle import Run, open_run, resolve_config
from pirounet.run.runtime import start_process
from pirounet.run.tracking import TrackingError, log_animation, setup_logging
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.checkpoint import (
    describe_change,
    load_checkpoint,
    published_keys,
    shape_help,
)
from pirounet.systems.pirounet.data import DataError, ensure_recordings, prepare_data
from pirounet.systems.pirounet.data.prepare import check_skeleton, match_input_dim
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.model.annealing import check_remedy_settings
from pirounet.systems.pirounet.model.objective import alpha_from_batches
from pirounet.systems.pirounet.samples import write_samples_gif
from pirounet.systems.pirounet.settings import DEFAULT_CONFIG, TRAINING
from pirounet.systems.pirounet.training import (
    M2Objective,
    epoch_steps,
    fit_mixture_prior,
    train_epoch,
    validate,
)

log = logging.getLogger("pirounet.main")

DEFAULTS = DEFAULT_CONFIG  # default_config.py
USER_ERRORS = (ConfigError, CheckpointError, DataError, NonFiniteLossError, TrackingError)


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


def log_epoch(cfg: Config, run: Run, metrics: dict[str, float], saved: list[Path],
              model: PirouNet, seconds: float, n_batches: int,
              skeleton: Skeleton = VICON_53) -> None:
    """Rank 0: the epoch's log line and, when due, the samples GIF.

    n_batches: unlabelled batches per rank, of which max_steps_per_epoch may train fewer.
    """
    epoch = metrics["epoch"]
    steps = epoch_steps(n_batches, cfg.max_steps_per_epoch)
    capped = f", {steps} of {n_batches} batches: max_steps_per_epoch" if steps < n_batches else ""
    log.info("epoch %d/%d  train loss %.4f acc %.3f  valid loss %.4f acc %.3f  (%.1f s%s)  "
             "saved %s", epoch, cfg.epochs, metrics["train/total"], metrics["train/accuracy"],
             metrics["valid/total"], metrics["valid/accuracy"], seconds, capped,
             ", ".join(p.name for p in saved))
    if cfg.artifact_every > 0 and epoch % cfg.artifact_every == 0:
        gif = write_samples_gif(model, run.folder / "samples" / f"epoch_{epoch}.gif", cfg.seed,
                                cfg.effort, skeleton)
        log_animation(run.tracker, "samples", gif, epoch)


def main(args: list[str]) -> PirouNet:
    """Train as configured by args (override files and --key=value); returns the model."""
    # Setup: settings are checked before the run folder is touched
    ddp = setup_distributed()
    cfg, start = resolve_config(TRAINING, args, load_checkpoint)
    try:
        check_remedy_settings(cfg)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    setup_logging(None, ddp.is_main)  # console now; train.log once the data is checked
    with open_run(cfg, TRAINING.system, ddp) as run:  # held until the run ends
        device = start_process(cfg.device, cfg.cpu_threads, cfg.seed, ddp)

        # Data
        if ddp.is_main:
            ensure_recordings(cfg)  # may write the synthetic dancer; once, before others read
        barrier()  # also: every rank has looked at the run folder before rank 0 writes to it
        data = prepare_data(cfg)
        if start is not None:  # the weights were learnt on one skeleton
            check_skeleton(start.get("data_fingerprint"), data)
        cfg = match_input_dim(cfg, data, start is None and "input_dim" not in keys_named(args))
        run.check_data(start, data.fingerprint, describe_change)
        shard = {"rank": ddp.rank, "world_size": ddp.world_size}
        unlabelled = data.loader("train", cfg, labelled=False, **shard)
        labelled = data.loader("train", cfg, **shard)
        valid = data.loader("valid", cfg, drop_last=False, **shard)
        check_batches(cfg, data, {"labelled training": labelled,
                                  "unlabelled training": unlabelled, "validation": valid},
                      ddp.world_size)
        alpha = alpha_from_batches(cfg.alpha_scale, len(unlabelled), len(labelled))
        run.begin(cfg)
        log.info("run %s on %s (%d process(es)); config in %s", cfg.run_name, device,
                 ddp.world_size, run.folder / "config.json")
        log.info("batches per rank: %d unlabelled, %d labelled, %d valid; alpha = %.3f",
                 len(unlabelled), len(labelled), len(valid), alpha)

        # Model
        try:  # "fixed_bones" needs a skeleton whose points share no marker
            model = PirouNet(ModelConfig.from_config(cfg), data.skeleton).to(device)
        except ValueError as err:
            raise ConfigError(str(err)) from None
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate,
                                     betas=tuple(cfg.adam_betas))
        if model.needs_pose_statistics:  # a checkpoint loaded below brings its own
            model.set_pose_statistics(data.training_poses())
        if model.needs_move_size:  # keypose_move_size: the label's share of the moves' size
            size = model.set_move_size(data.windows(data.split.train_lab),
                                       torch.as_tensor(list(data.split.train_y)))
            log.info("keypose_move_size: move-size factor per label %s",
                     " / ".join(f"{g:.3f}" for g in size.tolist()))
        models, optimizers = {"model": model}, {"optimizer": optimizer}
        state = run.start(start, models, optimizers,
                          **(shape_help(start, cfg) if start is not None else {}))
        objective = M2Objective(model, cfg.kl_weight, cfg.unlabelled_pairing, cfg.free_bits,
                                cfg.motion_energy_weight, skeleton=data.skeleton)
        train_objective = objective
        if ddp.enabled:  # DDP broadcasts rank 0's weights, so every rank starts the same
            ids = [device.index] if device.type == "cuda" else None
            train_objective = DistributedDataParallel(objective, device_ids=ids)
        log.info("%d parameters; epochs %d to %d", sum(p.numel() for p in model.parameters()),
                 state.start_epoch, cfg.epochs)

        # Train
        with run.non_finite_stop():
            for epoch in range(state.start_epoch, cfg.epochs + 1):
                tic = time.perf_counter()
                train = train_epoch(train_objective, optimizer, unlabelled, labelled, alpha,
                                    cfg, epoch, device, show_progress=ddp.is_main)
                metrics = epoch_metrics(epoch, train, validate(objective, valid, alpha, device))
                if model.mixture is not None and ddp.is_main:  # saved with the weights it fits
                    fit_mixture_prior(model, data, cfg.seed)
                saved = run.end_epoch(metrics, metrics["valid/total"], models, optimizers,
                                      published_keys(metrics))
                if ddp.is_main:
                    log_epoch(cfg, run, metrics, saved, model, time.perf_counter() - tic,
                              len(unlabelled), data.skeleton)
    cleanup_distributed()
    return model
