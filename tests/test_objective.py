"""The M2 objective against values computed independently, one sequence and label at a time."""
import math

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.objective import (
    alpha_from_batches,
    classification_loss,
    enumerate_labels,
    kl_divergence,
    labelled_elbo,
    unlabelled_bound,
)

TERMS = ["recon_labelled", "kl_labelled", "elbo_labelled", "elbo_unlabelled", "entropy",
         "classification", "accuracy", "total"]


pytestmark = pytest.mark.usefixtures("one_thread")


def fake_outputs(x_i: Tensor, label: int) -> tuple[Tensor, Tensor, Tensor]:
    """Hand-made (x_hat (T, D), mean (2,), logvar (2,)) for one sequence under one label."""
    x_hat = 0.5 * x_i + 0.1 * label - 0.05
    mean = torch.stack([x_i.mean() + 0.3 * label, x_i[0, 0] - 0.2 * label])
    logvar = torch.stack([0.1 * label - 0.2 + 0 * x_i[0, 0], 0.5 * x_i[-1, -1]])
    return x_hat, mean, logvar


def fake_probs(x_i: Tensor) -> Tensor:
    """Hand-made q(y|x) (3,) for one sequence."""
    return torch.softmax(torch.stack([x_i.sum(), 2 * x_i[0].sum(), torch.tensor(0.3)]), dim=0)


class FakeModel(nn.Module):
    """Stands in for PirouNet with outputs fixed per (sequence, label), looped per sequence."""

    config = ModelConfig(seq_len=2, input_dim=3, label_dim=3, latent_dim=2)

    def forward(self, x, y):
        outputs = [fake_outputs(x_i, int(y_i.argmax())) for x_i, y_i in zip(x, y)]
        x_hat, mean, logvar = (torch.stack(parts) for parts in zip(*outputs))
        return x_hat, mean, mean, logvar  # z is not used by the objective

    def classify(self, x):
        return torch.stack([fake_probs(x_i) for x_i in x])


def elbo_parts(x_i: Tensor, label: int, kl_weight: float = 1.0) -> tuple[float, float, float]:
    """(L, MSE, KL) of one sequence under one label, from the formulas, in float64."""
    x_hat, mean, logvar = (t.double().numpy() for t in fake_outputs(x_i, label))
    mse = np.mean((x_i.double().numpy() - x_hat) ** 2)
    kl = -np.sum(1 + logvar - mean**2 - np.exp(logvar))  # no 0.5 factor
    return -mse + math.log(1 / 3) - kl_weight * kl, mse, kl


def expected_elbo(x_i: Tensor, label: int) -> float:
    """L(x, y) of one sequence at kl_weight 1."""
    return elbo_parts(x_i, label)[0]


def expected_terms(x_lab: Tensor, y_lab: list[int], x_unlab: Tensor, alpha: float,
                   kl_weight: float) -> dict[str, float]:
    """Every term from the published formulas, written with plain loops in float64."""
    def elbo(x_i, label):
        return elbo_parts(x_i, label, kl_weight)

    labelled = [elbo(x_i, label) for x_i, label in zip(x_lab, y_lab)]
    bounds, entropies = [], []
    for x_i in x_unlab:
        q = fake_probs(x_i).double().numpy()
        entropy = -sum(q[k] * math.log(q[k] + 1e-8) for k in range(3))
        bounds.append(sum(q[k] * elbo(x_i, k)[0] for k in range(3)) + entropy)
        entropies.append(entropy)
    q_lab = [fake_probs(x_i).double().numpy() for x_i in x_lab]
    ce = np.mean([-math.log(q[label] + 1e-8) for q, label in zip(q_lab, y_lab)])
    accuracy = np.mean([np.argmax(q) == label for q, label in zip(q_lab, y_lab)])
    elbo_lab = np.mean([e[0] for e in labelled])
    return {
        "recon_labelled": np.mean([e[1] for e in labelled]),
        "kl_labelled": np.mean([e[2] for e in labelled]),
        "elbo_labelled": elbo_lab,
        "elbo_unlabelled": np.mean(bounds),
        "entropy": np.mean(entropies),
        "classification": ce,
        "accuracy": accuracy,
        "total": -elbo_lab - np.mean(bounds) + alpha * ce,
    }


