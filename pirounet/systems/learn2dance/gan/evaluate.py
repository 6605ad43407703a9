"""Evaluate a GAN run through main_eval: 2-D feature FIDs and diversity, bones, novelty,
prediction, beats, animations.

    python main_eval.py learn2dance --load_from_checkpoint=sg          # a seq_gan run
    python main_eval.py learn2dance --load_from_checkpoint=pg          # a pose_gan run

A seq_gan run is scored on windows of gan_window frames from the held-out songs of `split`.
Every bootstrap iteration draws new latents and a new set of held-out windows; each number
comes with its mean and 95 % interval over iterations. The FIDs and diversities are 2-D
variants (kinetic and geometric features of 2-D poses), not comparable with published 3-D
FID_k / FID_g; the *_real_train figures score real training windows the same way, the floor.
The number of windows and the prediction settings are the run's gan_eval_windows,
predict_frames, predict_steps and predict_restarts (learn2dance_config.py).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pirounet.systems.learn2dance.gan.data import MusicStats, WindowSet, pose_array, split_songs
from pirounet.systems.learn2dance.gan.models import GanSettings, PoseGenerator, SeqGenerator
from pirounet.systems.learn2dance.gan.predict import hold_last, joint_error, predict
from pirounet.systems.learn2dance.gan.train_pose import latent_walks, pose_distance
from pirounet.systems.learn2dance.gan.train_seq import sample_sequences
from pirounet.music.features import BEAT_CHANNEL
from pirounet.systems.learn2dance.music2dance.trust import TRACKER, beat_warnings
from pirounet.systems.learn2dance.prepare import Prepared
from pirounet.metrics.beats import beat_align_score, motion_beats
from pirounet.metrics.bones import bone_length_ratio, bone_length_variation
from pirounet.metrics.distribution import activation_statistics, diversity, frechet_distance
from pirounet.metrics.features import FeatureReference, geometric_features, kinetic_features
from pirounet.metrics.novelty import novelty
from pirounet.metrics.stats import iteration_rngs, summarize, summarize_runs
from pirounet.run.checkpoint import load_weights
from pirounet.run.config import Config
from pirounet.run.tracking import HISTORY_FILE, read_history
from pirounet.skeletons import OPENPOSE_15
from pirounet.viz.animation import animate
from pirounet.viz.plots import plot_training_curves

log = logging.getLogger("pirounet.systems.learn2dance.gan.evaluate")
PREDICT_WINDOWS = 16  # evenly spaced held-out windows of the prediction task
NOTES = {
    "features_2d": "FID_k / FID_g and diversity of 2-D kinetic and geometric window features "
                   "(a 2-D variant). diversity_*_relative is generated over real: well below "
                   "1 is mode collapse. *_real_train: real training windows, the floor.",
    "bones": "bone_length_ratio: generated over real bone-length variation (1 = as steady).",
    "novelty": "RMS joint distance to the nearest training window; real_heldout is the same "
               "for real held-out windows (what 'new but real' scores).",
    "prediction": "Given the first k frames, search the generator's latents to fit them and "
                  "let it continue; mean joint error on the other frames, against holding "
                  "the last given pose.",
    "beat_align_score": "BAS of each generated window against its music window's beats; "
                        "control: generated with another window's music, scored against "
                        "this one's beats (equal to generated when the run ignores music). "
                        "The real windows are also scored against other windows' beats: "
                        "they should score higher on their own, or the beats cannot be "
                        "trusted.",
    "beat_reference": "Where each held-out song's beats came from: truth.json or "
                      "beats/<name>.txt, else the beat channel that librosa's tracker filled "
                      "when the music features were prepared (with the run's beat_phase).",
}


def centred(seqs: np.ndarray) -> np.ndarray:
    """Flat windows (N, T, 30) moved so that MidHip is at 0 in every frame, as real poses are.

    Real MidHip is identically 0, so its features have no spread to z-score by; a generated
    MidHip a hair off 0 would otherwise dominate FID_k by orders of magnitude.
    """
    joints = seqs.reshape(*seqs.shape[:-1], 15, 2)
    return (joints - joints[..., 8:9, :]).reshape(seqs.shape)


def features(seqs: np.ndarray, fps: float) -> dict[str, np.ndarray]:
    """Kinetic (N, 45) and geometric (N, 48) features of flat windows (N, T, 30)."""
    return {"k": kinetic_features(seqs, fps, skeleton=OPENPOSE_15),
            "g": geometric_features(seqs, skeleton=OPENPOSE_15)}


def distribution_terms(gen: np.ndarray, real: np.ndarray, fps: float, n_pairs: int,
                       rng: np.random.Generator) -> dict[str, float]:
    """FIDs, diversities (generated, real, relative) and bone ratio of one generated set."""
    out = {}
    gen_f, real_f = features(gen, fps), features(real, fps)
    for kind in ("k", "g"):
        ref = FeatureReference.of(real_f[kind])
        out[f"fid_{kind}_2d"] = ref.fid(gen_f[kind])
        div_gen = diversity((gen_f[kind] - ref.mean) / ref.std, n_pairs, rng=rng)
        div_real = diversity((real_f[kind] - ref.mean) / ref.std, n_pairs, rng=rng)
        out |= {f"diversity_{kind}_2d": div_gen, f"diversity_{kind}_2d_real": div_real,
                f"diversity_{kind}_2d_relative": div_gen / max(div_real, 1e-12)}
    out["bone_length_ratio"] = bone_length_ratio(gen, real, skeleton=OPENPOSE_15)
    return out


BEAT_CHANNEL_SOURCE = "beat channel"  # tracked when the music features were prepared


def held_out_beats(prepared, songs: list[str], beat_phase: str
                   ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Each named song's music beat times (s) and where they came from (the report's section).

    Beats come from the data (truth.json, beats/<name>.txt) or else from the fact35 features'
    beat channel, which librosa's tracker filled at prepare time (with the run's beat_phase).
    A song with neither has no beats: its windows score BAS 0, and the report says so.
    """
    beats, per_song = {}, {}
    for s in prepared.songs:
        if s.name not in songs:
            continue
        if s.beats is not None:
            beats[s.name] = np.asarray(s.beats, np.float64)
            per_song[s.name] = {"source": s.beat_source or "data"}
        elif prepared.music_features == "fact35":
            beats[s.name] = np.flatnonzero(s.music[:, BEAT_CHANNEL] > 0.5) / s.fps
            per_song[s.name] = {"source": BEAT_CHANNEL_SOURCE}
        else:
            per_song[s.name] = {"source": "none"}
    sources = sorted({info["source"] for info in per_song.values()})
    reference: dict[str, Any] = {"sources": {src: sum(i["source"] == src
                                                      for i in per_song.values())
                                             for src in sources}}
    if BEAT_CHANNEL_SOURCE in sources:
        reference["beat_channel"] = {"method": TRACKER, "beat_phase": beat_phase}
    reference["songs"] = per_song
    return beats, reference


