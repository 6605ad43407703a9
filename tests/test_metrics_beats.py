"""Known answers for motion beats and both Beat Align Score variants (pirounet/metrics/beats.py)."""
import numpy as np
import pytest

from pirounet.metrics.beats import (SIGMA_S, bas_bailando, bas_fact, beat_align_score,
                                    beat_times, gaussian_smooth, joint_speed, local_minima,
                                    motion_beats)


def bouncing_dance(fps: float, seconds: float, beat_period_s: float) -> np.ndarray:
    """(T, 15, 2) poses whose joints all swing as |sin|: speed is zero at every k * period."""
    t = np.arange(int(seconds * fps)) / fps
    height = np.cos(np.pi * t / beat_period_s)  # speed |sin| is 0 at t = k * period
    poses = np.zeros((len(t), 15, 2))
    poses[..., 1] = height[:, None] * np.linspace(1, 2, 15)[None]
    return poses


def test_speed_of_a_uniform_move():
    poses = np.zeros((4, 3, 2))
    poses[:, :, 0] = np.arange(4)[:, None] * 0.5  # 0.5 units a frame in x
    assert np.allclose(joint_speed(poses, fps=30), 15.0)


def test_local_minima_are_strict():
    assert local_minima(np.array([3, 1, 2, 2, 2, 0, 5])).tolist() == [1, 5]
    assert local_minima(np.array([1, 1, 1])).tolist() == []


def test_smoothing_keeps_a_constant_and_its_sum():
    assert np.allclose(gaussian_smooth(np.full(50, 2.0), 3), 2.0)
    spike = np.zeros(101)
    spike[50] = 1
    assert np.isclose(gaussian_smooth(spike, 4).sum(), 1.0)


def test_motion_beats_land_on_the_stops():
    fps, period = 60.0, 0.5
    beats = motion_beats(bouncing_dance(fps, 4.0, period), fps)
    expected = np.arange(1, 8) * period  # interior stops (the ends are not minima)
    assert len(beats) == len(expected)
    assert np.abs(beats - expected).max() <= 1.5 / fps  # within a frame and a half


def test_bas_is_one_on_the_beat_and_exp_minus_half_one_sigma_off():
    music = np.array([1.0, 2.0, 3.0])
    assert bas_fact(music, music) == pytest.approx(1.0)
    assert bas_bailando(music + SIGMA_S, music) == pytest.approx(np.exp(-0.5))


def test_the_variants_average_over_different_beats():
    music = np.array([1.0, 2.0])
    motion = np.array([1.0, 1.5])  # one on the beat, one half-way
    far = np.exp(-0.25 / (2 * SIGMA_S ** 2))
    # FACT: motion beats 1.0 (hit) and 1.5 (0.5 s off): (1 + far) / 2
    assert bas_fact(motion, music) == pytest.approx((1 + far) / 2)
    # Bailando: music beats 1.0 (hit) and 2.0 (0.5 s from 1.5): (1 + far) / 2 as well,
    # but an extra off-beat motion beat lowers FACT only
    more = np.array([1.0, 1.5, 2.0, 2.25])
    assert bas_bailando(more, music) == pytest.approx(1.0)
    assert bas_fact(more, music) < 0.6
    assert beat_align_score(more, music, "bailando") == bas_bailando(more, music)


def test_no_motion_beats_score_zero_in_both():
    assert bas_fact(np.array([]), np.array([1.0])) == 0.0
    assert bas_bailando(np.array([]), np.array([1.0])) == 0.0
    with pytest.raises(ValueError, match="variant"):
        beat_align_score(np.array([1.0]), np.array([1.0]), "edge")


def test_beat_times_from_a_one_hot_channel():
    channel = np.zeros(90)
    channel[[15, 45, 75]] = 1
    assert beat_times(channel, fps=30).tolist() == [0.5, 1.5, 2.5]
