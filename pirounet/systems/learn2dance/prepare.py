"""Prepare learn2dance's data: raw songs and dances in, aligned and cached arrays out.

    python -m pirounet.systems.learn2dance.prepare [override files] [--key=value ...]

writes the built-in synthetic set to data_dir first when it holds no inputs (and
synthetic_if_missing), then pairs songs with dances by name, reads every dance (poses.py)
and song (music.py) at the dance's frame rate, splits by song, fits the motion vocabulary on
the training songs (vocabulary.py) and gives every chunk of every song its move id. Each
dance, song and vocabulary is cached in cache_dir, keyed by input contents and settings.
Each song's beats and style come from the data folder when it has them:

    beats/<name>.txt   beat times in seconds (numbers separated by spaces, commas or lines;
                       lines starting with # are comments): the song's true beats
    styles.csv         name,style rows (a header row "name,style" may come first)
    truth.json         the synthetic set's beats and styles
    style_pattern      a regular expression on the song's name (the style setting)

Part 2 (the music-to-dance model) trains on the `Prepared` set that `prepare(cfg)` returns.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from tqdm import tqdm

from pirounet.music import features as music
from pirounet.systems.learn2dance import poses, vocabulary
from pirounet.systems.learn2dance.cache import cache_folder, cached, content_key
from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.music2dance.settings import TRAINING
from pirounet.music.pairs import SPLITS, Pair, pair_by_name, split_by_song
from pirounet.systems.learn2dance.settings import DEFAULT_CONFIG
from pirounet.systems.learn2dance.synthetic import ensure_dataset, written_notice
from pirounet.run.config import ConfigError, help_text, wants_help

DEFAULTS = DEFAULT_CONFIG
USER_ERRORS = (ConfigError, DataError)
LENGTH_MISMATCH_S = 1.0  # warn when a song and its dance differ in length by more than this
log = logging.getLogger("pirounet.systems.learn2dance.prepare")


@dataclass
class Song:
    """One song and its dance, aligned frame by frame: frame t is at t / fps seconds."""

    name: str
    split: str  # "train" | "valid" | "test"
    fps: float  # frames per second of the dance (and of the music features)
    poses: np.ndarray  # (T, 15, 2) float32, in Prepared.pose_units (OPENPOSE_15 joint order)
    confidences: np.ndarray  # (T, 15) float32 detector confidence; 0 = not seen
    flagged: np.ndarray  # (T, 15) bool: filled inside a gap longer than max_gap_seconds
    music: np.ndarray  # (T, F) float32 music features of the same frames
    root: np.ndarray  # (T, 2) float32 MidHip in pixels, y up (where the dancer stands)
    torso: float  # pixels per torso length (Neck to MidHip, median); 1.0 in published units
    moves: np.ndarray  # (ceil(T / chunk_frames),) int64 move id of each chunk
    beats: np.ndarray | None = None  # (B,) true beat times in seconds, when the data has them
    style: str | None = None  # the song's style, when the data says it
    beat_source: str | None = None  # where beats came from: "beats/<name>.txt", "truth.json"

    @property
    def seconds(self) -> float:
        return len(self.poses) / self.fps


@dataclass
class Prepared:
    """Every song of the data folder, its split, and the motion vocabulary."""

    songs: list[Song]  # in name order
    vocabulary: vocabulary.Vocabulary  # centroids (K, chunk_frames, 15, 2) in pose_units
    pose_units: str  # "normalized" (root-centred, torso lengths) | "published" (pixels)
    music_features: str  # "fact35" (F = 35) | "published512" (F = 512)

    @property
    def names(self) -> list[str]:
        return [song.name for song in self.songs]

    def split(self, which: str) -> list[Song]:
        """The songs of one split ("train", "valid" or "test")."""
        return [song for song in self.songs if song.split == which]

    def to_pixels(self, song: Song, poses: np.ndarray) -> np.ndarray:
        """Poses (T, 15, 2) in pose_units, placed where `song`'s dancer stood: pixels, y up."""
        if self.pose_units == "published":
            return poses
        return poses * song.torso + song.root[:len(poses), None]


