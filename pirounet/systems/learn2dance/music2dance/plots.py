"""The evaluation's two plots: Beat Align Scores with their intervals, and one song's beats."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from pirounet.systems.learn2dance.music2dance.data import Song
from pirounet.systems.learn2dance.music2dance.generate import DanceModel, GenerationSettings
from pirounet.metrics.beats import gaussian_smooth, joint_speed, motion_beats

BARS = (("generated", "#2f6fd0"), ("control_other_song", "#b8b8b8"), ("real_dance", "#1f2a44"))


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def beat_scores(metrics: dict[str, Any], path: Path) -> Path | None:
    """Bars of BAS (generated, control, real) per variant, with bootstrap percentile intervals."""
    scores = metrics.get("beat_align_score")
    if not scores:
        return None
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.add_subplot()
    variants = [v for v in ("fact", "bailando") if v in scores]
    for b, (key, color) in enumerate(BARS):
        for v, variant in enumerate(variants):
            if key not in scores[variant]:
                continue
            s = scores[variant][key]
            mean = s["mean"]
            low, high = s.get("boot_low", mean), s.get("boot_high", mean)
            x = v * (len(BARS) + 1) + b
            ax.bar(x, mean, color=color, label=key.replace("_", " ") if v == 0 else None)
            ax.errorbar(x, mean, yerr=[[mean - low], [high - mean]], color="black", capsize=3)
    ax.set_xticks([v * (len(BARS) + 1) + 1 for v in range(len(variants))],
                  [f"BAS {v}" for v in variants])
    ax.set_ylabel(f"Beat Align Score (sigma {scores['sigma_s']:g} s)")
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, path)


def speed_and_beats(song: Song, model: DanceModel, gen: GenerationSettings, eval_cfg,
                    path: Path) -> Path | None:
    """Joint speed and motion beats of one held-out song's generated and real dances."""
    if song.beats is None:
        return None
    dance = model.dance(song.music, gen, eval_cfg.seed, name=song.name)
    fps, smooth = song.fps, eval_cfg.smooth_s
    fig = Figure(figsize=(9, 3.6))
    axes = fig.subplots(2, 1, sharex=True)
    for ax, (title, poses) in zip(axes, (("generated", dance.poses), ("real", song.poses))):
        speed = gaussian_smooth(joint_speed(poses, fps), smooth * fps)
        t = np.arange(len(speed)) / fps
        ax.plot(t, speed, color="#2f6fd0", linewidth=1)
        for beat in song.beats[song.beats <= t[-1]]:
            ax.axvline(beat, color="#e69b00", linewidth=0.6, alpha=0.7)
        for beat in motion_beats(poses, fps, "bailando", smooth):  # the curve drawn
            ax.plot(beat, speed[min(int(round(beat * fps)), len(speed) - 1)], "v",
                    color="#d0263b", markersize=4)
        ax.set_ylabel(f"{title}\nspeed")
    axes[-1].set_xlabel(f"{song.name}: seconds (orange: music beats, red: motion beats)")
    return _save(fig, path)
