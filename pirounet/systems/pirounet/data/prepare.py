"""From a config to ready loaders: recordings, labels, split and window loaders."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from pirounet.systems.pirounet.data.label_files import (
    LABEL_BLOCK,
    LABELS_FILE,
    check_recordings_identity,
    label_origin,
    recordings_identity,
)
from pirounet.systems.pirounet.data.labels import load_labels, read_label_rows
from pirounet.systems.pirounet.data.loaders import WindowLoader
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.data.any_mocap import Layout
from pirounet.systems.pirounet.data.mocap import (
    C3DOptions,
    DataError,
    Recordings,
    find_recordings,
    load_recordings,
)
from pirounet.systems.pirounet.data.splits import Split, make_split

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Everything a run needs from the data: poses once, and window starts per part."""

    recordings: Recordings
    poses: torch.Tensor  # (T, J * 3) float32, shared by every loader: (T, 159) for Vicon
    split: Split
    seq_len: int
    fingerprint: dict = field(default_factory=dict)  # data_fingerprint: what the data is

    def loader(self, part: str, cfg, *, labelled: bool = True, shuffle: bool | None = None,
               drop_last: bool | None = None, rank: int = 0, world_size: int = 1,
               batch_size: int | None = None) -> WindowLoader:
        """A loader over one part ("train", "valid", "test"); drop_last defaults as published."""
        if labelled:
            starts, labels = getattr(self.split, f"{part}_lab"), getattr(self.split, f"{part}_y")
        else:
            starts, labels = getattr(self.split, f"{part}_unlab"), None
        return WindowLoader(
            self.poses, starts, labels, seq_len=self.seq_len,
            batch_size=batch_size or cfg.batch_size,
            shuffle=cfg.shuffle_data if shuffle is None else shuffle,
            drop_last=labelled if drop_last is None else drop_last,
            seed=cfg.seed, rank=rank, world_size=world_size,
            num_workers=getattr(cfg, "num_workers", 0),
        )

    @property
    def skeleton(self):
        """The skeleton of the poses (VICON_53 for the published layout)."""
        return self.recordings.skeleton

    def training_starts(self) -> np.ndarray:
        """Sorted distinct starts of every training window, labelled or not."""
        return np.union1d(self.split.train_unlab, self.split.train_lab).astype(np.int64)

    def training_poses(self) -> torch.Tensor:
        """The distinct poses (N, 159) that the training windows cover, labelled or not."""
        starts = self.training_starts()
        frames = np.unique(starts[:, None] + np.arange(self.seq_len))  # (N,)
        return self.poses[torch.from_numpy(frames)]

    def windows(self, starts: np.ndarray) -> torch.Tensor:
        """Windows (N, seq_len, 159) for the given start indices."""
        starts = torch.as_tensor(np.asarray(starts), dtype=torch.int64)
        return self.poses[starts[:, None] + torch.arange(self.seq_len)]


USER_DATA_SUFFIXES = (".npy", ".npz", ".csv", ".c3d")  # what in a data folder may be a user's own


def user_files(folder: Path, labels_path: str | Path | None = None) -> list[Path]:
    """Recordings and label files in folder (and labels_path) that the synthetic set would meet."""
    found = []
    if folder.is_dir():
        found = sorted(p for p in folder.iterdir()
                       if p.suffix.lower() in USER_DATA_SUFFIXES and not p.name.startswith("."))
    if labels_path is not None and Path(labels_path).exists() and Path(labels_path) not in found:
        found.append(Path(labels_path))
    return found


