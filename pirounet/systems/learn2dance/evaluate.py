"""Evaluate a trained learn2dance run on its held-out songs: accuracy, beats, style, 2-D FIDs.

    python main_eval.py learn2dance                               # saved_models/learn2dance
    python main_eval.py learn2dance --load_from_checkpoint=l2d_published --checkpoint=best
    python main_eval.py learn2dance --bootstrap_iterations=50 --split=valid

Settings: learn2dance_eval_config.py, then override files, then --key=value. The model, its
vocabulary and the data settings are rebuilt from the checkpoint's saved config, and the
held-out songs are those of that run's split. Everything goes to results/<name>/ (<name>: the
run's name, plus "_<checkpoint>" unless it is "last", so best.pt and last.pt keep apart):
metrics.json (every number with its bootstrap interval, both configs, the checkpoint),
eval.log, plots/, dances/ (held-out songs danced, the real dance beside, with the song as
soundtrack) and report.html. It runs on the CPU. docs/learn2dance_model.md defines every metric.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.gan.evaluate import evaluate_pose_gan, evaluate_seq_gan
from pirounet.systems.learn2dance.music2dance import plots
from pirounet.systems.learn2dance.music2dance.data import songs_from_prepared
from pirounet.systems.learn2dance.music2dance.evaluation import evaluate_songs, grouped
from pirounet.systems.learn2dance.music2dance.generate import (DanceModel, GenerationSettings,
                                                               PlaybackError, SongTooShortError)
from pirounet.systems.learn2dance.music2dance.settings import EVAL_CONFIG, EVALUATION, TRAINING
from pirounet.systems.learn2dance.music2dance.trust import (beat_reference, beat_warnings,
                                                            style_skipped)
from pirounet.music.pairs import pair_by_name
from pirounet.systems.learn2dance.fingerprint import data_fingerprint, describe_change
from pirounet.systems.learn2dance.prepare import Prepared, prepare
from pirounet.run.checkpoint import CheckpointError, check_system, read_checkpoint
from pirounet.run.config import Config, ConfigError
from pirounet.run.results import check_eval_data, results_name, write_metrics
from pirounet.run.runtime import seed_everything, set_threads
from pirounet.run.tracking import HISTORY_FILE, close_logging, read_history, setup_logging
from pirounet.viz.plots import plot_training_curves
from pirounet.viz.report import write_report
from pirounet.viz.tables import Guide

DEFAULTS = EVAL_CONFIG  # learn2dance_eval_config.py
USER_ERRORS = (ConfigError, CheckpointError, DataError, SongTooShortError, PlaybackError)
OWN_FOLDERS = ("plots", "dances")  # cleared before a new evaluation writes them
log = logging.getLogger("pirounet.systems.learn2dance.evaluate")

GUIDE = Guide(
    names={"top1": "top-1", "top5": "top-5", "fact": "FACT (over motion beats)",
           "bailando": "Bailando (over music beats)", "fid_k_2d": "FID_k (2-D)",
           "fid_g_2d": "FID_g (2-D)", "diversity_k_2d": "diversity, kinetic (2-D)",
           "diversity_g_2d": "diversity, geometric (2-D)"},
    notes={
        "token_accuracy": "Teacher-forced next move on the held-out dances' true moves.",
        "beat_align_score": "Beat Align Score of the motion's beats against the song's beats "
                            "(sigma in seconds); each variant finds the motion's beats with "
                            "its own paper's detector. The control is the same model's dance "
                            "for another held-out song, scored against this song's beats. The "
                            "real dance is also scored against the other songs' beats and "
                            "against its own beats moved half a beat: it should beat both, "
                            "or the beat reference cannot be trusted.",
        "beat_reference": "Where each held-out song's beats came from: a beats/<name>.txt "
                          "file, truth.json, or librosa's tracker (with its tempo and how sure "
                          "its phase is: the margin between the kick-and-bass onsets on the "
                          "beats and half a beat away, 1 = sure, 0 = no evidence).",
        "features_2d": "Kinetic and geometric features of 2-D poses in windows: a 2-D "
                       "variant, not comparable with the published 3-D FID_k / FID_g. The "
                       "*_real_train figures score every real training window the same "
                       "way; *_real_train_drawn score real training dances drawn like the "
                       "generated set (same songs, lengths and styles, so the same N and "
                       "the same small-sample bias), and *_minus_real_train_drawn is the "
                       "paired difference: the floor to read the generated dances' FIDs "
                       "against.",
        "style": "The style whose training moves best explain the dance's moves, over all "
                 "songs and per style; chance is one over the number of styles. Songs of a "
                 "style no training song has are left out (not_scored). judge: a second "
                 "reading that sees no moves, a classifier of 2-s windows' motion features "
                 "fitted on the real training dances. played_moves: the style of the moves "
                 "the model predicted (what the playback was asked to show).",
        "claims": "A claim holds when the 2.5th bootstrap percentile of the difference is "
                  "above zero.",
        "dances/": "Each dance (left) beside the real held-out dance (right), with the song "
                   "as soundtrack (unmute the video).",
    })


def clear_own_folders(folder: Path) -> Path:
    """Make results_root/<name>, clearing the folders of figures this tool writes into it."""
    for sub in OWN_FOLDERS:
        shutil.rmtree(folder / sub, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def animate_dances(model: DanceModel, songs, audio: dict[str, Path], folder: Path,
                   gen: GenerationSettings, seed: int, animation: str) -> list[str]:
    """Dance the first held-out songs and draw each beside its real dance, with the song."""
    from pirounet.skeletons import OPENPOSE_15
    from pirounet.viz.soundtrack import animate_with_soundtrack

    written = []
    for song in songs:
        dance = model.dance(song.music, gen, seed, name=song.name)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / f"{song.name}.npz", poses=dance.poses, moves=dance.moves,
                 fps=np.float32(dance.fps))
        path = folder / f"{song.name}.{'gif' if animation == 'gif' else 'mp4'}"
        written.append(str(animate_with_soundtrack(
            [dance.poses, song.poses], audio[song.name], path,
            titles=[f"{song.name}: generated", "real dance"], fps=dance.fps,
            skeleton=OPENPOSE_15)))
    return written


def evaluate_music2dance(eval_cfg: Config, train_cfg: Config, ckpt: dict[str, Any],
                         prepared: Prepared, folder: Path) -> dict[str, Any]:
    """Every metric, plot and animation of a music2dance run; returns the metrics."""
    timing, tic = {}, time.perf_counter()
    songs = songs_from_prepared(prepared, beat_channel=None)  # beats from the data only
    held = [s for s in songs if s.split == eval_cfg.split]
    train = [s for s in songs if s.split == "train"]
    audio = {p.name: p.song for p in pair_by_name(train_cfg.data_dir, train_cfg.songs_dir)}
    reference = beat_reference(held, audio, train_cfg.audio_hop, eval_cfg.beat_phase)
    model = DanceModel.from_checkpoint(ckpt)
    gen = GenerationSettings(eval_cfg.sampling, eval_cfg.top_k, eval_cfg.playback,
                             eval_cfg.transitions, eval_cfg.blend_frames,
                             eval_cfg.segment_songs, eval_cfg.nearest_songs,
                             eval_cfg.song_features, eval_cfg.run_beats,
                             eval_cfg.run_fit)
    gen, fallback = model.playable(gen)  # "style" (the default) without the songs' styles
    if fallback:
        log.warning("%s", fallback)
    timing["load"] = time.perf_counter() - tic
    log.info("%d %s songs, %d bootstrap iterations", len(held), eval_cfg.split,
             eval_cfg.bootstrap_iterations)
    tic = time.perf_counter()
    try:
        result = evaluate_songs(model, held, train, gen, eval_cfg.bootstrap_iterations,
                                eval_cfg.seed, eval_cfg.sigma_s, eval_cfg.smooth_s,
                                eval_cfg.feature_window_s, eval_cfg.diversity_pairs,
                                # held-out songs among the training dances: only when the
                                # data changed since training and on_data_change lets it go on
                                allow_in_library=eval_cfg.on_data_change != "refuse")
    except ValueError as err:
        raise DataError(f"{eval_cfg.split} split: {err}") from None
    timing["metrics"] = time.perf_counter() - tic
    metrics = grouped(result, eval_cfg.sigma_s)
    metrics["beat_reference"] = reference
    metrics["warnings"] = beat_warnings(metrics.get("beat_align_score", {}), reference)
    in_library = result["held_out_in_library"]
    if in_library:  # said at the top of the report
        metrics["warnings"].insert(0, (
            f"Held-out songs {', '.join(in_library)} were training songs of this checkpoint "
            "(the data changed since training): their scores measure a model that has seen "
            "them, and beat_sync may play their own recorded segments."))
    metrics["playback"] = {"playback": gen.playback, "segment_songs": eval_cfg.segment_songs,
                           "segment_songs_used": gen.segment_songs,
                           "song_features_used": gen.song_features,
                           "run_beats": gen.run_beats, "run_fit": gen.run_fit,
                           "fallback": fallback}
    if fallback:  # said at the top of the report too
        metrics["warnings"].append(f"Playback: {fallback}.")
    skipped = style_skipped(train, held)
    if skipped is not None:
        metrics["style"] = {"skipped": skipped}

    # Plots and animations
    tic = time.perf_counter()
    plots.beat_scores(metrics, folder / "plots" / "beat_align_score.png")
    plots.speed_and_beats(held[0], model, gen, eval_cfg, folder / "plots" / "beats_of_one_song.png")
    history_file = Path(ckpt["path"]).parent / HISTORY_FILE
    curves: dict[str, Any] = {"skipped": f"no {history_file}"}
    if history_file.is_file() and read_history(history_file):
        figure = plot_training_curves(read_history(history_file), folder / "training_curves.png",
                                      panels=[("total", "loss"), ("accuracy", "top-1"),
                                              ("top5_accuracy", "top-5")])
        curves = {"figure": figure.name}
    if eval_cfg.animation != "none" and eval_cfg.n_animations > 0:
        metrics["animations"] = animate_dances(model, held[:eval_cfg.n_animations], audio,
                                               folder / "dances", gen, eval_cfg.seed,
                                               eval_cfg.animation)
    timing["figures"] = time.perf_counter() - tic
    metrics["training_curves"] = curves
    metrics["timing_s"] = timing
    return metrics


EVALUATORS: dict[str, Callable[..., dict[str, Any]]] = {
    "music2dance": evaluate_music2dance,  # a later model adds its evaluation here
    "pose_gan": evaluate_pose_gan,  # the GAN: pirounet/systems/learn2dance/gan/evaluate.py
    "seq_gan": evaluate_seq_gan,
}


def main(args: list[str]) -> dict[str, Any]:
    """Evaluate as configured by args (override files and --key=value); returns the metrics."""
    setup_logging(None)
    try:
        eval_cfg = EVALUATION.load(args)
        ckpt = read_checkpoint(eval_cfg.load_from_checkpoint, eval_cfg.checkpoint)
        check_system(ckpt, EVALUATION.system)
        train_cfg = TRAINING.rebuild(ckpt["config"])
        seed_everything(eval_cfg.seed)
        set_threads(eval_cfg.cpu_threads)
        name = results_name(eval_cfg.name, eval_cfg.load_from_checkpoint, eval_cfg.checkpoint,
                            train_cfg.run_name)
        # The data first: evaluation never writes data, and a data error (a data_dir moved
        # away, changed songs) leaves the previous evaluation's figures where they are
        prepared = prepare(train_cfg)
        data = check_eval_data(ckpt, data_fingerprint(prepared), eval_cfg.on_data_change,
                               describe_change)
        folder = clear_own_folders(Path(eval_cfg.results_root) / name)
        setup_logging(folder / "eval.log")
        with torch.no_grad():
            metrics = EVALUATORS[train_cfg.model](eval_cfg, train_cfg, ckpt, prepared, folder)
        metrics = {"name": name, "checkpoint": ckpt["path"], "model": train_cfg.model,
                   "mode": train_cfg.mode, "split": eval_cfg.split, "epoch": ckpt.get("epoch"),
                   **data, **metrics, "configs": {"evaluation": eval_cfg.to_dict(),
                                                  "training": train_cfg.to_dict()}}
        path = write_metrics(folder, metrics)
        report = write_report(folder, metrics, f"learn2dance evaluation: {name}", GUIDE)
        log.info("wrote %s and %s", path, report)
        return metrics
    finally:
        close_logging()
