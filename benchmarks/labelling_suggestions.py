"""Benchmark: how far the app's Time suggestions agree with a person's labels, as they label.

    python benchmarks/labelling_suggestions.py --data_pattern='DIR/mariel_*.npy' \
        --labels=DIR/labels_from_app.csv
    python benchmarks/labelling_suggestions.py --data_pattern='DIR/DANCE_*/skeletons.json'

Without arguments the synthetic set is written to a temporary folder and used (its labels
are the generator's efforts with a simulated labeler's N/A and 10 % disagreements, so about
0.9 is the best any meter can agree). The labelled blocks are taken in file order, as a
person labels them: after n own labels the meter is calibrated on those n and its
suggestions for the blocks labelled later are compared with the labels given there
(held out). "conf>=0.8" is the share of later blocks whose suggestion has confidence >= 0.8,
and how often those agree: the blocks a person could accept with one key.

With --data_pattern and no --labels (recordings nobody labelled, e.g. the real dances of Tang et
al. 2018), it prints per recording what the uncalibrated meter suggests: a plausibility check,
not an accuracy.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pirounet.systems.pirounet.data.label_files import read_label_file  # noqa: E402
from pirounet.systems.pirounet.data.mocap import load_recordings  # noqa: E402
from pirounet.systems.pirounet.suggestions import block_scores, label_blocks, suggest  # noqa: E402

STEPS = (0, 9, 30, 100, 300)  # own labels before the meter is asked


def held_out_row(scores: np.ndarray, values: np.ndarray, order: np.ndarray, n: int,
                 skeleton) -> dict:
    """Agreement and confidence on the blocks labelled after the first n (in labelling order)."""
    own = np.zeros(len(scores), np.int64)
    own[order[:n]] = values[order[:n]]
    found = suggest(scores, skeleton, own)
    later = order[n:]
    agree = found.values[later] == values[later]
    sure = found.confidence[later] >= 0.8
    return {"n": n, "calibrated": found.meter.calibrated, "agree": agree.mean(),
            "confidence": found.confidence[later].mean(), "sure_share": sure.mean(),
            "sure_agree": agree[sure].mean() if sure.any() else float("nan")}


def per_recording(rec, starts: np.ndarray, scores: np.ndarray, skeleton) -> None:
    """Median score and the share of each suggested class, per recording (no labels)."""
    found = suggest(scores, skeleton)
    names = np.array([rec.file_of(s).parent.name + "/" + rec.file_of(s).name
                      for s in starts.tolist()])
    print(f"{len(starts)} blocks; uncalibrated thresholds {found.meter.thresholds[0]:.3g}, "
          f"{found.meter.thresholds[1]:.3g}")
    print("| recording | blocks | median score | sustained | neutral | sudden | mean confidence |")
    print("|---|---|---|---|---|---|---|")
    for name in dict.fromkeys(names.tolist()):
        m = names == name
        share = [(found.values[m] == v).mean() for v in (1, 2, 3)]
        print(f"| {name} | {m.sum()} | {np.median(scores[m]):.3f} | {share[0]:.2f} | "
              f"{share[1]:.2f} | {share[2]:.2f} | {found.confidence[m].mean():.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_pattern", help="recordings (glob)")
    parser.add_argument("--labels", help="a person's label CSV for those recordings")
    args = parser.parse_args()
    tmp = None
    if args.data_pattern is None:
        tmp = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, "-m", "pirounet.systems.pirounet.data.synthetic",
                        "--out", tmp.name], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        args.data_pattern = f"{tmp.name}/mariel_*.npy"
        args.labels = f"{tmp.name}/labels_from_app.csv"
    cpu = time.process_time()
    rec = load_recordings(args.data_pattern)
    skeleton = rec.skeleton
    _, starts = label_blocks(rec.offsets, 40)
    scores = block_scores(rec.poses, starts, 40, skeleton)
    if args.labels is None:
        per_recording(rec, starts, scores, skeleton)
        print(f"CPU time {time.process_time() - cpu:.1f} s")
        return
    rows = read_label_file(args.labels)
    time_of = {s: t for s, _, t in rows.tolist() if t in (1, 2, 3)}
    values = np.array([time_of.get(s, 0) for s in starts.tolist()])
    order = np.nonzero(values)[0]  # labelled blocks, in the order a person meets them
    print(f"{len(starts)} blocks, {len(order)} with a Time label 1-3 ({args.labels})")
    print("| own labels | meter | agreement (held out) | mean confidence | conf>=0.8: share |"
          " agreement |")
    print("|---|---|---|---|---|---|")
    for n in STEPS:
        if n >= len(order):
            break
        r = held_out_row(scores, values, order, n, skeleton)
        print(f"| {n} | {'calibrated' if r['calibrated'] else 'thirds'} | {r['agree']:.3f} | "
              f"{r['confidence']:.3f} | {r['sure_share']:.3f} | {r['sure_agree']:.3f} |")
    print(f"CPU time {time.process_time() - cpu:.1f} s")


if __name__ == "__main__":
    main()