def ensure_recordings(cfg) -> None:
    """Write the synthetic dancer where the config expects data, if that folder holds none.

    The synthetic set goes only into a folder without recordings or labels of the user's: when
    data_pattern matches nothing but the folder (or labels_path) holds other .npy/.npz/.csv
    files, e.g. recordings named take1.npy, this is a DataError naming them and nothing is
    written. write_synthetic_dataset itself never replaces a file that differs from its own.
    """
    if find_recordings(cfg.data_pattern) or not cfg.synthetic_if_missing:
        return
    from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

    out = Path(cfg.data_pattern).parent
    theirs = user_files(out, cfg.labels_path)
    if theirs:
        shown = ", ".join(str(p) for p in theirs[:6]) + (" ..." if len(theirs) > 6 else "")
        raise DataError(
            f"no recordings match data_pattern={cfg.data_pattern!r}, but {out}/ holds files "
            f"of yours ({shown}); the synthetic dancer is not written over them. To train on "
            f"them, set data_pattern (e.g. --data_pattern='{out}/*.npy') and labels_path; to "
            f"use the synthetic dancer, write it into a folder of its own with `python -m "
            f"pirounet.systems.pirounet.data.synthetic --out {out / 'synthetic'}` and set "
            f"--data_pattern='{out / 'synthetic'}/mariel_*.npy' "
            f"--labels_path={out / 'synthetic' / LABELS_FILE}")
    if Path(cfg.labels_path).parent.resolve() != out.resolve():
        raise DataError(
            f"no recordings match {cfg.data_pattern!r}; the synthetic dancer would be written "
            f"to {out}/ but labels_path={cfg.labels_path!r} is elsewhere; point labels_path "
            f"at {out / LABELS_FILE} (nothing was written)")
    log.warning(
        "No recordings match %r and %s/ holds no recordings or labels, so the built-in "
        "synthetic dancer is being written there (6 performances, ~38,300 frames, with %s). "
        "To train on real motion capture, put mariel_*.npy files of shape (55, T, 3) and your "
        "labels CSV there instead (or set data_pattern / labels_path).", cfg.data_pattern, out,
        LABELS_FILE,
    )
    write_synthetic_dataset(out, seed=cfg.seed)
    if not Path(cfg.labels_path).exists():
        raise DataError(
            f"synthetic data written to {out}/ but labels_path={cfg.labels_path!r} is elsewhere; "
            f"point labels_path at {out / LABELS_FILE}"
        )


def check_labels(cfg, starts: np.ndarray, classes: np.ndarray) -> None:
    """Raise DataError naming the label file if it has no labelled window or too many classes."""
    if len(starts) == 0:
        raise DataError(f"label file {cfg.labels_path} gives no labelled window for effort="
                        f"{cfg.effort!r}: every row is N/A (4) there, or no labelled window "
                        "fits the recordings; label some blocks 1-3 with "
                        "`python -m pirounet.systems.pirounet.label_app`")
    if classes.max() >= cfg.label_dim:
        raise DataError(f"label file {cfg.labels_path}: labels go up to class {classes.max()} "
                        f"but label_dim={cfg.label_dim}")


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def data_fingerprint(cfg, rec: Recordings, split: Split) -> dict:
    """What a run's data is, as stored in its checkpoints and results: each recording's name,
    bytes and trimmed frames, the label file's sha256, the effort, split and its sizes.

    Outside the Vicon layout it also holds the skeleton (Skeleton.to_dict), which evaluation
    and the app rebuild (run_skeleton) and a run refuses to change (check_skeleton).
    A resume or an evaluation compares it with the data it loads (pirounet/systems/pirounet/checkpoint.py):
    added labels or recordings change the split, and losses on another validation set are not
    comparable. Sizes rather than hashes keep it fast for gigabytes of recordings.
    """
    frames = np.diff(rec.offsets).tolist()
    fingerprint = {
        "recordings": [[f.name, f.stat().st_size, int(n)] for f, n in zip(rec.files, frames)],
        "labels_sha256": file_sha256(cfg.labels_path),
        "effort": cfg.effort, "split": cfg.split, "seq_len": int(cfg.seq_len),
        "split_sizes": {k: int(v) for k, v in split.sizes().items()},
    }
    if rec.skeleton is not VICON_53:  # none recorded = the published layout (older runs too)
        fingerprint["skeleton"] = rec.skeleton.to_dict()
    return fingerprint


