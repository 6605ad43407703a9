"""Benchmark: prepare the full default learn2dance synthetic set; print times and peak RSS.

    python benchmarks/learn2dance_prepare.py [--songs N] [--seconds S] [--features fact35]

The synthetic set (by default 40 songs x 30 s: 40 WAVs, 36,000 OpenPose JSON files) is
written to a temp folder by a separate process, so the figures are those of preparation
alone: parsing every dance, music features at the pose frame rate, k-means (k = 128), then
the whole prepare step cold (empty cache) and warm (every array from the cache).
Target: peak RSS <= 1 GB. Feature throughput (both feature sets) is in seconds of audio per
second of work, after a one-off warm-up (librosa compiles its numba kernels on first use).
Measured on 2 idle CPU cores (40 songs): peak RSS 376 MB; fact35 176 s of audio per second,
published512 548; the whole prepare step 18 s cold, 0.9 s warm (16 songs, shared cores: 330 MB,
8-13 s cold).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pirounet.music import features as music  # noqa: E402
from pirounet.systems.learn2dance import poses, prepare, vocabulary  # noqa: E402
from pirounet.music.pairs import pair_by_name  # noqa: E402
from pirounet.systems.learn2dance.music2dance.settings import TRAINING  # noqa: E402

RSS_LIMIT_MB = 1024


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_set(folder: Path, songs: int, seconds: float) -> None:
    """Write the synthetic set in a separate process (its memory is not counted)."""
    code = ("from pirounet.systems.learn2dance.synthetic import write_synthetic_set; "
            f"write_synthetic_set({str(folder)!r}, {songs}, {seconds})")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:7.2f} s")
    return result, seconds


def main() -> None:
    defaults = TRAINING.load([])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=defaults.synthetic_songs)
    parser.add_argument("--seconds", type=float, default=defaults.synthetic_seconds)
    parser.add_argument("--features", default=defaults.music_features,
                        help="music features of the prepare step (both sets are timed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _, write_s = timed(f"write the set ({args.songs} x {args.seconds:g} s)",
                           lambda: write_set(data, args.songs, args.seconds))
        cfg = TRAINING.load([f"--data_dir={data}", f"--cache_dir={Path(tmp) / 'cache'}",
                           f"--music_features={args.features}", "--progress=False"])
        pairs = pair_by_name(cfg.data_dir)
        settings = poses.PoseSettings.from_config(cfg)

        # Warm-up: librosa's numba kernels compile on first use (once per process).
        sr = music.sample_rate(cfg.fps, cfg.audio_hop)
        y = np.random.default_rng(0).normal(size=4 * sr).astype(np.float32)  # 4 s of noise
        timed("warm-up (numba compile)", lambda: [music.fact35(y, sr, cfg.audio_hop),
                                                  music.published512(y, sr, cfg.audio_hop)])

        dances, parse_s = timed("parse every dance",
                                lambda: [poses.read_dance(p.dance, settings) for p in pairs])
        frames = sum(len(d.poses) for d in dances)
        feature_s = {kind: timed(f"music features ({kind})", lambda: [
            music.music_features(p.song, kind, cfg.fps, cfg.audio_hop) for p in pairs])[1]
            for kind in music.FEATURE_DIMS}
        audio_s = frames / cfg.fps
        normalized = [vocabulary.normalize(d.poses)[0] for d in dances]
        chunks = np.concatenate([vocabulary.chunk(p, cfg.chunk_frames) for p in normalized])
        timed(f"k-means (k={cfg.n_moves}, {len(chunks)} chunks)",
              lambda: vocabulary.fit(chunks, cfg.n_moves, cfg.seed, "normalized"))
        _, cold_s = timed("prepare, cold cache", lambda: prepare.prepare(cfg))
        _, warm_s = timed("prepare, warm cache", lambda: prepare.prepare(cfg))

    rss = peak_rss_mb()
    print(f"\ndances: {len(pairs)}, {frames} frames ({frames / parse_s:,.0f} frames/s parsed)")
    for kind, seconds in feature_s.items():
        print(f"feature-extraction throughput ({kind}): {audio_s / seconds:,.0f} s of audio "
              "per second")
    print(f"peak RSS: {rss:,.0f} MB (limit {RSS_LIMIT_MB} MB)")
    if rss > RSS_LIMIT_MB:
        sys.exit(f"error: peak RSS {rss:.0f} MB is over the {RSS_LIMIT_MB} MB limit")


if __name__ == "__main__":
    main()