def _progress(cfg: Any) -> bool:
    """Progress bars only when asked for and someone watches (stderr is a terminal)."""
    return bool(cfg.progress) and sys.stderr.isatty()


def read_pair(pair: Pair, cfg: Any) -> tuple[poses.Dance, np.ndarray]:
    """The pair's dance and its music features (T_music, F), both through the cache."""
    pose_settings = poses.PoseSettings.from_config(cfg)
    key = content_key([pair.dance], {"kind": "dance", **asdict(pose_settings)})
    arrays = cached(cache_folder(cfg), "dances", key, lambda: _dance_arrays(pair, pose_settings),
                    keys=("poses", "confidences", "flagged", "fps"))
    dance = poses.Dance(pair.name, arrays["poses"], arrays["confidences"], arrays["flagged"],
                        float(arrays["fps"]), str(pair.dance))
    music_settings = {"kind": "music", "features": cfg.music_features, "fps": dance.fps,
                      "hop": cfg.audio_hop, "onset_shift": cfg.onset_shift,
                      "beat_phase": cfg.beat_phase}
    key = content_key([pair.song], music_settings)
    features = cached(cache_folder(cfg), "music", key, lambda: {"features": music.music_features(
        pair.song, cfg.music_features, dance.fps, cfg.audio_hop, cfg.beat_phase,
        cfg.onset_shift)}, keys=("features",))["features"]
    return dance, features


def _dance_arrays(pair: Pair, settings: poses.PoseSettings) -> dict[str, np.ndarray]:
    dance = poses.read_dance(pair.dance, settings, pair.name)
    return {"poses": dance.poses, "confidences": dance.confidences, "flagged": dance.flagged,
            "fps": np.array(dance.fps)}


def read_truth(data_dir: str | Path) -> dict[str, dict]:
    """Per song, beat times (B,) and style from data_dir/truth.json (synthetic set), else {}."""
    path = Path(data_dir) / "truth.json"
    if not path.is_file():
        return {}
    try:
        songs = json.loads(path.read_text())["songs"]
        return {name: {"beat_times": np.asarray(song["beat_times"], dtype=np.float64),
                       "style": str(song["style"])} for name, song in songs.items()}
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as err:
        raise DataError(f"{path}: not a learn2dance truth file ({err!r})") from None


def read_beat_files(data_dir: str | Path) -> dict[str, np.ndarray]:
    """Beat times (B,) in seconds per song from data_dir/beats/<name>.txt (none: {})."""
    found = {}
    for path in sorted((Path(data_dir) / "beats").glob("*.txt")):
        lines = [line.split("#")[0] for line in path.read_text().splitlines()]
        try:
            times = np.array([float(x) for x in re.split(r"[\s,;]+", " ".join(lines))
                              if x], dtype=np.float64)
        except ValueError as err:
            raise DataError(f"{path}: expected beat times in seconds, numbers only ({err})"
                            ) from None
        if times.size and (not np.isfinite(times).all() or (np.diff(times) <= 0).any()):
            raise DataError(f"{path}: beat times must be finite and increasing")
        found[path.stem] = times
    return found


def read_styles(data_dir: str | Path) -> dict[str, str]:
    """Each song's style from data_dir/styles.csv (name,style rows); {} without the file."""
    path, styles = Path(data_dir) / "styles.csv", {}
    if not path.is_file():
        return styles
    for row, line in enumerate(path.read_text().splitlines(), start=1):
        cells = [c.strip() for c in line.split(",")]
        if not line.strip() or (row == 1 and cells == ["name", "style"]):
            continue
        if len(cells) != 2 or not all(cells):
            raise DataError(f"{path}: row {row}: expected name,style; got {line!r}")
        styles[cells[0]] = cells[1]
    return styles


def style_from_name(name: str, pattern: str | None) -> str | None:
    """The style that pattern's group "style" (or first group, or whole match) finds in name."""
    match = re.search(pattern, name) if pattern is not None else None
    if match is None:
        return None
    return match.groupdict().get("style") or (match.group(1) if match.re.groups else match[0])


