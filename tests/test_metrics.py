"""Known-answer tests for pirounet.metrics."""
import json

import numpy as np
import pytest
from scipy import linalg

from pirounet import metrics
from pirounet.skeletons import OPENPOSE_15, VICON_53

INDEX, N_MARKERS = VICON_53.index, VICON_53.n_joints

T = 40


def smooth_dance(n: int, seed: int, speed: float = 1.0, t: int = T) -> np.ndarray:
    """(n, t, 53, 3) random rest pose plus per-marker sinusoids; speed scales the frequency."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(0, 0.3, (1, 1, N_MARKERS, 3))
    amp = rng.uniform(0.02, 0.1, (n, 1, N_MARKERS, 3))
    freq = rng.uniform(0.5, 1.5, (n, 1, N_MARKERS, 3)) * speed  # Hz
    phase = rng.uniform(0, 2 * np.pi, (n, 1, N_MARKERS, 3))
    time = (np.arange(t) / VICON_53.fps)[None, :, None, None]
    return rest + amp * np.sin(2 * np.pi * freq * time + phase)


# ----------------------------------------------------------------------------- Fréchet / FID
def test_frechet_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.0])
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = metrics.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-12)


def test_frechet_commuting_covariances():
    # Same eigenvectors: the distance is |Δμ|² + |sqrt(λ1) - sqrt(λ2)|².
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 5)))
    lam1, lam2 = np.array([1.0, 2, 3, 4, 5]), np.array([5.0, 1, 0.5, 2, 9])
    s1, s2 = q @ np.diag(lam1) @ q.T, q @ np.diag(lam2) @ q.T
    expected = np.sum((np.sqrt(lam1) - np.sqrt(lam2)) ** 2)
    assert metrics.frechet_distance(np.zeros(5), s1, np.zeros(5), s2) == pytest.approx(expected)


def test_frechet_matches_scipy_sqrtm_on_full_rank():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    s1, s2 = a @ a.T + np.eye(6), b @ b.T + np.eye(6)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    ref = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.trace(linalg.sqrtm(s1 @ s2).real)
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(ref, rel=1e-9)


def test_fid_identical_and_mean_shift():
    acts = np.random.default_rng(2).normal(size=(300, 8))
    shift = np.arange(8.0)
    assert metrics.fid(acts, acts) == pytest.approx(0.0, abs=1e-9)
    assert metrics.fid(acts, acts + shift) == pytest.approx(np.sum(shift**2), rel=1e-9)


def test_fid_singular_covariance_is_finite():
    rng = np.random.default_rng(3)
    few_a, few_b = rng.normal(size=(10, 100)), rng.normal(size=(12, 100))  # N < F
    value = metrics.fid(few_a, few_b)
    assert np.isfinite(value) and value > 0
    assert metrics.fid(few_a, few_a) == pytest.approx(0.0, abs=1e-8)


def test_fid_rejects_bad_input():
    with pytest.raises(ValueError):
        metrics.fid(np.ones((1, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError):
        metrics.frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(3))
    with pytest.raises(ValueError):
        metrics.frechet_distance(np.zeros(2), np.full((2, 2), np.nan), np.zeros(2), np.eye(2))


# ----------------------------------------------------------------------------- diversity / MM
def two_spots(n: int, distance: float, dim: int = 4) -> np.ndarray:
    spots = np.zeros((n, dim))
    spots[n // 2:, 0] = distance
    return spots


def test_diversity_known_answers():
    rng = np.random.default_rng(0)
    assert metrics.diversity(np.ones((20, 3)), rng=rng) == 0.0
    # Two equal spots at distance 3: a random pair straddles them half the time.
    value = metrics.diversity(two_spots(100, 3.0), n_pairs=40_000, rng=rng)
    assert value == pytest.approx(1.5, abs=0.03)


def test_diversity_matches_explicit_pairs():
    acts = np.random.default_rng(1).normal(size=(30, 5))
    value = metrics.diversity(acts, n_pairs=200, rng=np.random.default_rng(7))
    first, second = np.random.default_rng(7).integers(0, 30, size=(2, 200))
    expected = np.mean([np.linalg.norm(acts[i] - acts[j]) for i, j in zip(first, second)])
    assert value == pytest.approx(expected)


def test_multimodality_known_answers():
    rng = np.random.default_rng(0)
    # Label 0: one spot (0); label 1: two equal spots at distance 4 (~2); mean ~1.
    acts = np.concatenate([np.zeros((50, 4)), two_spots(100, 4.0) + 10.0])
    labels = np.repeat([0, 1], [50, 100])
    value = metrics.multimodality(acts, labels, n_per_label=40_000, rng=rng)
    assert value == pytest.approx(1.0, abs=0.02)
    # Separated classes do not leak into each other: each label is a single spot.
    spots = np.repeat(np.eye(3) * 100, 10, axis=0)
    assert metrics.multimodality(spots, np.repeat([0, 1, 2], 10), 20, rng=rng) == 0.0


def test_multimodality_checks_lengths():
    with pytest.raises(ValueError):
        metrics.multimodality(np.zeros((5, 2)), np.zeros(4), rng=np.random.default_rng(0))


# ----------------------------------------------------------------------------- AJD / classes
def test_ajd_known_answer_and_shapes():
    x = np.zeros((2, T, 159))
    x_hat = x.copy().reshape(2, T, N_MARKERS, 3)
    x_hat[..., 0] = 3.0
    x_hat[..., 1] = 4.0  # every marker 5 away
    assert metrics.ajd(x, x_hat) == pytest.approx(5.0)
    x_hat[0] = 0.0  # half the sequences exact
    assert metrics.ajd(x.reshape(2, T, N_MARKERS, 3), x_hat.reshape(2, T, 159)) == 2.5
    with pytest.raises(ValueError):
        metrics.ajd(x, x[:1])


def test_accuracy_and_confusion_matrix():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 2, 2])
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    counts = metrics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(counts, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    rates = metrics.confusion_matrix(y_true, y_pred, normalize="true")
    np.testing.assert_allclose(rates, [[2 / 3, 1 / 3, 0], [0, 0.5, 0.5], [0, 0, 1]])
    assert metrics.balanced_accuracy(y_true, y_pred) == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    # A class absent from y_true keeps a zero row and is left out of the balanced mean.
    assert metrics.confusion_matrix([0, 0], [0, 2], normalize="true")[1].sum() == 0
    assert metrics.balanced_accuracy([0, 0], [0, 2]) == 0.5
    with pytest.raises(ValueError):
        metrics.confusion_matrix([0, 4], [0, 1])  # N/A label not dropped
    with pytest.raises(ValueError):
        metrics.confusion_matrix([0], [0], normalize="all")


# ----------------------------------------------------------------------------- bootstrap
def test_summarize_known_answer():
    summary = metrics.summarize([1.0, 2.0, 3.0, 4.0])
    std = np.sqrt(1.25)
    assert summary["mean"] == 2.5 and summary["std"] == pytest.approx(std)
    assert summary["ci95_high"] - 2.5 == pytest.approx(1.959963984540054 * std / 2)
    assert summary["ci95_low"] == pytest.approx(5.0 - summary["ci95_high"])
    json.dumps(summary)


def test_bootstrap_single_iteration_and_seeding():
    one = metrics.bootstrap(lambda rng: rng.normal(), n_iter=1, seed=3)
    assert one["std"] == 0.0 and one["ci95_low"] == one["mean"] == one["ci95_high"]
    a = metrics.bootstrap(lambda rng: rng.normal(), n_iter=5, seed=3)
    b = metrics.bootstrap(lambda rng: rng.normal(), n_iter=5, seed=3)
    assert a == b and len(set(a["values"])) == 5  # reproducible, independent streams
    assert metrics.bootstrap(lambda rng: 7.0, n_iter=4, seed=0)["mean"] == 7.0
    with pytest.raises(ValueError):
        metrics.bootstrap(lambda rng: 1.0, n_iter=0, seed=0)


def test_bootstrap_many_shares_one_draw():
    def stats(rng):
        x = rng.normal()
        return {"x": x, "twice": 2 * x}

    out = metrics.bootstrap_many(stats, n_iter=6, seed=1)
    assert set(out) == {"x", "twice"}
    np.testing.assert_allclose(out["twice"]["values"], 2 * np.array(out["x"]["values"]))


# ----------------------------------------------------------------------------- kinematics
def test_velocity_acceleration_known_answer():
    seqs = np.zeros((1, 5, N_MARKERS, 3))
    seqs[0, :, 0, 0] = 2.0 * np.arange(5) ** 2  # x = 2 t² (t in frames): a = 4 / frame²
    np.testing.assert_allclose(metrics.velocity(seqs, fps=10)[0, :, 0, 0], [20, 60, 100, 140])
    np.testing.assert_allclose(metrics.acceleration(seqs, fps=10)[0, :, 0, 0], 400.0)
    assert metrics.acceleration(seqs.reshape(1, 5, 159)).shape == (1, 3, N_MARKERS, 3)


def test_kinetic_features_known_answer():
    seqs = np.zeros((2, T, N_MARKERS, 3))
    step = np.arange(T)[:, None] / VICON_53.fps
    seqs[0, :, 5] = step * np.array([3.0, 4.0, 0.0])  # horizontal speed 5
    seqs[1, :, 7] = step * np.array([0.0, 0.0, -2.0])  # vertical speed 2
    feats = metrics.kinetic_features(seqs).reshape(2, N_MARKERS, 3)
    assert metrics.kinetic_features(seqs.reshape(2, T, 159)).shape == (2, 159)
    np.testing.assert_allclose(feats[0, 5], [25.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(feats[1, 7], [0.0, 4.0, 0.0], atol=1e-9)
    assert np.abs(np.delete(feats[0], 5, axis=0)).max() == 0
    assert len(metrics.KINETIC_FEATURE_NAMES) == 159


def set_points(points: dict) -> np.ndarray:
    """A (53, 3) pose whose marker groups sit exactly on the given body points."""
    pose = np.zeros((N_MARKERS, 3))
    for name, position in points.items():
        pose[VICON_53.indices(VICON_53.body[name])] = position
    return pose


def test_geometric_features_known_pose():
    pose = set_points({
        "Lhip": [1, 0, 1], "Rhip": [-1, 0, 1], "neck": [0, 0, 3], "head": [0, 0, 4],
        "Lshoulder": [1, 0, 3], "Lelbow": [2, 0, 3], "Lwrist": [2, 1, 3],  # 90° elbow
        "Rshoulder": [-1, 0, 3], "Relbow": [-2, 0, 3], "Rwrist": [-3, 0, 3],  # straight
        "Lhand": [2, 2, 3], "Rhand": [-4, 0, 3], "Lknee": [1, 0, 0.5], "Lankle": [1, 0, 0],
    })
    seqs = np.broadcast_to(pose, (3, T, N_MARKERS, 3))
    feats = metrics.geometric_features(seqs)
    names = metrics.GEOMETRIC_FEATURE_NAMES
    assert feats.shape == (3, 48) and len(names) == 48
    value = dict(zip(names, feats[0]))
    assert value["mean/angle/Lelbow"] == pytest.approx(np.pi / 2)
    assert value["mean/angle/Relbow"] == pytest.approx(np.pi)
    assert value["mean/angle/Lknee"] == pytest.approx(np.pi)  # hip, knee, ankle aligned
    assert value["mean/dist/Lhand-Rhand"] == pytest.approx(np.hypot(6, 2))
    assert value["mean/height/head"] == pytest.approx(4.0)  # floor = lowest marker, z = 0
    assert value["mean/angle/trunk_inclination"] == pytest.approx(0.0, abs=1e-7)
    assert np.all(feats[:, 24:] == 0)  # a still pose has no spread over time


def test_geometric_features_ignore_floor_shift_and_heading():
    seqs = smooth_dance(4, seed=0)
    turn = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])  # 90° about the vertical
    moved = seqs @ turn.T + np.array([5.0, -2.0, 0.7])
    np.testing.assert_allclose(
        metrics.geometric_features(moved), metrics.geometric_features(seqs), atol=1e-9
    )


def test_kinetic_and_geometric_fid_order():
    real = smooth_dance(150, seed=1)
    noise = np.random.default_rng(2)
    slightly = real + noise.normal(0, 1e-4, real.shape)
    sped_up = smooth_dance(150, seed=1, speed=2.0)  # same dancers, twice the tempo
    noisy = real + noise.normal(0, 0.03, real.shape)
    assert metrics.kinetic_fid(real, real) == pytest.approx(0.0, abs=1e-6)
    assert metrics.geometric_fid(real, real) == pytest.approx(0.0, abs=1e-6)
    assert metrics.kinetic_fid(sped_up, real) > 10 * metrics.kinetic_fid(slightly, real)
    assert metrics.geometric_fid(noisy, real) > 10 * metrics.geometric_fid(slightly, real)


def test_feature_normalizer_uses_real_stats():
    real = np.random.default_rng(0).normal(3.0, 2.0, (500, 4))
    mean, std = metrics.feature_normalizer(real)
    np.testing.assert_allclose(mean, real.mean(0))
    np.testing.assert_allclose(std, real.std(0) + 1e-10)
    # A shift of one real std in every feature costs 1 per feature after z-scoring.
    assert metrics.feature_fid(real + real.std(0), real) == pytest.approx(4.0, rel=1e-9)


# ----------------------------------------------------------------------------- bones, novelty
def rotation(angle: float, axis: np.ndarray) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def test_bone_length_variation_rigid_motion_is_zero():
    pose = np.random.default_rng(0).normal(size=(N_MARKERS, 3))
    frames = np.stack([
        pose @ rotation(0.1 * t, np.array([1.0, 2.0, 3.0])).T + 0.05 * t for t in range(T)
    ])
    assert metrics.bone_length_variation(frames[None]) == pytest.approx([0.0], abs=1e-12)


def test_bone_length_variation_stretched_limb():
    pose = np.random.default_rng(0).normal(size=(N_MARKERS, 3))
    still = np.broadcast_to(pose, (T, N_MARKERS, 3))
    stretched = still.copy()
    stretched[:, INDEX["LTOE"]] += np.linspace(0, 1, T)[:, None]  # heel->toe grows
    variation = metrics.bone_length_variation(np.stack([still, stretched]).reshape(2, T, 159))
    toe = VICON_53.segment_lengths(stretched)[:, 0]  # segment 0 is Lheel -> Ltoe
    assert variation[0] == pytest.approx(0.0, abs=1e-12)
    assert variation[1] == pytest.approx(toe.std() / toe.mean() / 22)
    ratio = metrics.bone_length_ratio(stretched[None], np.stack([stretched, still]))
    assert ratio == pytest.approx(2.0)


def test_novelty_copy_is_zero_and_matches_brute_force():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(37, 10, 159)).astype(np.float32)
    gen = np.concatenate([train[[7, 30]].astype(np.float64), rng.normal(size=(3, 10, 159))])
    index, dist = metrics.nearest_train_windows(gen, train, chunk=8)
    assert dist[0] == 0.0 and dist[1] == 0.0 and list(index[:2]) == [7, 30]
    brute = np.linalg.norm(gen[:, None] - train[None], axis=(-2, -1)) / np.sqrt(10 * 53)
    np.testing.assert_allclose(dist, brute.min(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(metrics.novelty(gen, train, chunk=1000), dist)


def test_novelty_known_offset():
    train = np.zeros((4, 10, N_MARKERS, 3))
    train[:, :, :, 0] = np.arange(4)[:, None, None]  # window i sits at x = i
    gen = np.zeros((1, 10, N_MARKERS, 3))
    gen[..., 0] = 2.25
    assert metrics.novelty(gen, train, chunk=3) == pytest.approx([0.25])


# ----------------------------------------------------------------------------- 2-D skeleton
def video_pose() -> np.ndarray:
    """(15, 2) OPENPOSE_15 pose, y up: left elbow bent 90°, nose 4 above the ankles."""
    at = {"Nose": (0, 4), "Neck": (0, 3), "MidHip": (0, 1),
          "LShoulder": (1, 3), "LElbow": (2, 3), "LWrist": (2, 4),  # 90° at the elbow
          "RShoulder": (-1, 3), "RElbow": (-2, 3), "RWrist": (-3, 3),  # straight arm
          "LHip": (0.5, 1), "LKnee": (0.5, 0.5), "LAnkle": (0.5, 0),  # straight leg
          "RHip": (-0.5, 1), "RKnee": (-1, 0.5), "RAnkle": (-0.5, 0)}
    return np.array([at[j] for j in OPENPOSE_15.joints], dtype=np.float64)


def drifting(pose: np.ndarray, step: np.ndarray, t: int = T) -> np.ndarray:
    """(1, t, J, D) sequence of pose moved by step (D,) every frame."""
    return (pose + np.arange(t)[:, None, None] * step)[None]


def test_2d_velocity_acceleration_constant_speed():
    seqs = drifting(video_pose(), np.array([3.0, 4.0]))  # 3, 4 pose units per frame
    vel = metrics.velocity(seqs, skeleton=OPENPOSE_15)  # at OPENPOSE_15's 30 fps
    assert vel.shape == (1, T - 1, 15, 2)
    np.testing.assert_allclose(vel, np.broadcast_to([90.0, 120.0], vel.shape))
    flat = seqs.reshape(1, T, 30)
    np.testing.assert_allclose(metrics.velocity(flat, fps=10, skeleton=OPENPOSE_15), vel / 3)
    acc = metrics.acceleration(flat, skeleton=OPENPOSE_15)
    assert acc.shape == (1, T - 2, 15, 2) and np.abs(acc).max() < 1e-9


def test_2d_bone_length_variation_rigid_and_stretched():
    rigid = drifting(video_pose(), np.array([0.1, -0.05]))[0]  # (T, 15, 2), translated
    stretched = rigid.copy()
    stretched[:, OPENPOSE_15.index["LWrist"], 1] += np.linspace(0, 1, T)  # forearm grows
    variation = metrics.bone_length_variation(np.stack([rigid, stretched]), skeleton=OPENPOSE_15)
    forearm = 1 + np.linspace(0, 1, T)  # LElbow -> LWrist was 1 long
    assert variation[0] == pytest.approx(0.0, abs=1e-12)
    assert variation[1] == pytest.approx(forearm.std() / forearm.mean() / 14)
    ratio = metrics.bone_length_ratio(stretched[None], np.stack([stretched, rigid]),
                                      skeleton=OPENPOSE_15)
    assert ratio == pytest.approx(2.0)


def test_2d_ajd_and_novelty_known_offsets():
    x = np.zeros((2, T, 15, 2))
    x_hat = x + np.array([3.0, 4.0])  # every joint 5 away
    assert metrics.ajd(x.reshape(2, T, 30), x_hat, skeleton=OPENPOSE_15) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="openpose15"):
        metrics.ajd(np.zeros((2, T, 159)), np.zeros((2, T, 159)), skeleton=OPENPOSE_15)
    train = np.zeros((4, 10, 15, 2))
    train[..., 0] = np.arange(4)[:, None, None]  # window i sits at x = i
    gen = np.full((1, 10, 30), 0.0)
    gen[..., 0::2] = 2.25  # x of every joint
    assert metrics.novelty(gen, train, chunk=3, skeleton=OPENPOSE_15) == pytest.approx([0.25])


def test_2d_kinetic_features_known_answer():
    seqs = np.zeros((2, T, 15, 2))
    step = np.arange(T)[:, None] / OPENPOSE_15.fps
    seqs[0, :, 4] = step * np.array([2.0, 0.0])  # RWrist: horizontal speed 2
    seqs[1, :, 0] = step * np.array([0.0, -3.0])  # Nose: vertical (y) speed 3
    feats = metrics.kinetic_features(seqs, skeleton=OPENPOSE_15)
    assert feats.shape == (2, 45)
    names = metrics.kinetic_feature_names(OPENPOSE_15)
    value = [dict(zip(names, f)) for f in feats]
    assert value[0]["RWrist/ke_horizontal"] == pytest.approx(4.0)
    assert value[1]["Nose/ke_vertical"] == pytest.approx(9.0)
    assert np.count_nonzero(np.abs(feats) > 1e-9) == 2 and len(names) == 45
    fid = metrics.kinetic_fid(seqs, seqs, skeleton=OPENPOSE_15)
    assert fid == pytest.approx(0.0, abs=1e-6)


def test_2d_geometric_features_known_pose():
    seqs = np.broadcast_to(video_pose(), (3, T, 15, 2))
    feats = metrics.geometric_features(seqs, skeleton=OPENPOSE_15)
    assert feats.shape == (3, 48)
    value = dict(zip(metrics.GEOMETRIC_FEATURE_NAMES, feats[0]))
    assert value["mean/angle/Lelbow"] == pytest.approx(np.pi / 2)
    assert value["mean/angle/Relbow"] == pytest.approx(np.pi)
    assert value["mean/angle/Lknee"] == pytest.approx(np.pi)
    assert value["mean/height/head"] == pytest.approx(4.0)  # nose above the ankles (y = 0)
    assert value["mean/dist/Lhand-Rhand"] == pytest.approx(np.hypot(5, 1))  # hands = wrists
    assert value["mean/angle/trunk_inclination"] == pytest.approx(0.0, abs=1e-7)
    assert np.abs(feats[:, 24:]).max() < 1e-12  # a still pose: no spread (up to rounding)


def test_2d_geometric_features_ignore_floor_shift_and_mirror():
    seqs = drifting(video_pose(), np.array([0.02, 0.01]))
    seqs = seqs + 0.1 * np.sin(np.arange(T))[None, :, None, None]  # a little wobble
    moved = seqs * np.array([-1.0, 1.0]) + np.array([5.0, 0.7])  # mirrored, shifted
    np.testing.assert_allclose(metrics.geometric_features(moved, skeleton=OPENPOSE_15),
                               metrics.geometric_features(seqs, skeleton=OPENPOSE_15), atol=1e-9)
    batch = np.concatenate([seqs, 1.5 * moved])  # (2, T, 15, 2): FID needs two or more
    assert metrics.geometric_fid(batch, batch, skeleton=OPENPOSE_15) == pytest.approx(0, abs=1e-6)
