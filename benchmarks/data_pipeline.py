"""Benchmark: build the paper split from the full-size synthetic set; print time and peak RSS.

    python benchmarks/data_pipeline.py [--data DIR]

The synthetic set (6 files, ~38,300 frames) is written first by a separate process, so the
figures below are those of data preparation alone (torch import included). Target: peak RSS
<= 1 GB. The published code holds 3.5 GB after preparing the same data, because it
materialises every stride-1 window as a float64 copy.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with mariel_*.npy and labels_from_app.csv")
    args = parser.parse_args()
    tmp = None
    if args.data is None:
        tmp = tempfile.TemporaryDirectory()
        args.data = tmp.name
        subprocess.run([sys.executable, "-m", "pirounet.systems.pirounet.data.synthetic", "--out", args.data],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    sys.path.insert(0, str(ROOT))

    start = time.perf_counter()
    import torch  # noqa: F401  (counted: every run imports it)

    from pirounet.systems.pirounet.data import prepare_data
    from pirounet.systems.pirounet.settings import TRAINING

    cfg = TRAINING.load([
        f"--data_pattern={args.data}/mariel_*.npy",
        f"--labels_path={args.data}/labels_from_app.csv",
        "--split=paper",
    ])
    data = prepare_data(cfg)
    n_batches = sum(1 for _ in data.loader("train", cfg, labelled=False))  # cut every window
    elapsed = time.perf_counter() - start

    print(f"frames: {len(data.poses)}  split: {data.split.sizes()}")
    print(f"unlabelled train batches cut: {n_batches}")
    print(f"wall time (import torch + prepare + one pass over the windows): {elapsed:.2f} s")
    print(f"peak RSS: {peak_rss_mb():.0f} MB  (target <= 1024 MB; published code: ~3500 MB)")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
