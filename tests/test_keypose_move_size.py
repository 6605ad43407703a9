"""keypose_move_size: the label sets the key-pose moves' size as well as their timing.

Known answers for the factor g_y and for the decoded moves, off = as before, the settings'
refused values, a checkpoint mismatch naming the setting, and a tiny run that saves it.
"""
from pathlib import Path

import pytest
import torch
from helpers import keypose_model, load_under, train_tiny_run, two_keys, untrained_checkpoint

from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import ConfigError
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.model import PirouNet
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
SUSTAINED, NEUTRAL, SUDDEN = 0, 1, 2


FRAMES = torch.tensor([60.0, 20.0, 7.0])  # the decoder's label durations before training


def ramps(sizes: list[float], labels: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows (N, 10, 12) of constant acceleration size / d_y^2 in every value; labels (N,):
    a move of the label's duration d_y whose peak acceleration that is has size ~ size."""
    y = torch.tensor(labels)
    accel = torch.tensor(sizes) / FRAMES[y] ** 2  # (N,)
    t = torch.arange(10.0)[None, :, None]  # (1, T, 1)
    return (0.5 * accel[:, None, None] * t ** 2).expand(-1, -1, 12).contiguous(), y


@pytest.mark.parametrize("power, expected", [(1.0, [0.5, 1.0, 1.5]), (2.0, [0.25, 1.0, 2.25])])
def test_the_factor_is_each_labels_median_move_size_over_their_mean(power, expected):
    model = keypose_model(keypose_move_size=power)
    # medians 1 / 2 / 3 (the outliers 9 and 0.1 do not move a median of three), mean 2
    windows, labels = ramps([1.0, 0.9, 1.1, 2.0, 9.0, 0.1, 3.0], [0, 0, 0, 1, 1, 1, 2])
    size = model.set_move_size(windows, labels)
    assert size.tolist() == pytest.approx(expected, rel=1e-5)
    assert model.decoder.move_size.tolist() == pytest.approx(expected, rel=1e-5)


def test_the_factor_is_measured_in_the_decoders_units_under_standardize():
    model = keypose_model(keypose_move_size=1.0, pose_normalization="standardize")
    windows, labels = ramps([1e3, 2e3, 3e3], [0, 1, 2])  # large: float32 second differences
    model.set_pose_statistics(5.0 + 4.0 * windows.reshape(-1, 12))  # any mean and std
    # ratios do not change when every value is scaled alike
    assert model.set_move_size(windows, labels).tolist() == pytest.approx([0.5, 1.0, 1.5], rel=1e-3)


def test_every_label_needs_windows():
    model = keypose_model(keypose_move_size=1.0)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\]"):
        model.set_move_size(*ramps([1.0, 2.0], [0, 1]))


@pytest.mark.parametrize("timing", ["transitions", "rhythm"])
def test_each_move_is_scaled_by_the_labels_factor_known_answer(timing):
    model = keypose_model(keypose_move_size=1.0, keypose_timing=timing)
    plain = keypose_model(keypose_timing=timing)  # same seed, same weights: no size buffer
    assert "decoder.move_size" not in plain.state_dict()
    with torch.no_grad():
        model.decoder.move_size.copy_(torch.tensor([0.5, 1.0, 1.5]))
    z = torch.randn(4, 4)
    for y, g in ((SUSTAINED, 0.5), (NEUTRAL, 1.0), (SUDDEN, 1.5)):
        labels = torch.full((4,), y)
        base = plain.sample(z, labels)  # (B, T, D): P_0 + sum_k s_k (P_k - P_{k-1})
        start = plain.decoder.key_poses(plain.decoder.trunk(z))[:, :1]  # P_0, (B, 1, D)
        want = start + g * (base - start)
        assert torch.allclose(model.sample(z, labels), want, atol=1e-6)


