"""latent_prior="mixture": the fit on codes whose clusters are known, seeded sampling, the
checkpoint round trip, the error for a checkpoint without the mixture, and a tiny train + eval."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import train_tiny_run

from pirounet.run.checkpoint import CheckpointError, save_checkpoint
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.generation import generate_random, prior_codes
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.model.mixture import MixturePrior

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
DEBUG = str(ROOT / "configs" / "eval_debug.py")
# Two well-apart clusters per label in 4-D, 3:1 in size: label k's centres are +-10 on axis k
# (plus 30 on the last axis for label 2, so no two labels share a centre).
CENTRES = np.array([[[10, 0, 0, 0], [-10, 0, 0, 0]],
                    [[0, 10, 0, 0], [0, -10, 0, 0]],
                    [[0, 0, 10, 30], [0, 0, -10, 30]]], np.float64)  # (K, 2, latent)
SPREAD = 0.5


def known_codes(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Codes (N, 4) around CENTRES, 150 and 50 per label's two clusters, and labels (N,)."""
    rng = np.random.default_rng(seed)
    codes, labels = [], []
    for k, (big, small) in enumerate(CENTRES):
        for centre, n in ((big, 150), (small, 50)):
            codes.append(centre + SPREAD * rng.standard_normal((n, 4)))
            labels += [k] * n
    return np.concatenate(codes), np.array(labels)


def fitted(components: int = 2, seed: int = 0) -> MixturePrior:
    prior = MixturePrior(3, components, 4)
    prior.fit(*known_codes(), seed=seed)
    return prior


def test_fit_finds_each_labels_clusters_and_their_weights():
    prior = fitted()
    for k in range(3):
        order = prior.weights[k].argsort(descending=True)  # big cluster first
        assert prior.weights[k, order].tolist() == pytest.approx([0.75, 0.25], abs=1e-6)
        assert prior.means[k, order].numpy() == pytest.approx(CENTRES[k], abs=0.2)
        assert prior.logvars[k].exp().numpy() == pytest.approx(SPREAD ** 2, rel=0.35)


def test_samples_land_near_their_labels_components_in_the_fitted_shares():
    prior = fitted()
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(3).repeat_interleave(400)
    z = prior.sample(labels, torch.randn(1200, 4, generator=gen), torch.rand(1200, generator=gen))
    centres = torch.as_tensor(CENTRES.reshape(6, 4), dtype=z.dtype)
    nearest = torch.cdist(z, centres).argmin(dim=1)  # (N,) index over all labels' centres
    assert torch.equal(nearest // 2, labels)  # every code lies at one of its own label's centres
    big_share = (nearest % 2 == 0).float().mean().item()
    assert big_share == pytest.approx(0.75, abs=0.05)
    assert torch.cdist(z, centres).min(dim=1).values.max() < 6 * SPREAD


def test_fit_and_sampling_are_deterministic_given_the_seed():
    a, b = fitted(seed=3), fitted(seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 b.state_dict().values()))
    model = PirouNet(ModelConfig(seq_len=6, input_dim=12, n_layers=2, h_dim=8, latent_dim=4,
                                 h_dim_classif=8, latent_prior="mixture", prior_components=2))
    model.mixture.load_state_dict(a.state_dict())
    labels = [0, 1, 2, 2]
    assert torch.equal(prior_codes(model, labels, seed=5), prior_codes(model, labels, seed=5))
    assert not torch.equal(prior_codes(model, labels, seed=5), prior_codes(model, labels, seed=6))


def test_a_label_with_fewer_windows_than_components_gets_zero_weights():
    codes, labels = known_codes()
    keep = (labels != 1) | (np.arange(len(labels)) % 100 == 0)  # label 1 keeps 2 windows
    prior = MixturePrior(3, 4, 4)
    prior.fit(codes[keep], labels[keep], seed=0)
    assert (prior.weights[1, :2] > 0).all() and (prior.weights[1, 2:] == 0).all()
    assert prior.weights.sum(dim=1).numpy() == pytest.approx(np.ones(3))
    z = prior.sample(torch.ones(50, dtype=torch.long), torch.zeros(50, 4), torch.rand(50))
    assert set(map(tuple, z.numpy().round(4))) <= set(map(tuple, prior.means[1, :2].numpy()
                                                         .round(4)))


