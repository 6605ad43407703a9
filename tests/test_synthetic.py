"""The synthetic dancer: file format, determinism, rigid body, label balance, measurable effort."""
from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from pirounet.skeletons import VICON_53
from pirounet.skeletons import VICON_KEPT_RAW_INDICES as KEPT_RAW_INDICES
from pirounet.skeletons import VICON_RAW_MARKERS as RAW_MARKERS
from pirounet.synthetic.body import LIMITS, MARKER_SEGMENT, N_SEGMENTS
from pirounet.systems.pirounet.data.synthetic_motion import FPS, perform, plan_phrases
from pirounet.systems.pirounet.data import load_mocap
from pirounet.systems.pirounet.data.synthetic import (
    LABELS_FILE,
    REAL_FRAMES,
    SPARE,
    TRUTH_FILE,
    split_frames,
    write_synthetic_dataset,
)

END_EFFECTOR_INDICES, INDEX, SEGMENTS = (VICON_53.end_effector_indices, VICON_53.index,
                                         VICON_53.segments)
segment_lengths = VICON_53.segment_lengths

TINY = 600  # trimmed frames of the small sets
REPO = Path(__file__).resolve().parents[1]
# Segments of the stick figure that span a hip or an ankle, so they bend on a real body too.
FLEXIBLE = {("Lknee", "Lheel"), ("Rknee", "Rheel"), ("Lknee", "pelvis"), ("Rknee", "pelvis")}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A 600-frame set written with seed 0."""
    out = tmp_path_factory.mktemp("tiny")
    write_synthetic_dataset(out, seed=0, frames=TINY)
    return out


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    """The default set (6 files, 38,309 trimmed frames), seed 0."""
    out = tmp_path_factory.mktemp("full")
    write_synthetic_dataset(out)
    return out


def _raw(folder: Path) -> list[np.ndarray]:
    """The raw (55, T, 3) arrays of a folder, in sorted name order."""
    return [np.load(p) for p in sorted(folder.glob("mariel_*.npy"))]


def _labels(folder: Path) -> np.ndarray:
    """(n, 3) start, space, time rows of the labels CSV."""
    return np.loadtxt(folder / LABELS_FILE, delimiter=",", dtype=np.int64, ndmin=2)


def test_same_seed_gives_identical_bytes_other_seed_differs(tiny, tmp_path):
    again = write_synthetic_dataset(tmp_path / "again", seed=0, frames=TINY)
    assert len(again) == 8
    for path in again:
        assert path.read_bytes() == (tiny / path.name).read_bytes(), path.name
    other = write_synthetic_dataset(tmp_path / "other", seed=1, frames=TINY)
    assert other[0].read_bytes() != (tiny / other[0].name).read_bytes()


def test_files_have_the_mariel_format(tiny):
    names = sorted(p.name for p in tiny.glob("mariel_*.npy"))
    assert len(names) == 6
    assert not list(tiny.glob(".synthetic-*"))  # the temporary folder is gone
    lengths = []
    for raw in _raw(tiny):
        assert raw.dtype == np.float64 and raw.ndim == 3 and raw.shape[::2] == (55, 3)
        assert np.isfinite(raw).all()
        lengths.append(raw.shape[1] - 2 * SPARE)
    assert lengths == list(split_frames(TINY, 6)) and sum(lengths) == TINY

    rows = (tiny / LABELS_FILE).read_text().splitlines()
    assert all(len(r.split(",")) == 3 for r in rows)  # no header, three integers a row
    labels = _labels(tiny)
    np.testing.assert_array_equal(labels[:, 0], 40 * np.arange(len(labels)))
    assert labels[-1, 0] + 40 <= TINY / 2  # only the first ~third is labelled
    assert set(np.unique(labels[:, 1:])) <= {1, 2, 3, 4}


def test_truth_file_describes_every_frame(tiny):
    truth = np.load(tiny / TRUTH_FILE)
    assert truth["time_effort"].shape == truth["space_effort"].shape == (TINY,)
    starts, ends = truth["phrase_start"], truth["phrase_end"]
    assert starts[0] == 0 and ends[-1] == TINY and (starts[1:] == ends[:-1]).all()
    np.testing.assert_array_equal(
        truth["time_effort"], np.repeat(truth["phrase_time"], ends - starts))
    np.testing.assert_array_equal(
        truth["space_effort"], np.repeat(truth["phrase_space"], ends - starts))
    np.testing.assert_array_equal(truth["file_start"], np.cumsum([0, *split_frames(TINY, 6)]))
    assert list(truth["file_names"]) == sorted(p.name for p in tiny.glob("mariel_*.npy"))


def test_markers_on_one_segment_keep_their_distances(tiny):
    for raw in _raw(tiny):
        markers = raw.transpose(1, 0, 2)  # (T, 55, 3)
        for seg in range(N_SEGMENTS):
            on_seg = np.nonzero(MARKER_SEGMENT == seg)[0]
            for a, b in combinations(on_seg, 2):
                d = np.linalg.norm(markers[:, a] - markers[:, b], axis=-1)
                assert np.ptp(d) < 1e-6 * d.mean(), (RAW_MARKERS[a], RAW_MARKERS[b])
        lengths = segment_lengths(markers[:, KEPT_RAW_INDICES])  # (T, 22)
        rigid = [i for i, s in enumerate(SEGMENTS) if s not in FLEXIBLE]
        assert len(rigid) == 18
        spread = np.ptp(lengths[:, rigid], axis=0) / lengths[:, rigid].mean(axis=0)
        assert spread.max() < 1e-6


def test_joint_angles_stay_within_limits():
    rng = np.random.default_rng(0)
    frames = 3000
    (phrases,) = plan_phrases(rng, [frames])
    motion = perform(rng, phrases, frames)
    assert (motion.angles >= LIMITS[..., 0] - 1e-9).all()
    assert (motion.angles <= LIMITS[..., 1] + 1e-9).all()
    assert (np.abs(motion.xy) <= 2.5 + 1e-9).all()
    inner = [p.length for p in phrases[:-1]]  # the last one is cut at the end
    assert 1.5 * FPS - 1 <= min(inner) and max(inner) <= 6 * FPS + 1


def test_feet_stay_on_the_floor_and_z_is_up_after_loading(tiny):
    heights = np.concatenate([-raw[..., 2] for raw in _raw(tiny)], axis=1)  # raw z is down
    assert heights.min() > 0.0
    poses = load_mocap(str(tiny / "mariel_*.npy"))  # (T, 53, 3)
    assert poses.shape == (TINY, 53, 3) and poses.dtype == np.float32
    head, ankles = INDEX["ARIEL"], [INDEX["LANK"], INDEX["RANK"]]
    assert (poses[:, head, 2] > poses[:, ankles, 2].max(axis=1)).mean() > 0.99


def test_split_frames_follows_the_real_proportions():
    np.testing.assert_array_equal(split_frames(sum(REAL_FRAMES), 6), REAL_FRAMES)
    assert split_frames(601, 4).sum() == 601
    with pytest.raises(ValueError):
        split_frames(600, 7)


def test_label_balance_resembles_the_real_file(full):
    labels = _labels(full)
    assert len(labels) == 347
    time_share = np.bincount(labels[:, 2], minlength=5)[1:] / len(labels)
    real_time = np.array([132, 117, 78, 20]) / 347
    np.testing.assert_allclose(time_share, real_time, atol=0.06)
    space = labels[labels[:, 1] != 4, 1]
    real_space = np.array([4119, 1955, 2280]) / 8354  # after augmentation, without N/A
    np.testing.assert_allclose(np.bincount(space, minlength=4)[1:] / len(space), real_space,
                               atol=0.08)


def test_sudden_windows_accelerate_more_than_sustained(full):
    poses = load_mocap(str(full / "mariel_*.npy"))  # (T, 53, 3)
    assert poses.shape == (sum(REAL_FRAMES), 53, 3)
    accel = np.linalg.norm(np.diff(poses[:, END_EFFECTOR_INDICES], 2, axis=0), axis=-1)
    per_frame = accel.mean(axis=1)  # (T - 2,)
    window = np.lib.stride_tricks.sliding_window_view(per_frame, 38).mean(axis=1)  # 40 poses
    effort = np.lib.stride_tricks.sliding_window_view(
        np.load(full / TRUTH_FILE)["time_effort"], 40)  # (T - 39, 40)
    pure = (effort == effort[:, :1]).all(axis=1) & (effort[:, 0] != 2)
    auc = roc_auc_score(effort[pure, 0] == 3, window[pure])
    assert auc >= 0.9, auc


def test_cli_writes_a_tiny_set(tmp_path):
    cmd = [sys.executable, "-m", "pirounet.systems.pirounet.data.synthetic", "--out", str(tmp_path),
           "--frames", "400", "--files", "2", "--seed", "5"]
    subprocess.run(cmd, check=True, cwd=REPO, capture_output=True, timeout=120)
    raws = _raw(tmp_path)
    assert [r.shape[1] - 2 * SPARE for r in raws] == list(split_frames(400, 2))
    assert (tmp_path / LABELS_FILE).exists() and (tmp_path / TRUTH_FILE).exists()
