"""The synthetic dancer: a stand-in data set in the exact format of the mariel recordings.

    python -m pirounet.systems.pirounet.data.synthetic --out data [--seed 0] [--frames 38309] [--files 6]
    write_synthetic_dataset("data", seed=0, frames=38309, n_files=6, disagree=0.10)
    make_synthetic_dataset(seed=0, ...)  # the same arrays in memory, nothing written

What it is. A kinematic skeleton of a person about 1.70 m tall (synthetic_body.py: 15 rigid
segments, joint limits, the 53 Vicon markers of pirounet.skeletons at fixed offsets on their
segments) performs a chain of phrases (synthetic_motion.py). Each phrase, 1.5-6 s long, has a
Laban Time Effort (1 sustained, 2 neutral, 3 sudden: long smooth transitions between key poses,
or short abrupt ones with holds and small jumps) and a Space Effort (1 indirect, 2 neutral,
3 direct: curved, wandering paths or straight ones) for the limbs, the travel on the floor
and the turns. The feet are kept on the floor; the body glides rather than steps when it
travels. The efforts are measurable: sudden windows have far higher end-effector acceleration
than sustained ones. A simulated labeler then labels 40-frame blocks of the first ~36 % of the
frames the way the labeling app did, with N/A and a share of disagreeing labels.

What it is not. It is not dance and not motion capture: there is no choreographic intent,
balance, physics beyond ballistic jumps, marker noise or missing markers. It lets the whole
pipeline (loading, labels, training, generation, metrics) run and be tested without the
private recordings, and it gives known effort labels to check effort measures against.
Numbers obtained on it say nothing about the published results.

Files written to --out (the same seed gives byte-identical files):
- mariel_<name>.npy: (55, T + 1000, 3) float64, markers in VICON_RAW_MARKERS order
  (pirounet/skeletons.py),
  metres, with z = -height (the loader negates z, so +z is up after preprocessing), 500 spare
  frames at each end, LabelingHips = mean of the four waist markers, SolvingHips = midpoint of
  the hip joints. Six files split the frames in the real files' proportions.
- labels_from_app.csv: rows `start,space,time` without a header, starts 0, 40, 80, ... in the
  concatenated, trimmed frames (files in sorted name order). A block takes the effort that
  covers at least NA_BELOW of its frames, else 4 (N/A); then a share `disagree` of the
  non-N/A labels is replaced by one of the two other efforts, drawn at random.
- synthetic_truth.npz (not matched by mariel_*.npy), all indices in concatenated trimmed frames:
  time_effort, space_effort (T,) int8 per frame, 1-3; phrase_start, phrase_end (P,) int64
  (end exclusive; phrases are cut at file and trim boundaries); phrase_time, phrase_space (P,)
  int8; file_names (K,) str and file_start (K + 1,) int64 in sorted order; fps; seed.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pirounet.synthetic.body import forward_kinematics, place_on_floor
from pirounet.systems.pirounet.data.synthetic_motion import FPS, Phrase, frame_efforts, perform, plan_phrases
from pirounet.systems.pirounet.data.label_files import LABEL_BLOCK, LABELS_FILE, NA, write_label_file

REAL_FRAMES = (9925, 5803, 3866, 5309, 6649, 6757)  # trimmed lengths of the real files
NAMES = ("adagio", "bolero", "cancan", "flamenco", "gavotte", "habanera")  # sorted
SPARE = 500  # frames at each end of a file that the loader trims
LABELLED_SHARE = 347 * LABEL_BLOCK / sum(REAL_FRAMES)  # the real file labels 347 blocks
NA_BELOW = 0.7  # a block whose majority effort covers less than this share is N/A
TRUTH_FILE = "synthetic_truth.npz"


@dataclass
class SyntheticDataset:
    """Everything the writer puts on disk, in memory."""

    recordings: dict[str, np.ndarray]  # file name -> (55, T + 1000, 3) float64, z down
    labels: np.ndarray  # (n_blocks, 3) int64: start, space, time
    truth: dict[str, np.ndarray]  # the arrays of synthetic_truth.npz


def split_frames(frames: int, n_files: int) -> np.ndarray:
    """Trimmed frames (n_files,) per file, in the real files' proportions, summing to `frames`."""
    if not 1 <= n_files <= len(NAMES):
        raise ValueError(f"n_files={n_files}: choose 1 to {len(NAMES)} files")
    weights = np.array(REAL_FRAMES[:n_files], dtype=np.float64)
    exact = frames * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    parts[np.argsort(parts - exact)[: frames - parts.sum()]] += 1  # largest remainders
    if parts.min() < 1:
        raise ValueError(f"frames={frames} is too few for {n_files} files")
    return parts


