"""Write the effort meter's Time labels for a share of the blocks, marked as machine labels.

    python -m pirounet.systems.pirounet.machine_labels --share=0.33 --seed=0 \
        [--data_pattern='data/mariel_*.npy'] [--out=data/labels_machine_meter.csv]

For experiments without a person to label (the paper's author labelled about a third of the
blocks by hand). The blocks are those the labeling app offers (seq_len frames on the published
grid, none spanning two recordings); `--seed` picks round(share x n) of them at random. The
meter is uncalibrated: its thresholds cut the scores of all blocks into thirds. The file is a
paper-format label CSV (start, space, time; space 4 = N/A, the meter measures Time only) that
training reads like any other; its name says "machine", and its sidecar
<name>.sources.csv marks every row `machine`, so every table of a run trained on it says
"machine labels (meter)". The recordings' identity is kept beside it, as the app keeps it.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from pirounet.systems.pirounet.data.label_files import (
    MACHINE,
    MACHINE_LABELS_FILE,
    NA,
    recordings_identity,
    write_label_file,
    write_label_sources,
    write_recordings_identity,
)
from pirounet.systems.pirounet.data.any_mocap import Layout
from pirounet.systems.pirounet.data.mocap import DataError, load_recordings
from pirounet.systems.pirounet.suggestions import block_scores, label_blocks, suggest

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m pirounet.systems.pirounet.machine_labels",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--share", type=float, default=0.33, help="share of the blocks to label "
                   "(0 < share <= 1; default 0.33, about the paper's hand-labelled share)")
    p.add_argument("--seed", type=int, default=0, help="which blocks are picked")
    p.add_argument("--data_pattern", default="data/mariel_*.npy", help="recordings (glob)")
    p.add_argument("--out", help="label CSV to write; its name must contain 'machine' "
                   f"(default: {MACHINE_LABELS_FILE} beside the recordings)")
    p.add_argument("--seq_len", type=int, default=40, help="frames per block")
    p.add_argument("--skeleton", default="", help="as the training setting: '' = the data's "
                   "own, a skeleton name or a definition .json")
    p.add_argument("--fps", type=float, default=0.0, help="as the training setting: the run's "
                   "frame rate outside the Vicon layout (0 = the first recording's)")
    p.add_argument("--trim_frames", type=int, default=-1, help="as the training setting "
                   "(-1 = auto)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    return p.parse_args(argv)


def pick_blocks(n: int, share: float, seed: int) -> np.ndarray:
    """Sorted indices of round(share x n) (at least 1) of n blocks, drawn with the seed."""
    k = min(n, max(1, round(share * n)))
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False))


def write_machine_labels(pattern: str, out: Path, share: float, seed: int,
                         seq_len: int = 40, layout: Layout | None = None) -> dict:
    """Label round(share x n) blocks with the uncalibrated meter; write CSV, marks, identity.

    layout: how recordings outside the Vicon layout are read; it must be the training run's
    (frame rate, trim), so that the label starts count the frames training counts.
    """
    rec = load_recordings(pattern, layout=layout)
    skeleton = rec.skeleton
    _, starts = label_blocks(rec.offsets, seq_len)
    if len(starts) == 0:
        raise DataError(f"{pattern}: no recording holds a whole {seq_len}-frame block")
    scores = block_scores(rec.poses, starts, seq_len, skeleton, skeleton.fps)
    # uncalibrated: thirds of every block's scores
    suggestions = suggest(scores, skeleton, fps=skeleton.fps)
    chosen = pick_blocks(len(starts), share, seed)
    time = suggestions.values[chosen]
    rows = np.stack([starts[chosen], np.full(len(chosen), NA), time], axis=1)  # (k, 3)
    write_label_sources(out, {int(s): (int(t), MACHINE) for s, _, t in rows.tolist()})
    write_label_file(out, rows)
    write_recordings_identity(out, recordings_identity(rec.files, np.diff(rec.offsets).tolist()))
    return {"labelled": len(chosen), "blocks": len(starts),
            "counts": np.bincount(time - 1, minlength=3).tolist(),
            "thresholds": suggestions.meter.thresholds}


def main(argv: list[str] | None = None) -> None:
    """Check the options, write the machine labels, say what was written."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out) if args.out else Path(args.data_pattern).parent / MACHINE_LABELS_FILE
    if not 0 < args.share <= 1:
        sys.exit(f"error: --share must be in (0, 1], got {args.share}")
    if args.seq_len < 3:
        sys.exit(f"error: --seq_len must be at least 3 (the meter takes second differences), "
                 f"got {args.seq_len}")
    if "machine" not in out.name.lower():
        sys.exit(f"error: --out {out}: the name of a machine-label file must contain "
                 f"'machine' (e.g. {MACHINE_LABELS_FILE}), so nobody takes it for hand labels")
    if out.exists() and not args.overwrite:
        sys.exit(f"error: {out} exists; pass --overwrite to replace it")
    try:
        done = write_machine_labels(args.data_pattern, out, args.share, args.seed, args.seq_len,
                                    Layout(args.skeleton, args.fps, args.trim_frames).checked())
    except DataError as err:
        sys.exit(f"error: {err}")
    t1, t2 = done["thresholds"]
    print(f"wrote {out}: machine labels (meter) for {done['labelled']} of {done['blocks']} "
          f"blocks (share {args.share}, seed {args.seed}); Time low/medium/high "
          f"{'/'.join(map(str, done['counts']))}; thresholds {t1:.4g}, {t2:.4g} (thirds of "
          f"all blocks' scores)\ntrain on them with --labels_path={out}")


if __name__ == "__main__":
    main()
