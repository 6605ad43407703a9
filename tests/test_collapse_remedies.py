"""KL schedules, free bits and pose standardisation: the remedies for posterior collapse."""
import math
import re

import pytest
import torch

from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.annealing import kl_per_dimension, kl_weight_at, kl_with_free_bits
from pirounet.systems.pirounet.model.objective import energy_mismatch, kl_divergence, motion_energy

SMALL = ModelConfig(seq_len=6, input_dim=9, n_layers=2, h_dim=8, latent_dim=4,
                    h_dim_classif=8)


def test_constant_weight_without_a_schedule():
    assert [kl_weight_at(s, 100, 0.5) for s in (1, 50, 100)] == [0.5, 0.5, 0.5]


def test_warmup_rises_linearly_then_holds():
    weights = [kl_weight_at(s, 1000, 2.0, warmup_steps=4) for s in range(1, 7)]
    assert weights == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]


def test_cyclical_annealing_restarts_each_cycle():
    # 8 steps, 2 cycles of 4 steps; each ramps over its first half, then holds.
    weights = [kl_weight_at(s, 8, 1.0, cycles=2, cycle_ramp=0.5) for s in range(1, 9)]
    assert weights == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0]


def test_warmup_and_cycles_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        kl_weight_at(1, 10, 1.0, warmup_steps=5, cycles=2)


def test_free_bits_floor_each_dimension_in_textbook_nats():
    mean = torch.tensor([[0.0, 3.0]])  # dimension 0 carries nothing, dimension 1 a lot
    logvar = torch.zeros(1, 2)
    per_dim = kl_per_dimension(mean, logvar)
    assert per_dim.tolist() == [[0.0, 9.0]]  # published: mean^2 with no 0.5 factor
    assert kl_with_free_bits(mean, logvar, 0.0).item() == 9.0
    # 0.5 textbook nats = 1.0 in the published (doubled) units, for dimension 0 only
    assert kl_with_free_bits(mean, logvar, 0.5).item() == 10.0
    assert kl_divergence(mean, logvar).item() == 9.0


def test_free_bits_stop_the_kl_gradient_below_the_floor():
    mean = torch.tensor([[0.1, 3.0]], requires_grad=True)
    kl_with_free_bits(mean, torch.zeros(1, 2), 0.5).backward()
    assert mean.grad[0, 0] == 0 and mean.grad[0, 1] == pytest.approx(6.0)


def same_noise_losses(**settings):
    """m2_loss of one small model on one batch, with the same posterior noise every call."""
    torch.manual_seed(0)
    model = PirouNet(SMALL)
    x, y = torch.randn(4, 6, 9) * 0.1, torch.tensor([0, 1, 2, 0])
    torch.manual_seed(1)
    return m2_loss(model, x, y, x, 0.1, **settings)


def test_m2_loss_pays_the_scheduled_weight_but_logs_the_plain_kl():
    full, terms_full = same_noise_losses(kl_weight=1.0)
    none, terms_none = same_noise_losses(kl_weight=0.0)
    assert terms_full["kl_labelled"] == pytest.approx(terms_none["kl_labelled"])
    assert full.item() > none.item()  # the KL costs something only with a weight
    _, floored = same_noise_losses(kl_weight=1.0, free_bits=100.0)
    # every dimension under the floor: L pays latent_dim * 2 * 100 published nats
    expected = -(-terms_none["recon_labelled"] + math.log(1 / 3) - 4 * 200.0)
    assert floored["kl_labelled"] == pytest.approx(terms_none["kl_labelled"])
    assert -floored["elbo_labelled"] == pytest.approx(expected, rel=1e-5)


def test_standardize_adds_two_buffers_and_maps_the_decoder_range():
    plain = PirouNet(SMALL)
    model = PirouNet(ModelConfig(**{**SMALL.__dict__, "pose_normalization": "standardize"}))
    assert set(model.state_dict()) - set(plain.state_dict()) == {"pose_mean", "pose_std"}
    poses = torch.randn(500, 9) * torch.linspace(0.01, 1.0, 9) + torch.arange(9.0)
    model.set_pose_statistics(poses)
    assert torch.allclose(model.pose_mean, poses.mean(0))
    assert torch.allclose(model.pose_std, poses.std(0))
    # what the networks see is standardised; the decoder's 0 output is the mean pose
    assert torch.allclose(model._inputs(poses).mean(0), torch.zeros(9), atol=1e-5)
    assert torch.allclose(model._poses(torch.zeros(1, 9)), poses.mean(0))
    x = torch.randn(3, 6, 9)
    x_hat, *_ = model(x, torch.tensor([0, 1, 2]))
    low, high = poses.mean(0) - 3 * poses.std(0), poses.mean(0) + 3 * poses.std(0)
    assert ((x_hat > low) & (x_hat < high)).all()


