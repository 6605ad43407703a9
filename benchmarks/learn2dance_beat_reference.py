"""Benchmark: can a data folder's beats be trusted? The real dances against each beat source.

    python benchmarks/learn2dance_beat_reference.py DATA_DIR [--key=value ...]

For every song of a learn2dance data folder (any layout prepare reads; --key=value are
learn2dance settings, e.g. --style_pattern), the real dance's Beat Align Score, FACT and
Bailando variants each with its own motion-beat detector, against three beat references:
the data's own beats (beats/<name>.txt or truth.json, when it has them), librosa's tracker as
it is (beat_phase="tracker") and the tracker with the half-beat check (beat_phase="low_band").
For each: the score with the song's own beats, with the other songs' beats (the evaluation's
sanity check) and with its own beats moved half a beat. A trustworthy reference gives the real
dances a clearly higher score with their own beats than with either control. Also printed:
how far the tracked beats are from the data's beats (median phase, 0 = on the beat, 0.5 =
half a beat off) and how many songs' phase the check moved.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pirounet.music.features import song_beats  # noqa: E402
from pirounet.music.pairs import pair_by_name  # noqa: E402
from pirounet.systems.learn2dance.music2dance.data import songs_from_prepared  # noqa: E402
from pirounet.systems.learn2dance.music2dance.evaluation import real_checks  # noqa: E402
from pirounet.systems.learn2dance.prepare import prepare  # noqa: E402
from pirounet.systems.learn2dance.music2dance.settings import TRAINING  # noqa: E402

SIGMA_S, SMOOTH_S = 0.05, 5 / 60  # learn2dance_eval_config.py's defaults


def phase_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Median distance of found beats to the nearest true beat, in beat periods (0 to 0.5)."""
    period = float(np.median(np.diff(truth)))
    d = np.abs(found[:, None] - truth[None]).min(axis=1) / period
    return float(np.median(np.minimum(d, 1 - d)))


def main(argv: list[str]) -> None:
    """Print the table of the module doc for one data folder."""
    if not argv or argv[0].startswith("--"):
        sys.exit(__doc__)
    cfg = TRAINING.load([f"--data_dir={argv[0]}", "--progress=False", *argv[1:]])
    songs = songs_from_prepared(prepare(cfg), beat_channel=None)
    audio = {p.name: p.song for p in pair_by_name(cfg.data_dir, cfg.songs_dir)}
    known = all(s.beats is not None for s in songs)
    references = {"data's beats": [s.beats for s in songs]} if known else {}
    for phase in ("tracker", "low_band"):
        tracked = [song_beats(audio[s.name], s.fps, cfg.audio_hop, phase) for s in songs]
        references[f"tracker, beat_phase={phase}"] = [beats for beats, _ in tracked]
        moved = sum(check.moved for _, check in tracked)
        unsure = sum(not check.sure for _, check in tracked)
        line = f"{phase}: moved half a beat in {moved}, unsure in {unsure} of {len(songs)}"
        if known:
            errors = [phase_error(b, s.beats) for (b, _), s in zip(tracked, songs)]
            line += (f"; median phase error {np.median(errors):.2f} beat, songs half a beat "
                     f"off (> 0.25): {sum(e > 0.25 for e in errors)}")
        print(line)
    print(f"\n{len(songs)} songs; real dances' BAS (mean over songs): own beats | other songs' "
          "beats | own beats half a beat later")
    for name, beats in references.items():
        for song, b in zip(songs, beats):
            song.beats = b
        cells = []
        for variant in ("fact", "bailando"):
            own, others, half = real_checks(songs, variant, SIGMA_S, SMOOTH_S)
            cells.append(f"{variant} {own.mean():.3f} | {others.mean():.3f} | "
                         f"{half.mean():.3f}")
        print(f"{name:32s} " + "    ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
