"""Train learn2dance: a model that dances to music, learned from songs and their dances' poses.

    python main.py learn2dance                                 # aligned mode, synthetic set
    python main.py learn2dance --mode=published --optimizer=sgd --learning_rate=3e-4
                               --batch_size=4 --epochs=10 --grad_clip=0   # (one line)
    python main.py learn2dance --run_name=learn2dance --resume=True   # continue a run
    torchrun --nproc_per_node=2 main.py learn2dance            # data-parallel (DDP)

Settings: learn2dance_config.py, then override files, then --key=value. On resume the run's
saved config is the base and the command line goes on top. The data step (part 1) writes the
synthetic set when data_dir is empty, then pairs, reads, splits and tokenises every song; the
`model` setting picks what learns from it ("music2dance": docs/learn2dance_model.md). A run
lives in saved_models/<run_name>/: config.json, train.log, history.jsonl, last.pt, best.pt
(lowest valid loss) and epoch_<N>.pt every save_every epochs. A checkpoint holds the encoder,
the decoder, their optimizers, the music scaler, the vocabulary and the motion library (the
training dances' real segments, which beat_sync playback plays), so `python -m
pirounet.systems.learn2dance.dance --run=<run_name> song.wav` needs nothing else.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from pirounet.music.errors import DataError
from pirounet.music.features import BEAT_CHANNEL
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import Config, ConfigError
from pirounet.run.distributed import barrier, cleanup_distributed, setup_distributed
from pirounet.run.epochs import NonFiniteLossError, epoch_metrics
from pirounet.run.lifecycle import Run, open_run, resolve_config
from pirounet.run.runtime import start_process
from pirounet.run.tracking import TrackingError, setup_logging
from pirounet.systems.learn2dance.fingerprint import data_fingerprint, describe_change
from pirounet.systems.learn2dance.gan.train_pose import train_pose_gan
from pirounet.systems.learn2dance.gan.train_seq import load_pose_generator, train_seq_gan
from pirounet.systems.learn2dance.music2dance.beat_sync import MotionLibrary
from pirounet.systems.learn2dance.music2dance.data import (MusicScaler, Windows, long_enough,
                                                           songs_from_prepared, window_length)
from pirounet.systems.learn2dance.music2dance.model import (ModelSettings, MusicEncoder,
                                                            PoseDecoder)
from pirounet.systems.learn2dance.music2dance.objective import MoveObjective
from pirounet.systems.learn2dance.music2dance.settings import DEFAULT_CONFIG, TRAINING
from pirounet.systems.learn2dance.music2dance.training import train_epoch, validate
from pirounet.systems.learn2dance.prepare import prepare, summary
from pirounet.systems.learn2dance.synthetic import ensure_dataset, written_notice

log = logging.getLogger("pirounet.systems.learn2dance.train")

DEFAULTS = DEFAULT_CONFIG  # learn2dance_config.py
USER_ERRORS = (ConfigError, CheckpointError, DataError, NonFiniteLossError,
               TrackingError)


def training_fps(songs) -> float:
    """The frame rate of the training songs (the most common one; each song keeps its own)."""
    rates, counts = np.unique([s.fps for s in songs if s.split == "train"], return_counts=True)
    if len(rates) > 1:
        log.warning("training dances have several frame rates %s; a new song is danced at %g",
                    rates.tolist(), rates[counts.argmax()])
    return float(rates[counts.argmax()])


def library_arrays(train_songs, chunk_frames: int) -> dict[str, Any]:
    """The training dances' beat-long segments (beat_sync playback) with their songs' names,
    descriptors and styles, as checkpoint tensors (names and styles as lists).

    Only dances at the training frame rate go in: a segment's length is its timing.
    """
    fps = training_fps(train_songs)
    same = [s for s in train_songs if s.fps == fps]
    library = MotionLibrary.of([s.poses for s in same], [s.moves for s in same],
                               [s.beats for s in same], chunk_frames, fps,
                               [s.name for s in same], [s.music for s in same],
                               [s.style for s in same])
    return {k: v if k in ("song_names", "song_styles") else torch.as_tensor(v)
            for k, v in library.to_arrays().items()}


def music_scaler(cfg: Config, songs, start: dict[str, Any] | None) -> MusicScaler:
    """The checkpoint's scaler when starting from one, else fitted on the training songs."""
    if start is not None and "music_scaler" in start:
        return MusicScaler(start["music_scaler"]["mean"].numpy(),
                           start["music_scaler"]["std"].numpy())
    train = [s for s in songs if s.split == "train"]
    return MusicScaler.fit(train) if cfg.music_standardize else MusicScaler.identity(
        train[0].music.shape[1])


