"""The Skeleton type and its two instances: shapes, segments, body points, known lengths."""
import numpy as np
import pytest

from pirounet.metrics.features import geometric_features
from pirounet.skeletons import (
    BODY_POINTS,
    OPENPOSE_15,
    SKELETONS,
    VICON_53,
    Skeleton,
    SkeletonError,
)


def test_sizes_axes_and_frame_rates():
    assert (VICON_53.n_joints, VICON_53.dims, VICON_53.pose_dim) == (53, 3, 159)
    assert (OPENPOSE_15.n_joints, OPENPOSE_15.dims, OPENPOSE_15.pose_dim) == (15, 2, 30)
    assert VICON_53.up == 2 and OPENPOSE_15.up == 1  # z up in 3-D, y up in 2-D
    assert VICON_53.fps == 35.0 and OPENPOSE_15.fps == 30.0
    assert VICON_53.n_segments == 22 and OPENPOSE_15.n_segments == 14
    assert set(SKELETONS) == {"vicon53", "openpose15", "tang23", "smpl24", "coco17"}
    assert [SKELETONS[n].n_joints for n in ("tang23", "smpl24", "coco17")] == [23, 24, 17]


@pytest.mark.parametrize("skeleton", [VICON_53, OPENPOSE_15], ids=lambda s: s.name)
def test_as_joints_views_flat_poses_and_passes_joints_through(skeleton):
    j, d = skeleton.n_joints, skeleton.dims
    flat = np.arange(4 * 5 * j * d, dtype=np.float64).reshape(4, 5, j * d)  # (N, T, J*D)
    joints = skeleton.as_joints(flat)
    assert joints.shape == (4, 5, j, d)
    np.testing.assert_array_equal(joints[1, 2, 3], flat[1, 2, 3 * d:4 * d])  # joint-major
    assert skeleton.as_joints(joints) is joints


@pytest.mark.parametrize("shape", [(5, 158), (5, 53, 2), (5, 30), (53,)])
def test_as_joints_rejects_other_shapes_by_name(shape):
    with pytest.raises(ValueError, match=r"vicon53 poses of shape \(\.\.\., 159\)"):
        VICON_53.as_joints(np.zeros(shape))


def test_as_joints_rejects_the_other_skeletons_poses():
    with pytest.raises(ValueError, match="openpose15"):
        OPENPOSE_15.as_joints(np.zeros((5, 159)))
    with pytest.raises(ValueError, match="openpose15"):
        OPENPOSE_15.as_joints(np.zeros((5, 15, 3)))


@pytest.mark.parametrize("skeleton", [VICON_53, OPENPOSE_15], ids=lambda s: s.name)
def test_segment_endpoints_shape(skeleton):
    poses = np.random.default_rng(0).normal(size=(2, 7, skeleton.pose_dim))
    ends = skeleton.segment_endpoints(poses)
    assert ends.shape == (2, 7, skeleton.n_segments, 2, skeleton.dims)
    assert skeleton.segment_lengths(poses).shape == (2, 7, skeleton.n_segments)


def test_openpose_bone_lengths_known_pose():
    at = {"Nose": (0, 4), "Neck": (0, 3), "MidHip": (0, 1),
          "RShoulder": (-1, 3), "RElbow": (-1, 1), "RWrist": (-4, 5),
          "LShoulder": (2, 3), "LElbow": (2, 2), "LWrist": (2, 2),  # a zero-length forearm
          "RHip": (-0.5, 1), "RKnee": (-0.5, 0), "RAnkle": (0.5, -1),
          "LHip": (0.5, 1), "LKnee": (1.5, 0), "LAnkle": (1.5, -2)}
    pose = np.array([at[j] for j in OPENPOSE_15.joints], dtype=np.float64)  # (15, 2)
    expected = {
        ("Nose", "Neck"): 1, ("Neck", "RShoulder"): 1, ("RShoulder", "RElbow"): 2,
        ("RElbow", "RWrist"): 5, ("Neck", "LShoulder"): 2, ("LShoulder", "LElbow"): 1,
        ("LElbow", "LWrist"): 0, ("Neck", "MidHip"): 2, ("MidHip", "RHip"): 0.5,
        ("RHip", "RKnee"): 1, ("RKnee", "RAnkle"): np.sqrt(2), ("MidHip", "LHip"): 0.5,
        ("LHip", "LKnee"): np.sqrt(2), ("LKnee", "LAnkle"): 2,
    }
    lengths = OPENPOSE_15.segment_lengths(pose.reshape(30))  # flat poses work too
    np.testing.assert_allclose(lengths, [expected[s] for s in OPENPOSE_15.segments])


