"""3-D motion capture as learn2dance's 2-D poses: the camera on a known pose, and a data
folder written from Tang et al., SMPL and BVH inputs that the tests make themselves."""
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pirounet.interchange.bvh import fit_bvh, write_bvh
from pirounet.interchange.camera import Camera, openpose15_points, to_openpose15
from pirounet.interchange.motion import Motion
from pirounet.music.errors import DataError
from pirounet.skeletons import COCO_17, OPENPOSE_15, SMPL_24, TANG_23, SkeletonError, Skeleton
from pirounet.systems.learn2dance.from_mocap import convert
from pirounet.systems.learn2dance.poses import PoseSettings, read_dance
from pirounet.systems.pirounet.data.mocap import VICON_KEPT_RAW_INDICES
from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset

# A dancer standing at the origin facing -y (metres, z up): right side at -x.
BODY = {"head": (0.0, 0.0, 1.65), "neck": (0.0, 0.0, 1.45), "pelvis": (0.0, 0.0, 0.95),
        "shoulder": (0.2, 0.0, 1.45), "elbow": (0.45, 0.0, 1.45), "wrist": (0.7, 0.1, 1.45),
        "hand": (0.78, 0.1, 1.45), "hip": (0.1, 0.0, 0.95), "knee": (0.1, -0.05, 0.5),
        "ankle": (0.1, 0.0, 0.08), "foot": (0.1, -0.15, 0.0), "collar": (0.1, 0.0, 1.4)}


def point(name: str) -> np.ndarray:
    """A named joint of BODY: "l_knee" -> the knee at +x, "r_knee" at -x."""
    side, _, part = name.partition("_")
    if side in ("l", "r") and part:
        x, y, z = BODY.get(part.replace("heel", "ankle").replace("toe", "foot"),
                           BODY["wrist"] if "hand" in part else BODY["head"])
        return np.array([x if side == "l" else -x, y, z])
    return np.array(BODY.get(name, BODY["pelvis"]))


def standing(skeleton: Skeleton, frames: int = 3) -> np.ndarray:
    """(frames, J, 3) of the standing dancer in the skeleton's joint order."""
    pose = np.stack([point(j) for j in skeleton.joints])
    return np.repeat(pose[None], frames, axis=0).astype(np.float32)


def turned(points: np.ndarray, degrees: float) -> np.ndarray:
    """points rotated about the vertical axis."""
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    return (points @ rot.T).astype(np.float32)


def test_front_camera_sees_the_known_pose_at_known_pixels():
    motion = Motion(standing(SMPL_24), SMPL_24, 30.0)
    poses = to_openpose15(motion)  # in front of the dancer: looks along +y
    index = OPENPOSE_15.index
    assert poses.shape == (3, 15, 2)
    np.testing.assert_allclose(poses[0, index["RWrist"]], [-0.7 * 200, 1.45 * 200], atol=1e-3)
    np.testing.assert_allclose(poses[0, index["LAnkle"]], [0.1 * 200, 0.08 * 200], atol=1e-3)
    np.testing.assert_allclose(poses[0, index["MidHip"]], [0.0, 0.95 * 200], atol=1e-3)
    np.testing.assert_allclose(poses[0, index["Nose"]], [0.0, 1.65 * 200], atol=1e-3)


def test_the_front_camera_turns_with_the_dancer_and_a_fixed_one_does_not():
    still = to_openpose15(Motion(standing(SMPL_24), SMPL_24, 30.0))
    motion = Motion(turned(standing(SMPL_24), 70.0), SMPL_24, 30.0)
    np.testing.assert_allclose(to_openpose15(motion), still, atol=1e-3)
    side = to_openpose15(Motion(standing(SMPL_24), SMPL_24, 30.0), Camera(azimuth_deg=90.0))
    index = OPENPOSE_15.index  # from +x looking along -x: image x is +y, the dancer's back
    np.testing.assert_allclose(side[0, index["RWrist"]], [0.1 * 200, 1.45 * 200], atol=1e-3)
    top = to_openpose15(Motion(standing(SMPL_24), SMPL_24, 30.0),
                        Camera(azimuth_deg=0.0, elevation_deg=90.0, pixels_per_metre=1.0))
    np.testing.assert_allclose(top[0, index["RKnee"]], [-0.1, -0.05], atol=1e-5)