def imitate_labels(time_effort: np.ndarray, space_effort: np.ndarray, rng: np.random.Generator,
                   disagree: float) -> np.ndarray:
    """Label rows (n, 3) start, space, time for blocks over the first LABELLED_SHARE of frames."""
    n_blocks = int(len(time_effort) * LABELLED_SHARE) // LABEL_BLOCK
    columns = []
    for effort in (space_effort, time_effort):
        blocks = effort[: n_blocks * LABEL_BLOCK].reshape(n_blocks, LABEL_BLOCK)
        counts = (blocks[..., None] == np.arange(1, 4)).sum(axis=1)  # (n, 3)
        clear = counts.max(axis=1) >= NA_BELOW * LABEL_BLOCK
        label = np.where(clear, counts.argmax(axis=1) + 1, NA)
        flip = (rng.random(n_blocks) < disagree) & (label != NA)
        other = (label - 1 + rng.integers(1, 3, size=n_blocks)) % 3 + 1
        columns.append(np.where(flip, other, label))
    return np.column_stack([np.arange(n_blocks) * LABEL_BLOCK, *columns]).astype(np.int64)


def _raw_markers(rng: np.random.Generator, phrases: list[Phrase], n_frames: int) -> np.ndarray:
    """One performance as a raw mariel array (55, n_frames, 3): metres, z = -height."""
    motion = perform(rng, phrases, n_frames)
    root = np.column_stack([motion.xy, np.zeros(n_frames)])  # height comes from the floor
    markers = place_on_floor(forward_kinematics(root, motion.yaw, motion.angles), motion.lift)
    raw = np.ascontiguousarray(markers.transpose(1, 0, 2))  # (55, T, 3)
    raw[..., 2] *= -1.0
    return raw


def _trimmed_phrases(plans: list[list[Phrase]], trimmed: np.ndarray) -> np.ndarray:
    """(P, 4) start, end, time, space of the phrases inside the concatenated trimmed frames."""
    rows = []
    for plan, offset, n in zip(plans, np.cumsum(trimmed) - trimmed, trimmed):
        for p in plan:
            start, end = max(p.start - SPARE, 0), min(p.start + p.length - SPARE, n)
            if end > start:
                rows.append((offset + start, offset + end, p.time, p.space))
    return np.array(rows, dtype=np.int64)


