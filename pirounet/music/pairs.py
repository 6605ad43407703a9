"""Songs and their dances, paired by name and split by song.

A data folder holds its songs, <name>.<wav|flac|mp3|ogg>, in one folder (songs/, or the one
named by songs_dir, or else the only folder beside poses/ that holds audio: audio/, music/,
...) and, under poses/, one dance per song: an OpenPose JSON folder <name>/, a COCO-17
<name>.npy or an AIST++ <name>.pkl. A song pairs with the dance of the same name, never by
position in a listing (the published code paired 100 songs with 76 dances by index). Names
present on one side only are reported; when nothing pairs, the error lists what was found
where and what was skipped.

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
NOT_SONGS = ("poses", "beats", "cache")  # folders of a data folder that never hold its songs


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


def _has_audio(folder: Path) -> bool:
    return any(p.suffix.lower() in AUDIO_SUFFIXES for p in folder.glob("*"))


def songs_folder(data_dir: Path, songs_dir: str | None = None) -> Path | None:
    """The folder of a data folder's songs: songs_dir if given, else songs/, else the only
    other folder with audio files in it (None when there is none)."""
    if songs_dir:
        return data_dir / songs_dir
    if (data_dir / "songs").is_dir():
        return data_dir / "songs"
    found = [p for p in sorted(data_dir.glob("*")) if p.is_dir() and p.name not in NOT_SONGS
             and not p.name.startswith(".") and _has_audio(p)]
    if len(found) > 1:
        raise DataError(f"{data_dir}: songs in several folders ({', '.join(p.name for p in found)}"
                        "); name the one to use with --songs_dir=<folder>")
    return found[0] if found else None


def _inventory(data_dir: Path, songs: Path | None, n_songs: int, n_dances: int) -> str:
    """What a data folder holds, for an error: where songs and dances were looked for."""
    where = (f"{n_songs} songs in {songs.name}/" if songs is not None and songs.is_dir()
             else f"no songs folder ({songs.name}/ is missing)" if songs is not None
             else "no folder of songs (songs/, or any folder with .wav/.flac/.mp3/.ogg files)")
    dances = (f"{n_dances} dances in poses/" if (data_dir / "poses").is_dir()
              else "no poses/ folder")
    other = [p.name + ("/" if p.is_dir() else "") for p in sorted(data_dir.glob("*"))
             if not p.name.startswith(".") and p not in (songs, data_dir / "poses")]
    skipped = f"; skipped: {', '.join(other[:8])}" if other else ""
    return f"found {where} and {dances}{skipped}"


def _some(names: set[str]) -> str:
    return ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")


def _check_name(path: Path) -> None:
    """A name must be text (UTF-8): it names outputs, log lines and report rows."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        shown = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise DataError(f"{path.parent / shown}: the file name is not valid UTF-8 (\ufffd marks "
                        "the bytes); rename it") from None


def pair_by_name(data_dir: str | Path, songs_dir: str | None = None) -> list[Pair]:
    """Every song of the data folder with its dance of data_dir/poses, in name order."""
    data_dir = Path(data_dir)
    folder = songs_folder(data_dir, songs_dir)
    songs = find_songs(folder) if folder is not None else {}
    dances = find_dances(data_dir / "poses")
    for path in [*songs.values(), *dances.values()]:
        _check_name(path)
    names = sorted(set(songs) & set(dances))
    lonely_songs, lonely_dances = sorted(set(songs) - set(dances)), sorted(set(dances) - set(songs))
    if names and (lonely_songs or lonely_dances):
        warnings.warn(f"{data_dir}: left out, with nothing of the same name to pair with: "
                      f"songs {lonely_songs or 'none'}; dances {lonely_dances or 'none'}",
                      stacklevel=2)
    if not names:
        raise DataError(
            f"{data_dir}: no song pairs with a dance by name (<songs folder>/<name>.wav with "
            f"poses/<name>/); {_inventory(data_dir, folder, len(songs), len(dances))}"
            + (f" (songs {_some(set(songs))}; dances {_some(set(dances))})"
               if songs and dances else ""))
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