def make_optimizer(cfg: Config, module: torch.nn.Module) -> torch.optim.Optimizer:
    """Adam, or plain SGD (no momentum, no weight decay) as published.

    weight_decay > 0 shrinks every weight a little each step, a brake on memorising a small
    set: AdamW's decoupled decay with adam, SGD's own with sgd.
    """
    decay = cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(module.parameters(), lr=cfg.learning_rate, weight_decay=decay)
    if decay > 0:
        return torch.optim.AdamW(module.parameters(), lr=cfg.learning_rate, weight_decay=decay)
    return torch.optim.Adam(module.parameters(), lr=cfg.learning_rate)


class _Both:
    """Two optimizers stepped as one (the published model had one for each network)."""

    def __init__(self, optimizers: dict[str, torch.optim.Optimizer]):
        self.optimizers = list(optimizers.values())

    def zero_grad(self, set_to_none: bool = True) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()


def train_music2dance(cfg: Config, prepared, run: Run, ddp, device: torch.device,
                      start: dict[str, Any] | None) -> dict[str, torch.nn.Module]:
    """The music->dance model's training loop; returns {"encoder", "decoder"}."""
    # Data: windows of equal length, cut from the training and validation songs
    beat_channel = BEAT_CHANNEL if prepared.music_features == "fact35" else None
    songs = songs_from_prepared(prepared, beat_channel)
    train_songs = [s for s in songs if s.split == "train"]
    valid_songs = [s for s in songs if s.split == "valid"]
    scaler = music_scaler(cfg, songs, start)
    length = window_length(train_songs, cfg.window_chunks)
    train_songs = long_enough(train_songs, length, "train")
    valid_songs = long_enough(valid_songs, length, "valid")
    shard = {"rank": ddp.rank, "world_size": ddp.world_size}
    train = Windows(train_songs, scaler, length, cfg.chunk_frames, cfg.batch_size, cfg.seed,
                    shuffle=True, **shard)
    valid = Windows(valid_songs, scaler, length, cfg.chunk_frames, cfg.batch_size, cfg.seed,
                    shuffle=False, **shard)
    log.info("windows of %d moves: %d train batches, %d valid batches per rank", length,
             len(train), len(valid))

    # Model
    settings = ModelSettings.from_config(cfg, music_dim=train_songs[0].music.shape[1])
    encoder, decoder = MusicEncoder(settings).to(device), PoseDecoder(settings).to(device)
    objective = MoveObjective(encoder, decoder, cfg.mode, cfg.chunk_frames, cfg.chunk_context)
    optimizers = {"encoder_optimizer": make_optimizer(cfg, encoder),
                  "decoder_optimizer": make_optimizer(cfg, decoder)}  # one each, as published
    models = {"encoder": encoder, "decoder": decoder}
    state = run.start(start, models, optimizers)
    train_objective = objective
    if ddp.enabled:  # DDP broadcasts rank 0's weights, so every rank starts the same
        ids = [device.index] if device.type == "cuda" else None
        train_objective = DistributedDataParallel(objective, device_ids=ids)
    extra = {"music_scaler": {"mean": torch.from_numpy(scaler.mean),
                              "std": torch.from_numpy(scaler.std)},
             "centroids": torch.from_numpy(prepared.vocabulary.centroids),
             "pose_units": prepared.pose_units, "fps": training_fps(songs),
             "motion_library": library_arrays(train_songs, cfg.chunk_frames)}
    log.info("%s mode; encoder %d, decoder %d parameters; epochs %d to %d", cfg.mode,
             sum(p.numel() for p in encoder.parameters()),
             sum(p.numel() for p in decoder.parameters()), state.start_epoch, cfg.epochs)

    # Train
    with run.non_finite_stop():
        for epoch in range(state.start_epoch, cfg.epochs + 1):
            tic = time.perf_counter()
            train_terms = train_epoch(train_objective, _Both(optimizers), train, epoch, device,
                                      cfg.grad_clip, cfg.max_steps_per_epoch,
                                      show_progress=ddp.is_main and cfg.progress)
            metrics = epoch_metrics(epoch, train_terms, validate(objective, valid, device))
            score = metrics["valid/total"]  # the training loss when there are no valid songs
            score = score if math.isfinite(score) else metrics["train/total"]
            saved = run.end_epoch(metrics, score, models, optimizers, extra)
            if ddp.is_main:
                log.info("epoch %d/%d  train loss %.4f acc %.3f  valid loss %.4f acc %.3f "
                         "top-5 %.3f  (%.1f s) saved %s", epoch, cfg.epochs,
                         metrics["train/total"], metrics["train/accuracy"],
                         metrics["valid/total"], metrics["valid/accuracy"],
                         metrics["valid/top5_accuracy"], time.perf_counter() - tic,
                         ", ".join(p.name for p in saved))
    return models


