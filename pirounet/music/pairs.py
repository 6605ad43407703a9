"""Songs and their dances, paired by name and split by song.

A data folder holds songs/<name>.<wav|flac|mp3|ogg> and, under poses/, one dance per song:
an OpenPose JSON folder <name>/, a COCO-17 <name>.npy or an AIST++ <name>.pkl. A song pairs
with the dance of the same name, never by position in a listing (the published code paired
100 songs with 76 dances by index). Names present on one side only are reported.

Splits are by song: each song, with its dance, is in exactly one of train, valid and test,
so no music is heard in two of them.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

from pirounet.music.errors import DataError
from pirounet.music.features import AUDIO_SUFFIXES

SPLITS = ("train", "valid", "test")
POSE_SUFFIXES = (".npy", ".pkl")
SIDECAR_SUFFIX = ".fps.txt"  # <name>.fps.txt beside a pose file holds its frame rate


@dataclass(frozen=True)
class Pair:
    """One song and its dance."""

    name: str
    song: Path  # audio file
    dance: Path  # OpenPose JSON folder, COCO-17 .npy or AIST++ .pkl


def find_songs(folder: Path) -> dict[str, Path]:
    """Song files by name (file stem); two songs with one name are an error."""
    songs: dict[str, Path] = {}
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.name.startswith(".") or path.suffix.lower() not in AUDIO_SUFFIXES:
            continue
        if path.stem in songs:
            raise DataError(f"{path}: a second song named {path.stem!r} "
                                       f"(also {songs[path.stem].name})")
        songs[path.stem] = path
    return songs


def find_dances(folder: Path) -> dict[str, Path]:
    """Dance inputs by name: JSON folders, .npy and .pkl files; anything else is an error."""
    dances: dict[str, Path] = {}
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.name.startswith(".") or path.name.endswith(SIDECAR_SUFFIX):
            continue
        if not path.is_dir() and path.suffix not in POSE_SUFFIXES:
            raise DataError(f"{path}: not a dance input (an OpenPose JSON folder, "
                                       "a COCO-17 .npy or an AIST++ keypoints2d .pkl)")
        name = path.name if path.is_dir() else path.stem
        if name in dances:
            raise DataError(f"{path}: a second dance named {name!r} "
                                       f"(also {dances[name].name})")
        dances[name] = path
    return dances


def pair_by_name(data_dir: str | Path) -> list[Pair]:
    """Every song of data_dir/songs with its dance of data_dir/poses, in name order."""
    data_dir = Path(data_dir)
    songs, dances = find_songs(data_dir / "songs"), find_dances(data_dir / "poses")
    names = sorted(set(songs) & set(dances))
    lonely_songs, lonely_dances = sorted(set(songs) - set(dances)), sorted(set(dances) - set(songs))
    if lonely_songs or lonely_dances:
        warnings.warn(f"{data_dir}: left out, with nothing of the same name to pair with: "
                      f"songs {lonely_songs or 'none'}; dances {lonely_dances or 'none'}",
                      stacklevel=2)
    if not names:
        raise DataError(
            f"{data_dir}: no song pairs with a dance by name (songs/<name>.wav and "
            f"poses/<name>/); found {len(songs)} songs and {len(dances)} dances")
    return [Pair(name, songs[name], dances[name]) for name in names]


def split_by_song(names: list[str], fractions: tuple[float, float, float],
                  seed: int) -> dict[str, str]:
    """Each name's split; a song's place depends only on seed and name, not the others."""
    n = len(names)
    total = sum(fractions)
    counts = [max(1 if f > 0 else 0, round(n * f / total)) for f in fractions[1:]]
    while sum(counts) > n - 1 and any(counts):  # train keeps at least one song
        counts[counts.index(max(counts))] -= 1
    order = sorted(names, key=lambda name: hashlib.sha1(f"{seed}:{name}".encode()).hexdigest())
    n_valid, n_test = counts
    splits = ["valid"] * n_valid + ["test"] * n_test + ["train"] * (n - n_valid - n_test)
    return dict(zip(order, splits))
