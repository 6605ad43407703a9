"""Benchmark: the dance command's MP4 with its song, streamed vs drawn in memory first.

    python benchmarks/dance_video.py [--seconds 120] [--fps 30] [--paths streamed in_memory]

A synthetic dance (a stick figure swaying, OPENPOSE_15) of --seconds at --fps and a tone of
the same length are written as an MP4 with the song as soundtrack, each path in a fresh
process so that its peak RSS is its own:

    streamed    what the dance command does: frames piped into ffmpeg as they are drawn
                (pirounet.viz.soundtrack.animate_with_soundtrack)
    in_memory   the older path: the whole dance drawn as a GIF in memory, written, then
                muxed with the song (pirounet.viz.animation.animate + soundtrack.mux)

It prints, per path, wall and CPU seconds (this process and ffmpeg) and the peak RSS of
Python and of ffmpeg, then the in_memory / streamed ratios measured in the same run. (A
child's peak RSS as Linux reports it includes the pages it shared with Python between fork
and exec, so in_memory's ffmpeg figure is at least Python's size at that moment.)

Measured on a shared, loaded 2-core machine (wall seconds are inflated by the others' load;
compare CPU seconds): a 120 s song, streamed 75 MB Python peak and 42 CPU s (Python and
ffmpeg), in_memory 746 MB and 44 CPU s (x9.9 memory); a 600 s song streamed, 88 MB and
196 CPU s (in_memory grows ~5.6 MB a second of song: about 3.4 GB for 600 s, not run).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATHS = ("streamed", "in_memory")


def synthetic_dance(seconds: float, fps: float) -> np.ndarray:
    """(T, 15, 2) poses in pixels, y up: a figure whose joints sway at different rates."""
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 400, (1, 15, 2)) * [1, -1]
    t = np.arange(int(seconds * fps))[:, None, None] / fps
    return base + 20 * np.sin(2 * np.pi * rng.uniform(0.3, 2.0, (1, 15, 2)) * t)


def write_song(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A 220 Hz tone with a click every half second, as WAV, written 10 s at a time.

    In pieces, so that this process stays small: a worker forked from it would otherwise
    report this process's peak as its own (Linux counts the pages shared until exec).
    """
    import soundfile

    with soundfile.SoundFile(path, "w", rate, 1) as f:
        for start in np.arange(0, int(seconds * rate), 10 * rate):
            t = np.arange(start, min(start + 10 * rate, int(seconds * rate))) / rate
            y = 0.2 * np.sin(2 * np.pi * 220 * t)
            y[(t % 0.5) < 0.01] += 0.5
            f.write(y.astype(np.float32))
    return path


def work(path: str, song: Path, out: Path, seconds: float, fps: float) -> dict[str, float]:
    """Write one MP4 by `path`; its costs as measured inside this (fresh) process."""
    from pirounet.skeletons import OPENPOSE_15
    from pirounet.viz.animation import animate
    from pirounet.viz.soundtrack import animate_with_soundtrack, mux

    poses = synthetic_dance(seconds, fps)
    tic, cpu = time.perf_counter(), time.process_time()
    if path == "streamed":
        animate_with_soundtrack(poses, song, out, fps=fps, skeleton=OPENPOSE_15,
                                fallback_gif=False)
    else:
        gif = animate(poses, out.with_suffix(".gif"), fps=fps, skeleton=OPENPOSE_15)
        mux(gif, song, out, fps)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": time.perf_counter() - tic, "cpu_s": time.process_time() - cpu,
            "ffmpeg_cpu_s": children.ru_utime + children.ru_stime,
            "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ffmpeg_peak_mb": children.ru_maxrss / 1024, "mp4_mb": out.stat().st_size / 2**20}


def measure(path: str, song: Path, folder: Path, seconds: float, fps: float) -> dict:
    """Run one path in a fresh Python process; its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--worker", path, "--song", str(song), "--out",
         str(folder / f"{path}.mp4"), "--seconds", str(seconds), "--fps", str(fps)],
        capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="song length")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--worker", choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument("--song", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # one measurement, in its own process
        print(json.dumps(work(args.worker, args.song, args.out, args.seconds, args.fps)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        song = write_song(Path(tmp) / "song.wav", args.seconds)
        print(f"{args.seconds:g} s song, {int(args.seconds * args.fps)} frames at "
              f"{args.fps:g} fps")
        print(f"{'path':<10} {'wall s':>8} {'CPU s':>7} {'ffmpeg CPU s':>13} "
              f"{'Python peak MB':>15} {'ffmpeg peak MB':>15} {'MP4 MB':>7}")
        found = {}
        for path in args.paths:
            found[path] = m = measure(path, song, Path(tmp), args.seconds, args.fps)
            print(f"{path:<10} {m['wall_s']:8.1f} {m['cpu_s']:7.1f} {m['ffmpeg_cpu_s']:13.1f} "
                  f"{m['python_peak_mb']:15.0f} {m['ffmpeg_peak_mb']:15.0f} {m['mp4_mb']:7.1f}")
        if len(found) == 2:
            old, new = found["in_memory"], found["streamed"]
            cpu = {k: m["cpu_s"] + m["ffmpeg_cpu_s"] for k, m in found.items()}
            print(f"in_memory / streamed: Python peak RSS x"
                  f"{old['python_peak_mb'] / new['python_peak_mb']:.1f}, CPU s (Python and "
                  f"ffmpeg) x{cpu['in_memory'] / cpu['streamed']:.2f}")


if __name__ == "__main__":
    main()