TRAINERS: dict[str, Callable[..., dict[str, torch.nn.Module]]] = {
    "music2dance": train_music2dance,  # a later model (e.g. a GAN) adds its loop here
    "pose_gan": train_pose_gan,  # the GAN's two stages: docs/learn2dance_gan.md
    "seq_gan": train_seq_gan,
}
# What a model checks before anything is written: a sequence GAN's first stage must exist
# and fit, so a typo in --pose_gan_run leaves no run folder behind.
CHECKS: dict[str, Callable[[Config], Any]] = {
    "seq_gan": lambda cfg: load_pose_generator(cfg, torch.device("cpu")),
}


def main(args: list[str]) -> dict[str, torch.nn.Module]:
    """Train as configured by args (override files and --key=value); returns the models."""
    # Setup: settings are checked before the run folder is touched
    ddp = setup_distributed()
    cfg, start = resolve_config(TRAINING, args)
    if cfg.model in CHECKS:
        CHECKS[cfg.model](cfg)
    setup_logging(None, ddp.is_main)  # console now; train.log once the data is read
    with open_run(cfg, TRAINING.system, ddp) as run:  # held until the run ends
        device = start_process(cfg.device, cfg.cpu_threads, cfg.seed, ddp)
        if device.type == "cpu":
            # Gradients that fade along 1200 LSTM steps become denormal floats, which the CPU
            # handles ~4x slower (the published mode's one-vector loss: 4.4 s -> 1.3 s a step).
            torch.set_flush_denormal(True)

        # Data: the synthetic set is written once, by rank 0, before anyone reads it
        if ddp.is_main and ensure_dataset(cfg):
            log.warning(written_notice(cfg))
        barrier()
        prepared = prepare(cfg)
        run.check_data(start, data_fingerprint(prepared), describe_change)
        run.begin(cfg)
        log.info("run %s on %s (%d process(es)); config in %s\n%s", cfg.run_name, device,
                 ddp.world_size, run.folder / "config.json", summary(prepared))
        models = TRAINERS[cfg.model](cfg, prepared, run, ddp, device, start)
    cleanup_distributed()
    return models
