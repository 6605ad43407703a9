"""Label steering and whole bodies: each new term on a known answer, label swap and prior
sampling on a tiny model, and every option off giving the numbers recorded before they existed."""
import math

import numpy as np
import pytest
import torch

from pirounet.skeletons import VICON_53
from pirounet.systems.pirounet.generation import generate_random, label_swap, prior_codes
from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.adversary import (
    LatentAdversary,
    adversary_loss,
    reverse_gradient,
    swap_loss,
    swapped_labels,
)
from pirounet.systems.pirounet.model.objective import (
    bone_length_error,
    bone_lengths,
    bone_matrix,
    kl_divergence,
    velocity_error,
)

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = dict(seq_len=8, input_dim=12, n_layers=2, h_dim=8, latent_dim=4, h_dim_classif=8)
# m2_loss terms after 5 Adam steps of the run in `five_steps`, recorded on commit 5d5f8f3, before
# any option of this file existed: published, and the quickstart's earlier remedies.
PUBLISHED = {"recon_labelled": 0.09185711294412613, "kl_labelled": 0.00950169563293457,
             "elbo_labelled": -1.1952203512191772, "elbo_unlabelled": -0.11446350812911987,
             "entropy": 1.0979864597320557, "classification": 0.922116756439209,
             "accuracy": 0.6666666865348816, "total": 1.586318850517273}
REMEDIES = {"recon_labelled": 0.11583637446165085, "kl_labelled": 0.010257512331008911,
            "elbo_labelled": -1.3477954864501953, "elbo_unlabelled": -0.291538804769516,
            "entropy": 1.0893696546554565, "classification": 0.880761444568634, "accuracy": 0.5,
            "total": 1.9035627841949463, "energy_labelled": 12.821800231933594}


def five_steps(model_options: dict, loss_options: dict) -> dict[str, float]:
    """The terms of the 5th Adam step of a seeded tiny PirouNet on seeded random windows."""
    torch.manual_seed(0)
    model = PirouNet(ModelConfig(**TINY, **model_options))
    x = 0.3 * torch.randn(12, 8, 12, generator=torch.Generator().manual_seed(1))
    y = torch.arange(6) % 3
    model.set_pose_statistics(x.reshape(-1, 12))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(5):
        loss, terms = m2_loss(model, x[:6], y, x[6:], 0.3, 0.5, **loss_options)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return terms


@pytest.mark.parametrize("model_options, loss_options, recorded", [
    ({}, {}, PUBLISHED),
    ({"pose_normalization": "standardize", "decoder_time_features": 2}, {"energy_weight": 1e-2},
     REMEDIES),
])
def test_every_new_option_off_gives_the_recorded_numbers(model_options, loss_options, recorded):
    off = {"decoder_initial_state": False, "latent_prior": "standard_normal",
           "latent_adversary_weight": 0.0}
    terms = five_steps({**model_options, **off},
                       {**loss_options, "bone_weight": 0.0, "velocity_weight": 0.0,
                        "swap_weight": 0.0})
    assert terms == pytest.approx(recorded, rel=1e-5, abs=1e-7)


def test_every_new_option_on_trains_and_logs_its_terms():
    terms = five_steps({"decoder_initial_state": True, "latent_prior": "learned",
                        "latent_adversary_weight": 0.1},
                       {"bone_weight": 0.1, "bones": bone_matrix(VICON_53)[:, :4],
                        "velocity_weight": 10.0, "adversary_weight": 0.1, "swap_weight": 0.1})
    assert {"bones_labelled", "velocity_labelled", "adversary", "adversary_accuracy", "swap",
            "swap_accuracy"} <= set(terms)
    assert all(math.isfinite(v) for v in terms.values())


def test_bone_matrix_gives_the_skeletons_own_segment_lengths():
    x = np.random.default_rng(0).random((2, 5, 159)).astype(np.float32)
    ours = bone_lengths(torch.from_numpy(x), bone_matrix(VICON_53)).numpy()
    assert ours == pytest.approx(VICON_53.segment_lengths(x), abs=1e-6)


def test_bone_length_error_known_answers():
    bones = bone_matrix(VICON_53)
    x = torch.rand(3, 4, 159)
    moved = x + torch.tensor([0.3, -0.2, 0.1]).repeat(53)  # every marker shifted alike
    assert bone_length_error(x, moved, bones) == pytest.approx(torch.zeros(3), abs=1e-5)
    assert bone_length_error(x, 2 * x, bones) == pytest.approx(torch.ones(3), rel=1e-4)


def test_velocity_error_known_answers():
    x = torch.rand(2, 6, 9)
    t = torch.arange(6.0)[None, :, None]
    assert velocity_error(x, x + 0.7) == pytest.approx(torch.zeros(2), abs=1e-6)
    assert velocity_error(x, x + 0.1 * t) == pytest.approx(torch.full((2,), 0.01), rel=1e-4)


