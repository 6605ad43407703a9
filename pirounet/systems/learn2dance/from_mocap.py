"""Motion capture with music in, a learn2dance data folder out: songs/ and OpenPose poses/.

    python -m pirounet.systems.learn2dance.from_mocap SOURCE OUT [--azimuth_deg=A]
        [--elevation_deg=E] [--pixels_per_metre=200]

SOURCE holds one entry per dance, either
    <name>/        a folder with skeletons.json (+ config.json) and its song (audio.mp3, any
                   .wav/.flac/.mp3/.ogg): Tang et al. 2018's dances exactly as they come
    <name>.<bvh|csv|npz|pkl>   a 3-D motion file (BVH, SMPL joint CSV, named joint array,
                   AIST++ keypoints3d) with its song <name>.<wav|flac|mp3|ogg> beside it
OUT gets songs/<name>.wav (the part of the song the dance covers, when config.json says so)
and poses/<name>/: one OpenPose BODY_25 JSON file a frame (the 15 joints a camera sees,
pirounet/interchange/camera.py; the other 10 undetected) and fps.txt, the motion's rate.
Then `python -m pirounet.systems.learn2dance.prepare --data_dir=OUT` reads it like any video
dance set. Nothing in OUT is written over.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Sequence

import librosa
import numpy as np
import soundfile

from pirounet.interchange.camera import Camera, to_openpose15
from pirounet.interchange.joints3d import read_motion
from pirounet.interchange.motion import Motion, MotionError
from pirounet.music.errors import DataError
from pirounet.music.features import AUDIO_SUFFIXES
from pirounet.skeletons import SkeletonError

MOTION_SUFFIXES = (".bvh", ".csv", ".npz", ".pkl")
BODY25 = 25  # OpenPose BODY_25 keypoints a person; the first 15 are OPENPOSE_15's


def find_entries(source: Path) -> list[tuple[str, Path, Path]]:
    """(name, motion path, song path) of every dance in source, in name order."""
    if not source.is_dir():
        raise DataError(f"{source}: no such folder")
    entries, skipped = [], []
    for path in sorted(source.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() and (path / "skeletons.json").is_file():
            songs = [p for p in sorted(path.iterdir()) if p.suffix.lower() in AUDIO_SUFFIXES]
            if len(songs) != 1:
                raise DataError(f"{path}: expected one song file beside skeletons.json, found "
                                f"{len(songs)} ({', '.join(p.name for p in songs) or 'none'})")
            entries.append((path.name, path, songs[0]))
        elif path.suffix.lower() in MOTION_SUFFIXES:
            songs = [path.with_suffix(s) for s in AUDIO_SUFFIXES if path.with_suffix(s).is_file()]
            if not songs:
                raise DataError(f"{path}: no song beside it ({path.stem}.wav, .flac, .mp3 or "
                                ".ogg)")
            entries.append((path.stem, path, songs[0]))
        elif path.suffix.lower() not in AUDIO_SUFFIXES:
            skipped.append(path.name)
    if not entries:
        raise DataError(f"{source}: no dance found (a folder with skeletons.json and its song, "
                        f"or <name>.bvh/.csv/.npz/.pkl beside <name>.wav); skipped: "
                        f"{', '.join(skipped[:8]) or 'nothing'}")
    return entries


def write_openpose(folder: Path, name: str, poses: np.ndarray, fps: float) -> None:
    """poses (T, 15, 2), y up, as OpenPose --write_json frames (pixels, y down) and fps.txt."""
    folder.mkdir(parents=True)
    seen = np.isfinite(poses).all(axis=-1)  # (T, 15)
    for t, (pose, ok) in enumerate(zip(poses, seen)):
        keypoints = np.zeros((BODY25, 3))
        keypoints[:15, 0] = np.where(ok, pose[:, 0], 0.0)
        keypoints[:15, 1] = np.where(ok, -pose[:, 1], 0.0)  # image y runs down
        keypoints[:15, 2] = ok
        person = {"person_id": [-1], "pose_keypoints_2d": np.round(keypoints, 3).ravel().tolist()}
        text = json.dumps({"version": 1.3, "people": [person]})
        (folder / f"{name}_{t:012d}_keypoints.json").write_text(text)
    (folder / "fps.txt").write_text(f"{fps:g}\n")


def write_song(song: Path, out: Path, motion: Motion) -> None:
    """The song as WAV at its own rate, cut to the span of it that the motion covers."""
    start, stop = motion.span if motion.span is not None else (0.0, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns before a deprecated fallback reader
        y, sr = librosa.load(song, sr=None, mono=True, offset=start,
                             duration=None if stop is None else stop - start)
    out.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(out, y, sr)


def convert(source: str | Path, out: str | Path, camera: Camera = Camera()) -> list[str]:
    """Write every dance of source into out as a learn2dance data folder; the names."""
    source, out = Path(source), Path(out)
    entries = find_entries(source)
    taken = [str(p) for name, _, _ in entries
             for p in (out / "songs" / f"{name}.wav", out / "poses" / name) if p.exists()]
    if taken:
        raise DataError(f"{out}: will not write over {', '.join(taken[:3])}")
    for i, (name, motion_path, song) in enumerate(entries):
        try:
            motion = read_motion(motion_path)
            poses = to_openpose15(motion, camera)
        except (MotionError, SkeletonError) as err:
            raise DataError(str(err)) from None
        write_openpose(out / "poses" / name, name, poses, motion.fps)
        write_song(song, out / "songs" / f"{name}.wav", motion)
        print(f"[{i + 1}/{len(entries)}] {name}: {len(poses)} frames at {motion.fps:g} fps "
              f"({motion.skeleton.name})")
    return [name for name, _, _ in entries]


def main(argv: Sequence[str]) -> list[str]:
    """The command line (module doc)."""
    parser = argparse.ArgumentParser(prog="python -m pirounet.systems.learn2dance.from_mocap",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("source", help="folder of dances (see below)")
    parser.add_argument("out", help="learn2dance data folder to write (songs/, poses/)")
    parser.add_argument("--azimuth_deg", type=float, default=None,
                        help="fixed camera direction (default: in front of the dancer's start)")
    parser.add_argument("--elevation_deg", type=float, default=0.0,
                        help="degrees the camera looks down from (default 0, level)")
    parser.add_argument("--pixels_per_metre", type=float, default=200.0)
    args = parser.parse_args(argv)
    camera = Camera(args.azimuth_deg, args.elevation_deg, args.pixels_per_metre)
    return convert(args.source, args.out, camera)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except DataError as err:
        sys.exit(f"error: {err}")
