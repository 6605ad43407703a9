"""keypose_timing="rhythm": z gives a path, the label the rhythm along it. Shapes, the warp on a
known answer, the meter's order on a fixed path, gradients, settings, checkpoints, a tiny run."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from helpers import train_tiny_run

from pirounet.run.config import ConfigError
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.effort_meter import time_effort_score
from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.rhythm import catmull_rom_weights
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
SUSTAINED, NEUTRAL, SUDDEN = 0, 1, 2  # the Time Effort's classes, low to high


def rhythm_model(seq_len: int = 40, input_dim: int = 12, **options) -> PirouNet:
    torch.manual_seed(0)
    config = ModelConfig(seq_len=seq_len, input_dim=input_dim, n_layers=2, h_dim=8,
                         latent_dim=4, h_dim_classif=8, decoder="keypose",
                         keypose_timing="rhythm", **options)
    return PirouNet(config).eval()


def test_catmull_rom_passes_through_every_key_and_its_weights_sum_to_one():
    sigma = torch.tensor([0.0, 0.5, 1.0, 2.5, 3.0, 4.0])
    w = catmull_rom_weights(sigma, 5)  # (6, 5)
    assert torch.allclose(w.sum(dim=-1), torch.ones(6))
    for row, key in ((0, 0), (2, 1), (4, 3), (5, 4)):
        assert torch.allclose(w[row], torch.eye(5)[key])
    # half-way between keys 2 and 3: 9/16 of each, -1/16 of the neighbours 1 and 4
    assert w[3].tolist() == pytest.approx([0.0, -1 / 16, 9 / 16, 9 / 16, -1 / 16])
    # first segment: the repeated end point folds the missing neighbour into key 0
    assert w[1].tolist() == pytest.approx([0.5, 9 / 16, -1 / 16, 0.0, 0.0])


def test_shapes_determinism_and_keys():
    model = rhythm_model()
    z = torch.randn(5, 4)
    x = model.sample(z, torch.tensor([0, 1, 2, 0, 1]))
    assert x.shape == (5, 40, 12)
    assert torch.equal(x, model.sample(z, torch.tensor([0, 1, 2, 0, 1])))
    keys = set(model.state_dict())
    assert {"decoder.phase.weight", "decoder.sizes.weight", "decoder.poses.weight"} <= keys
    assert not any(k.startswith(("decoder.gaps.", "decoder.detours.")) for k in keys)
    transitions = PirouNet(ModelConfig(seq_len=40, input_dim=12, n_layers=2, h_dim=8,
                                       latent_dim=4, h_dim_classif=8, decoder="keypose"))
    assert "decoder.gaps.weight" in transitions.state_dict()  # the default keypose as before
    assert TRAINING.load().keypose_timing == "transitions"


def centred(model: PirouNet) -> PirouNet:
    """Phase 1/2, pace 1, equal step shares, whatever z is: the rhythm's known answer."""
    decoder = model.decoder
    with torch.no_grad():
        for layer in (decoder.phase, decoder.pace, decoder.sizes):
            layer.weight.zero_()
            layer.bias.zero_()
    return model


def test_the_label_sets_the_number_and_length_of_steps_known_answer():
    decoder = centred(rhythm_model()).decoder
    _, s = decoder.warp(torch.randn(1, 4), torch.eye(3))  # (3, 40): one row per label
    assert decoder.label_frames().tolist() == pytest.approx([60.0, 20.0, 7.0])
    assert (s.diff(dim=1) >= 0).all() and (s >= 0).all() and (s <= 1).all()
    # sudden: 3 steps of 7 frames centred at 6.5, 19.5, 32.5 (the window's thirds), each a
    # third of the path, and holds between them
    assert torch.allclose(s[SUDDEN, 11:16], torch.tensor(1 / 3))
    assert torch.allclose(s[SUDDEN, 24:29], torch.tensor(2 / 3))
    assert s[SUDDEN, 0].item() == pytest.approx(0.0) and s[SUDDEN, -1].item() == pytest.approx(1)
    speed = s.diff(dim=1)  # (3, 39)
    peaks = (speed[:, 1:-1] > speed[:, :-2]) & (speed[:, 1:-1] >= speed[:, 2:])  # (3, 37)
    assert peaks.sum(dim=1).tolist() == [1, 2, 3]  # one speed peak per step
    moving = speed > 1e-6
    # neutral: 2 steps of 20 frames centred at 9.75 and 29.25, meeting at frame 19.5
    assert s[NEUTRAL, 19].item() == pytest.approx(0.5, abs=0.01)
    # sustained: one 60-frame ramp centred at 19.5, so the window sees its middle and moves
    # in every frame; at frame 0, v = 1/2 - 19.5 / 60 and s = v^3 (10 - 15 v + 6 v^2)
    v = 0.5 - 19.5 / 60
    assert s[SUSTAINED, 0].item() == pytest.approx(v ** 3 * (10 - 15 * v + 6 * v ** 2), abs=1e-5)
    assert moving[SUSTAINED].all()