@pytest.fixture
def tiny_batches() -> tuple[Tensor, Tensor, Tensor]:
    generator = torch.Generator().manual_seed(0)
    x_lab = torch.rand(4, 2, 3, generator=generator) * 2 - 1  # (B, T, D)
    x_unlab = torch.rand(5, 2, 3, generator=generator) * 2 - 1  # (B_u, T, D)
    return x_lab, torch.tensor([0, 2, 1, 2]), x_unlab


@pytest.mark.parametrize("kl_weight", [1.0, 0.3])
def test_every_term_matches_the_published_formulas(tiny_batches, kl_weight):
    x_lab, y_lab, x_unlab = tiny_batches
    total, terms = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=1.7, kl_weight=kl_weight)
    expected = expected_terms(x_lab, y_lab.tolist(), x_unlab, 1.7, kl_weight)
    assert list(terms) == TERMS
    assert all(type(v) is float for v in terms.values())
    for name in TERMS:
        assert terms[name] == pytest.approx(expected[name], rel=1e-5, abs=1e-6), name
    assert total.item() == pytest.approx(terms["total"])


def test_published_pairing_reproduces_the_reference_reshape(tiny_batches):
    x_lab, y_lab, x_unlab = tiny_batches
    _, terms = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=1.0, kl_weight=1.0,
                       pairing="published")
    # Label-major ELBOs [L(x_0,0) .. L(x_4,0), L(x_0,1) ..] read row by row as (5, 3):
    # row i, column k is entry 3i + k, i.e. sequence (3i + k) % 5 under label (3i + k) // 5.
    flat = [(j % 5, j // 5) for j in range(15)]
    bounds = []
    for i, x_i in enumerate(x_unlab):
        q = fake_probs(x_i).double().numpy()
        entropy = -sum(q[k] * math.log(q[k] + 1e-8) for k in range(3))
        pairs = [flat[3 * i + k] for k in range(3)]
        bound = sum(q[k] * expected_elbo(x_unlab[s], label) for k, (s, label) in enumerate(pairs))
        bounds.append(bound + entropy)
    assert terms["elbo_unlabelled"] == pytest.approx(np.mean(bounds), rel=1e-5)
    formula = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=1.0, kl_weight=1.0)[1]
    assert formula["elbo_unlabelled"] != pytest.approx(terms["elbo_unlabelled"], rel=1e-3)
    with pytest.raises(ValueError, match="pairing must be one of"):
        m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=1.0, kl_weight=1.0, pairing="x")


def test_validation_uses_the_labelled_batch_as_its_own_unlabelled_batch(tiny_batches):
    x_lab, y_lab, _ = tiny_batches
    _, terms = m2_loss(FakeModel(), x_lab, y_lab, x_lab, alpha=0.5, kl_weight=1.0)
    expected = expected_terms(x_lab, y_lab.tolist(), x_lab, 0.5, 1.0)
    for name in TERMS:
        assert terms[name] == pytest.approx(expected[name], rel=1e-5, abs=1e-6), name


def test_alpha_scales_only_the_classification_term(tiny_batches):
    x_lab, y_lab, x_unlab = tiny_batches
    _, without = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=0.0, kl_weight=1.0)
    _, with_alpha = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=2.5, kl_weight=1.0)
    assert with_alpha["total"] - without["total"] == pytest.approx(
        2.5 * without["classification"], rel=1e-5)
    assert alpha_from_batches(0.1, 479, 92) == pytest.approx(0.1 * 479 / 92)