def test_unknown_pose_normalization_is_refused():
    with pytest.raises(ValueError, match="pose_normalization"):
        PirouNet(ModelConfig(**{**SMALL.__dict__, "pose_normalization": "minmax"}))


def test_decoder_time_features_add_one_linear_and_vary_the_input_over_time():
    plain = PirouNet(SMALL)
    timed = PirouNet(ModelConfig(**{**SMALL.__dict__, "decoder_time_features": 3}))
    extra = set(timed.state_dict()) - set(plain.state_dict())
    assert extra == {"decoder.time_proj.weight", "decoder.time_proj.bias"}  # basis not saved
    basis = timed.decoder.time_basis  # (T, 2F): sin then cos of pi k t / T
    assert basis.shape == (6, 6)
    assert torch.allclose(basis[:, 0], torch.sin(torch.pi * torch.arange(6.0) / 6))
    assert torch.allclose(basis[:, 5], torch.cos(3 * torch.pi * torch.arange(6.0) / 6))
    # the published decoder gets one vector at every step; the timed one does not
    z, y = torch.randn(2, 4), torch.eye(3)[:2]
    for dec, varies in ((plain.decoder, False), (timed.decoder, True)):
        seen = []
        dec.lstm.register_forward_hook(lambda m, inputs, out: seen.append(inputs[0]))
        dec(z, y)
        assert torch.equal(seen[0][:, 0], seen[0][:, -1]) is not varies


def test_motion_energy_is_the_mean_acceleration_magnitude():
    # one marker moving along x with positions t^2: second difference 2 at every frame
    t = torch.arange(5.0)
    x = torch.zeros(1, 5, 3)
    x[0, :, 0] = t**2
    assert motion_energy(x).tolist() == [2.0]
    # two markers, one still: the mean over markers halves it
    assert motion_energy(torch.cat([x, torch.zeros(1, 5, 3)], dim=2)).tolist() == [1.0]


def test_energy_mismatch_ignores_timing_but_not_abruptness():
    x = torch.zeros(1, 8, 3)
    x[0, 3:, 0] = 1.0  # a step at frame 3
    shifted = torch.zeros(1, 8, 3)
    shifted[0, 5:, 0] = 1.0  # the same step two frames later
    assert energy_mismatch(x, shifted).item() == pytest.approx(0.0, abs=1e-9)
    assert torch.mean((x - shifted) ** 2).item() > 0  # which an MSE would punish
    smooth = torch.zeros(1, 8, 3)
    smooth[0, :, 0] = torch.arange(8) * 0.125  # about as far at constant speed (exact floats)
    expected = (math.log(0 + 1e-5) - math.log(2 / 6 + 1e-5)) ** 2
    assert energy_mismatch(x, smooth).item() == pytest.approx(expected, rel=1e-5)


def test_m2_loss_adds_the_energy_term_only_when_weighted():
    plain, terms = same_noise_losses(kl_weight=1.0)
    weighted, terms_w = same_noise_losses(kl_weight=1.0, energy_weight=0.5)
    assert "energy_labelled" not in terms and terms_w["energy_labelled"] > 0
    assert terms_w["elbo_labelled"] == pytest.approx(
        terms["elbo_labelled"] - 0.5 * terms_w["energy_labelled"], rel=1e-5)
    assert weighted.item() > plain.item()


@pytest.mark.parametrize("setting, message", [
    ("--kl_cycle_ramp=0", "kl_cycle_ramp=0.0 is not allowed: it must be in (0, 1]"),
    ("--free_bits=-1", "free_bits=-1.0 is not allowed"),
    ("--pose_normalization=minmax", "pose_normalization='minmax' is not allowed"),
    ("--kl_cycles=2", "choose KL warm-up or cyclical annealing, not both"),
])
def test_bad_remedy_settings_stop_main_before_the_run_folder(setting, message, tmp_path,
                                                             monkeypatch):
    import main
    from pirounet.run.config import ConfigError

    monkeypatch.chdir(tmp_path)
    args = ["--run_name=bad", "--wandb_mode=disabled", "--kl_warmup_steps=10", setting]
    with pytest.raises(ConfigError, match=re.escape(message)):
        main.main(args)
    assert not (tmp_path / "saved_models").exists()
