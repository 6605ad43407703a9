"""The built-in synthetic music-and-dance set, written as raw inputs a user would bring.

    data/learn2dance/songs/song_000.wav                  a synthetic song (synthetic_songs.py)
    data/learn2dance/poses/song_000/song_000_<12 digits>_keypoints.json
                                                         its dancer, one OpenPose file a frame
    data/learn2dance/poses/song_000/fps.txt              the dance's frame rate
    data/learn2dance/truth.json                          ground truth of every song

truth.json holds, per song: style, bpm, beats per bar, beat times (s), bar start times (s),
the move of each bar (id and name, from synthetic_dancers.MOVES) and the camera. Song i is
drawn from its own generator, seeded by (seed, i), so the set is the same on every machine
and a song does not change when the set grows.

ensure_dataset(cfg) writes the set when data_dir holds no learn2dance inputs, and never
writes over an existing file. A writer holds data_dir/.synthetic.lock and writes into a hidden
temporary folder beside songs/ and poses/, then moves the finished set into place: a second
run waits for the first to finish instead of reading half a set, and a writer killed
mid-way (even kill -9) leaves nothing a reader would take for data.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from tqdm import tqdm

from pirounet.systems.learn2dance.cache import cache_folder
from pirounet.systems.learn2dance import synthetic_dancers as dancers
from pirounet.music.errors import DataError
from pirounet.music.pairs import songs_folder
from pirounet.systems.learn2dance.synthetic_songs import SAMPLE_RATE, plan_song, render_song
from pirounet.run.atomic import FileLock, write_text_atomic

# Detection noise, in the spirit of OpenPose on a clean video.
NOISE_SHARE = 0.004  # position noise sd, as a share of the dancer's height in pixels
DROP_START = 0.006  # chance per joint and frame that a dropout (0, 0, 0) starts
DROP_FRAMES = (1, 6)  # dropout length, frames
UNSURE = 0.01  # chance per joint and frame of a wrong position with confidence < 0.25
MISS_FRAME = 0.004  # chance per frame that the dancer is not detected at all
BYSTANDER_CHANCE = 0.7  # chance that a song has someone else in the picture, for a while
IMAGE_W, IMAGE_H = dancers.IMAGE_SIZE
LOCK_NAME = ".synthetic.lock"  # in data_dir: held by whoever writes the set
TEMP_PREFIX = ".synthetic-"  # data_dir/.synthetic-*.tmp/: a set being written


def camera(rng: np.random.Generator) -> dict[str, float]:
    """A random pinhole camera in front of the dancer (at +x, looking along -x)."""
    return {"distance": float(rng.uniform(4.0, 6.0)), "height": float(rng.uniform(0.9, 1.4)),
            "side": float(rng.uniform(-0.5, 0.5)), "focal": float(rng.uniform(650, 900))}


def project(points: np.ndarray, cam: dict[str, float]) -> np.ndarray:
    """Pixels (..., 2), y down, of 3-D points (..., 3) (z up; +y appears to the right)."""
    depth = cam["distance"] - points[..., 0]
    u = IMAGE_W / 2 + cam["focal"] * (points[..., 1] - cam["side"]) / depth
    v = IMAGE_H / 2 - cam["focal"] * (points[..., 2] - cam["height"]) / depth
    return np.stack([u, v], axis=-1)


def detect(pixels: np.ndarray, rng: np.random.Generator, confidence: tuple[float, float]
           ) -> np.ndarray:
    """OpenPose-like keypoints (T, 25, 3) from true pixels (T, 25, 2): noise, drops, doubt."""
    t, j = pixels.shape[:2]
    height = np.ptp(pixels[..., 1], axis=1).mean()
    out = np.empty((t, j, 3))
    out[..., :2] = pixels + rng.normal(0, NOISE_SHARE * height, pixels.shape)
    out[..., 2] = rng.uniform(*confidence, size=(t, j))
    unsure = rng.random((t, j)) < UNSURE
    out[unsure, :2] += rng.normal(0, 0.05 * height, (unsure.sum(), 2))
    out[unsure, 2] = rng.uniform(0.05, 0.24, unsure.sum())
    for tt, jj in zip(*np.nonzero(rng.random((t, j)) < DROP_START)):
        out[tt:tt + rng.integers(DROP_FRAMES[0], DROP_FRAMES[1] + 1), jj] = 0.0
    return np.round(out, 3)


def _bystander_frames(n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(T,) bool: the frames in which a second person is in the picture."""
    present = np.zeros(n, dtype=bool)
    if rng.random() < BYSTANDER_CHANCE:
        for _ in range(rng.integers(1, 3)):
            length = int(rng.uniform(2.0, 4.0) * fps)
            start = int(rng.integers(0, max(n - length, 1)))
            present[start:start + length] = True
    return present