def _song(pair: Pair, split: str, cfg: Any) -> Song:
    """One aligned song (moves filled in later, once the vocabulary exists)."""
    dance, features = read_pair(pair, cfg)
    n = min(len(dance.poses), len(features))
    if abs(len(dance.poses) - len(features)) / dance.fps > LENGTH_MISMATCH_S:
        warnings.warn(f"{pair.name}: the dance lasts {len(dance.poses) / dance.fps:.1f} s and "
                      f"the song {len(features) / dance.fps:.1f} s; both are cut to "
                      f"{n / dance.fps:.1f} s", stacklevel=2)
    xy = dance.poses[:n]
    if cfg.vocabulary_features == "normalized":
        units, root, torso = vocabulary.normalize(xy)
    else:
        units, root, torso = xy, xy[:, vocabulary.MIDHIP], 1.0
    return Song(pair.name, split, dance.fps, units, dance.confidences[:n], dance.flagged[:n],
                features[:n], root, torso, np.zeros(0, dtype=np.int64))


def build_vocabulary(songs: list[Song], cfg: Any) -> vocabulary.Vocabulary:
    """The published centroids if configured, else k-means on the training songs' chunks."""
    if cfg.published_vocabulary is not None:
        if cfg.vocabulary_features != "published" or not cfg.mirror_x:
            raise DataError(
                f"published_vocabulary={cfg.published_vocabulary!r} holds mirrored pixel "
                "centroids: it needs vocabulary_features=\"published\" and mirror_x=True")
        return vocabulary.load_published(cfg.published_vocabulary, cfg.chunk_frames)
    train = [song for song in songs if song.split == "train"]
    chunks = np.concatenate([vocabulary.chunk(s.poses, cfg.chunk_frames) for s in train])
    key = content_key([], {"kind": "vocabulary", "chunks": _digest(chunks),
                           "n_moves": cfg.n_moves, "seed": cfg.seed,
                           "features": cfg.vocabulary_features})
    fitted = cached(cache_folder(cfg), "vocabulary", key, lambda: {"centroids": vocabulary.fit(
        chunks, cfg.n_moves, cfg.seed, cfg.vocabulary_features).centroids}, keys=("centroids",))
    return vocabulary.Vocabulary(fitted["centroids"], cfg.vocabulary_features)