def test_sampling_before_the_fit_says_so():
    with pytest.raises(ValueError, match="mixture.weights"):
        MixturePrior(3, 2, 4).sample(torch.zeros(2, dtype=torch.long), torch.zeros(2, 4),
                                     torch.zeros(2))


@pytest.fixture(scope="module")
def mixture_run(tmp_path_factory) -> Path:
    """saved_models/tiny trained by main.py with latent_prior="mixture", 3 components."""
    return train_tiny_run(tmp_path_factory.mktemp("mixture"), 4000,
                          "--latent_prior=mixture", "--prior_components=3")


def test_training_fits_the_mixture_into_every_checkpoint(mixture_run, monkeypatch):
    monkeypatch.chdir(mixture_run)
    folder = mixture_run / "saved_models" / "tiny"
    for name in ("epoch_1.pt", "last.pt"):
        state = torch.load(folder / name, weights_only=False)["model_state_dict"]
        assert state["mixture.weights"].shape == (3, 3)
        assert state["mixture.means"].shape == state["mixture.logvars"].shape == (3, 3, 8)
        assert state["mixture.weights"].sum(dim=1).numpy() == pytest.approx(np.ones(3))
    model, cfg, _ = load_model("tiny")
    assert cfg.latent_prior == "mixture" and model.mixture.fitted
    last = torch.load(folder / "last.pt", weights_only=False)["model_state_dict"]
    assert torch.equal(model.mixture.means, last["mixture.means"])  # the round trip
    x = generate_random(model, 6, [0, 0, 1, 1, 2, 2], seed=1)
    assert x.shape == (6, 40, 159) and torch.isfinite(x).all()
    assert torch.equal(x, generate_random(model, 6, [0, 0, 1, 1, 2, 2], seed=1))


def test_the_fit_leaves_training_as_published(mixture_run, tmp_path):
    plain = train_tiny_run(tmp_path, 4000)
    fitted = torch.load(mixture_run / "saved_models" / "tiny" / "last.pt",
                        weights_only=False)["model_state_dict"]
    published = torch.load(plain / "saved_models" / "tiny" / "last.pt",
                           weights_only=False)["model_state_dict"]
    assert set(fitted) - set(published) == {"mixture.weights", "mixture.means",
                                             "mixture.logvars"}
    assert all(torch.equal(published[key], fitted[key]) for key in published)


def test_a_checkpoint_without_the_mixture_names_the_key(mixture_run, monkeypatch, tmp_path):
    monkeypatch.chdir(mixture_run)
    ckpt = torch.load(mixture_run / "saved_models" / "tiny" / "last.pt", weights_only=False)
    for key in ("mixture.weights", "mixture.means", "mixture.logvars"):
        del ckpt["model_state_dict"][key]
    save_checkpoint(tmp_path / "no_mixture.pt", ckpt)  # as a run without the fit would
    with pytest.raises(CheckpointError, match=r"mixture\.weights: missing from the checkpoint"
                                              r".*latent_prior='mixture'"):
        load_model(tmp_path / "no_mixture.pt")


def test_a_mixture_run_evaluates(mixture_run, monkeypatch):
    monkeypatch.chdir(mixture_run)
    switches = [f"--{s}=False" for s, _, _ in main_eval.SECTIONS
                if s not in ("quantitative", "entanglement")]
    main_eval.main([DEBUG, "--load_from_checkpoint=tiny", "--cpu_threads=1", *switches])
    metrics = json.loads((mixture_run / "results" / "debug" / "tiny" / "metrics.json")
                         .read_text())
    prior = metrics["quantitative"]["steering"]["prior"]
    assert 0 <= prior["effort_recognition_rate"]["mean"] <= 1
    assert prior["diversity"]["mean"] > 0
    assert metrics["training_config"]["latent_prior"] == "mixture"
