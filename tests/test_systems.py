"""One entry point for two systems, and checkpoints that know which system made them."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from pirounet.run import checkpoint as core
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import ConfigError
from pirounet.run.systems import DEFAULT_SYSTEM, SYSTEMS, split_system
from pirounet.systems.pirounet.checkpoint import load_checkpoint
from pirounet.systems.pirounet.efforts import EFFORTS, class_name, effort

REPO = Path(__file__).resolve().parents[1]


def test_a_leading_system_word_is_taken_off_and_pirounet_is_the_default():
    assert split_system(["learn2dance", "--epochs=2"]) == ("learn2dance", ["--epochs=2"])
    assert split_system(["pirounet", "configs/tiny.py"]) == ("pirounet", ["configs/tiny.py"])
    assert split_system(["configs/tiny.py", "--seed=1"]) == (DEFAULT_SYSTEM, ["configs/tiny.py",
                                                                           "--seed=1"])
    assert split_system([]) == ("pirounet", [])
    with pytest.raises(ConfigError, match="'vae' is not a system.*pirounet, learn2dance"):
        split_system(["vae", "--epochs=2"])
    assert set(SYSTEMS) == {"pirounet", "learn2dance"}


def test_an_unknown_system_word_is_one_error_line():
    out = subprocess.run([sys.executable, "main.py", "dancenet"], cwd=REPO, capture_output=True,
                         text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: 'dancenet' is not a system, an override file (*.py) or --key=value; systems: "
        "pirounet, learn2dance"]


def test_help_names_the_system():
    out = subprocess.run([sys.executable, "main.py", "pirounet", "--help"], cwd=REPO,
                         capture_output=True, text=True, check=True)
    assert "System: pirounet" in out.stdout and "learning_rate" in out.stdout
    assert out.stdout.startswith("usage: python main.py [OVERRIDE.py")
    other = subprocess.run([sys.executable, "main_eval.py", "learn2dance", "--help"], cwd=REPO,
                           capture_output=True, text=True, check=True)
    assert other.stdout.startswith("usage: python main_eval.py learn2dance [OVERRIDE.py")
    assert "System: learn2dance" in other.stdout


@pytest.mark.parametrize("module", ["pirounet.systems.pirounet.label_app", "pirounet.run.sweep",
                                    "pirounet.systems.pirounet.data.synthetic",
                                    "pirounet.systems.pirounet.fid_classifier"])
def test_the_python_m_commands_answer_help(module):
    out = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0 and "error" not in out.stderr.lower(), out.stderr
    assert out.stdout.strip()


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)


def test_a_checkpoint_holds_several_models_and_optimizers_and_resumes_them(tmp_path):
    torch.manual_seed(0)
    models = {"generator": nn.Linear(3, 4), "critic": Critic()}
    optimizers = {f"{n}_optimizer": torch.optim.Adam(m.parameters(), lr=1e-3)
                  for n, m in models.items()}
    for m, opt in zip(models.values(), optimizers.values()):  # one step: Adam has state now
        m(torch.randn(2, 3 if m is models["generator"] else 4)).sum().backward()
        opt.step()
    ckpt = core.make_checkpoint("learn2dance", 2, models, optimizers, {"valid/total": 0.5},
                                {"system": "learn2dance"}, 0.5, [], None)
    assert {"generator_state_dict", "critic_state_dict", "generator_optimizer_state_dict",
            "critic_optimizer_state_dict"} <= set(ckpt) and ckpt["system"] == "learn2dance"
    core.save_checkpoint(tmp_path / "last.pt", ckpt)

    fresh = {"generator": nn.Linear(3, 4), "critic": Critic()}
    fresh_opt = {f"{n}_optimizer": torch.optim.Adam(m.parameters(), lr=1e-3)
                 for n, m in fresh.items()}
    loaded = core.read_checkpoint(tmp_path)
    state = core.restore_training(loaded, fresh, fresh_opt, resume=True)
    assert state.start_epoch == 3 and state.best_valid_loss == 0.5
    for name in models:
        for a, b in zip(models[name].state_dict().values(), fresh[name].state_dict().values()):
            assert torch.equal(a, b)
    assert fresh_opt["critic_optimizer"].state_dict()["state"][0]["step"] == 1

    wrong = {"generator": nn.Linear(3, 5)}
    with pytest.raises(CheckpointError, match=r"generator|weight: checkpoint \(4, 3\), config "
                                              r"\(5, 3\)"):
        core.restore_training(loaded, wrong, {}, resume=False)
    with pytest.raises(CheckpointError, match="holds no 'discriminator_state_dict'"):
        core.load_weights(loaded, {"discriminator": Critic()})


def test_pirounet_refuses_another_systems_checkpoint_with_a_pointer(tmp_path):
    ckpt = core.make_checkpoint("learn2dance", 1, {"generator": nn.Linear(2, 2)}, {}, {},
                                {"system": "learn2dance"}, 1.0, [], None)
    core.save_checkpoint(tmp_path / "l2d.pt", ckpt)
    with pytest.raises(CheckpointError, match="made by learn2dance, not pirounet.*"
                                              "main_eval.py learn2dance "
                                              "--load_from_checkpoint=.*l2d.pt`"):
        load_checkpoint(tmp_path / "l2d.pt")


def test_one_effort_table():
    assert EFFORTS["time"].classes == ("sustained", "neutral", "sudden")
    assert EFFORTS["space"].classes == ("indirect", "neutral", "direct")
    assert EFFORTS["time"].meter and EFFORTS["space"].meter is None
    assert class_name("space", 2) == "direct" and class_name("time", 5) == "class 5"
    with pytest.raises(ValueError, match="effort must be one of \\['time', 'space'\\]"):
        effort("weight")
