"""Metrics of a music->dance model on held-out songs, each with a bootstrap interval.

One bootstrap iteration resamples the held-out songs with replacement and samples a new
dance for each (top-k sampling is random); every statistic is computed on that draw. A
statistic's summary holds the mean and std over iterations, the normal 95 % interval of the
mean (ci95_low/high, as PirouNet's evaluation reports) and the bootstrap percentile interval
(boot_low/high: where 95 % of the iterations fall; claims are read from it).

    token accuracy   top-1 / top-5 of the teacher-forced next move on the true dances
    beat alignment   Beat Align Score, FACT (over motion beats, FACT's motion-beat
                     detector) and Bailando (over music beats, Bailando's detector), of the
                     generated dance against its song's beats; the control is a dance the
                     same model made for another held-out song, scored against this song's
                     beats; "real" is the held-out dance itself, with two checks of the beat
                     reference: the real dance against the other songs' beats, and against
                     its own song's beats moved half a beat
    2-D features     FID_k and FID_g between windows of generated and real held-out dances
                     (kinetic and geometric features of 2-D poses: not the published 3-D
                     numbers), and the diversity (mean pairwise distance) of each set; the
                     real training dances' FIDs to the held-out ones are the floor to read
                     them against (other songs, real dancing)
    speed            10th and 50th percentiles of the generated dances' mean joint speed per
                     frame, as a ratio to the real held-out dances' (1 = the same)
    style            (when the songs' styles are known) the style whose training moves best
                     explain the dance's moves (naive Bayes over move ids) against the song's
                     true style, over all songs and per style; chance is 1 / number of
                     styles. Held-out songs of a style no training song has are left out of
                     it (the classifier cannot name that style), and the result says so.
                     The moves are read from the poses (each chunk's nearest centroid), as
                     for the real dances, so every playback is judged on what it shows, not
                     on the tokens it was given. Two more readings beside it: style_judge.py's
                     classifier of motion features, fitted on the real training dances
                     (sees no moves), and the style of the moves the model predicted (what
                     the playback was asked to show)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from pirounet.systems.learn2dance.music2dance.data import Song
from pirounet.systems.learn2dance.music2dance.generate import DanceModel, GenerationSettings
from pirounet.systems.learn2dance.music2dance.style_judge import StyleJudge
from pirounet.systems.learn2dance.vocabulary import Vocabulary, chunk
from pirounet.metrics.beats import beat_align_score, joint_speed, motion_beats
from pirounet.metrics.distribution import diversity
from pirounet.metrics.features import FeatureReference, geometric_features, kinetic_features
from pirounet.metrics.stats import iteration_rngs, summarize
from pirounet.skeletons import OPENPOSE_15

VARIANTS = ("fact", "bailando")


def summary(values: list[float]) -> dict[str, float]:
    """Mean, std, normal CI of the mean and the percentile interval of bootstrap values."""
    values = np.asarray(values, np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": float("nan"), "std": float("nan")}
    out = {k: v for k, v in summarize(finite).items() if k != "values"}
    out["boot_low"], out["boot_high"] = (float(v) for v in np.percentile(finite, [2.5, 97.5]))
    return out


def token_accuracy(model: DanceModel, song: Song) -> tuple[float, float]:
    """Top-1 and top-5 accuracy of the teacher-forced next move over one song's true moves."""
    logits = model.logits(song.music, song.moves)  # (S, K)
    top = logits.topk(min(5, logits.shape[-1]), dim=-1).indices.numpy()
    return float((top[:, 0] == song.moves).mean()), float((top == song.moves[:, None]).any(1)
                                                            .mean())


def bas(poses: np.ndarray, beats: np.ndarray, fps: float, variant: str, sigma_s: float,
        smooth_s: float) -> float:
    """Beat Align Score of poses (T, 15, 2) against music beat times within the dance; each
    variant finds the motion's beats with its own paper's detector."""
    beats = beats[beats <= len(poses) / fps]
    motion = motion_beats(poses, fps, detector=variant, smooth_s=smooth_s)
    return beat_align_score(motion, beats, variant, sigma_s)


def half_beat_later(beats: np.ndarray) -> np.ndarray:
    """Beat times (B,) moved by half their median period: the other phase of the same tempo."""
    if len(beats) < 2:
        return beats
    return beats + np.median(np.diff(beats)) / 2