def _digest(array: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


def check_folders(cfg: Any) -> None:
    """data_dir must be a folder that exists (nothing is written here), cache_dir no file."""
    data_dir, cache_dir = Path(cfg.data_dir), cache_folder(cfg)
    if not data_dir.is_dir():
        what = "names a file" if data_dir.exists() else "is not there"
        raise DataError(f"{data_dir}: data_dir {what}; expected a folder with songs/ and poses/ "
                        "(evaluation reads the run's data and never writes any)")
    if cache_dir.exists() and not cache_dir.is_dir():
        raise DataError(f"{cache_dir}: cache_dir names a file (a user's?); expected a folder "
                        "for the prepared arrays: move the file, or set --cache_dir elsewhere")


def song_splits(names: list[str], cfg: Any) -> dict[str, str]:
    """Each song's split: test_songs held out for test when given, the rest by fractions."""
    if not cfg.test_songs:
        return split_by_song(names, cfg.split_fractions, cfg.seed)
    unknown = sorted(set(cfg.test_songs) - set(names))
    if unknown:
        raise DataError(f"test_songs: {', '.join(unknown)} not among the songs of "
                        f"{cfg.data_dir} ({', '.join(names)})")
    train, valid, _ = cfg.split_fractions
    rest = [name for name in names if name not in cfg.test_songs]
    return {**split_by_song(rest, (train, valid, 0.0), cfg.seed),
            **{name: "test" for name in cfg.test_songs}}


def prepare(cfg: Any) -> Prepared:
    """Pair, read, align, split and tokenise every song of cfg.data_dir (see module doc)."""
    check_folders(cfg)
    pairs = pair_by_name(cfg.data_dir, cfg.songs_dir)
    splits = song_splits([p.name for p in pairs], cfg)
    log.info("%d songs with their dances in %s (first read: a few seconds each; then cached "
             "in %s)", len(pairs), cfg.data_dir, cache_folder(cfg))
    songs, bar = [], not _progress(cfg)  # a bar on a terminal, else a line a song
    for i, pair in enumerate(tqdm(pairs, desc="songs and dances", disable=bar)):
        tic = time.perf_counter()
        songs.append(_song(pair, splits[pair.name], cfg))
        if bar:
            log.info("  [%d/%d] %s: %.0f s of dance (%.1f s)", i + 1, len(pairs), pair.name,
                     songs[-1].seconds, time.perf_counter() - tic)
    truth, beat_files = read_truth(cfg.data_dir), read_beat_files(cfg.data_dir)
    styles = read_styles(cfg.data_dir)
    for song in songs:  # the user's files first, then truth.json, then the name
        if song.name in truth:
            song.beats, song.style = truth[song.name]["beat_times"], truth[song.name]["style"]
            song.beat_source = "truth.json"
        if song.name in beat_files:
            song.beats, song.beat_source = beat_files[song.name], f"beats/{song.name}.txt"
        song.style = (styles.get(song.name) or song.style
                      or style_from_name(song.name, cfg.style_pattern))
    rates = sorted({song.fps for song in songs})
    if len(rates) > 1:
        warnings.warn(f"the dances have different frame rates ({', '.join(map(str, rates))} "
                      f"fps), so a {cfg.chunk_frames}-frame chunk lasts a different time in "
                      "each; resample them to one rate for a consistent vocabulary",
                      stacklevel=2)
    vocab = build_vocabulary(songs, cfg)
    for song in songs:
        song.moves = vocab.assign(vocabulary.chunk(song.poses, vocab.chunk_frames))
    return Prepared(songs, vocab, cfg.vocabulary_features, cfg.music_features)


def summary(prepared: Prepared) -> str:
    """A few lines on what was prepared."""
    lines = []
    for split in SPLITS:
        songs = prepared.split(split)
        seconds = sum(s.seconds for s in songs)
        lines.append(f"{split}: {len(songs)} songs, {seconds:.0f} s")
    used = len({int(m) for s in prepared.songs for m in s.moves})
    k = len(prepared.vocabulary.centroids)
    lines.append(f"vocabulary: {k} moves of {prepared.vocabulary.chunk_frames} frames "
                 f"({prepared.pose_units}), {used} in use")
    lines.append(f"music: {prepared.music_features}, "
                 f"{prepared.songs[0].music.shape[1]} features a frame")
    kinds = ["beats/" if s.beat_source.startswith("beats/") else s.beat_source
             for s in prepared.songs if s.beat_source is not None]  # beats/<name>.txt: beats/
    tracked = len(prepared.songs) - len(kinds)
    parts = [f"{kinds.count(k)} from {k}" for k in sorted(set(kinds))]
    lines.append("beats: " + ", ".join(parts + ([f"{tracked} tracked on the song"]
                                               if tracked else [])))
    styles = sorted({s.style for s in prepared.songs if s.style is not None})
    styled = sum(s.style is not None for s in prepared.songs)
    lines.append(f"styles: {styled} of {len(prepared.songs)} songs, {len(styles)} styles"
                 + (f" ({', '.join(styles[:8])})" if styles else " (no truth.json, "
                    "styles.csv or style_pattern: no style figure)"))
    return "\n".join(lines)


def main(args: Iterable[str] | None = None) -> Prepared:
    """Load the config, write the synthetic set if needed, prepare, print a summary.

    The config is checked as `python main.py learn2dance` checks it (every rule of
    learn2dance_config.py), so a value training would refuse is refused here too.
    """
    cfg = TRAINING.load(list(args) if args is not None else [])
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if ensure_dataset(cfg):
        print(f"warning: {written_notice(cfg)}", file=sys.stderr)
    prepared = prepare(cfg)
    print(summary(prepared))
    return prepared


if __name__ == "__main__":
    argv = sys.argv[1:]
    if wants_help(argv):
        print(help_text("-m pirounet.systems.learn2dance.prepare", DEFAULTS, __doc__))
        sys.exit(0)
    warnings.formatwarning = lambda message, *rest, **kw: f"warning: {message}\n"
    try:
        main(argv)
    except USER_ERRORS as err:
        sys.exit(f"error: {err}")
