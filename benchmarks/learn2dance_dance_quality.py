"""Does learn2dance dance like a real dancer? Each playback of a trained run, measured.

    python benchmarks/learn2dance_dance_quality.py --run=learn2dance          # built-in set
    python benchmarks/learn2dance_dance_quality.py --run=l2d --iterations=20 --out=results/dq
    python benchmarks/learn2dance_dance_quality.py --run=fold_a --run=fold_b  # one table each

A real data set is measured with runs that hold different songs out (test_songs), one run
per fold; docs/learn2dance_dance_quality.md gives the commands.

For the run's held-out songs, each playback (published: centroids on the fixed chunk grid,
blended; beat_sync: real segments with their stops on the song's beats, from all training
songs, the nearest ones, or those of the nearest songs' style) is evaluated by
music2dance.evaluation with bootstrap intervals (songs resampled, new dances sampled), and
read against real dancing:

    BAS (Bailando)  generated / real dance, generated / control (the same model's dance for
                    another song, on this song's beats), generated - control beside
                    real - control (another song's real dance on this song's beats)
    FID_k, FID_g    2-D, generated vs held-out real, over the real training dances' own,
                    drawn like the generated set (same songs, lengths, styles: the same N)
    speed           10th and 50th percentiles of the mean joint speed, generated / real
    style           the dance's style read from its poses (chance 1 / styles): from the
                    moves read on the chunk grid, and by the motion judge fitted on the
                    real training dances (style_judge.py); and the played moves' style

It prints one table per run and playback with the targets, and writes results.json and
<run>_frames.png (one held-out song: beat_sync, published and the real dance, frame by
frame) to --out. Figures depend on the load of the machine only in time, not in value.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pirounet.metrics.beats import SIGMA_S, SMOOTH_S  # noqa: E402
from pirounet.music.features import BEAT_CHANNEL  # noqa: E402
from pirounet.run.checkpoint import read_checkpoint  # noqa: E402
from pirounet.skeletons import OPENPOSE_15  # noqa: E402
from pirounet.systems.learn2dance.music2dance.settings import TRAINING  # noqa: E402
from pirounet.systems.learn2dance.music2dance.beat_sync import MotionLibrary  # noqa: E402
from pirounet.systems.learn2dance.music2dance.data import songs_from_prepared  # noqa: E402
from pirounet.systems.learn2dance.music2dance.evaluation import (evaluate_songs,  # noqa: E402
                                                                 grouped)
from pirounet.systems.learn2dance.music2dance.generate import (RUN_FITS,  # noqa: E402
                                                               DanceModel,
                                                               GenerationSettings)
from pirounet.systems.learn2dance.prepare import prepare  # noqa: E402
from pirounet.systems.learn2dance.music2dance.song_match import SONG_FEATURES  # noqa: E402
from pirounet.viz.strips import comic_strip  # noqa: E402

SUFFIX = {"sound_tempo": "", "sound_tempo_meter": "_meter"}  # playback name per song_features


def playbacks(nearest: list[int], style: list[int], features: list[str],
              runs: list[int] = (), fits: list[str] = ()) -> dict[str, GenerationSettings]:
    """The playbacks compared: published, beat_sync from all songs, from the k nearest, and
    from every song of the k nearest songs' style, the near songs found with each of
    features (song_match.SONG_FEATURES); each style playback again with each run_beats in
    runs (a chosen segment going on with its recording's next beats, warped), and each of
    those again with each run_fit in fits (limit: a run ends where it would be squeezed;
    hold: and a run's beat waits at its stop rather than be slowed down)."""
    one = {"run_beats": 1, "run_fit": "warp"}  # a new choice every beat; runs below
    out = {"published": GenerationSettings(playback="published"),
           "beat_sync": GenerationSettings(playback="beat_sync", segment_songs="all", **one)}
    for which in features:
        for k in nearest:
            out[f"beat_sync_nearest{k}{SUFFIX[which]}"] = GenerationSettings(
                playback="beat_sync", segment_songs="nearest", nearest_songs=k,
                song_features=which, **one)
        for k in style:
            out[f"beat_sync_style{k}{SUFFIX[which]}"] = GenerationSettings(
                playback="beat_sync", segment_songs="style", nearest_songs=k,
                song_features=which, **one)
    for name, gen in list(out.items()):
        if gen.segment_songs == "style" and gen.playback == "beat_sync":
            out.update({f"{name}_run{r}": replace(gen, run_beats=r, run_fit="warp")
                        for r in runs if r > 1})
            out.update({f"{name}_run{r}_{fit}": replace(gen, run_beats=r, run_fit=fit)
                        for r in runs if r > 1 for fit in fits if fit != "warp"})
    return out


def danced_styles(model: DanceModel, held: list, gens: dict[str, GenerationSettings]
                  ) -> dict[str, dict[str, list]]:
    """{playback: {held-out song: [the style its segments come from, its true style]}} of
    the style playbacks."""
    out = {}
    for name, gen in gens.items():
        if gen.segment_songs == "style":
            out[name] = {s.name: [model.library.music_style(
                s.music, model.song_beats(s.music), gen.nearest_songs, s.name,
                gen.song_features), s.style] for s in held}
    return out


def load(run: str, checkpoint: str) -> tuple[DanceModel, list, list]:
    """The run's model, held-out (test) songs and training songs."""
    ckpt = read_checkpoint(run, checkpoint)
    cfg = TRAINING.rebuild(ckpt["config"])
    prepared = prepare(cfg)
    channel = BEAT_CHANNEL if prepared.music_features == "fact35" else None
    songs = songs_from_prepared(prepared, channel)
    train = [s for s in songs if s.split == "train"]
    model = DanceModel.from_checkpoint(ckpt)
    if model.library is None or model.library.meters is None:  # an older run: cut its
        model.library = MotionLibrary.of(  # training dances, and describe their songs
            [s.poses for s in train], [s.moves for s in train], [s.beats for s in train],
            model.chunk_frames, model.fps, [s.name for s in train], [s.music for s in train],
            [s.style for s in train])
    return model, [s for s in songs if s.split == "test"], train


def cell(stat: dict[str, float]) -> str:
    """'mean [low, high]' of a bootstrap summary."""
    return f"{stat['mean']:.3f} [{stat.get('boot_low', np.nan):.3f}, " \
           f"{stat.get('boot_high', np.nan):.3f}]"


def table(name: str, m: dict[str, Any]) -> list[str]:
    """Markdown rows of one playback's figures, each with the issue's target."""
    bas = m["beat_align_score"]["bailando"]
    real_gain = bas["real_dance_minus_other_songs_beats"]
    note = ("" if real_gain["boot_low"] > 0 else " (real dances do not beat other songs' "
            "beats here: the beat figure cannot separate anything on this set)")
    gen, real, ctrl = (bas[k]["mean"] for k in ("generated", "real_dance",
                                                "control_other_song"))
    feats, speed = m["features_2d"], m["speed"]
    rows = [f"| {name} | BAS Bailando: generated / real / control | {cell(bas['generated'])} / "
            f"{real:.3f} / {cell(bas['control_other_song'])} | generated/real {gen / real:.2f} "
            f"(>= 0.9), generated/control {gen / ctrl:.2f} (>= 2) |",
            f"| {name} | BAS Bailando: generated - control vs real - other songs' beats | "
            f"{cell(bas['generated_minus_control'])} vs "
            f"{cell(real_gain)}{note} | generated - control >= real - control |"]
    for k in ("k", "g"):
        fid, floor = feats[f"fid_{k}_2d"], feats[f"fid_{k}_2d_real_train"]
        drawn = feats.get(f"fid_{k}_2d_real_train_drawn")
        if drawn is None:  # no training dance long enough for a window
            rows.append(f"| {name} | FID_{k} 2-D (every real training window: {floor:.2f}) | "
                        f"{cell(fid)} | {fid['mean'] / floor:.1f} x the real dances' |")
            continue
        gap = feats[f"fid_{k}_2d_minus_real_train_drawn"]
        rows.append(f"| {name} | FID_{k} 2-D; real training dances drawn alike (every "
                    f"training window: {floor:.2f}) | {cell(fid)}; {cell(drawn)} | "
                    f"{fid['mean'] / drawn['mean']:.1f} x the real dances' (<= 1) |")
        rows.append(f"| {name} | FID_{k} 2-D, generated - real training drawn alike | "
                    f"{cell(gap)} | <= 0 |")
    rows.append(f"| {name} | speed p10 / p50, generated / real | {cell(speed['p10_ratio'])} / "
                f"{cell(speed['p50_ratio'])} | within 1.5 x: 0.67-1.5 |")
    if "style" in m:
        style = m["style"]
        left = (f"; not scored: {', '.join(style['not_scored']['styles'])} (no training song "
                "of that style)" if "not_scored" in style else "")
        rows.append(f"| {name} | style (chance {style['chance']:.2f}; real dances "
                    f"{style['real_dance']['mean']:.2f}{left}) | {cell(style['generated'])} "
                    "| >= 0.9 |")
        rows.append(f"| {name} | style per style | " + ", ".join(
            f"{k} {v['mean']:.2f}" for k, v in style["per_style"].items()) + " | |")
        judge = style["judge"]
        rows.append(f"| {name} | style, motion judge (real dances "
                    f"{judge['real_dance']['mean']:.2f}; control "
                    f"{judge['control_other_song']['mean']:.2f}) | {cell(judge['generated'])} "
                    "| >= 0.9 |")
        rows.append(f"| {name} | style per style, motion judge | " + ", ".join(
            f"{k} {v['mean']:.2f}" for k, v in judge.get("per_style", {}).items()) + " | |")
        rows.append(f"| {name} | style of the played moves | {cell(style['played_moves'])} "
                    "| |")
    return rows


def frames_png(model: DanceModel, song, path: Path, gens: dict[str, GenerationSettings],
               seconds: float = 4.0) -> Path:
    """Panels every quarter second of one song: each playback and the real dance."""
    n = int(seconds * model.fps)
    rows = [model.dance(song.music, gen, seed=0, name=song.name).poses[:n]
            for gen in gens.values()]
    return comic_strip(rows + [song.poses[:n]], path, n_panels=int(seconds * 4),
                       row_titles=[*gens, "real dance"],
                       title=f"{song.name}: first {seconds:g} s", fps=model.fps,
                       skeleton=OPENPOSE_15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", action="append", help="run name, folder or .pt "
                        "(repeat for folds; default learn2dance)")
    parser.add_argument("--checkpoint", default="best")
    parser.add_argument("--iterations", type=int, default=20, help="bootstrap iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/dance_quality")
    parser.add_argument("--nearest_songs", type=int, action="append",
                        help="beat_sync from the k nearest training songs (repeat; default 3)")
    parser.add_argument("--style_songs", type=int, action="append",
                        help="beat_sync from every song of the k nearest songs' style "
                        "(repeat; default 1; one beat at a time: the default playback is "
                        "style 1 with --run_beats=8 --run_fit=hold)")
    parser.add_argument("--song_features", action="append",
                        choices=SONG_FEATURES,
                        help="what makes songs near, for the nearest and style playbacks "
                        "(repeat; default sound_tempo_meter)")
    parser.add_argument("--run_beats", type=int, action="append", default=[],
                        help="each style playback again, a chosen segment going on for up to "
                        "this many beats of its own recording, warped (repeat; e.g. 4; 8 with "
                        "--run_fit=hold is the default playback)")
    parser.add_argument("--run_fit", action="append", default=[], choices=RUN_FITS,
                        help="each --run_beats playback again with this run_fit (repeat; "
                        "limit: a run ends where it would be squeezed; hold: and a run's beat "
                        "danced faster than the song's waits at its stop)")
    parser.add_argument("--true_moves", action="store_true",
                        help="each beat_sync playback again with the held-out dances' own "
                        "moves (an oracle: the playback's share of the gap, not the model's)")
    parser.add_argument("--frames_song", default=None,
                        help="held-out song of the frames figure (default the first)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for run in args.run or ["learn2dance"]:
        model, held, train = load(run, args.checkpoint)
        print(f"{run}: {len(held)} held-out songs ({', '.join(s.name for s in held)}), "
              f"{len(train)} training songs, {len(model.library)} real segments")
        lines = ["| playback | figure | value [bootstrap 95 %] | against the target |",
                 "|---|---|---|---|"]
        gens = playbacks(args.nearest_songs or [3], args.style_songs or [1],
                         args.song_features or ["sound_tempo_meter"], args.run_beats,
                         args.run_fit)
        for name, gen in gens.items():  # "style" on songs without styles: as main_eval does
            gens[name], fallback = model.playable(gen)
            if fallback:
                print(f"{name}: {fallback}")
        styles = danced_styles(model, held, gens)
        results[f"{run}/danced_styles"] = styles
        for name, chosen in styles.items():
            wrong = [f"{song} as {got}" for song, (got, true) in chosen.items() if got != true]
            print(f"{name}: segments of the true style for {len(chosen) - len(wrong)} of "
                  f"{len(chosen)} songs" + (f"; not: {', '.join(wrong)}" if wrong else ""))
        oracle = [(f"{n}_true_moves", g, True) for n, g in gens.items()
                  if g.playback == "beat_sync"] if args.true_moves else []
        for name, gen, true_moves in [(n, g, False) for n, g in gens.items()] + oracle:
            tic = time.process_time()
            result = evaluate_songs(model, held, train, gen, args.iterations, args.seed,
                                    SIGMA_S, SMOOTH_S, 4.0, 200, true_moves=true_moves)
            results[f"{run}/{name}"] = grouped(result, SIGMA_S)
            lines += table(name, results[f"{run}/{name}"])
            print(f"{name}: {time.process_time() - tic:.0f} CPU s", flush=True)
        print("\n".join(lines))
        shown = next((s for s in held if s.name == args.frames_song), held[0])
        png = frames_png(model, shown, out / f"{Path(run).parent.name or run}_frames.png",
                         {k: gens[k] for k in reversed(gens)})
        print(f"wrote {png}")
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out / 'results.json'}")


if __name__ == "__main__":
    main()
