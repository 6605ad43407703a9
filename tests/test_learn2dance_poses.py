"""learn2dance pose input: OpenPose JSON (BODY_25, COCO-18), COCO-17 arrays, AIST++ files.

Every test writes its own small input into tmp_path, with known answers.
"""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.poses import PoseSettings, read_dance

DEFAULT = PoseSettings()
PUBLISHED = PoseSettings(person="published", gaps="published", mirror_x=True)


def body(x0: float, y0: float, conf: float = 0.9, n: int = 25) -> np.ndarray:
    """A person (n, 3): joint j at (x0 + j, y0 + 10 j) in pixels, all with confidence conf."""
    j = np.arange(n, dtype=float)
    return np.stack([x0 + j, y0 + 10 * j, np.full(n, conf)], axis=1)


def write_frames(folder: Path, frames: list[list[np.ndarray]], video: str = "clip") -> Path:
    """One OpenPose JSON file per frame, each listing its people."""
    folder.mkdir(parents=True, exist_ok=True)
    for t, people in enumerate(frames):
        data = {"version": 1.3, "people": [
            {"person_id": [-1], "pose_keypoints_2d": p.ravel().tolist()} for p in people]}
        (folder / f"{video}_{t:012d}_keypoints.json").write_text(json.dumps(data))
    return folder


def test_body25_keeps_the_first_15_joints_with_y_up(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(100, 200)], [body(102, 200)]])
    dance = read_dance(folder, DEFAULT)
    assert dance.poses.shape == (2, 15, 2) and dance.confidences.shape == (2, 15)
    np.testing.assert_allclose(dance.poses[0, :, 0], 100 + np.arange(15))  # x not mirrored
    np.testing.assert_allclose(dance.poses[0, :, 1], -(200 + 10 * np.arange(15)))  # y up
    assert dance.fps == 30.0 and dance.name == "d"


def test_published_axes_mirror_x(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(100, 200)]])
    dance = read_dance(folder, PoseSettings(mirror_x=True))
    np.testing.assert_allclose(dance.poses[0, :, 0], -(100 + np.arange(15)))


def test_missing_joint_is_interpolated_and_published_carries_forward(tmp_path):
    frames = [[body(100 + 10 * t, 200)] for t in range(5)]
    frames[1][0][4] = 0.0  # undetected: 0, 0, 0
    frames[2][0][4, 2] = 0.2  # detected below the 0.25 threshold: missing too
    folder = write_frames(tmp_path / "d", frames)
    dance = read_dance(folder, DEFAULT)
    np.testing.assert_allclose(dance.poses[:, 4, 0], 104 + 10 * np.arange(5))  # a straight line
    assert dance.confidences[1, 4] == 0 and not dance.flagged.any()
    carried = read_dance(folder, PoseSettings(gaps="published"))
    np.testing.assert_allclose(carried.poses[:, 4, 0], [104, 104, 104, 134, 144])


def test_published_gaps_after_empty_start_frames_carry_zeros_as_the_published_parse(tmp_path):
    frames = [[], [], [body(100, 200)], [body(110, 200)], [body(120, 200)]]
    frames[2][0][4, 2] = 0.1  # first detection: RWrist at (104, 240) but unsure
    frames[3][0][4, 2] = 0.1  # still unsure
    dance = read_dance(write_frames(tmp_path / "d", frames), PoseSettings(gaps="published"))
    # the previous stored frame is the empty one (zeros): (0, 0), carried on
    np.testing.assert_allclose(dance.poses[:, 4, 0], [0, 0, 0, 0, 124])
    np.testing.assert_allclose(dance.poses[2, 3], [103, -230])  # a sure joint as detected
    first = [[body(100, 200)], [body(110, 200)]]
    first[0][0][4, 2] = 0.1  # unsure on frame 0: keeps the detector's value
    dance = read_dance(write_frames(tmp_path / "e", first), PoseSettings(gaps="published"))
    np.testing.assert_allclose(dance.poses[:, 4, 0], [104, 114])


def test_two_people_tracking_follows_the_dancer_published_takes_people_0(tmp_path):
    frames = [[body(100, 200)]]  # the dancer alone first
    for t in range(1, 6):  # then someone more confident, listed first in every other frame
        dancer, other = body(100 + 3 * t, 200), body(900, 250, conf=0.95)
        frames.append([other, dancer] if t % 2 else [dancer, other])
    folder = write_frames(tmp_path / "d", frames)
    tracked = read_dance(folder, DEFAULT)
    np.testing.assert_allclose(tracked.poses[:, 0, 0], 100 + 3 * np.arange(6))
    published = read_dance(folder, PUBLISHED)
    np.testing.assert_allclose(-published.poses[:, 0, 0], [100, 900, 106, 900, 112, 900])