def real_checks(songs: list[Song], variant: str, sigma_s: float, smooth_s: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per song (n,): the real dance's BAS with its own beats, with the other songs' beats
    (mean over them) and with its own beats moved half a beat."""
    fps = songs[0].fps
    cross = np.array([[bas(dance.poses, song.beats, fps, variant, sigma_s, smooth_s)
                       for dance in songs] for song in songs])  # (song's beats, dance)
    own = np.diag(cross).copy()
    others = ((cross.sum(axis=0) - own) / max(len(songs) - 1, 1)) if len(songs) > 1 \
        else np.full(len(songs), np.nan)
    half = np.array([bas(s.poses, half_beat_later(s.beats), fps, variant, sigma_s, smooth_s)
                     for s in songs])
    return own, others, half


def windows(poses: list[np.ndarray], length: int) -> np.ndarray:
    """Non-overlapping windows (N, length, 15, 2) of every dance (shorter dances give none)."""
    cut = [p[i:i + length] for p in poses for i in range(0, len(p) - length + 1, length)]
    return np.stack(cut) if cut else np.zeros((0, length, 15, 2), np.float32)


def drawn_training_dances(song: Song, train: list[Song], length: int,
                           rng: np.random.Generator) -> list[np.ndarray]:
    """Real training frames standing in for one generated dance of song: pieces (L_i, 15, 2)
    holding as many whole windows of `length` frames as the song's music does.

    The pieces come from training dances of the song's style (all training dances when none
    has it, as the playback then dances from other styles), in a random order, each a
    stretch at a random start; a dance too short for the rest goes on with the next one.
    FID is biased upward at small N, so the real reference is drawn to the generated set's N,
    lengths and style mix instead of taking every training window once.
    """
    pool = [t for t in train if t.style is not None and t.style == song.style] or train
    need, pieces = len(song.music) // length, []
    order = rng.permutation(len(pool))
    for k in range(need * len(pool) + 1):  # bounded: each pass over the pool takes >= 1
        if need == 0:
            break
        dance = pool[order[k % len(pool)]].poses
        take = min(need, len(dance) // length)
        if take:
            start = int(rng.integers(0, len(dance) - take * length + 1))
            pieces.append(dance[start:start + take * length])
            need -= take
    return pieces


def drawn_floor(songs: list[Song], train: list[Song], pick: np.ndarray,
                references: dict[str, FeatureReference], length: int, fps: float,
                run: dict[str, float], rng: np.random.Generator) -> dict[str, float]:
    """FID_k / FID_g of real training dances drawn like the picked generated dances (one
    stand-in per song, repeated where the song is), and generated minus that floor."""
    drawn = [drawn_training_dances(s, train, length, rng) for s in songs]
    real = windows([p for i in pick for p in drawn[i]], length)
    if len(real) < 2:
        return {}
    out = {}
    for key, feats in feature_sets(real, fps).items():
        out[f"fid_{key}_2d_real_train_drawn"] = references[key].fid(feats)
        out[f"fid_{key}_2d_minus_real_train_drawn"] = (run[f"fid_{key}_2d"]
                                                       - out[f"fid_{key}_2d_real_train_drawn"])
    return out


def feature_sets(seqs: np.ndarray, fps: float) -> dict[str, np.ndarray]:
    """2-D kinetic (N, 45) and geometric (N, 48) features of windows (N, L, 15, 2)."""
    return {"k": kinetic_features(seqs, fps, skeleton=OPENPOSE_15),
            "g": geometric_features(seqs, skeleton=OPENPOSE_15)}


def style_table(train: list[Song], n_moves: int) -> tuple[list[str], np.ndarray]:
    """Styles and log P(move | style) (n_styles, K) from the training dances (add-one)."""
    styles = sorted({s.style for s in train if s.style is not None})
    counts = np.ones((len(styles), n_moves))
    for song in train:
        if song.style is not None:
            np.add.at(counts[styles.index(song.style)], song.moves, 1)
    return styles, np.log(counts / counts.sum(axis=1, keepdims=True))


def predicted_style(moves: np.ndarray, table: np.ndarray) -> int:
    """The style (row of table) that gives moves the highest likelihood (uniform prior)."""
    return int(table[:, moves].sum(axis=1).argmax())


def poses_moves(poses: np.ndarray, vocabulary: Vocabulary) -> np.ndarray:
    """Moves (ceil(T / c),) of poses (T, 15, 2): each chunk's nearest centroid."""
    return vocabulary.assign(chunk(poses, vocabulary.chunk_frames))