def write_frames(folder: Path, name: str, dancer: np.ndarray, other: np.ndarray,
                 present: np.ndarray, missed: np.ndarray, rng: np.random.Generator) -> None:
    """One OpenPose JSON file per frame; people listed in random order when two are seen."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = {"face_keypoints_2d": [], "hand_left_keypoints_2d": [],
             "hand_right_keypoints_2d": [], "pose_keypoints_3d": [], "face_keypoints_3d": [],
             "hand_left_keypoints_3d": [], "hand_right_keypoints_3d": []}
    for t in range(len(dancer)):
        people = [] if missed[t] else [dancer[t]]
        if present[t]:
            people.insert(int(rng.integers(0, len(people) + 1)), other[t])
        frame = {"version": 1.3, "people": [
            {"person_id": [-1], "pose_keypoints_2d": p.ravel().tolist(), **empty}
            for p in people]}
        path = folder / f"{name}_{t:012d}_keypoints.json"
        path.write_text(json.dumps(frame, separators=(",", ":")))


def write_song(out: Path, index: int, seconds: float, fps: float, seed: int) -> dict[str, Any]:
    """Write song `index` (audio and dancer) under out; its ground truth."""
    rng = np.random.default_rng([seed, index])
    name = f"song_{index:03d}"
    plan = plan_song(rng, name, seconds)
    soundfile.write(out / "songs" / f"{name}.wav", render_song(plan, rng), SAMPLE_RATE)
    moves = dancers.choreograph(plan, rng)
    joints = dancers.dancer_joints(plan, moves, fps, rng)  # (T, 25, 3)
    cam = camera(rng)
    dancer = detect(project(joints, cam), rng, (0.55, 0.95))
    n = len(joints)
    present = _bystander_frames(n, fps, rng)
    other = detect(project(dancers.bystander_joints(n, fps, rng), cam), rng, (0.3, 0.8))
    folder = out / "poses" / name
    write_frames(folder, name, dancer, other, present, rng.random(n) < MISS_FRAME, rng)
    (folder / "fps.txt").write_text(f"{fps}\n")
    return {**plan.to_dict(), "fps": fps, "beat_times": plan.beat_times().round(4).tolist(),
            "bar_starts": plan.bar_starts().round(4).tolist(), "moves": moves.tolist(),
            "move_names": [dancers.MOVES[m] for m in moves], "camera": cam,
            "bystander_frames": int(present.sum())}


def write_synthetic_set(out: str | Path, n_songs: int, seconds: float, fps: float = 30.0,
                        seed: int = 0, progress: bool = False) -> Path:
    """Write the synthetic set to `out` (songs/, poses/, truth.json); refuses to overwrite."""
    out = _folder(out)
    with FileLock(out / LOCK_NAME, blocking=True):
        return _write_set(out, n_songs, seconds, fps, seed, progress)


def _folder(path: str | Path) -> Path:
    """path as a folder to write in; one DataError when it names a file."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(f"{path}: data_dir names a file; expected a folder (songs/ and poses/ "
                        "in it, or nothing, for the synthetic set)")
    return path