def test_on_a_fixed_path_a_higher_label_reads_higher_on_the_effort_meter():
    model = rhythm_model(input_dim=159)  # VICON_53 markers, so the meter's own score applies
    z = torch.randn(32, 4)
    with torch.no_grad():
        score = [time_effort_score(model.sample(z, torch.full((32,), y)).double().numpy())
                 for y in (SUSTAINED, NEUTRAL, SUDDEN)]
    assert (score[0] < score[1]).all() and (score[1] < score[2]).all()
    # the same code keeps its path: the label only moves along it (first and last keys)
    keys = torch.tanh(model.decoder.poses(model.decoder.trunk(z))).reshape(32, 5, 159)
    with torch.no_grad():
        sudden = model.decoder(z, torch.eye(3)[[SUDDEN] * 32])
    assert torch.allclose(sudden[:, 0], keys[:, 0], atol=0.05)
    assert torch.allclose(sudden[:, -1], keys[:, -1], atol=0.05)


def test_the_gradient_reaches_every_parameter():
    model = rhythm_model().train()
    x = 0.3 * torch.randn(6, 40, 12, generator=torch.Generator().manual_seed(1))
    loss, _ = m2_loss(model, x[:3], torch.tensor([0, 1, 2]), x[3:], 0.3, 0.5,
                      energy_weight=1e-2, velocity_weight=1.0)
    loss.backward()
    silent = [name for name, p in model.named_parameters()
              if p.grad is None or p.grad.abs().sum() == 0]
    assert not silent


def test_settings_name_the_wrong_value():
    with pytest.raises(ConfigError, match="keypose_timing"):
        TRAINING.load(["--keypose_timing='beats'"])
    with pytest.raises(ValueError, match="keypose_timing"):
        PirouNet(ModelConfig(decoder="keypose", keypose_timing="beats"))


@pytest.fixture(scope="module")
def rhythm_run(tmp_path_factory) -> Path:
    """A tiny run trained with the rhythm timing on small synthetic data."""
    return train_tiny_run(tmp_path_factory.mktemp("rhythm"), 4000, "--run_name=rhythm",
                          "--decoder=keypose", "--keypose_timing='rhythm'",
                          "--pose_normalization=standardize")


def test_a_tiny_rhythm_run_trains_saves_loads_and_evaluates(rhythm_run, monkeypatch):
    monkeypatch.chdir(rhythm_run)
    history = [json.loads(line) for line in
               (rhythm_run / "saved_models/rhythm/history.jsonl").read_text().splitlines()]
    assert history[-1]["train/recon_labelled"] < history[0]["train/recon_labelled"]
    checkpoint = sorted((rhythm_run / "saved_models/rhythm").glob("*.pt"))[-1]
    model, cfg, _ = load_model(checkpoint)  # the timing comes back from the checkpoint
    assert cfg.keypose_timing == "rhythm" and "decoder.sizes.bias" in model.state_dict()
    metrics = main_eval.main([str(ROOT / "configs" / "eval_debug.py"),
                              "--load_from_checkpoint=rhythm", "--cpu_threads=1",
                              "--blind_export=False", "--blind_accuracy=False"])
    assert metrics["training_config"]["keypose_timing"] == "rhythm"
    swap = metrics["quantitative"]["steering"]["label_swap"]
    assert 0 <= swap["as_asked"] <= 1 and swap["ordered"] >= 0.9
    assert (rhythm_run / "results/debug/rhythm/entanglement/label_swap_strip.png").is_file()
