"""Bodies and reconstruction options: the bone-steadiness term and the learning-rate schedule
on known answers, and both off leaving the objective's numbers as they were."""
import math

import numpy as np
import pytest
import torch
from test_steering import PUBLISHED, five_steps

from pirounet.metrics import bone_length_variation
from pirounet.skeletons import VICON_53
from pirounet.systems.pirounet.model.objective import (
    BONE_VARIATION_EPS,
    bone_matrix,
    bone_variation,
    bone_variation_error,
)
from pirounet.systems.pirounet.training import learning_rate_at

pytestmark = pytest.mark.usefixtures("one_thread")

ONE_BONE = torch.tensor([[-1.0, 1.0]])  # (S=1, J=2): the segment from joint 0 to joint 1


def two_joints(lengths) -> torch.Tensor:
    """One sequence (1, T, 6) of joint 0 at the origin and joint 1 at (length, 0, 0)."""
    t = len(lengths)
    x = torch.zeros(1, t, 2, 3)
    x[0, :, 1, 0] = torch.tensor(lengths, dtype=torch.float32)
    return x.reshape(1, t, 6)


def test_bone_variation_error_known_answers():
    steady, breathing = two_joints([1, 1, 1, 1]), two_joints([1, 3, 1, 3])
    assert bone_variation(breathing, ONE_BONE).item() == pytest.approx(0.5, rel=1e-4)  # 1 / 2
    expected = math.log((0.5 + BONE_VARIATION_EPS) / BONE_VARIATION_EPS) ** 2
    assert bone_variation_error(steady, breathing, ONE_BONE).item() == pytest.approx(expected,
                                                                                      rel=1e-4)
    # steadier than the original costs nothing; as steady costs nothing
    assert bone_variation_error(breathing, steady, ONE_BONE).item() == 0
    assert bone_variation_error(breathing, breathing, ONE_BONE).item() == pytest.approx(0)


def test_bone_variation_is_the_evaluations_bone_length_variation():
    x = torch.randn(3, 10, 159, generator=torch.Generator().manual_seed(0)) + 5.0
    ours = bone_variation(x, bone_matrix(VICON_53)).mean(dim=1).numpy()
    assert ours == pytest.approx(bone_length_variation(x.numpy().astype(np.float64)), rel=1e-3)


def test_learning_rate_schedules():
    assert learning_rate_at(7, 100, 3e-3, "constant") == 3e-3
    assert learning_rate_at(1, 100, 3e-3, "cosine") == pytest.approx(3e-3)
    assert learning_rate_at(51, 100, 3e-3, "cosine") == pytest.approx(1.5e-3)
    assert learning_rate_at(100, 100, 3e-3, "cosine") == pytest.approx(3e-3 * 0.5 * (
        1 + math.cos(math.pi * 0.99)))
    with pytest.raises(ValueError, match="learning_rate_schedule"):
        learning_rate_at(1, 100, 3e-3, "linear")


def test_bone_variation_off_gives_the_published_numbers_and_on_logs_its_term():
    assert five_steps({}, {"bone_variation_weight": 0.0}) == pytest.approx(PUBLISHED, rel=1e-5,
                                                                           abs=1e-7)
    terms = five_steps({}, {"bone_variation_weight": 1e-3, "bones": bone_matrix(VICON_53)[:, :4]})
    assert math.isfinite(terms["bone_variation_labelled"])


def test_the_new_options_are_off_in_the_defaults():
    from pirounet.systems.pirounet.settings import TRAINING

    defaults = TRAINING.load()
    assert (defaults.bone_variation_weight, defaults.learning_rate_schedule) == (0, "constant")
    assert defaults.latent_prior == "standard_normal"