def test_a_frame_with_only_someone_else_has_no_dancer(tmp_path):
    dancer = [body(100 + 10 * t, 200) for t in range(5)]
    other = body(900, 250, conf=0.95)
    frames = [[dancer[0]], [other, dancer[1]], [other], [dancer[3], other], [dancer[4]]]
    folder = write_frames(tmp_path / "d", frames)
    dance = read_dance(folder, DEFAULT)
    np.testing.assert_allclose(dance.poses[:, 0, 0], 100 + 10 * np.arange(5))  # 2: filled
    assert (dance.confidences[2] == 0).all()


def test_first_frame_picks_the_most_confident_person(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(900, 250, conf=0.3), body(100, 200)]])
    assert read_dance(folder, DEFAULT).poses[0, 0, 0] == 100


def test_frame_without_person_is_filled(tmp_path):
    frames = [[body(100, 200)], [], [body(120, 200)]]
    folder = write_frames(tmp_path / "d", frames)
    np.testing.assert_allclose(read_dance(folder, DEFAULT).poses[:, 0, 0], [100, 110, 120])
    np.testing.assert_allclose(read_dance(folder, PUBLISHED).poses[:, 0, 0], [-100, -100, -120])
    assert (read_dance(folder, DEFAULT).confidences[1] == 0).all()


def test_long_gap_is_an_error_or_flagged(tmp_path):
    frames = [[body(100, 200)] for _ in range(30)]
    for t in range(5, 25):  # 20 frames = 0.67 s at 30 fps > max_gap_seconds 0.5
        frames[t][0][7] = 0.0
    folder = write_frames(tmp_path / "d", frames)
    with pytest.raises(DataError, match=r"joint LWrist is missing for 20 frames"):
        read_dance(folder, DEFAULT)
    flagged = read_dance(folder, PoseSettings(long_gaps="flag"))
    assert flagged.flagged[5:25, 7].all() and flagged.flagged.sum() == 20
    assert read_dance(folder, PoseSettings(max_gap_seconds=1.0)).flagged.sum() == 0


def test_gap_length_is_measured_in_seconds_via_the_fps_sidecar(tmp_path):
    frames = [[body(100, 200)] for _ in range(30)]
    for t in range(5, 25):
        frames[t][0][7] = 0.0
    folder = write_frames(tmp_path / "d", frames)
    (folder / "fps.txt").write_text("60\n")  # 20 frames = 0.33 s: short enough
    dance = read_dance(folder, DEFAULT)
    assert dance.fps == 60.0 and not dance.flagged.any()


def test_coco18_maps_hips_and_makes_midhip(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(100, 200, n=18)]])
    pose = read_dance(folder, DEFAULT).poses[0]
    # COCO-18: 8 RHip 9 RKnee 10 RAnkle 11 LHip 12 LKnee 13 LAnkle -> 15-joint slots 9-14.
    np.testing.assert_allclose(pose[9:15, 0], 100 + np.arange(8, 14))
    np.testing.assert_allclose(pose[8, 0], 100 + (8 + 11) / 2)  # MidHip = mean of the hips
    np.testing.assert_allclose(pose[:8, 0], 100 + np.arange(8))


def test_coco17_array_and_aist_view(tmp_path):
    kp = body(100, 200, n=17)[None].repeat(3, axis=0)  # (3, 17, 3)
    np.save(tmp_path / "a.npy", kp)
    pose = read_dance(tmp_path / "a.npy", DEFAULT).poses[0, :, 0] - 100
    # Nose 0, Neck (5+6)/2, R arm 6 8 10, L arm 5 7 9, MidHip (11+12)/2, R leg 12 14 16,
    # L leg 11 13 15
    np.testing.assert_allclose(pose, [0, 5.5, 6, 8, 10, 5, 7, 9, 11.5, 12, 14, 16, 11, 13, 15])
    views = np.stack([kp + 1000 * v for v in range(9)])  # (9, T, 17, 3)
    views[..., 2] = 0.9
    with open(tmp_path / "b.pkl", "wb") as f:
        pickle.dump({"keypoints2d": views, "det_scores": np.ones((9, 3)),
                     "timestamps": np.arange(3)}, f)
    with pytest.warns(UserWarning, match=r"b.pkl: read at fps=30, but AIST\+\+ runs at 60"):
        seen = read_dance(tmp_path / "b.pkl", PoseSettings(aist_view=2)).poses[0, 0, 0]
    assert seen == 2100
    assert read_dance(tmp_path / "b.pkl", PoseSettings(fps=60.0)).fps == 60.0