def missing_beats_warning(reference: dict[str, Any]) -> list[str]:
    """A sentence for the warning box when held-out songs have no beats at all."""
    n = reference["sources"].get("none", 0)
    if not n:
        return []
    return [f"{n} of {sum(reference['sources'].values())} held-out songs have no beats (no "
            "truth.json or beats/<name>.txt, and music_features has no beat channel): their "
            "windows score BAS 0. Give their beats, or train with music_features=\"fact35\"."]


def window_bas(poses: np.ndarray, windows: WindowSet, idx: np.ndarray, beats: dict,
               eval_cfg: Config) -> dict[str, float]:
    """Mean Beat Align Score (fact and bailando) of windows (N, T, 30) against the beats of
    the music windows idx."""
    starts, fps = windows.local_start(idx) / windows.fps, windows.fps
    span = windows.length / fps
    scores: dict[str, list[float]] = {"fact": [], "bailando": []}
    for seq, i, t0 in zip(poses, idx, starts):
        music = beats.get(windows.names[windows.song_of[i]], np.zeros(0))
        music = music[(music >= t0) & (music < t0 + span)] - t0
        for variant, found in scores.items():  # each variant with its own paper's detector
            motion = motion_beats(seq.reshape(-1, 15, 2), fps, variant, eval_cfg.smooth_s)
            found.append(beat_align_score(motion, music, variant, eval_cfg.sigma_s))
    return {v: float(np.mean(s)) for v, s in scores.items()}


