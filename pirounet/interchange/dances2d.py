"""Export learn2dance's 2-D dances as OpenPose JSON folders or CSV.

    python -m pirounet.interchange.dances2d results/dances/l2d/song.npz --to=openpose
    python -m pirounet.interchange.dances2d results/dances/l2d/*.npz --to=csv --out=exports

Input: the <song>.npz files `python -m pirounet.systems.learn2dance.dance` writes (poses (T, 15, 2)
in pixels with y up, fps). Output, next to each input or in --out: <song>/ with one
<song>_<12 digits>_keypoints.json per frame and fps.txt (--to=openpose), or <song>.csv
(--to=csv). Formats: docs/interchange.md.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pirounet.interchange.openpose_json import write_openpose
from pirounet.interchange.table import write_csv
from pirounet.skeletons import OPENPOSE_15

FORMATS = ("openpose", "csv")


def read_dance_npz(path: str | Path) -> tuple[np.ndarray, float]:
    """(T, 15, 2) poses and fps of a learn2dance dance .npz."""
    with np.load(path, allow_pickle=False) as data:
        if "poses" not in data:
            raise ValueError(f"{path}: no 'poses' array (expected learn2dance's <song>.npz)")
        poses = np.asarray(data["poses"], dtype=np.float64)
        fps = float(data["fps"]) if "fps" in data else OPENPOSE_15.fps
    return OPENPOSE_15.as_joints(poses), fps


def export_dance(path: str | Path, to: str, out: str | Path | None = None) -> Path:
    """Write one dance .npz as an OpenPose folder or a CSV; returns what was written."""
    path = Path(path)
    poses, fps = read_dance_npz(path)
    out = Path(out) if out is not None else path.parent
    if to == "openpose":
        return write_openpose(poses, out / path.stem, video=path.stem, fps=fps)
    if to == "csv":
        return write_csv(out / f"{path.stem}.csv", poses, OPENPOSE_15, fps)
    raise ValueError(f"--to={to!r}: choose one of {', '.join(FORMATS)}")


def main(argv: Sequence[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(prog="python -m pirounet.interchange.dances2d",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("dances", nargs="+", help="learn2dance <song>.npz files")
    parser.add_argument("--to", choices=FORMATS, required=True)
    parser.add_argument("--out", default=None, help="folder (default: next to each input)")
    args = parser.parse_args(argv)
    written = []
    for dance in args.dances:
        try:
            written.append(export_dance(dance, args.to, args.out))
        except (OSError, ValueError) as err:
            parser.exit(2, f"error: {err}\n")
        print(written[-1])
    return written


if __name__ == "__main__":
    main(sys.argv[1:])