def _write_set(out: Path, n_songs: int, seconds: float, fps: float, seed: int,
               progress: bool) -> Path:
    """Write the set into a temporary folder in out, then move it into place (lock held)."""
    names = [f"song_{i:03d}" for i in range(n_songs)]
    targets = ([out / "truth.json"] + [out / "songs" / f"{n}.wav" for n in names]
               + [out / "poses" / n for n in names])
    taken = [str(p) for p in targets if p.exists()]
    if taken:
        raise DataError(f"{out}: will not write the synthetic set over existing "
                                   f"files: {', '.join(taken[:3])}")
    for stale in out.glob(f"{TEMP_PREFIX}*.tmp"):  # left by a writer that was killed
        shutil.rmtree(stale, ignore_errors=True)
    temp = Path(tempfile.mkdtemp(dir=out, prefix=TEMP_PREFIX, suffix=".tmp"))
    try:
        (temp / "songs").mkdir()
        truth = {"seed": seed, "fps": fps, "moves": list(dancers.MOVES), "songs": {}}
        for i in tqdm(range(n_songs), desc="synthetic set", disable=not progress):
            truth["songs"][names[i]] = write_song(temp, i, seconds, fps, seed)
        write_text_atomic(temp / "truth.json", json.dumps(truth, indent=1) + "\n")
        # truth first, songs last: a reader pairs songs with dances, so until songs/ arrives
        # it finds no pair (an error), never a set without its truth
        os.replace(temp / "truth.json", out / "truth.json")
        for sub in ("poses", "songs"):
            _move_into(temp / sub, out / sub)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return out


def _move_into(source: Path, target: Path) -> None:
    """Move folder source to target: one rename, or entry by entry when target exists."""
    if not target.exists():
        os.replace(source, target)
        return
    for entry in sorted(source.iterdir()):
        os.replace(entry, target / entry.name)


def _visible(folder: Path) -> list[Path]:
    """The entries of a folder that are not hidden (none when it does not exist)."""
    return [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")] \
        if folder.is_dir() else []


def has_inputs(data_dir: str | Path, songs_dir: str | None = None) -> bool:
    """True when data_dir has anything in its songs folder or poses/ (a user's, or ours)."""
    data_dir = Path(data_dir)
    try:
        songs = songs_folder(data_dir, songs_dir)
    except DataError:  # songs in several folders: a user's inputs
        return True
    return bool((songs is not None and _visible(songs)) or _visible(data_dir / "poses"))


def ensure_dataset(cfg: Any, progress: bool | None = None) -> bool:
    """Write the synthetic set to cfg.data_dir if it has no inputs; True when written."""
    data_dir = _folder(cfg.data_dir)
    if has_inputs(data_dir, cfg.songs_dir) or not cfg.synthetic_if_missing:
        return False
    with FileLock(data_dir / LOCK_NAME, blocking=True):
        if has_inputs(data_dir, cfg.songs_dir):  # another run wrote it while this one waited
            return False
        ours = {"songs", "poses", cache_folder(cfg).name}
        stray = [p.name for p in _visible(data_dir) if p.name not in ours]
        if stray:  # a user's files in another layout: do not mix the synthetic set in
            raise DataError(
                f"{cfg.data_dir} holds {', '.join(stray[:3])} but nothing in songs/ or poses/: "
                "put songs in songs/<name>.wav and dances in poses/<name>/ "
                "(docs/learn2dance_data.md), or point data_dir at an empty folder to get the "
                "synthetic set")
        _write_set(data_dir, cfg.synthetic_songs, cfg.synthetic_seconds, cfg.fps, cfg.seed,
                   cfg.progress if progress is None else progress)
    return True


def written_notice(cfg: Any) -> str:
    """What to tell the user when ensure_dataset wrote the set: their data_dir had no data."""
    return (f"{cfg.data_dir} holds no songs or dances, so the built-in synthetic set "
            f"({cfg.synthetic_songs} songs) was written there and is used; if that folder is "
            "a typo, set --data_dir to your data (synthetic_if_missing=False makes this an "
            "error)")