def speed_percentiles(dances: list[np.ndarray], fps: float) -> np.ndarray:
    """10th and 50th percentiles (2,) of the mean joint speed per frame over dances (T, 15, 2)."""
    return np.percentile(np.concatenate([joint_speed(p, fps) for p in dances]), [10, 50])


def other_song(i: int, n: int, rng: np.random.Generator) -> int:
    """A held-out song other than i (the control's music)."""
    j = int(rng.integers(n - 1))
    return j + (j >= i)


def library_overlap(model: DanceModel, songs: list[Song]) -> list[str]:
    """Names of the songs whose dances are in the model's motion library (training songs)."""
    return sorted({s.name for s in songs} & set(getattr(model.library, "song_names", None)
                                                 or ()))


def judged_style(dances: list[tuple], judge: StyleJudge, table: np.ndarray,
                 truth: np.ndarray, real_judged: np.ndarray, pick: np.ndarray,
                 rng: np.random.Generator | None, styles: list[str]) -> dict[str, float]:
    """The style judge's accuracy on the picked dances (read moves, poses, played moves),
    per style (nan where the draw holds none of it), on another song's dance (rng given) and
    on the real ones, and the played moves' style."""
    if not pick.size:
        return {}
    hit = np.array([judge.read(dances[i][1]) == truth[i] for i in pick])  # (m,)
    out = {"style_judge_accuracy": hit.mean(),
           "style_judge_accuracy_real": np.mean(real_judged[pick] == truth[pick]),
           "style_accuracy_played_moves": np.mean([predicted_style(dances[i][2], table)
                                                   == truth[i] for i in pick])}
    for k, style in enumerate(styles):
        mine = truth[pick] == k
        out[f"style_judge_accuracy/{style}"] = hit[mine].mean() if mine.any() else np.nan
    if rng is not None:
        out["style_judge_accuracy_control"] = np.mean(
            [judge.read(dances[other_song(i, len(dances), rng)][1]) == truth[i] for i in pick])
    return out