def test_one_hot_labels_give_the_same_loss_as_int_labels(tiny_batches):
    x_lab, y_lab, x_unlab = tiny_batches
    _, from_ints = m2_loss(FakeModel(), x_lab, y_lab, x_unlab, alpha=0.5, kl_weight=1.0)
    y_onehot = nn.functional.one_hot(y_lab, 3).float()
    _, from_onehots = m2_loss(FakeModel(), x_lab, y_onehot, x_unlab, alpha=0.5, kl_weight=1.0)
    assert from_ints == pytest.approx(from_onehots)


def test_kl_is_twice_the_textbook_kl():
    mean, logvar = torch.randn(6, 4), torch.randn(6, 4)
    posterior = torch.distributions.Normal(mean, torch.exp(0.5 * logvar))
    prior = torch.distributions.Normal(torch.zeros(4), torch.ones(4))
    textbook = torch.distributions.kl_divergence(posterior, prior).sum(dim=1)  # (6,)
    torch.testing.assert_close(kl_divergence(mean, logvar), 2 * textbook)


def test_a_perfect_reconstruction_at_the_prior_leaves_log_one_third():
    x = torch.rand(3, 2, 3)
    elbo, recon, kl = labelled_elbo(x, x, torch.zeros(3, 2), torch.zeros(3, 2), 3, 1.0)
    torch.testing.assert_close(elbo, torch.full((3,), math.log(1 / 3)))
    assert recon.abs().max() == 0 and kl.abs().max() == 0


def test_logs_of_q_carry_the_published_1e8():
    probs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])  # exact zeros, as softmax can give
    bound, entropy = unlabelled_bound(torch.zeros(2, 3), probs)
    torch.testing.assert_close(entropy, torch.tensor([-math.log(1 + 1e-8), -math.log(0.5 + 1e-8)]))
    torch.testing.assert_close(bound, entropy)
    y_onehot = torch.tensor([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    ce = (-math.log(1e-8) - math.log(0.5 + 1e-8)) / 2
    assert classification_loss(probs, y_onehot).item() == pytest.approx(ce)


def test_enumerate_labels_is_label_major():
    expected = torch.tensor([[1.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]])
    torch.testing.assert_close(enumerate_labels(2, 3, torch.zeros(1)), expected)


def test_vectorised_enumeration_equals_a_loop_over_labels(tiny_batches, monkeypatch):
    monkeypatch.setattr(torch, "randn_like", torch.zeros_like)  # z = mean: deterministic
    torch.manual_seed(0)
    config = ModelConfig(seq_len=2, input_dim=3, n_layers=2, h_dim=4, latent_dim=2,
                         h_dim_classif=4, n_layers_classif=1)
    model = PirouNet(config)
    x_lab, y_lab, x_unlab = tiny_batches
    _, terms = m2_loss(model, x_lab, y_lab, x_unlab, alpha=0.5, kl_weight=1.0)

    per_label = []
    for label in range(3):  # one model pass per label, as the published code does
        x_hat, _, mean, logvar = model(x_unlab, torch.full((len(x_unlab),), label))
        per_label.append(labelled_elbo(x_unlab, x_hat, mean, logvar, 3, 1.0)[0])
    elbo_per_label = torch.stack(per_label, dim=1)  # (B_u, 3)
    probs = model.classify(x_unlab)  # (B_u, 3)
    bound = (probs * elbo_per_label).sum(1) - (probs * torch.log(probs + 1e-8)).sum(1)
    x_hat, _, mean, logvar = model(x_lab, y_lab)
    elbo_lab = labelled_elbo(x_lab, x_hat, mean, logvar, 3, 1.0)[0]
    assert terms["elbo_unlabelled"] == pytest.approx(bound.mean().item(), rel=1e-5)
    assert terms["elbo_labelled"] == pytest.approx(elbo_lab.mean().item(), rel=1e-5)


def test_gradients_reach_every_parameter(tiny_batches):
    config = ModelConfig(seq_len=2, input_dim=3, n_layers=2, h_dim=4, latent_dim=2,
                         h_dim_classif=4, n_layers_classif=1)
    model = PirouNet(config)
    total, _ = m2_loss(model, *tiny_batches, alpha=0.5, kl_weight=1.0)
    total.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