def test_vicon_segment_ends_are_marker_group_means():
    markers = np.random.default_rng(1).normal(size=(53, 3))
    ends = VICON_53.segment_endpoints(markers)  # (22, 2, 3)
    ix = VICON_53.index
    np.testing.assert_allclose(ends[0], markers[[ix["LHEL"], ix["LTOE"]]], rtol=1e-6)
    pelvis = markers[VICON_53.indices(("LFWT", "RFWT", "LBWT", "RBWT"))].mean(axis=0)
    knee = markers[[ix["LKNE"], ix["LKNI"]]].mean(axis=0)
    np.testing.assert_allclose(ends[4], [knee, pelvis], rtol=1e-5)  # Lknee -> pelvis


@pytest.mark.parametrize("skeleton", list(SKELETONS.values()), ids=lambda s: s.name)
def test_body_points_and_end_effectors_name_real_joints(skeleton):
    assert set(BODY_POINTS) <= set(skeleton.body)
    for members in skeleton.body.values():
        assert members and set(members) <= set(skeleton.joints)
    effectors = skeleton.end_effector_indices
    assert [skeleton.joints[i] for i in effectors] == list(skeleton.end_effectors)


@pytest.mark.parametrize("skeleton", list(SKELETONS.values()), ids=lambda s: s.name)
def test_group_matrix_averages_each_group(skeleton):
    matrix = skeleton.group_matrix(skeleton.body, np.float64)  # (P, J)
    assert matrix.shape == (len(skeleton.body), skeleton.n_joints)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    joints = np.random.default_rng(2).normal(size=(4, skeleton.n_joints, skeleton.dims))
    points = matrix @ joints  # (4, P, D)
    for p, members in enumerate(skeleton.body.values()):
        np.testing.assert_allclose(points[:, p], joints[:, skeleton.indices(members)].mean(1))


def test_group_matrix_known_answer():
    matrix = OPENPOSE_15.group_matrix({"hips": ("LHip", "RHip"), "nose": ("Nose",)})
    assert matrix.dtype == np.float32
    pose = np.zeros((15, 2))
    pose[OPENPOSE_15.index["LHip"]] = (1, 2)
    pose[OPENPOSE_15.index["RHip"]] = (3, 6)
    pose[OPENPOSE_15.index["Nose"]] = (-1, 9)
    np.testing.assert_allclose(matrix @ pose, [[2, 4], [-1, 9]])


def test_skeleton_checks_dims_and_body_points():
    body = dict(OPENPOSE_15.body)
    common = {"joints": OPENPOSE_15.joints, "fps": 30.0, "segments": (), "end_effectors": ()}
    with pytest.raises(ValueError, match="dims"):
        Skeleton(name="bad", dims=4, body=body, **common)
    del body["head"]
    headless = Skeleton(name="headless", dims=2, body=body, **common)
    with pytest.raises(SkeletonError, match="skeleton headless has no 'head' body point, which "
                       "the geometric features needs"):
        geometric_features(np.zeros((1, 4, 15, 2)), skeleton=headless)
    with pytest.raises(ValueError, match=r"names \['nose'\] are not its joints"):
        Skeleton(name="bad", dims=2, body={"head": ("nose",)}, **common)
    with pytest.raises(ValueError, match="without cycles"):
        Skeleton(name="bad", dims=2, body=body, parents=(1, 0) + (0,) * 13, **common)


@pytest.mark.parametrize("skeleton", list(SKELETONS.values()), ids=lambda s: s.name)
def test_a_skeleton_survives_plain_values(skeleton):
    back = Skeleton.from_dict(skeleton.to_dict())
    assert back is skeleton  # a known skeleton comes back as itself
    renamed = Skeleton.from_dict({**skeleton.to_dict(), "name": "mine"})
    assert renamed.to_dict() == {**skeleton.to_dict(), "name": "mine"}
    assert renamed.same_layout(skeleton)


def test_smpl_and_tang_trees_have_their_root_at_the_pelvis():
    for skeleton in (SKELETONS["smpl24"], SKELETONS["tang23"]):
        roots = [skeleton.joints[i] for i, p in enumerate(skeleton.parents) if p < 0]
        assert roots == ["pelvis"]