def test_reverse_gradient_negates_only_the_gradient():
    z = torch.tensor([1.0, -2.0], requires_grad=True)
    out = reverse_gradient(z)
    (3 * out).sum().backward()
    assert out.tolist() == [1.0, -2.0] and z.grad.tolist() == [-3.0, -3.0]


def test_adversary_loss_of_a_blank_adversary_is_log_k():
    adversary = LatentAdversary(4, 5, 3)
    for p in adversary.parameters():
        torch.nn.init.zeros_(p)
    loss = adversary_loss(adversary, torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2]))
    assert loss.item() == pytest.approx(math.log(3))


def test_swapped_labels_take_every_other_label_in_turn():
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    assert swapped_labels(y, 3).tolist() == [1, 2, 2, 0, 0, 1]


def test_swap_loss_trains_the_decoder_and_never_the_classifier():
    model = PirouNet(ModelConfig(**TINY))
    z = torch.randn(4, 4, requires_grad=True)
    loss, _ = swap_loss(model, z, torch.tensor([0, 1, 2, 0]))
    loss.backward()
    assert all(p.grad is None for p in model.classifier.parameters())
    assert model.decoder.linear.weight.grad.abs().sum() > 0 and z.grad is not None
    # a classifier that cannot tell the labels apart (zero output layer) costs log 3
    with torch.no_grad():
        model.classifier.layers[-1].weight.zero_()
    uniform, _ = swap_loss(model, z, torch.tensor([0, 1, 2, 0]))
    assert uniform.item() == pytest.approx(math.log(3), abs=1e-5)


def test_kl_against_a_learned_prior():
    mean, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.2, -0.3]])
    assert kl_divergence(mean, logvar, (mean, logvar)).item() == pytest.approx(0.0, abs=1e-6)
    zeros = torch.zeros_like(mean)
    assert kl_divergence(mean, logvar, (zeros, zeros)).item() == pytest.approx(
        kl_divergence(mean, logvar).item())
    # doubled textbook KL of N(0, 1) against N(1, e^2): log(e^2) + (1 + 1) / e^2 - 1
    one = kl_divergence(torch.zeros(1, 1), torch.zeros(1, 1),
                        (torch.ones(1, 1), torch.full((1, 1), 2.0))).item()
    assert one == pytest.approx(2.0 + 2.0 / math.e**2 - 1.0)


def tiny_model(**options) -> PirouNet:
    torch.manual_seed(0)
    return PirouNet(ModelConfig(seq_len=6, input_dim=159, n_layers=2, h_dim=8, latent_dim=4,
                                h_dim_classif=8, **options)).eval()


def test_label_swap_decodes_each_code_with_every_label():
    model = tiny_model(decoder_initial_state=True)
    z = torch.randn(5, 4)
    swapped = label_swap(model, z)
    assert swapped.shape == (3, 5, 6, 159)
    for k in range(3):
        assert torch.allclose(swapped[k], model.sample(z, torch.full((5,), k)), atol=1e-6)
    assert torch.equal(swapped, label_swap(model, z))


def test_prior_codes_are_the_published_draws_unless_the_prior_is_learned():
    labels = [0, 1, 2, 1]
    published = prior_codes(tiny_model(), labels, seed=3)
    assert torch.equal(published, torch.randn((4, 4), generator=torch.Generator().manual_seed(3)))
    model = tiny_model(latent_prior="learned")
    with torch.no_grad():
        model.prior_mean.copy_(torch.arange(12.0).reshape(3, 4))
        model.prior_logvar.fill_(math.log(0.25))
    learned = prior_codes(model, labels, seed=3)
    expected = model.prior_mean[torch.tensor(labels)] + 0.5 * published
    assert torch.allclose(learned, expected)
    assert torch.equal(learned, prior_codes(model, labels, seed=3))  # seeded
    assert generate_random(model, 4, labels, seed=3).shape == (4, 6, 159)


def test_every_option_is_off_in_the_defaults_and_on_in_the_bodies_and_improved_configs():
    from pathlib import Path

    from pirounet.systems.pirounet.settings import TRAINING

    configs = Path(__file__).resolve().parents[1] / "configs"
    defaults = TRAINING.load()
    assert (defaults.decoder_initial_state, defaults.latent_prior) == (False, "standard_normal")
    assert defaults.pose_output == "free"
    assert (defaults.bone_length_weight, defaults.velocity_weight, defaults.label_swap_weight,
            defaults.latent_adversary_weight) == (0, 0, 0, 0)
    for names in (("quickstart.py", "quickstart_bodies.py"), ("pirounet_improved.py",)):
        name = names[-1]
        cfg = TRAINING.load([str(configs / n) for n in names])
        assert cfg.decoder_initial_state and cfg.latent_prior == "mixture", name
        assert cfg.pose_output == "fixed_bones" and cfg.velocity_weight > 0, name
