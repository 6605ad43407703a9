"""Make a dance for any song with a trained learn2dance run, in one line.

    python -m pirounet.systems.learn2dance.dance --run=learn2dance song.wav
    python -m pirounet.systems.learn2dance.dance --run=saved_models/l2d/best.pt a.mp3 b.flac --out=dances
    python -m pirounet.systems.learn2dance.dance --run=learn2dance song.wav --sampling=greedy --seed=3

For each song (WAV, FLAC, MP3 or OGG, any length of at least one move) it writes, in --out
(default results/dances/<run>/): <song>.npz (poses (T, 15, 2), moves, fps) and <song>.mp4,
the stick figure dancing with the song as soundtrack (a silent <song>.gif if ffmpeg fails).
<song> is the song's file name without its last suffix ("take.1.wav" -> "take.1"); songs of
one command that share it are numbered ("take-1", "take-2"). The music features, vocabulary
and generation settings come from the run's checkpoint; --sampling, --top_k, --playback,
--segment_songs, --nearest_songs, --song_features, --run_beats, --run_fit, --transitions,
--blend_frames, --animation and --seed override them. beat_sync playback (the default)
places the moves on the song's beats, from the beat tracker.
The checkpoint is the run's best.pt (the lowest validation loss), as main_eval.py uses;
--checkpoint=last takes the final epoch's.

It never replaces a file it did not write: --out keeps a list of the files this command wrote
there, with their SHA-256 (OUTPUTS_LIST), and a file that is not on it, or was changed since,
stops the command before any song is danced (--overwrite replaces it anyway).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from pirounet.music.errors import DataError
from pirounet.music.features import BEAT_CHANNEL, music_features
from pirounet.systems.learn2dance.music2dance.generate import (PLAYBACKS, RUN_FITS, SAMPLINGS,
                                                               SEGMENT_SONGS, TRANSITIONS,
                                                               DanceModel, GenerationSettings,
                                                               PlaybackError, SongTooShortError,
                                                               write_dance)
from pirounet.metrics.beats import beat_times
from pirounet.systems.learn2dance.music2dance.settings import ANIMATIONS
from pirounet.systems.learn2dance.music2dance.song_match import SONG_FEATURES
from pirounet.run.atomic import write_text_atomic
from pirounet.run.checkpoint import CheckpointError, check_system, read_checkpoint

SYSTEM = "learn2dance"
USER_ERRORS = (CheckpointError, DataError, SongTooShortError, PlaybackError)
OUTPUTS_LIST = ".dances.json"  # in --out: {file name: sha256} of the files written there
OUTPUT_SUFFIXES = (".npz", ".mp4", ".gif")  # what a song may leave (.gif: ffmpeg failed)
log = logging.getLogger("pirounet.systems.learn2dance.dance")


def load_model(run: str, checkpoint: str = "best") -> tuple[DanceModel, dict[str, Any]]:
    """The dance model of a run name, run folder or .pt file, and the run's config."""
    ckpt = read_checkpoint(run, checkpoint)
    check_system(ckpt, SYSTEM)
    return DanceModel.from_checkpoint(ckpt), ckpt["config"]


def output_names(songs: Sequence[str | Path]) -> list[str]:
    """Each song's output name: its file stem, numbered when songs of one command share it."""
    stems = [Path(song).stem for song in songs]
    shared, seen = {s for s, n in Counter(stems).items() if n > 1}, Counter()
    names = []
    for stem in stems:
        seen[stem] += 1
        names.append(f"{stem}-{seen[stem]}" if stem in shared else stem)
    return names


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_outputs_list(out: Path) -> dict[str, str]:
    """{file name: sha256} of what this command wrote in out (empty when none or unreadable)."""
    try:
        listed = json.loads((out / OUTPUTS_LIST).read_text())
    except (OSError, ValueError):
        return {}
    return listed if isinstance(listed, dict) else {}


def check_outputs(out: Path, names: Sequence[str], overwrite: bool) -> None:
    """Refuse (one DataError) when a file a song would write exists and is not ours, unchanged."""
    if overwrite:
        return
    ours = read_outputs_list(out)
    foreign = [out / f"{name}{suffix}" for name in names for suffix in OUTPUT_SUFFIXES
               if (out / f"{name}{suffix}").exists()]
    foreign = [p for p in foreign if not p.is_file() or ours.get(p.name) != _sha256(p)]
    if foreign:
        raise DataError(
            f"{', '.join(map(str, foreign[:3]))}{' ...' if len(foreign) > 3 else ''}: "
            "not written by this command (or changed since); will not replace "
            f"{'it' if len(foreign) == 1 else 'them'}: choose another --out, or --overwrite")


