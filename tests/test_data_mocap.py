"""Known-answer and bad-input tests for loading and preprocessing recordings."""
import logging

import numpy as np
import pytest
from conftest import write_recording

from pirounet.systems.pirounet.data import DataError, load_mocap, load_recordings
from pirounet.systems.pirounet.data.mocap import MARKERS


def test_preprocessing_by_hand(tmp_path):
    # One trimmed frame: kept marker m at x = m, y = 0, z = 1; the hip markers hold junk.
    frame = np.zeros((1, 55, 3))
    kept = [i for i in range(55) if i not in (26, 53)]
    frame[0, kept, 0] = np.arange(53)
    frame[0, kept, 2] = 1.0
    frame[0, [26, 53]] = 1e5
    write_recording(tmp_path / "mariel_a.npy", frame)
    poses = load_mocap(str(tmp_path / "mariel_*.npy"))
    # Quantiles of x over 53 values 0..52: 0.52 and 51.48; of y: 0 and 0.
    # xy_min = 0, xy_max = 51.48, scale = 2 / 51.48; x -> x * scale - 1, then centred.
    scale = 2 / 51.48
    assert poses.shape == (1, 53, 3) and poses.dtype == np.float32
    np.testing.assert_allclose(poses[0, :, 0], (np.arange(53) - 26) * scale, atol=1e-6)
    np.testing.assert_allclose(poses[0, :, 1], 0.0, atol=1e-6)
    np.testing.assert_allclose(poses[0, :, 2], -scale, atol=1e-6)  # z negated, not centred


def test_files_concatenate_in_name_order(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 55, 3)), rng.normal(size=(2, 55, 3))
    write_recording(tmp_path / "mariel_b.npy", b)
    write_recording(tmp_path / "mariel_a.npy", a)
    rec = load_recordings(str(tmp_path / "mariel_*.npy"))
    assert [f.name for f in rec.files] == ["mariel_a.npy", "mariel_b.npy"]
    assert rec.offsets.tolist() == [0, 3, 5]
    # Frame 3 comes from b: its centred x offsets between markers are b's (up to the scale).
    kept = [i for i in range(55) if i not in (26, 53)]
    dx_out = rec.poses[3, :, 0] - rec.poses[3, 0, 0]
    dx_in = b[0, kept, 0] - b[0, kept[0], 0]
    ratio = dx_out[1:] / dx_in[1:]  # marker 0 is the reference (0 / 0)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-4)
    assert rec.file_of(3).name == "mariel_b.npy"


def test_short_gap_is_interpolated_and_logged(tmp_path, caplog):
    t = np.arange(20, dtype=float)
    frames = np.ones((20, 55, 3)) * np.arange(55)[None, :, None]
    frames[:, 5, 0] = 2.0 * t  # marker raw 5 (kept 5, LBSH) moves linearly in x
    frames[:, 5, 1] = 3.0
    expected = load_mocap(str(write_recording(tmp_path / "mariel_full.npy", frames)))
    gappy = frames.copy()
    gappy[8:13, 5, :] = np.nan
    (tmp_path / "mariel_full.npy").unlink()
    write_recording(tmp_path / "mariel_gap.npy", gappy)
    with caplog.at_level(logging.WARNING):
        got = load_mocap(str(tmp_path / "mariel_*.npy"), max_gap_frames=5)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert "filled 5 missing marker positions (5 frames, 1 markers" in caplog.text


def test_marker_missing_throughout_is_refused(tmp_path):
    frames = np.ones((10, 55, 3))
    frames[:, 27, :] = np.nan  # raw 27 = kept 26 = MBWT
    write_recording(tmp_path / "mariel_x.npy", frames)
    with pytest.raises(DataError, match=r"mariel_x\.npy.*MBWT.*every frame"):
        load_mocap(str(tmp_path / "mariel_*.npy"))


def test_long_gap_is_refused(tmp_path):
    frames = np.ones((100, 55, 3))
    frames[10:60, 0, 1] = np.nan
    write_recording(tmp_path / "mariel_x.npy", frames)
    with pytest.raises(DataError, match=rf"mariel_x\.npy.*{MARKERS[0]}.*50 frames from frame 510"):
        load_mocap(str(tmp_path / "mariel_*.npy"), max_gap_frames=35)


def test_nan_in_dropped_hip_marker_is_ignored(tmp_path):
    frames = np.random.default_rng(1).normal(size=(10, 55, 3))
    frames[:, 26] = np.nan
    write_recording(tmp_path / "mariel_x.npy", frames)
    assert np.isfinite(load_mocap(str(tmp_path / "mariel_*.npy"))).all()


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((53, 1200, 3)), r"shape \(53, 1200, 3\); expected \(55, T, 3\)"),
        (np.zeros((1200, 55, 3)), r"shape \(1200, 55, 3\); expected \(55, T, 3\)"),
        (np.zeros((55, 1200, 3), dtype=np.int64), r"dtype int64 with shape \(55, 1200, 3\)"),
        (np.zeros((55, 900, 3)), r"shape \(55, 900, 3\) has 900 frames"),
    ],
)
def test_bad_files_name_file_and_shapes(tmp_path, array, message):
    np.save(tmp_path / "mariel_bad.npy", array)
    with pytest.raises(DataError, match=r"mariel_bad\.npy: " + message):
        load_mocap(str(tmp_path / "mariel_*.npy"))


def test_empty_and_garbage_files(tmp_path):
    (tmp_path / "mariel_empty.npy").write_bytes(b"")
    with pytest.raises(DataError, match=r"mariel_empty\.npy: the file is empty; expected"):
        load_mocap(str(tmp_path / "mariel_empty.npy"))
    (tmp_path / "mariel_text.npy").write_text("not an array")
    with pytest.raises(DataError, match=r"mariel_text\.npy: not a readable \.npy array"):
        load_mocap(str(tmp_path / "mariel_text.npy"))


def test_no_files_says_where_to_put_them(tmp_path):
    with pytest.raises(DataError, match="no recordings match .*pirounet.systems.pirounet.data.synthetic"):
        load_mocap(str(tmp_path / "mariel_*.npy"))