def test_coco17_nan_counts_as_missing(tmp_path):
    kp = body(100, 200, n=17)[None].repeat(3, axis=0)
    kp[1, 9] = np.nan  # left wrist
    np.save(tmp_path / "a.npy", kp)
    dance = read_dance(tmp_path / "a.npy", DEFAULT)
    assert dance.confidences[1, 7] == 0 and dance.poses[1, 7, 0] == 109


# ---- bad input: one error that names the file

def test_empty_folder(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(DataError, match=r"d: no OpenPose JSON files"):
        read_dance(tmp_path / "d", DEFAULT)


def test_malformed_json(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(1, 2)], [body(1, 2)]])
    (folder / "clip_000000000001_keypoints.json").write_text('{"people": [')
    with pytest.raises(DataError, match=r"clip_000000000001_keypoints.json: malformed"):
        read_dance(folder, DEFAULT)


def test_json_without_people(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(1, 2)]])
    (folder / "clip_000000000000_keypoints.json").write_text('{"version": 1.3}')
    with pytest.raises(DataError, match=r"000000000000_keypoints.json: .*'people'"):
        read_dance(folder, DEFAULT)


def test_wrong_keypoint_count(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(1, 2)], [body(1, 2, n=20)]])
    with pytest.raises(DataError,
                       match=r"000000000001_keypoints.json: person 0 has 60 .* expected 75"):
        read_dance(folder, DEFAULT)


def test_frames_out_of_order(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(1, 2)]] * 3)
    (folder / "clip_000000000001_keypoints.json").unlink()
    with pytest.raises(DataError, match=r"000000000002_keypoints.json: frame 2 follows"):
        read_dance(folder, DEFAULT)


def test_bad_frame_name_and_two_videos(tmp_path):
    folder = write_frames(tmp_path / "d", [[body(1, 2)]])
    (folder / "clip_7_keypoints.json").write_text("{}")
    with pytest.raises(DataError, match=r"clip_7_keypoints.json: not an OpenPose"):
        read_dance(folder, DEFAULT)
    other = write_frames(tmp_path / "e", [[body(1, 2)]])
    write_frames(other, [[body(1, 2)]] * 2, video="zzz")
    with pytest.raises(DataError, match=r"zzz_000000000000_keypoints.json: frame of"):
        read_dance(other, DEFAULT)


def test_no_person_in_any_frame(tmp_path):
    folder = write_frames(tmp_path / "d", [[], [], []])
    with pytest.raises(DataError, match=r"d: no person in any of its 3 frames"):
        read_dance(folder, DEFAULT)
    np.save(tmp_path / "a.npy", np.full((4, 17, 3), np.nan))
    with pytest.raises(DataError, match=r"a.npy: no person"):
        read_dance(tmp_path / "a.npy", DEFAULT)


def test_bad_arrays_sidecar_and_format(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((4, 18, 3)))
    with pytest.raises(DataError, match=r"a.npy: COCO-17 keypoints must have shape"):
        read_dance(tmp_path / "a.npy", DEFAULT)
    with open(tmp_path / "b.pkl", "wb") as f:
        pickle.dump({"keypoints2d": np.ones((2, 3, 17, 3))}, f)
    with pytest.raises(DataError, match=r"b.pkl: aist_view=5 but the file has 2"):
        read_dance(tmp_path / "b.pkl", PoseSettings(aist_view=5, fps=60.0))
    folder = write_frames(tmp_path / "d", [[body(1, 2)]])
    with pytest.raises(DataError, match=r"an OpenPose folder, but pose_format"):
        read_dance(folder, PoseSettings(pose_format="coco17"))
    with pytest.raises(DataError, match=r"expected 54 \(coco18\)"):
        read_dance(folder, PoseSettings(pose_format="coco18"))
    (folder / "fps.txt").write_text("fast")
    with pytest.raises(DataError, match=r"fps.txt: expected a frame rate"):
        read_dance(folder, DEFAULT)