def fingerprint_key(fingerprint: dict) -> str:
    """A short stable hash of a fingerprint (names a cache entry made from that data)."""
    text = repr(sorted((k, repr(v)) for k, v in fingerprint.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def spanning_blocks(starts: np.ndarray, offsets: np.ndarray,
                    block: int = LABEL_BLOCK) -> np.ndarray:
    """The label starts whose block [start, start + block) spans two recordings."""
    starts = np.asarray(starts, np.int64)
    ends = offsets[np.minimum(np.searchsorted(offsets, starts, side="right"), len(offsets) - 1)]
    return starts[starts + block > ends]


def warn_spanning_blocks(labels_path, rec: Recordings) -> None:
    """Say which label rows describe a block that spans two recordings (the old app made them).

    They are kept, as the published pipeline kept them; the app no longer offers such blocks.
    """
    spanning = spanning_blocks(read_label_rows(labels_path)[:, 0], rec.offsets)
    for start in spanning[:5].tolist():
        log.warning("%s: the block at start %d spans two recordings (%s into %s); its label "
                    "mixes both. Kept as published; relabel or delete that row to drop it",
                    labels_path, start, rec.file_of(start).name,
                    rec.file_of(start + LABEL_BLOCK - 1).name)
    if len(spanning) > 5:
        log.warning("%s: %d more blocks span two recordings", labels_path, len(spanning) - 5)


def match_input_dim(cfg, data: Dataset, may_change: bool):
    """The config with input_dim = the data's pose size (joints x 3), when it may change;
    else a DataError in one line when the data is of another skeleton than the run's."""
    skeleton = data.skeleton
    if cfg.input_dim == skeleton.pose_dim:
        return cfg
    if may_change:
        log.info("input_dim = %d: the recordings are %s, %d joints x 3", skeleton.pose_dim,
                 skeleton.name, skeleton.n_joints)
        return cfg.replace(input_dim=skeleton.pose_dim)
    raise DataError(f"the run learns poses of {cfg.input_dim} values, but the recordings "
                    f"({cfg.data_pattern}) are {skeleton.name}: {skeleton.n_joints} joints x 3 "
                    f"= {skeleton.pose_dim}; a run learns one skeleton")


def recorded_skeleton(fingerprint: dict | None):
    """The skeleton a run's data fingerprint records (VICON_53 where it records none)."""
    recorded = (fingerprint or {}).get("skeleton")
    return VICON_53 if recorded is None else Skeleton.from_dict(recorded)


def check_skeleton(saved: dict | None, data: Dataset) -> None:
    """A DataError in one line when a run's recorded skeleton is not the data's."""
    recorded = (saved or {}).get("skeleton")
    names = (recorded or {}).get("joints", list(VICON_53.joints))
    if names != list(data.skeleton.joints):
        raise DataError(f"the run was trained on skeleton {(recorded or {}).get('name', 'vicon53')}"
                        f" ({len(names)} joints), but the recordings are {data.skeleton.name} "
                        f"({data.skeleton.n_joints} joints); a run learns one skeleton")


def prepare_data(cfg) -> Dataset:
    """Load recordings and labels named by the config and split them."""
    ensure_recordings(cfg)
    rec = load_recordings(cfg.data_pattern, cfg.max_gap_frames, C3DOptions.from_config(cfg),
                          Layout.from_config(cfg))
    n_frames = len(rec.poses)
    identity = recordings_identity(rec.files, np.diff(rec.offsets).tolist())
    on_change = getattr(cfg, "on_data_change", "refuse")
    for diff in check_recordings_identity(cfg.labels_path, identity, on_change == "warn",
                                          ", or set --on_data_change=warn"):
        log.warning("on_data_change=warn: the labels in %s were made on other recordings: %s",
                    cfg.labels_path, diff)
    starts, classes = load_labels(cfg.labels_path, cfg.effort, augment=cfg.augment_labels,
                                  n_frames=n_frames, seq_len=cfg.seq_len)
    check_labels(cfg, starts, classes)
    log.info("labels: %s (%s)", label_origin(cfg.labels_path)["source"], cfg.labels_path)
    warn_spanning_blocks(cfg.labels_path, rec)
    split = make_split(cfg, starts, classes, n_frames, rec.offsets)
    log.info("%s effort, %d labelled windows; %s split: %s", cfg.effort, len(starts), cfg.split,
             split.sizes())
    poses = torch.from_numpy(rec.poses.reshape(n_frames, -1))
    return Dataset(rec, poses, split, cfg.seq_len, data_fingerprint(cfg, rec, split))