def write_animation(seqs: list[np.ndarray], titles: list[str], path: Path, fps: float,
                    kind: str) -> str:
    """An animation of flat sequences side by side; a GIF when mp4 cannot be written."""
    try:
        return str(animate(seqs, path.with_suffix(".gif" if kind == "gif" else ".mp4"),
                           titles=titles, fps=fps, skeleton=OPENPOSE_15))
    except RuntimeError:  # no ffmpeg
        return str(animate(seqs, path.with_suffix(".gif"), titles=titles, fps=fps,
                           skeleton=OPENPOSE_15))


def training_curves(ckpt: dict[str, Any], folder: Path, valid_term: str) -> dict[str, Any]:
    """training_curves.png from the run's history (critic, generator, validation score)."""
    history_file = Path(ckpt["path"]).parent / HISTORY_FILE
    if not (history_file.is_file() and read_history(history_file)):
        return {"skipped": f"no {history_file}"}
    figure = plot_training_curves(read_history(history_file), folder / "training_curves.png",
                                  panels=[("critic", "critic loss"),
                                          ("generator", "generator loss"),
                                          (valid_term, valid_term)])
    return {"figure": figure.name}


def evaluate_seq_gan(eval_cfg: Config, train_cfg: Config, ckpt: dict[str, Any],
                     prepared: Prepared, folder: Path) -> dict[str, Any]:
    """Every metric, the prediction task and the animations of a seq_gan run."""
    timing, tic = {}, time.perf_counter()
    stats = MusicStats(ckpt["music_stats"]["mean"].numpy(), ckpt["music_stats"]["std"].numpy())
    length, units = train_cfg.gan_window, train_cfg.gan_poses
    held = WindowSet(prepared, split_songs(prepared, eval_cfg.split), units, length, stats)
    train = WindowSet(prepared, split_songs(prepared, "train"), units, length, stats)
    settings = GanSettings.from_config(train_cfg, music_dim=held.music.shape[1])
    generator, pose_generator = SeqGenerator(settings), PoseGenerator(settings)
    load_weights(ckpt, {"generator": generator, "pose_generator": pose_generator})
    generator.eval(), pose_generator.eval().requires_grad_(False)
    fps, n = held.fps, min(train_cfg.gan_eval_windows, len(held))
    conditioned = bool(train_cfg.gan_music)
    beats, reference = held_out_beats(prepared, list(held.names), train_cfg.beat_phase)
    timing["load"] = time.perf_counter() - tic

    # Distributions, bones and beats: new latents and held-out windows each iteration
    tic = time.perf_counter()
    runs, first_gen = [], None
    for i, rng in enumerate(iteration_rngs(eval_cfg.bootstrap_iterations, eval_cfg.seed)):
        idx = rng.choice(len(held), n, replace=False)
        real, music = (t.numpy() for t in held.take(idx))
        cond = torch.from_numpy(music) if conditioned else None
        gen = sample_sequences(generator, pose_generator, n, train_cfg.z_dim,
                               train_cfg.seq_z_dim, cond, eval_cfg.seed * 1000 + i,
                               torch.device("cpu")).numpy()
        gen = centred(gen)
        other = sample_sequences(generator, pose_generator, n, train_cfg.z_dim,
                                 train_cfg.seq_z_dim, None if cond is None else cond.roll(1, 0),
                                 eval_cfg.seed * 1000 + i, torch.device("cpu")).numpy()
        other = centred(other)
        terms = distribution_terms(gen, real, fps, eval_cfg.diversity_pairs, rng)
        for name, poses in (("generated", gen), ("control_other_music", other),
                            ("real_dance", real)):
            terms |= {f"bas_{v}/{name}": s for v, s in
                      window_bas(poses, held, idx, beats, eval_cfg).items()}
        # The sanity check: real windows against other windows' beats (should score lower)
        for v, s in window_bas(real, held, np.roll(idx, 1), beats, eval_cfg).items():
            terms[f"bas_{v}/real_dance_other_songs_beats"] = s
            terms[f"bas_{v}/real_dance_minus_other_songs_beats"] = \
                terms[f"bas_{v}/real_dance"] - s
        runs.append(terms)
        first_gen = gen if first_gen is None else first_gen
    summary = summarize_runs(runs)
    timing["distributions"] = time.perf_counter() - tic

    # Floors and novelty: real training windows scored the same way
    tic = time.perf_counter()
    rng = np.random.default_rng(eval_cfg.seed)
    real = held.take(rng.choice(len(held), n, replace=False))[0].numpy()
    train_sample = train.take(rng.choice(len(train), n, replace=False))[0].numpy()
    floor = distribution_terms(train_sample, real, fps, eval_cfg.diversity_pairs, rng)
    train_all = train.take(np.arange(len(train)))[0].numpy()
    features_2d = {k: summary[k] for k in summary if k.startswith(("fid_", "diversity_"))}
    features_2d |= {f"{k}_real_train": floor[k] for k in ("fid_k_2d", "fid_g_2d")}
    metrics: dict[str, Any] = {
        "music_conditioned": conditioned, "gan_loss": train_cfg.gan_loss,
        "pose_gan_run": ckpt.get("pose_gan", {}).get("run"), "windows": n,
        "features_2d": features_2d,
        "bones": {"bone_length_ratio": summary["bone_length_ratio"],
                  "variation_generated": float(bone_length_variation(
                      first_gen, skeleton=OPENPOSE_15).mean()),
                  "variation_real": float(bone_length_variation(
                      real, skeleton=OPENPOSE_15).mean())},
        "novelty": {"generated": summarize(novelty(first_gen, train_all,
                                                   skeleton=OPENPOSE_15)),
                    "real_heldout": summarize(novelty(real, train_all, skeleton=OPENPOSE_15))},
        "beat_align_score": {v: {name: summary[f"bas_{v}/{name}"] for name in
                                 ("generated", "control_other_music", "real_dance",
                                  "real_dance_other_songs_beats",
                                  "real_dance_minus_other_songs_beats")}
                             for v in ("fact", "bailando")},
        "beat_reference": reference,
    }
    metrics["warnings"] = (missing_beats_warning(reference)
                           + beat_warnings(metrics["beat_align_score"], reference))
    timing["novelty"] = time.perf_counter() - tic

    # Prediction: the first k frames of evenly spaced held-out windows given
    tic = time.perf_counter()
    k = min(train_cfg.predict_frames, length - 1)
    idx = np.linspace(0, len(held) - 1, min(PREDICT_WINDOWS, len(held))).astype(int)
    real_t, music_t = held.take(idx)
    pred = predict(generator, pose_generator, real_t[:, :k], music_t if conditioned else None,
                   train_cfg.z_dim, train_cfg.seq_z_dim, train_cfg.predict_steps,
                   train_cfg.predict_restarts, eval_cfg.seed)
    real_np = real_t.numpy()
    pred.poses = centred(pred.poses)
    err = joint_error(pred.poses[:, k:], real_np[:, k:])
    base = joint_error(hold_last(real_np[:, :k], length - k), real_np[:, k:])
    metrics["prediction"] = {
        "given_frames": k, "predicted_frames": length - k, "windows": len(idx),
        "units": "torso lengths" if units == "normalized" else "pixels",
        "predicted_error": summarize(err), "hold_last_error": summarize(base),
        "baseline_minus_predicted": summarize(base - err), "fit_error": summarize(pred.fit_error)}
    timing["prediction"] = time.perf_counter() - tic

    # Animations: generated beside real; a prediction beside the truth and the baseline
    tic = time.perf_counter()
    written = []
    if eval_cfg.animation != "none":
        for i in range(min(eval_cfg.n_animations, n)):
            written.append(write_animation([first_gen[i], real[i]], ["generated", "real"],
                                           folder / "dances" / f"sample_{i}", fps,
                                           eval_cfg.animation))
        if eval_cfg.n_animations > 0:
            written.append(write_animation(
                [real_np[0], pred.poses[0], hold_last(real_np[:1, :k], length)[0]],
                ["real", f"predicted from {k} frames", "hold last pose"],
                folder / "dances" / "prediction_0", fps, eval_cfg.animation))
    metrics["animations"] = written
    metrics["training_curves"] = training_curves(ckpt, folder, "fid_g_2d")
    timing["figures"] = time.perf_counter() - tic
    metrics["notes"] = NOTES
    metrics["timing_s"] = timing
    return metrics


