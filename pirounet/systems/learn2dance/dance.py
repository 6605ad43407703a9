"""Make a dance for any song with a trained learn2dance run, in one line.

    python -m pirounet.systems.learn2dance.dance --run=learn2dance song.wav
    python -m pirounet.systems.learn2dance.dance --run=saved_models/l2d/best.pt a.mp3 b.flac --out=dances
    python -m pirounet.systems.learn2dance.dance --run=learn2dance song.wav --sampling=greedy --seed=3

For each song (WAV, FLAC, MP3 or OGG, any length of at least one move) it writes, in --out
(default results/dances/<run>/): <song>.npz (poses (T, 15, 2), moves, fps) and <song>.mp4,
the stick figure dancing with the song as soundtrack (a silent <song>.gif if ffmpeg fails).
The music features, vocabulary and generation settings come from the run's checkpoint;
--sampling, --top_k, --transitions, --blend_frames, --animation and --seed override them.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Sequence

from pirounet.music.errors import DataError
from pirounet.music.features import music_features
from pirounet.systems.learn2dance.music2dance.generate import (SAMPLINGS, TRANSITIONS, DanceModel,
                                                       SongTooShortError, write_dance)
from pirounet.systems.learn2dance.music2dance.settings import ANIMATIONS
from pirounet.run.checkpoint import CheckpointError, check_system, read_checkpoint

SYSTEM = "learn2dance"
USER_ERRORS = (CheckpointError, DataError, SongTooShortError)
log = logging.getLogger("pirounet.systems.learn2dance.dance")


def load_model(run: str, checkpoint: str = "last") -> tuple[DanceModel, dict[str, Any]]:
    """The dance model of a run name, run folder or .pt file, and the run's config."""
    ckpt = read_checkpoint(run, checkpoint)
    check_system(ckpt, SYSTEM)
    return DanceModel.from_checkpoint(ckpt), ckpt["config"]


def dance_for_song(model: DanceModel, cfg: dict[str, Any], song: str | Path, out: str | Path,
                   seed: int = 0, **overrides: Any) -> dict[str, Path]:
    """Read a song, dance it and write <out>/<song>.npz and its animation; returns the paths."""
    song = Path(song)
    settings = {key: overrides.get(key) if overrides.get(key) is not None else cfg[key]
                for key in ("sampling", "top_k", "transitions", "blend_frames", "animation")}
    features = music_features(song, cfg["music_features"], model.fps, cfg["audio_hop"])
    dance = model.dance(features, settings["sampling"], settings["top_k"], seed,
                        settings["transitions"], settings["blend_frames"], name=str(song))
    return write_dance(dance, Path(out) / song.stem, audio=song,
                       animation=settings["animation"], title=song.stem)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line: --run, songs, and optional generation overrides."""
    parser = argparse.ArgumentParser(prog="python -m pirounet.systems.learn2dance.dance",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("songs", nargs="+", help="audio files to dance to")
    parser.add_argument("--run", required=True, help="run name, run folder or .pt checkpoint")
    parser.add_argument("--checkpoint", default="last", help="last | best | epoch_<N>")
    parser.add_argument("--out", default=None, help="output folder (default results/dances/<run>)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled moves")
    parser.add_argument("--sampling", choices=SAMPLINGS, default=None)
    parser.add_argument("--top_k", type=int, default=None)
    parser.add_argument("--transitions", choices=TRANSITIONS, default=None)
    parser.add_argument("--blend_frames", type=int, default=None)
    parser.add_argument("--animation", choices=ANIMATIONS, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> list[dict[str, Path]]:
    """Dance every song named on the command line; returns the files written per song."""
    args = parse_args(argv)
    model, cfg = load_model(args.run, args.checkpoint)
    out = Path(args.out) if args.out else Path("results") / "dances" / Path(args.run).stem
    written = []
    for song in args.songs:
        paths = dance_for_song(model, cfg, song, out, args.seed, sampling=args.sampling,
                               top_k=args.top_k, transitions=args.transitions,
                               blend_frames=args.blend_frames, animation=args.animation)
        print(f"{song}: " + ", ".join(str(p) for p in paths.values()))
        written.append(paths)
    return written


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        main(sys.argv[1:])
    except USER_ERRORS as err:
        sys.exit(f"error: {err}")
