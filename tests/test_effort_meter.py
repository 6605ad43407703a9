"""Known-answer tests for the Time-Effort meter."""
import json

import numpy as np
import pytest

from pirounet.skeletons import BODY_POINTS, VICON_53, Skeleton, SkeletonError
from pirounet.systems.pirounet.effort_meter import (
    METER_ROLES,
    EffortMeter,
    effort_recognition_rate,
    time_effort_score,
)

INDEX, N_MARKERS = VICON_53.index, VICON_53.n_joints
# The markers of the meter's roles (head, hands, feet): 12 of VICON_53's 53.
END_EFFECTOR_INDICES = VICON_53.indices(
    sorted({m for role in METER_ROLES for m in VICON_53.body[role]}))

T, FPS = 40, 35.0
BODY = np.setdiff1d(np.arange(N_MARKERS), END_EFFECTOR_INDICES)  # markers that do not count


def still(n: int) -> np.ndarray:
    """(n, T, 53, 3) of a fixed random pose."""
    pose = np.random.default_rng(0).normal(size=(N_MARKERS, 3))
    return np.tile(pose, (n, T, 1, 1))


def shaking(amplitudes: np.ndarray, freq: float = 2.0) -> np.ndarray:
    """End effectors oscillating along x with the given amplitudes (n,) at freq Hz."""
    seqs = still(len(amplitudes))
    wave = np.sin(2 * np.pi * freq * np.arange(T) / FPS)  # (T,)
    seqs[:, :, END_EFFECTOR_INDICES, 0] += amplitudes[:, None, None] * wave[None, :, None]
    return seqs


def test_constant_velocity_scores_zero():
    seqs = still(2)
    drift = np.arange(T)[:, None] * np.array([0.01, -0.02, 0.03])  # (T, 3) straight lines
    seqs[0] += drift[:, None, :]
    seqs[1, :, END_EFFECTOR_INDICES] += 5 * drift
    np.testing.assert_allclose(time_effort_score(seqs), 0.0, atol=1e-9)
    assert time_effort_score(seqs.reshape(2, T, 159)).shape == (2,)


def test_sinusoid_known_mean_acceleration():
    amp, freq = 0.2, 2.0
    score = time_effort_score(shaking(np.array([amp]), freq), fps=FPS)[0]
    # Exact for second differences: x[k+1] - 2x[k] + x[k-1] = -(2 - 2 cos wh) x[k].
    omega, frames = 2 * np.pi * freq, np.arange(1, T - 1)
    gain = (2 - 2 * np.cos(omega / FPS)) * FPS**2
    expected = amp * gain * np.mean(np.abs(np.sin(omega * frames / FPS)))
    assert score == pytest.approx(expected, rel=1e-9)
    # ... and close to the continuous answer A w² <|sin|> (2/pi over whole periods).
    assert score == pytest.approx(amp * omega**2 * 2 / np.pi, rel=0.05)


def test_score_ignores_non_end_effectors():
    seqs = still(1)
    seqs[0, :, BODY, 2] += np.sin(np.arange(T))  # violent torso, still hands/feet/head
    assert time_effort_score(seqs)[0] == pytest.approx(0.0, abs=1e-9)
    seqs[0, :, INDEX["RTOE"], 2] += np.arange(T) ** 2 / 2.0  # one marker: 1 per frame²
    # RTOE is one of the right foot's 2 markers, and the right foot one of 5 roles.
    assert time_effort_score(seqs, fps=1.0)[0] == pytest.approx(1 / 2 / len(METER_ROLES))


def three_groups(seed: int = 0):
    rng = np.random.default_rng(seed)
    amps = np.concatenate([rng.uniform(0.01, 0.02, 30), rng.uniform(0.1, 0.2, 20),
                           rng.uniform(1.0, 2.0, 10)])
    labels = np.repeat([0, 1, 2], [30, 20, 10])
    order = rng.permutation(60)
    return shaking(amps[order]), labels[order]


def test_meter_separates_well_separated_groups():
    seqs, labels = three_groups()
    meter = EffortMeter().fit(seqs, labels)
    np.testing.assert_array_equal(meter.predict(seqs), labels)
    scores = time_effort_score(seqs)
    t1, t2 = meter.thresholds
    assert scores[labels == 0].max() < t1 < scores[labels == 1].min()
    assert scores[labels == 1].max() < t2 < scores[labels == 2].min()
    assert EffortMeter().fit(seqs, labels) == meter  # deterministic


def test_meter_fit_with_few_candidates_stays_deterministic():
    seqs, labels = three_groups(seed=1)
    coarse = EffortMeter(n_candidates=5).fit(seqs, labels)
    assert coarse.thresholds[0] <= coarse.thresholds[1]
    assert coarse == EffortMeter(n_candidates=5).fit(seqs, labels)


def test_classify_boundaries():
    meter = EffortMeter(thresholds=(1.0, 2.0))
    np.testing.assert_array_equal(meter.classify(np.array([0.5, 1.0, 1.5, 2.0, 9.0])),
                                  [0, 1, 1, 2, 2])


