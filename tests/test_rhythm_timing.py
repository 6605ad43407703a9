"""keypose_timing="rhythm": z gives a path, the label the rhythm along it. Shapes, moves and
holds on a known answer, the meter's order on a fixed path, gradients, settings, checkpoints,
and a tiny run."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from helpers import (evaluate_tiny_run, load_under, parameters_without_gradient, train_tiny_run,
                     untrained_checkpoint)

from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import ConfigError
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.effort_meter import time_effort_score
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
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


def test_shapes_determinism_and_keys():
    model = rhythm_model()
    z = torch.randn(5, 4)
    x = model.sample(z, torch.tensor([0, 1, 2, 0, 1]))
    assert x.shape == (5, 40, 12)
    assert torch.equal(x, model.sample(z, torch.tensor([0, 1, 2, 0, 1])))
    assert x.abs().max() <= 1  # a straight move between key poses in (-1, 1) stays there
    keys = set(model.state_dict())
    assert {"decoder.phase.weight", "decoder.pace.weight", "decoder.poses.weight"} <= keys
    assert not any(k.startswith("decoder.detours.") for k in keys)
    state = model.state_dict()  # a pace per move (K-1 = 4), a gap between each two (3)
    assert state["decoder.pace.bias"].shape == (4,) and state["decoder.gaps.bias"].shape == (3,)
    transitions = PirouNet(ModelConfig(seq_len=40, input_dim=12, n_layers=2, h_dim=8,
                                       latent_dim=4, h_dim_classif=8, decoder="keypose"))
    state = transitions.state_dict()  # the default keypose as before
    assert "decoder.phase.bias" not in state and state["decoder.pace.bias"].shape == (1,)
    assert TRAINING.load().keypose_timing == "transitions"


KEYS = (-0.5, 0.5, -0.25, 0.75, 0.0)  # P_0..P_4, every value of a pose the same


def known_path(model: PirouNet) -> PirouNet:
    """Key poses KEYS, phase 1/2, paces and gap factors 1 whatever z is: a known answer."""
    decoder = model.decoder
    with torch.no_grad():
        for layer in (decoder.poses, decoder.phase, decoder.pace, decoder.gaps):
            layer.weight.zero_()
            layer.bias.zero_()
        decoder.poses.bias.copy_(torch.atanh(torch.tensor(KEYS)).repeat_interleave(12))
    return model


def test_the_label_sets_the_moves_and_holds_known_answer():
    model = known_path(rhythm_model())
    z = torch.randn(1, 4)
    x = {y: model.sample(z, torch.tensor([y]))[0, :, 0] for y in (SUSTAINED, NEUTRAL, SUDDEN)}
    assert model.decoder.label_frames().tolist() == pytest.approx([60.0, 20.0, 7.0])
    p0, p1, p2 = (torch.tensor(k) for k in KEYS[:3])
    # sudden: 7-frame moves every 7 + 16 frames, centred at 19.5 + (k - 1/2) 23 = 8, 31:
    # P_0 until frame 4, a move, P_1 held over frames 12-27, a move, P_2 from frame 35 on
    assert torch.allclose(x[SUDDEN][:5], p0) and torch.allclose(x[SUDDEN][12:28], p1)
    assert torch.allclose(x[SUDDEN][35:], p2)
    assert x[SUDDEN][8].item() == pytest.approx(0.0, abs=1e-6)  # half-way at the centre
    # neutral: 20-frame moves every 28 frames, centred at 5.5 and 33.5; P_1 held over 16-23
    assert torch.allclose(x[NEUTRAL][16:24], p1)
    assert not torch.isclose(x[NEUTRAL][:16], p1).any()
    assert not torch.isclose(x[NEUTRAL][24:], p1).any()
    # sustained: 60-frame moves every 62 frames, centred at -11.5 and 50.5: the window sees
    # the end of one slow move and the start of the next, and is still only at frames 19-20
    still = x[SUSTAINED].diff().abs() < 1e-7
    assert still.nonzero().flatten().tolist() == [19]
    assert torch.allclose(x[SUSTAINED][19:21], p1)
    # the moves made in the window: sustained parts of two, neutral two, sudden two whole ones
    covered = {y: (seq.diff().abs().sum() / (p1 - p0).abs()).item() for y, seq in x.items()}
    assert covered[SUSTAINED] < covered[NEUTRAL] < covered[SUDDEN]


def test_each_moves_progress_is_monotone_and_in_order():
    decoder = rhythm_model().decoder
    s = decoder.progress(100 * torch.randn(64, 8))  # (64, 3, 4, 40); phase, paces saturate
    eps = 1e-6  # float rounding of the min-jerk polynomial near its ends
    assert (s.diff(dim=-1) >= -eps).all() and (s >= -eps).all() and (s <= 1 + eps).all()
    # at the middle frame no later move has gone further than the first: they come in order
    assert (s[..., 1:, 19] <= s[..., :1, 19] + eps).all()


def test_on_a_fixed_path_a_higher_label_reads_higher_on_the_effort_meter():
    model = rhythm_model(input_dim=159)  # VICON_53 markers, so the meter's own score applies
    z = torch.randn(32, 4)
    with torch.no_grad():
        score = [time_effort_score(model.sample(z, torch.full((32,), y)).double().numpy())
                 for y in (SUSTAINED, NEUTRAL, SUDDEN)]
    assert (2 * score[0] < score[1]).all() and (2 * score[1] < score[2]).all()


def test_the_gradient_reaches_every_parameter():
    assert not parameters_without_gradient(rhythm_model())


def test_settings_name_the_wrong_value():
    with pytest.raises(ConfigError, match="keypose_timing"):
        TRAINING.load(["--keypose_timing='beats'"])
    with pytest.raises(ValueError, match="keypose_timing"):
        PirouNet(ModelConfig(decoder="keypose", keypose_timing="beats"))
    with pytest.raises(ValueError, match="keypose_keys must be at least 3"):
        rhythm_model(keypose_keys=2)


@pytest.fixture(scope="module")
def rhythm_run(tmp_path_factory) -> Path:
    """A tiny run trained with the rhythm timing on small synthetic data."""
    return train_tiny_run(tmp_path_factory.mktemp("rhythm"), 4000, "--run_name=rhythm",
                          "--decoder=keypose", "--keypose_timing='rhythm'",
                          "--pose_normalization=standardize")


def test_a_tiny_rhythm_run_trains_saves_loads_and_evaluates(rhythm_run, monkeypatch):
    monkeypatch.chdir(rhythm_run)
    checkpoint = sorted((rhythm_run / "saved_models/rhythm").glob("*.pt"))[-1]
    model, cfg, _ = load_model(checkpoint)  # the timing comes back from the checkpoint
    assert cfg.keypose_timing == "rhythm" and "decoder.phase.bias" in model.state_dict()
    metrics = evaluate_tiny_run(rhythm_run, "rhythm")
    assert metrics["training_config"]["keypose_timing"] == "rhythm"
    swap = metrics["quantitative"]["steering"]["label_swap"]
    assert 0 <= swap["as_asked"] <= 1 and swap["ordered"] >= 0.9


def test_a_checkpoint_of_the_other_timing_names_the_setting(tmp_path):
    tiny = str(ROOT / "configs" / "tiny.py")
    rhythm = TRAINING.load([tiny, "--decoder='keypose'", "--keypose_timing='rhythm'"])
    transitions = TRAINING.load([tiny, "--decoder='keypose'"])
    model, cfg, _ = load_model(untrained_checkpoint(rhythm, tmp_path / "rhythm.pt"))
    assert cfg.keypose_timing == "rhythm" and "decoder.phase.bias" in model.state_dict()
    with pytest.raises(CheckpointError) as err:  # the same weights under "transitions"
        load_under(tmp_path / "rhythm.pt", transitions)
    text = str(err.value)
    assert "keypose_timing='rhythm' in the checkpoint, 'transitions' in the config" in text
