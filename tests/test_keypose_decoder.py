"""The key-pose decoder (decoder="keypose"): shapes, the label's timing on a known answer,
gradients, its settings and checkpoints, and a tiny run trained and evaluated with it."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from helpers import (evaluate_tiny_run, keypose_model, load_under, parameters_without_gradient,
                     train_tiny_run, two_keys, untrained_checkpoint)

from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import ConfigError
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.model.keypose import PACE_RANGE, min_jerk
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
SUSTAINED, NEUTRAL, SUDDEN = 0, 1, 2  # the Time Effort's classes, low to high


def test_min_jerk_is_a_smooth_step_of_unit_width():
    u = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0])
    assert min_jerk(u).tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])


def test_shapes_and_determinism():
    model = keypose_model(keypose_detours=True)
    z = torch.randn(5, 4)
    x = model.sample(z, torch.tensor([0, 1, 2, 0, 1]))
    assert x.shape == (5, 40, 12)
    assert torch.equal(x, model.sample(z, torch.tensor([0, 1, 2, 0, 1])))
    assert x.abs().max() <= 3  # key poses and bends each stay in (-1, 1)


def test_the_label_sets_the_transitions_duration_known_answer():
    model = two_keys(seq_len=41)  # equal gaps: the centre is frame 20; pace sqrt(0.8 * 1.25) = 1
    z = torch.randn(1, 4)
    x = {y: model.sample(z, torch.tensor([y]))[0, :, 0] for y in (SUSTAINED, NEUTRAL, SUDDEN)}
    for seq in x.values():  # the middle of every transition is half-way
        assert seq[20].item() == pytest.approx(0.0, abs=1e-6)
    assert model.decoder.label_frames().tolist() == pytest.approx([60.0, 20.0, 7.0])
    # sudden: 7 frames of movement around frame 20, held poses on both sides
    assert torch.allclose(x[SUDDEN][:17], torch.tensor(-0.5))
    assert torch.allclose(x[SUDDEN][24:], torch.tensor(0.5))
    assert (x[SUDDEN][16:24].diff() > 0).all()
    # sustained: 60 frames, longer than the window, so it moves from the first frame to the
    # last; at frame 0, v = 0.5 - 20 / 60 = 1/6 and s = v^3 (10 - 15 v + 6 v^2) = 0.0355
    assert (x[SUSTAINED].diff() > 0).all()
    assert x[SUSTAINED][0].item() == pytest.approx(-0.5 + 0.0355, abs=1e-4)
    peak = {y: seq.diff(n=2).abs().max().item() for y, seq in x.items()}
    assert peak[SUDDEN] > 5 * peak[NEUTRAL] > 25 * peak[SUSTAINED]


def test_a_fixed_code_decoded_with_a_higher_label_moves_more_abruptly():
    model = keypose_model(keypose_detours=True)
    z = torch.randn(16, 4)
    peak = [model.sample(z, torch.full((16,), y)).diff(n=2, dim=1).abs().amax(dim=(1, 2))
            for y in (SUSTAINED, NEUTRAL, SUDDEN)]
    assert (peak[0] < peak[1]).all() and (peak[1] < peak[2]).all()


def test_no_code_and_no_learned_duration_reaches_another_labels_timing():
    decoder = keypose_model().decoder
    h = 100 * torch.randn(64, 8)  # features far out: the pace factor saturates both ways
    for y in range(3):
        _, frames = decoder.timing(h, torch.eye(3)[[y] * 64])
        ratio = frames / decoder.label_frames()[y]
        assert ratio.min() >= PACE_RANGE[0] - 1e-6 and ratio.max() <= PACE_RANGE[1] + 1e-6
    centres, _ = decoder.timing(h, torch.eye(3)[[0] * 64])
    assert (centres.diff(dim=1) >= 0).all()  # transitions keep their order
    with torch.no_grad():  # each label's duration learned as far down, or up, as it goes
        decoder.duration_shift.copy_(torch.tensor([-100.0, 100.0, 100.0]))
        shortest = decoder.label_frames() * PACE_RANGE[0]
        decoder.duration_shift.copy_(torch.tensor([100.0, -100.0, -100.0]))
        longest = decoder.label_frames() * PACE_RANGE[1]
    assert (longest[1:] < shortest[:-1]).all()


def test_the_gradient_reaches_every_parameter():
    assert not parameters_without_gradient(keypose_model(keypose_detours=True))


def test_settings_name_the_wrong_value():
    with pytest.raises(ConfigError, match="decoder"):
        TRAINING.load(["--decoder='gru'"])
    with pytest.raises(ConfigError, match="keypose_keys"):
        TRAINING.load(["--keypose_keys=1"])
    assert TRAINING.load().decoder == "lstm"  # the paper's decoder stays the default


def test_the_steering_and_improved_configs_switch_it_on():
    configs = ROOT / "configs"
    assert TRAINING.load([str(configs / "quickstart.py")]).decoder == "lstm"
    for names in (("quickstart.py", "quickstart_steer.py"), ("pirounet_improved.py",)):
        assert TRAINING.load([str(configs / n) for n in names]).decoder == "keypose", names


def test_a_checkpoint_and_a_config_with_other_decoders_name_the_setting(tmp_path):
    tiny = str(ROOT / "configs" / "tiny.py")
    keypose, lstm = TRAINING.load([tiny, "--decoder='keypose'"]), TRAINING.load([tiny])
    ours = untrained_checkpoint(keypose, tmp_path / "ours.pt")
    model, cfg, _ = load_model(ours)  # the decoder comes from the checkpoint
    assert cfg.decoder == "keypose" and "decoder.duration_shift" in model.state_dict()
    with pytest.raises(CheckpointError) as err:  # the same weights under the LSTM's config
        load_under(tmp_path / "ours.pt", lstm)
    text = str(err.value)
    assert "decoder.duration_shift (3,): in the checkpoint, but the config builds no such key " \
           "(set by decoder='lstm', label_dim=3)" in text
    assert "decoder.linear.weight: missing from the checkpoint" in text
    assert "decoder='keypose' in the checkpoint, 'lstm' in the config" in text
    torch.save({"epoch": 0, "model_state_dict": torch.load(ours)["model_state_dict"]},
               tmp_path / "published.pt")
    with pytest.raises(CheckpointError, match=r"decoder\.gaps\.bias .*decoder='lstm'"):
        load_model(tmp_path / "published.pt", lstm)  # no config inside: the caller's is wrong


@pytest.fixture(scope="module")
def keypose_run(tmp_path_factory) -> Path:
    """A tiny run trained with the key-pose decoder and Bezier bends on small synthetic data."""
    return train_tiny_run(tmp_path_factory.mktemp("keypose"), 4000, "--run_name=keypose",
                          "--decoder=keypose", "--keypose_detours=True",
                          "--pose_normalization=standardize")


def test_a_tiny_keypose_run_trains_and_evaluates(keypose_run, monkeypatch):
    monkeypatch.chdir(keypose_run)
    metrics = evaluate_tiny_run(keypose_run, "keypose")
    assert metrics["training_config"]["decoder"] == "keypose"
    swap = metrics["quantitative"]["steering"]["label_swap"]
    # by construction, every code's end effectors accelerate more under a higher label
    assert swap["ordered"] == 1.0


def test_a_slack_of_zero_holds_each_labels_duration():
    decoder = keypose_model(keypose_duration_slack=0.0).decoder
    with torch.no_grad():
        decoder.duration_shift.copy_(torch.tensor([-100.0, 3.0, 100.0]))
    assert decoder.label_frames().tolist() == pytest.approx([60.0, 20.0, 7.0])
    assert TRAINING.load().keypose_duration_slack == 0.25  # learned, as before the setting
    with pytest.raises(ConfigError, match="keypose_duration_slack"):
        TRAINING.load(["--keypose_duration_slack=0.5"])  # one label's timing would meet another's