def evaluate_pose_gan(eval_cfg: Config, train_cfg: Config, ckpt: dict[str, Any],
                      prepared: Prepared, folder: Path) -> dict[str, Any]:
    """A pose_gan run: single generated poses against held-out poses, and latent walks."""
    held = pose_array(prepared, eval_cfg.split, train_cfg.gan_poses)  # (N, 30)
    train = pose_array(prepared, "train", train_cfg.gan_poses)
    generator = PoseGenerator(GanSettings.from_config(train_cfg))
    load_weights(ckpt, {"generator": generator})
    generator.eval()
    cpu = torch.device("cpu")
    frechet = [pose_distance(generator, held, train_cfg.z_dim, eval_cfg.seed * 1000 + i, cpu)
               for i in range(eval_cfg.bootstrap_iterations)]
    z = torch.randn(min(2000, len(held)), train_cfg.z_dim,
                    generator=torch.Generator().manual_seed(eval_cfg.seed))
    gen = generator(z).numpy()
    metrics: dict[str, Any] = {
        "pose_frechet": summarize(frechet),
        "pose_frechet_real_train": pose_distance_real(train, held, eval_cfg.seed),
        "bones": {"bone_length_ratio": bone_length_ratio(gen[None], held[None],
                                                         skeleton=OPENPOSE_15)},
        "novelty": {"generated": summarize(novelty(gen[:, None], train[:, None],
                                                   skeleton=OPENPOSE_15)),
                    "real_heldout": summarize(novelty(held[:len(gen), None], train[:, None],
                                                      skeleton=OPENPOSE_15))},
    }
    walks = latent_walks(generator, train_cfg.z_dim, 30, eval_cfg.seed, cpu)
    metrics["animations"] = [] if eval_cfg.animation == "none" else [write_animation(
        list(walks), ["latent walk"] * len(walks), folder / "dances" / "latent_walks",
        float(prepared.songs[0].fps), eval_cfg.animation)]
    metrics["training_curves"] = training_curves(ckpt, folder, "pose_frechet")
    return metrics


def pose_distance_real(train: np.ndarray, held: np.ndarray, seed: int) -> float:
    """The floor: Fréchet distance of real training poses to the held-out poses."""
    take = np.random.default_rng(seed).permutation(len(train))[:2000]
    return frechet_distance(*activation_statistics(train[take]), *activation_statistics(held))