def test_joint_mapping_per_skeleton_nose_neck_and_midhip():
    coco = openpose15_points(Motion(standing(COCO_17), COCO_17, 60.0))
    assert np.allclose(coco[0, 0], point("nose"))  # COCO has a nose: taken as it is
    tang = openpose15_points(Motion(standing(TANG_23), TANG_23, 25.0))
    assert np.allclose(tang[0, 1], [0.0, 0.0, 1.45])  # Neck: the shoulders' midpoint
    assert np.allclose(tang[0, 8], [0.0, 0.0, 0.95])  # MidHip: the hips' midpoint
    no_knees = Skeleton("no_knees", SMPL_24.joints, 3, 30.0, (), {
        k: v for k, v in SMPL_24.body.items() if "knee" not in k}, ())
    with pytest.raises(SkeletonError, match=r"no 'Lknee' body point, which a 2-D OpenPose-15"):
        to_openpose15(Motion(standing(SMPL_24), no_knees, 30.0))


def write_tang(folder: Path, frames: int, start: int, seconds: float = 3.0) -> np.ndarray:
    """A Tang et al. dance folder (y up, cm, relative to center) with its song; positions."""
    folder.mkdir(parents=True)
    metres = standing(TANG_23, frames) + np.linspace(0, 0.2, frames)[:, None, None]
    y_up_cm = np.stack([metres[..., 0], metres[..., 2], -metres[..., 1]], axis=-1) * 100
    centre = y_up_cm[:, 2].copy()
    (folder / "skeletons.json").write_text(json.dumps({
        "length": frames, "center": centre.tolist(),
        "skeletons": (y_up_cm - centre[:, None]).tolist()}))
    (folder / "config.json").write_text(json.dumps({"start_position": start,
                                                    "end_position": start + frames}))
    soundfile.write(folder / "audio.wav", np.zeros(int(seconds * 8000), np.float32), 8000)
    return metres


def test_a_tang_folder_and_an_smpl_csv_become_a_learn2dance_data_folder(tmp_path):
    metres = write_tang(tmp_path / "src" / "DANCE_W_1", frames=12, start=25)
    rows = standing(SMPL_24, 5).reshape(5, 72)
    np.savetxt(tmp_path / "src" / "take.csv", rows, delimiter=",")
    soundfile.write(tmp_path / "src" / "take.wav", np.zeros(8000, np.float32), 8000)
    assert convert(tmp_path / "src", tmp_path / "out") == ["DANCE_W_1", "take"]
    song, rate = soundfile.read(tmp_path / "out" / "songs" / "DANCE_W_1.wav")
    assert rate == 8000 and len(song) == pytest.approx(12 / 25 * 8000, abs=2)  # its span
    dance = read_dance(tmp_path / "out" / "poses" / "DANCE_W_1", PoseSettings())
    assert dance.fps == 25.0 and dance.poses.shape == (12, 15, 2)
    expected = to_openpose15(Motion(metres, TANG_23, 25.0))
    np.testing.assert_allclose(dance.poses, expected, atol=2e-3)
    take = read_dance(tmp_path / "out" / "poses" / "take", PoseSettings())
    assert take.fps == SMPL_24.fps and take.poses.shape == (5, 15, 2)
    with pytest.raises(DataError, match="will not write over"):
        convert(tmp_path / "src", tmp_path / "out")


def test_a_source_without_dances_lists_what_it_skipped(tmp_path):
    with pytest.raises(DataError, match=r"missing: no such folder"):
        convert(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"no dance found .*skipped: notes.txt"):
        convert(tmp_path, tmp_path / "out")
    (tmp_path / "take.bvh").write_text("x")
    with pytest.raises(DataError, match=r"take.bvh: no song beside it"):
        convert(tmp_path, tmp_path / "out")


def test_a_bvh_beside_its_song_becomes_openpose_poses_at_its_rate(tmp_path):
    raw = next(iter(make_synthetic_dataset(seed=0, frames=60, n_files=1).recordings.values()))
    markers = np.transpose(raw, (1, 0, 2))[500:560][:, VICON_KEPT_RAW_INDICES].copy()
    markers[..., 2] *= -1.0  # (T, 53, 3) metres, z up
    write_bvh(tmp_path / "src" / "solo.bvh", fit_bvh(markers, fps=35.0))
    soundfile.write(tmp_path / "src" / "solo.flac", np.zeros(8000, np.float32), 8000)
    convert(tmp_path / "src", tmp_path / "out", Camera(azimuth_deg=0.0))
    dance = read_dance(tmp_path / "out" / "poses" / "solo", PoseSettings())
    assert dance.fps == pytest.approx(35.0) and dance.poses.shape == (60, 15, 2)
    height = dance.poses[:, 0, 1] - dance.poses[:, [11, 14], 1].min(axis=1)  # nose over ankles
    assert 1.2 * 200 < np.median(height) < 2.0 * 200  # a standing body, in pixels