def make_synthetic_dataset(seed: int = 0, frames: int = sum(REAL_FRAMES), n_files: int = 6,
                           disagree: float = 0.10) -> SyntheticDataset:
    """Generate recordings, labels and ground truth with `frames` trimmed frames in all."""
    motion_seed, label_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(motion_seed)
    trimmed = split_frames(frames, n_files)
    plans = plan_phrases(rng, trimmed + 2 * SPARE)
    recordings = {
        f"mariel_{name}.npy": _raw_markers(rng, plan, n + 2 * SPARE)
        for name, plan, n in zip(NAMES, plans, trimmed)
    }
    efforts = [frame_efforts(plan) for plan in plans]
    time_effort = np.concatenate([t[SPARE:-SPARE] for t, _ in efforts])
    space_effort = np.concatenate([s[SPARE:-SPARE] for _, s in efforts])
    labels = imitate_labels(time_effort, space_effort, np.random.default_rng(label_seed), disagree)
    phrases = _trimmed_phrases(plans, trimmed)
    truth = {
        "time_effort": time_effort, "space_effort": space_effort,
        "phrase_start": phrases[:, 0], "phrase_end": phrases[:, 1],
        "phrase_time": phrases[:, 2].astype(np.int8),
        "phrase_space": phrases[:, 3].astype(np.int8),
        "file_names": np.array(list(recordings)),
        "file_start": np.concatenate([[0], np.cumsum(trimmed)]),
        "fps": np.array(FPS), "seed": np.array(seed),
    }
    return SyntheticDataset(recordings, labels, truth)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez with a fixed timestamp in the zip, so the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w") as f:
                np.lib.format.write_array(f, np.asarray(array), allow_pickle=False)


class SyntheticOverwriteError(FileExistsError):
    """write_synthetic_dataset would replace files that differ from what it writes."""


def write_synthetic_dataset(out_dir: str | Path, seed: int = 0, frames: int = sum(REAL_FRAMES),
                            n_files: int = 6, disagree: float = 0.10,
                            overwrite: bool = False) -> list[Path]:
    """Write the mariel files, labels_from_app.csv and synthetic_truth.npz; return their paths.

    A file of the same name in out_dir is replaced only when it holds exactly the bytes this
    call writes (the same set again), or when overwrite=True: otherwise nothing is written and
    SyntheticOverwriteError names the files, so a user's own recordings or labels (e.g. an
    edited labels_from_app.csv) are never lost. Everything is written to a temporary folder
    first and then moved in, so an interrupted run leaves no half-written set.
    """
    data = make_synthetic_dataset(seed, frames, n_files, disagree)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [*data.recordings, LABELS_FILE, TRUTH_FILE]
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".synthetic-") as tmp:
        for name, raw in data.recordings.items():
            np.save(Path(tmp) / name, raw)
        write_label_file(Path(tmp) / LABELS_FILE, data.labels, durable=False)
        _save_npz(Path(tmp) / TRUTH_FILE, data.truth)
        clash = [name for name in names if (out_dir / name).exists() and not _same_bytes(
            out_dir / name, Path(tmp) / name)]
        if clash and not overwrite:
            raise SyntheticOverwriteError(
                f"{out_dir}/ already holds {', '.join(clash)}, which differ from the synthetic "
                f"dancer's; nothing was written. Write it into a folder of its own (e.g. "
                f"--out {out_dir / 'synthetic'}), or replace them with --overwrite")
        for name in names:
            os.replace(Path(tmp) / name, out_dir / name)
    return [out_dir / name for name in names]


def _same_bytes(a: Path, b: Path) -> bool:
    """Two regular files with the same contents (a folder or a link loop is never the same)."""
    try:
        return a.is_file() and a.stat().st_size == b.stat().st_size and \
            a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: write the synthetic dancer to --out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder to write into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=sum(REAL_FRAMES),
                        help="trimmed frames over all files (real set: 38309)")
    parser.add_argument("--files", type=int, default=6, help=f"1 to {len(NAMES)} recordings")
    parser.add_argument("--disagree", type=float, default=0.10,
                        help="share of labels the simulated labeler gets 'wrong'")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files of the same names that differ (e.g. your labels)")
    args = parser.parse_args(argv)
    tic = time.perf_counter()
    try:
        paths = write_synthetic_dataset(args.out, args.seed, args.frames, args.files,
                                        args.disagree, args.overwrite)
    except SyntheticOverwriteError as err:
        raise SystemExit(f"error: {err}") from None
    for path in paths:
        print(path)
    print(f"wrote {len(paths)} files in {time.perf_counter() - tic:.1f} s")


if __name__ == "__main__":
    main()