def test_a_factor_of_one_is_the_decoder_without_the_setting():
    z, labels = torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    on = keypose_model(keypose_move_size=1.0, keypose_detours=True)  # buffer of ones
    off = keypose_model(keypose_detours=True)
    assert torch.equal(on.sample(z, labels), off.sample(z, labels))


def test_the_setting_is_off_by_default_and_refuses_values():
    assert TRAINING.load().keypose_move_size == 0.0
    for bad in ("-0.5", "2.5"):
        with pytest.raises(ConfigError, match="keypose_move_size"):
            TRAINING.load([f"--keypose_move_size={bad}"])


def test_a_checkpoint_without_the_factor_names_the_setting(tmp_path):
    tiny = str(ROOT / "configs" / "tiny.py")
    on = TRAINING.load([tiny, "--decoder='keypose'", "--keypose_move_size=1.0"])
    off = TRAINING.load([tiny, "--decoder='keypose'"])
    # the setting comes from the checkpoint
    model, cfg, _ = load_model(untrained_checkpoint(on, tmp_path / "ours.pt"))
    assert cfg.keypose_move_size == 1.0 and "decoder.move_size" in model.state_dict()
    with pytest.raises(CheckpointError) as err:
        load_under(tmp_path / "ours.pt", off)
    assert "decoder.move_size (3,): in the checkpoint, but the config builds no such key" \
        in str(err.value)
    assert "keypose_move_size=1.0 in the checkpoint, 0.0 in the config" in str(err.value)


def test_a_tiny_run_sets_and_saves_the_factor(tmp_path):
    root = train_tiny_run(tmp_path, 4000, "--run_name=size", "--decoder=keypose",
                          "--keypose_move_size=1.0", "--pose_normalization=standardize")
    model, cfg, _ = load_model(root / "saved_models" / "size" / "last.pt")
    assert cfg.keypose_move_size == 1.0
    size = model.decoder.move_size
    assert size.shape == (3,) and torch.isfinite(size).all() and (size > 0).all()
    assert size.mean().item() == pytest.approx(1.0, abs=1e-5)  # normalised by the mean
    assert not torch.equal(size, torch.ones(3))  # measured from the windows, not left at ones


def edge_model(margin: float) -> PirouNet:
    """One transition from -0.5 to 0.5 whose centre share is ~0: as early as it may go."""
    model = two_keys(41, keypose_edge_margin=margin)
    with torch.no_grad():  # share e^-60: the first centre ~0
        model.decoder.gaps.bias.copy_(torch.tensor([-30.0, 30.0]))
    return model


def test_the_edge_margin_lets_a_transition_end_before_the_window_known_answer():
    z, sudden, sustained = torch.randn(1, 4), torch.tensor([SUDDEN]), torch.tensor([SUSTAINED])
    inside = edge_model(0.0)  # centre on frame 0: the first frame is half-way, moving
    assert inside.sample(z, sustained)[0, 0, 0].item() == pytest.approx(0.0, abs=1e-5)
    out = edge_model(0.5)  # centre 0.5 x 60 frames before frame 0: the move is over
    assert torch.allclose(out.sample(z, sustained)[0, :, 0], torch.tensor(0.5), atol=1e-5)
    centres, duration = out.decoder.timing(out.decoder.trunk(z), torch.eye(3)[[SUDDEN]])
    assert duration.item() == pytest.approx(7.0) and centres.item() == pytest.approx(-3.5)
    assert torch.allclose(out.sample(z, sudden)[0, :, 0], torch.tensor(0.5), atol=1e-5)


def test_an_edge_margin_of_zero_is_the_decoder_without_the_setting():
    z, labels = torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    assert torch.equal(keypose_model(keypose_edge_margin=0.0).sample(z, labels),
                       keypose_model().sample(z, labels))
    assert TRAINING.load().keypose_edge_margin == 0.0
    for bad in ("-0.1", "0.6"):
        with pytest.raises(ConfigError, match="keypose_edge_margin"):
            TRAINING.load([f"--keypose_edge_margin={bad}"])