def record_outputs(out: Path, paths: Sequence[Path]) -> None:
    """Add the files just written to out's list of this command's files."""
    listed = read_outputs_list(out)
    listed.update({p.name: _sha256(p) for p in paths})
    write_text_atomic(out / OUTPUTS_LIST, json.dumps(listed, indent=1, sort_keys=True) + "\n")


def dance_for_song(model: DanceModel, cfg: dict[str, Any], song: str | Path, out: str | Path,
                   seed: int = 0, name: str | None = None, **overrides: Any) -> dict[str, Path]:
    """Read a song, dance it and write <out>/<name>.npz and its animation; returns the paths.

    name: the output name (default the song's file stem).
    """
    song = Path(song)
    keys = ("sampling", "top_k", "playback", "transitions", "blend_frames", "animation",
            "segment_songs", "nearest_songs", "song_features", "run_beats", "run_fit")
    defaults = {"playback": "published",  # a run saved before the playback setting
                "segment_songs": "all", "nearest_songs": 3,  # before segment_songs
                "song_features": "sound_tempo",  # before song_features
                "run_beats": 1, "run_fit": "warp"}  # before run_beats, run_fit
    settings = {key: overrides[key] if overrides.get(key) is not None
                else cfg.get(key, defaults.get(key)) for key in keys}
    features = music_features(song, cfg["music_features"], model.fps, cfg["audio_hop"],
                              cfg.get("beat_phase", "tracker"), cfg.get("onset_shift", 1))
    beats = model.song_beats(features)
    if beats is None and settings["playback"] == "beat_sync":  # features without beats
        tracked = music_features(song, "fact35", model.fps, cfg["audio_hop"],
                                 cfg.get("beat_phase", "tracker"), cfg.get("onset_shift", 1))
        beats = beat_times(tracked[:, BEAT_CHANNEL], model.fps)
    gen = GenerationSettings(settings["sampling"], settings["top_k"], settings["playback"],
                             settings["transitions"], settings["blend_frames"],
                             settings["segment_songs"], settings["nearest_songs"],
                             settings["song_features"], settings["run_beats"],
                             settings["run_fit"])
    gen, fallback = model.playable(gen)  # "style" (the default) without the songs' styles
    if fallback:
        log.warning("%s: %s", song.name, fallback)
    dance = model.dance(features, gen, seed, beats, name=str(song))
    name = name or song.stem
    return write_dance(dance, Path(out) / name, audio=song, animation=settings["animation"],
                       title=name)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line: --run, songs, and optional generation overrides."""
    parser = argparse.ArgumentParser(prog="python -m pirounet.systems.learn2dance.dance",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("songs", nargs="+", help="audio files to dance to")
    parser.add_argument("--run", required=True, help="run name, run folder or .pt checkpoint")
    parser.add_argument("--checkpoint", default="best",
                        help="best (lowest valid loss, as main_eval) | last | epoch_<N>")
    parser.add_argument("--out", default=None, help="output folder (default results/dances/<run>)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampled moves")
    parser.add_argument("--sampling", choices=SAMPLINGS, default=None)
    parser.add_argument("--top_k", type=int, default=None)
    parser.add_argument("--playback", choices=PLAYBACKS, default=None)
    parser.add_argument("--segment_songs", choices=SEGMENT_SONGS, default=None)
    parser.add_argument("--nearest_songs", type=int, default=None)
    parser.add_argument("--song_features", choices=SONG_FEATURES, default=None)
    parser.add_argument("--run_beats", type=int, default=None)
    parser.add_argument("--run_fit", choices=RUN_FITS, default=None)
    parser.add_argument("--transitions", choices=TRANSITIONS, default=None)
    parser.add_argument("--blend_frames", type=int, default=None)
    parser.add_argument("--animation", choices=ANIMATIONS, default=None)
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files in --out that this command did not write")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> list[dict[str, Path]]:
    """Dance every song named on the command line; returns the files written per song."""
    args = parse_args(argv)
    model, cfg = load_model(args.run, args.checkpoint)
    out = Path(args.out) if args.out else Path("results") / "dances" / Path(args.run).stem
    names = output_names(args.songs)
    check_outputs(out, names, args.overwrite)  # before any song is danced
    written = []
    for song, name in zip(args.songs, names):
        paths = dance_for_song(model, cfg, song, out, args.seed, name, sampling=args.sampling,
                               top_k=args.top_k, playback=args.playback,
                               segment_songs=args.segment_songs,
                               nearest_songs=args.nearest_songs,
                               song_features=args.song_features,
                               run_beats=args.run_beats, run_fit=args.run_fit,
                               transitions=args.transitions,
                               blend_frames=args.blend_frames, animation=args.animation)
        record_outputs(out, list(paths.values()))
        print(f"{song}: " + ", ".join(str(p) for p in paths.values()))
        written.append(paths)
    return written


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        main(sys.argv[1:])
    except USER_ERRORS as err:
        sys.exit(f"error: {err}")