def evaluate_songs(model: DanceModel, songs: list[Song], train: list[Song],
                   gen: GenerationSettings, n_iter: int, seed: int, sigma_s: float,
                   smooth_s: float, window_s: float, diversity_pairs: int,
                   progress: Callable[[int], None] = lambda i: None,
                   allow_in_library: bool = False, true_moves: bool = False) -> dict[str, Any]:
    """Every metric of the module doc on held-out songs, summarised over n_iter iterations.

    true_moves: play each held-out dance's own moves instead of sampled ones (an oracle of
    the playback: what it shows when the moves are right).
    allow_in_library: go on when held-out songs were training songs (the data changed since
    training and the user chose to evaluate anyway); the result names them
    (held_out_in_library).
    """
    if not songs:
        raise ValueError("no held-out songs to evaluate on")
    gen = model.playable(gen)[0]  # the default "style" without song styles: main_eval says so
    control = len(songs) >= 2  # the control dances to another held-out song
    in_library = library_overlap(model, songs)
    if in_library and not allow_in_library:  # a held-out dance's segments would be copied
        raise ValueError(f"held-out songs {', '.join(in_library)} are in the motion library")
    fps = model.fps
    contexts = [model.contexts(s.music, len(s.moves)) for s in songs]  # encoder once per song
    # the beats a dance is played on are those the model can hear (the tracker's), not the truth
    play_beats = [s.beats if model.song_beats(s.music) is None else model.song_beats(s.music)
                  for s in songs]
    vocabulary = Vocabulary(model.centroids, "")  # reads the moves a dance shows
    real_speed = speed_percentiles([s.poses for s in songs], fps)  # (2,)
    accuracy = np.array([token_accuracy(model, s) for s in songs])  # (n, 2)
    has_beats = all(s.beats is not None and len(s.beats) for s in songs)
    real_bas = {v: real_checks(songs, v, sigma_s, smooth_s) for v in VARIANTS} if has_beats \
        else {}  # per variant: own beats, other songs' beats, own beats half a beat later
    length = int(round(window_s * fps))
    real_windows = windows([s.poses for s in songs], length)
    real_features = feature_sets(real_windows, fps) if len(real_windows) >= 2 else None
    references = ({k: FeatureReference.of(f) for k, f in real_features.items()}
                  if real_features is not None else None)
    train_windows = windows([s.poses for s in train], length)
    floor = ({f"fid_{k}_2d_real_train": references[k].fid(f) for k, f in
              feature_sets(train_windows, fps).items()}
             if references is not None and len(train_windows) >= 2 else {})
    styles, table = style_table(train, len(model.centroids))
    scored = np.array([s.style in styles for s in songs])  # a style no training song has: out
    style_known = len(styles) >= 2 and bool(scored.any())
    truth = np.array([styles.index(s.style) if ok else -1 for s, ok in zip(songs, scored)])
    real_style = np.array([predicted_style(s.moves, table) for s in songs]) if style_known \
        else None
    judge = StyleJudge.fit([s.poses for s in train if s.style in styles],
                           [styles.index(s.style) for s in train if s.style in styles],
                           fps) if style_known else None
    real_judged = np.array([judge.read(s.poses) for s in songs]) if style_known else None

    runs = []
    for it, rng in enumerate(iteration_rngs(n_iter, seed)):
        pick = rng.integers(0, len(songs), len(songs))  # songs resampled with replacement
        dances = []
        for i, ctx in enumerate(contexts):  # a fresh dance for every song
            moves = songs[i].moves if true_moves else model.moves_from_contexts(
                ctx, gen.sampling, gen.top_k, rng)
            poses = model.play(moves, len(songs[i].music), play_beats[i], gen, songs[i].music,
                               songs[i].name)
            dances.append((poses_moves(poses, vocabulary), poses, moves))
        run = {"accuracy_top1": accuracy[pick, 0].mean(), "accuracy_top5": accuracy[pick, 1].mean()}
        gen_speed = speed_percentiles([dances[i][1] for i in pick], fps)
        run["speed_p10_ratio"], run["speed_p50_ratio"] = gen_speed / real_speed
        if has_beats:
            for v in VARIANTS:
                own = [bas(dances[i][1], songs[i].beats, fps, v, sigma_s, smooth_s) for i in pick]
                real, real_other, real_half = (a[pick].mean() for a in real_bas[v])
                run[f"bas_{v}"], run[f"bas_{v}_real"] = np.mean(own), real
                run[f"bas_{v}_real_half_beat"] = real_half
                run[f"bas_{v}_real_minus_half_beat"] = real - real_half
                if control:
                    run[f"bas_{v}_real_other_songs"] = real_other
                    run[f"bas_{v}_real_minus_other_songs"] = real - real_other
                if control:
                    ctrl = [bas(dances[other_song(i, len(songs), rng)][1], songs[i].beats, fps,
                                v, sigma_s, smooth_s) for i in pick]
                    run[f"bas_{v}_control"] = np.mean(ctrl)
                    run[f"bas_{v}_minus_control"] = np.mean(own) - np.mean(ctrl)
        if references is not None:
            gen_windows = windows([dances[i][1] for i in pick], length)
            if len(gen_windows) >= 2:
                for key, feats in feature_sets(gen_windows, fps).items():
                    ref = references[key]
                    run[f"fid_{key}_2d"] = ref.fid(feats)
                    z = (feats - ref.mean) / ref.std
                    z_real = (real_features[key] - ref.mean) / ref.std
                    run[f"diversity_{key}_2d"] = diversity(z, diversity_pairs, rng=rng)
                    run[f"diversity_{key}_2d_real"] = diversity(z_real, diversity_pairs, rng=rng)
        if style_known:
            pick_scored = pick[scored[pick]]  # (m,) draws whose style training knows
            hit = np.array([predicted_style(dances[i][0], table) == truth[i]
                            for i in pick_scored])
            run["style_accuracy"] = hit.mean() if hit.size else np.nan
            for k, style in enumerate(styles):  # nan where the draw holds none of it
                mine = truth[pick_scored] == k
                run[f"style_accuracy/{style}"] = hit[mine].mean() if mine.any() else np.nan
            if control:
                ctrl = [predicted_style(dances[other_song(i, len(songs), rng)][0], table)
                        == truth[i] for i in pick_scored]
                run["style_accuracy_control"] = np.mean(ctrl) if ctrl else np.nan
            run["style_accuracy_real"] = np.mean(real_style[pick_scored] == truth[pick_scored]) \
                if pick_scored.size else np.nan
            run.update(judged_style(dances, judge, table, truth, real_judged, pick_scored,
                                    rng if control else None, styles))
            run["style_minus_chance"] = run["style_accuracy"] - 1 / len(styles)
        if "fid_k_2d" in run:  # last, so the draws above keep their numbers
            run.update(drawn_floor(songs, train, pick, references, length, fps, run, rng))
        runs.append({k: float(v) for k, v in run.items()})
        progress(it)
    summaries = {k: summary([r[k] for r in runs]) for k in runs[0]}
    unscored = sorted({str(s.style) for s, ok in zip(songs, scored) if not ok})
    return {"summaries": summaries, "reference": floor, "styles": styles, "n_songs": len(songs),
            "styles_not_scored": unscored, "held_out_in_library": in_library,
            "window_frames": length, "has_beats": has_beats, "style_known": style_known,
            "smooth_s": smooth_s}


