"""3-D readers of other motion capture: BVH (any hierarchy), Tang et al. skeletons.json, SMPL
CSV, AIST++ keypoint pickles, named joint arrays, C3D by a skeleton definition file. Each
reads a fixture the test writes, with positions known in advance."""
import json
import pickle

import numpy as np
import pytest

from pirounet.interchange.bvh import fit_bvh, write_bvh
from pirounet.interchange.bvh_read import guess_units, read_bvh
from pirounet.interchange.c3d import write_c3d
from pirounet.interchange.joint_names import infer_body
from pirounet.interchange.joints3d import read_motion
from pirounet.interchange.motion import Motion, MotionError
from pirounet.interchange.skeleton_file import read_skeleton_file, write_skeleton_file
from pirounet.skeletons import (
    COCO_17,
    SMPL_24,
    TANG_23,
    VICON_53,
    VICON_KEPT_RAW_INDICES,
    SkeletonError,
)
from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset

TINY_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Yrotation Xrotation Zrotation
  JOINT LeftUpLeg
  {
    OFFSET 10 0 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    JOINT LeftLeg
    {
      OFFSET 0 -40 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 -40 0
      }
    }
  }
  JOINT Spine
  {
    OFFSET 0 30 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Head
    {
      OFFSET 0 50 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 10 0
      }
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0125
0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
5 100 0 90 0 0 90 0 0 0 0 0 0 0 0 0 0 0
"""


def test_a_tiny_bvh_reads_to_known_positions(tmp_path):
    (tmp_path / "tiny.bvh").write_text(TINY_BVH)
    motion = read_bvh(tmp_path / "tiny.bvh", units="cm")
    assert motion.fps == pytest.approx(80.0)
    assert motion.skeleton.joints == ("Hips", "LeftUpLeg", "LeftLeg", "Spine", "Head",
                                      "LeftLeg_end", "Head_end")
    assert motion.skeleton.parents == (-1, 0, 1, 0, 3, 2, 4)
    # Frame 0 (BVH cm, Y up): hips (0, 100, 0), hip (10, 100, 0), knee (10, 60, 0), foot tip
    # (10, 20, 0), spine (0, 130, 0), head (0, 180, 0), head tip (0, 190, 0).
    bvh0 = np.array([[0, 100, 0], [10, 100, 0], [10, 60, 0], [0, 130, 0], [0, 180, 0],
                     [10, 20, 0], [0, 190, 0]], dtype=float)
    # Frame 1: the root at x = 5 turned 90 degrees about Y, the hip 90 degrees about X.
    z_up = lambda p: np.stack([p[:, 0], -p[:, 2], p[:, 1]], -1) / 100  # noqa: E731
    np.testing.assert_allclose(motion.positions[0], z_up(bvh0), atol=1e-6)
    ry = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float)  # 90 degrees about Y
    rx = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float)  # 90 degrees about X
    root, hip = np.array([5, 100, 0.0]), np.array([5, 100, 0.0]) + ry @ [10, 0, 0]
    knee = hip + ry @ rx @ [0, -40, 0]
    np.testing.assert_allclose(motion.positions[1, 1:3], z_up(np.stack([hip, knee])), atol=1e-5)
    np.testing.assert_allclose(motion.positions[1, 0], z_up(root[None])[0], atol=1e-6)
    import bvhio  # its own forward kinematics agrees on the joints it knows

    hierarchy = bvhio.readAsHierarchy(str(tmp_path / "tiny.bvh"))
    for frame in (0, 1):
        hierarchy.loadPose(frame)
        got = np.array([list(j.PositionWorld) for j, *_ in hierarchy.layout()])
        np.testing.assert_allclose(motion.positions[frame, :5], z_up(got), atol=1e-5)
    body = motion.skeleton.body
    assert body["pelvis"] == ("Hips",) and body["head"] == ("Head",)
    assert body["Lhip"] == ("LeftUpLeg",) and body["Lknee"] == ("LeftLeg",)
    assert "Rhand" not in body  # a skeleton without hands says so when asked (require)
    from pirounet.systems.pirounet.effort_meter import EffortMeter

    with pytest.raises(SkeletonError, match=r"skeleton tiny has no '[LR]hand' body point, "
                       "which the Time-Effort meter"):
        EffortMeter(skeleton=motion.skeleton)


def test_the_projects_own_bvh_reads_back_to_the_marker_centres(tmp_path):
    raw = next(iter(make_synthetic_dataset(seed=0, frames=200, n_files=1).recordings.values()))
    markers = np.transpose(raw, (1, 0, 2))[500:700][:, VICON_KEPT_RAW_INDICES].copy()
    markers[..., 2] *= -1.0  # (T, 53, 3) metres, z up
    fitted = fit_bvh(markers, fps=35.0)
    motion = read_bvh(write_bvh(tmp_path / "dance.bvh", fitted))  # units found: cm
    assert motion.fps == pytest.approx(35.0) and motion.n_frames == 200
    for joint, group in (("Head", "head"), ("LeftElbow", "Lelbow"), ("RightKnee", "Rknee"),
                         ("LeftAnkle", "Lankle"), ("Neck", "neck")):
        centre = markers[:, VICON_53.indices(VICON_53.body[group])].mean(axis=1)
        got = motion.positions[:, motion.skeleton.index[joint]]
        assert np.linalg.norm(got - centre, axis=-1).max() < 0.03  # within 3 cm
    assert motion.skeleton.body["Lhand"] == ("LeftWrist_end",)
    assert set(motion.skeleton.end_effectors) >= {"Head", "LeftWrist_end", "RightToe"}


def test_units_are_guessed_from_the_rest_height():
    assert [guess_units(h) for h in (1.6, 170.0, 1750.0)] == ["m", "cm", "mm"]


@pytest.mark.parametrize("names, expected", [
    (["mixamorig:Hips", "mixamorig:LeftShoulder", "mixamorig:LeftArm", "mixamorig:LeftForeArm",
      "mixamorig:LeftHand", "mixamorig:RightUpLeg", "mixamorig:RightLeg", "mixamorig:RightFoot",
      "mixamorig:RightToeBase"],
     {"pelvis": "mixamorig:Hips", "Lshoulder": "mixamorig:LeftArm", "Lhand": "mixamorig:LeftHand",
      "Rhip": "mixamorig:RightUpLeg", "Rknee": "mixamorig:RightLeg",
      "Rankle": "mixamorig:RightFoot", "Rfoot": "mixamorig:RightToeBase"}),
    (["Pelvis", "LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftToe", "RightUpperArm",
      "RightForeArm", "RightHand", "Head"],  # Xsens
     {"pelvis": "Pelvis", "Lhip": "LeftUpperLeg", "Lknee": "LeftLowerLeg", "Lfoot": "LeftToe",
      "Rshoulder": "RightUpperArm", "Relbow": "RightForeArm", "head": "Head"}),
    (["Bip01 Pelvis", "Bip01 L Thigh", "Bip01 L Calf", "Bip01 R Toe0"],  # 3ds Max
     {"pelvis": "Bip01 Pelvis", "Lhip": "Bip01 L Thigh", "Lknee": "Bip01 L Calf",
      "Rfoot": "Bip01 R Toe0"}),
])
def test_body_points_come_from_common_joint_names(names, expected):
    body = infer_body(names)
    assert {k: body[k] for k in expected} == {k: (v,) for k, v in expected.items()}


def test_a_tang_folder_reads_with_its_centre_axes_and_song_span(tmp_path):
    rng = np.random.default_rng(0)
    joints = rng.normal(scale=30, size=(6, 23, 3))  # cm, y up, relative to the centre
    centre = rng.normal(scale=100, size=(6, 3))
    (tmp_path / "skeletons.json").write_text(json.dumps(
        {"length": 6, "center": centre.tolist(), "skeletons": joints.tolist()}))
    (tmp_path / "config.json").write_text(json.dumps({"start_position": 50,
                                                      "end_position": 56}))
    motion = read_motion(tmp_path)
    world = (joints + centre[:, None]) / 100  # metres, y up
    expected = np.stack([world[..., 0], -world[..., 2], world[..., 1]], -1)
    np.testing.assert_allclose(motion.positions, expected, rtol=1e-5, atol=1e-6)
    assert motion.skeleton is TANG_23 and motion.fps == 25.0 and motion.span == (2.0, 2.24)
    (tmp_path / "skeletons.json").write_text(json.dumps({"length": 6, "skeletons": []}))
    with pytest.raises(MotionError, match=r"skeletons\.json: no 'center' key"):
        read_motion(tmp_path)


def test_smpl_joints_from_csv_and_a_wrong_row_length(tmp_path):
    rows = np.arange(5 * 72, dtype=float).reshape(5, 72) / 100
    np.savetxt(tmp_path / "slice.csv", rows, delimiter=",")
    motion = read_motion(tmp_path / "slice.csv")
    assert motion.skeleton is SMPL_24 and motion.fps == 30.0
    np.testing.assert_allclose(motion.positions[2, 1], rows[2, 3:6], rtol=1e-6)
    np.savetxt(tmp_path / "bad.csv", rows[:, :70], delimiter=",")
    with pytest.raises(MotionError, match=r"bad\.csv: 70 values a row; expected 72"):
        read_motion(tmp_path / "bad.csv")


class _Payload:
    def __reduce__(self):
        import os
        return os.system, ("echo pwned",)


def test_aistpp_keypoints_pickle_reads_arrays_and_refuses_anything_else(tmp_path):
    points = np.random.default_rng(1).normal(scale=50, size=(4, 17, 3))  # cm, y up
    with open(tmp_path / "k.pkl", "wb") as f:
        pickle.dump({"keypoints3d": points * 2, "keypoints3d_optim": points}, f)
    motion = read_motion(tmp_path / "k.pkl")
    assert motion.skeleton is COCO_17 and motion.fps == 60.0
    np.testing.assert_allclose(motion.positions[..., 2], points[..., 1] / 100, rtol=1e-5)
    with open(tmp_path / "evil.pkl", "wb") as f:
        pickle.dump({"keypoints3d": _Payload()}, f)
    with pytest.raises(MotionError, match=r"evil\.pkl: not a readable AIST\+\+ pickle.*os"):
        read_motion(tmp_path / "evil.pkl")


def test_named_joint_arrays_npz_and_npy(tmp_path):
    names = ["hips", "l_knee", "r_knee", "head", "l_hand", "r_hand", "l_foot", "r_foot"]
    points = np.random.default_rng(2).normal(size=(7, 8, 3))
    np.savez(tmp_path / "a.npz", positions=points * 100, joints=np.array(names), fps=50.0,
             units="cm")
    motion = read_motion(tmp_path / "a.npz")
    assert motion.skeleton.joints == tuple(names) and motion.fps == 50.0
    np.testing.assert_allclose(motion.positions, points, rtol=1e-5)
    assert motion.skeleton.body["Lhand"] == ("l_hand",) and motion.skeleton.n_segments > 0
    np.savez(tmp_path / "smpl.npz", positions=np.zeros((3, 24, 3)),
             joints=np.array(SMPL_24.joints))
    assert read_motion(tmp_path / "smpl.npz").skeleton is SMPL_24  # a known joint list
    np.save(tmp_path / "b.npy", points)
    with pytest.raises(MotionError, match=r"b\.npy: a \.npy holds no joint names"):
        read_motion(tmp_path / "b.npy")
    (tmp_path / "b.joints.txt").write_text("\n".join(names))
    assert read_motion(tmp_path / "b.npy").skeleton.joints == tuple(names)
    with pytest.raises(MotionError, match="8 joints; skeleton coco17 has 17"):
        read_motion(tmp_path / "b.npy", skeleton="coco17")


def test_c3d_with_its_own_markers_by_a_definition_file(tmp_path):
    labels = ["LASI", "RASI", "LKNE", "RKNE", "LTOE", "RTOE", "HEAD", "LFIN", "RFIN"]
    points = np.random.default_rng(3).normal(size=(10, 9, 3))
    write_c3d(tmp_path / "lab.c3d", ["Sub:" + x for x in labels[::-1]], points[:, ::-1], 100.0)
    definition = {"name": "lab", "joints": labels, "fps": 100,
                  "segments": [["LASI", "LKNE"], ["LKNE", "LTOE"], ["RASI", "RKNE"]],
                  "body": {"pelvis": ["LASI", "RASI"], "head": ["HEAD"], "Lhand": ["LFIN"],
                           "Rhand": ["RFIN"], "Lfoot": ["LTOE"], "Rfoot": ["RTOE"]}}
    (tmp_path / "lab.json").write_text(json.dumps(definition))
    with pytest.raises(MotionError, match=r"lab\.c3d: which markers\?"):
        read_motion(tmp_path / "lab.c3d")
    motion = read_motion(tmp_path / "lab.c3d", skeleton=str(tmp_path / "lab.json"))
    assert motion.skeleton.joints == tuple(labels) and motion.fps == pytest.approx(100.0)
    np.testing.assert_allclose(motion.positions, points, atol=1e-6)
    assert motion.skeleton.end_effectors == ("HEAD", "LFIN", "RFIN", "LTOE", "RTOE")
    write_skeleton_file(tmp_path / "lab.skeleton.json", motion.skeleton)  # found beside it
    assert read_motion(tmp_path / "lab.c3d").skeleton.to_dict() == motion.skeleton.to_dict()
    (tmp_path / "bad.json").write_text(json.dumps({**definition, "bones": []}))
    with pytest.raises(MotionError, match=r"bad\.json: unknown key\(s\) \['bones'\]"):
        read_skeleton_file(tmp_path / "bad.json")
    (tmp_path / "bad.json").write_text(json.dumps({**definition, "body": {"head": ["NOSE"]}}))
    with pytest.raises(MotionError, match=r"bad\.json: .*\['NOSE'\] are not its joints"):
        read_skeleton_file(tmp_path / "bad.json")


def test_resampling_to_the_runs_rate():
    t = np.arange(11, dtype=np.float32)  # 11 frames at 10 fps: a joint moving 1 m a frame
    points = np.zeros((11, 24, 3), np.float32)
    points[:, 0, 0] = t
    motion = Motion(points, SMPL_24, 10.0).resampled(25.0)
    assert motion.fps == 25.0 and motion.n_frames == 26
    np.testing.assert_allclose(motion.positions[:, 0, 0], np.arange(26) * 0.4, atol=1e-5)