def test_meter_round_trip_and_errors():
    seqs, labels = three_groups()
    meter = EffortMeter().fit(seqs, labels)
    stored = json.loads(json.dumps(meter.to_dict()))
    assert EffortMeter.from_dict(stored) == meter
    assert EffortMeter.from_dict(EffortMeter().to_dict()).thresholds is None
    with pytest.raises(ValueError, match="not fitted"):
        EffortMeter().predict(seqs)
    with pytest.raises(ValueError, match="every class"):
        EffortMeter().fit(seqs[labels < 2], labels[labels < 2])
    with pytest.raises(ValueError):
        EffortMeter().fit(seqs, np.where(labels == 2, 3, labels))  # N/A label left in


def test_effort_recognition_rate():
    seqs, labels = three_groups()
    meter = EffortMeter().fit(seqs, labels)
    assert effort_recognition_rate(meter, seqs, labels) == 1.0
    wrong = labels.copy()
    wrong[:15] = (wrong[:15] + 1) % 3  # 15 of 60 conditioned on the wrong label
    assert effort_recognition_rate(meter, seqs, wrong) == pytest.approx(45 / 60)


def stick_skeleton(without: str = "") -> Skeleton:
    """A 3-D skeleton of 7 joints named unlike any Vicon marker, one joint per body role."""
    joints = ("crown", "hips", "chest", "paw_l", "paw_r", "sole_l", "sole_r")
    body = {point: ("chest",) for point in BODY_POINTS}
    body.update(head=("crown",), pelvis=("hips",), Lhand=("paw_l",), Rhand=("paw_r",),
                Lfoot=("sole_l",), Rfoot=("sole_r",))
    body.pop(without, None)
    return Skeleton(name="stick7", joints=joints, dims=3, fps=25.0,
                    segments=(("hips", "chest"), ("chest", "crown")), body=body,
                    end_effectors=())


def test_meter_finds_end_effectors_by_role_on_another_skeleton():
    skeleton = stick_skeleton()
    seqs = np.zeros((2, T, 7, 3))
    seqs[:, :, skeleton.index["chest"], 0] = np.sin(np.arange(T))  # not a role: ignored
    seqs[1, :, skeleton.index["paw_l"], 1] = np.arange(T) ** 2 / 2.0  # 1 per frame², one role
    scores = time_effort_score(seqs, fps=1.0, skeleton=skeleton)
    np.testing.assert_allclose(scores, [0.0, 1 / len(METER_ROLES)], atol=1e-12)
    flat = time_effort_score(seqs.reshape(2, T, 21), fps=1.0, skeleton=skeleton)
    np.testing.assert_allclose(flat, scores)
    meter = EffortMeter(skeleton=skeleton)
    assert meter.fps == 25.0  # the skeleton's frame rate
    assert meter.score(seqs)[1] == pytest.approx(25.0**2 / len(METER_ROLES))


def test_skeleton_lacking_a_role_is_one_clear_error():
    skeleton = stick_skeleton(without="Rfoot")
    with pytest.raises(SkeletonError, match=r"stick7 has no 'Rfoot' body point, which the "
                       r"Time-Effort meter \(it measures head, Lhand, Rhand, Lfoot, Rfoot\)"):
        time_effort_score(np.zeros((1, T, 7, 3)), skeleton=skeleton)
    with pytest.raises(SkeletonError, match="'Rfoot'"):
        EffortMeter(skeleton=skeleton)
    empty = stick_skeleton()
    empty.body["Rfoot"] = ()  # a definition file's empty list
    with pytest.raises(SkeletonError, match="body point 'Rfoot' names no joint"):
        EffortMeter(skeleton=empty)


def test_probabilities_follow_the_cut_and_sharpen_when_fitted():
    seqs, labels = three_groups()
    meter = EffortMeter().fit(seqs, labels)
    scores = meter.score(seqs)
    probs = meter.probabilities(scores)
    assert probs.shape == (60, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_array_equal(probs.argmax(axis=1), labels)  # groups lie far apart
    assert probs.max(axis=1).min() > 0.9 and meter.calibrated
    # At a threshold the two neighbouring classes are equally likely.
    at_t1 = meter.probabilities(np.array([meter.thresholds[0]]))[0]
    assert at_t1[0] == pytest.approx(at_t1[1] + at_t1[2])


def test_from_quantiles_cuts_thirds_uncalibrated():
    scores = np.arange(1.0, 301.0)
    meter = EffortMeter().from_quantiles(scores)
    np.testing.assert_array_equal(np.bincount(meter.classify(scores)), [100, 100, 100])
    assert not meter.calibrated
    assert meter.width == pytest.approx(0.25 * np.log(meter.thresholds[1] / meter.thresholds[0]))
    mid = meter.probabilities(np.array([np.sqrt(np.prod(meter.thresholds))]))[0]
    assert mid[1] == pytest.approx(1 / (1 + np.exp(-2)) - 1 / (1 + np.exp(2)))  # 2 widths away