def grouped(result: dict[str, Any], sigma_s: float) -> dict[str, Any]:
    """The summaries in readable groups for metrics.json and the report, plus the claims."""
    s = result["summaries"]
    out: dict[str, Any] = {"token_accuracy": {"top1": s["accuracy_top1"],
                                              "top5": s["accuracy_top5"]}}
    if result["has_beats"]:
        out["beat_align_score"] = {v: {name: s[key] for name, key in (
            ("generated", f"bas_{v}"), ("control_other_song", f"bas_{v}_control"),
            ("real_dance", f"bas_{v}_real"),
            ("generated_minus_control", f"bas_{v}_minus_control"),
            ("real_dance_other_songs_beats", f"bas_{v}_real_other_songs"),
            ("real_dance_minus_other_songs_beats", f"bas_{v}_real_minus_other_songs"),
            ("real_dance_beats_half_beat_later", f"bas_{v}_real_half_beat"),
            ("real_dance_minus_half_beat_later", f"bas_{v}_real_minus_half_beat"))
            if key in s} for v in VARIANTS}
        out["beat_align_score"]["motion_beat_detector"] = {
            "fact": "FACT's: summed joint displacement, minima over +-1/6 s, no smoothing",
            "bailando": f"Bailando's: mean joint speed, Gaussian-smoothed ({result['smooth_s']:g}"
                        " s), every local minimum"}
        out["beat_align_score"]["sigma_s"] = sigma_s
    out["speed"] = {"p10_ratio": s["speed_p10_ratio"], "p50_ratio": s["speed_p50_ratio"]}
    if "fid_k_2d" in s:
        out["features_2d"] = {k: s[k] for k in s if k.startswith(("fid_", "diversity_"))}
        out["features_2d"].update(result["reference"])  # real training dances: the floor
        out["features_2d"]["window_frames"] = result["window_frames"]
    if result["style_known"]:
        out["style"] = {name: s[key] for name, key in (
            ("generated", "style_accuracy"), ("control_other_song", "style_accuracy_control"),
            ("real_dance", "style_accuracy_real")) if key in s}
        out["style"]["judge"] = {name: s[key] for name, key in (
            ("generated", "style_judge_accuracy"),
            ("control_other_song", "style_judge_accuracy_control"),
            ("real_dance", "style_judge_accuracy_real")) if key in s}
        out["style"]["judge"]["per_style"] = {
            style: s[f"style_judge_accuracy/{style}"] for style in result["styles"]
            if np.isfinite(s.get(f"style_judge_accuracy/{style}", {}).get("mean", np.nan))}
        out["style"]["judge"]["how"] = ("a classifier of motion features (log kinetic, "
                                        "geometric) of 2-s windows, fitted on the real "
                                        "training dances; it sees no moves")
        if "style_accuracy_played_moves" in s:
            out["style"]["played_moves"] = s["style_accuracy_played_moves"]
        out["style"]["per_style"] = {style: s[f"style_accuracy/{style}"]
                                     for style in result["styles"]
                                     if np.isfinite(s[f"style_accuracy/{style}"]["mean"])}
        out["style"].update(chance=1 / len(result["styles"]), styles=result["styles"])
        if result["styles_not_scored"]:  # held out, but no training song has the style
            out["style"]["not_scored"] = {
                "styles": result["styles_not_scored"],
                "why": "no training song has these styles: the style classifier cannot name "
                       "them, so their songs are left out of every style figure"}
    out["claims"] = claims(s, result)
    return out


def claims(s: dict[str, dict], result: dict[str, Any]) -> dict[str, Any]:
    """Each claim of the synthetic set with the interval it is read from (holds: low > 0)."""
    found = {}
    for v in VARIANTS:
        key = f"bas_{v}_minus_control"
        if key in s:
            found[f"beats_align_better_than_control_{v}"] = {
                "difference": s[key], "holds": bool(s[key].get("boot_low", -1) > 0)}
    if "style_minus_chance" in s:
        found["style_above_chance"] = {"difference": s["style_minus_chance"],
                                       "holds": bool(s["style_minus_chance"].get("boot_low", -1)
                                                     > 0)}
    return found
