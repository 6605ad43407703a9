"""The run lifecycle's promises (docs/data_safety.md), checked for every system.

Each test runs once for PirouNet and once for learn2dance, through the user's commands
(main.py, main_eval.py) on a tiny synthetic set of the system's own, in its own folder.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch
from helpers import LEARN2DANCE_TINY, data_args

import main
import main_eval
from pirounet.run import lifecycle
from pirounet.run.checkpoint import CheckpointError, lock_run_folder
from pirounet.run.tracking import TrackingError
from pirounet.systems.learn2dance import train as l2d_train
from pirounet.systems.pirounet import train as pirounet_train
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

REPO = Path(__file__).resolve().parents[1]
L2D_TINY = LEARN2DANCE_TINY + "music_emb = 8\nhidden_size = 8\nbatch_size = 2\nepochs = 1\n"
PIROUNET_EVAL_OFF = [f"--{switch}=False" for switch in (
    "quantitative", "classification", "qualitative_generation", "reconstruction",
    "latent_space", "entanglement", "blind_export", "blind_accuracy")]


class PirouNet:
    """configs/tiny.py on 2 synthetic recordings; its data step is train.prepare_data."""

    word, module, data_step = "pirounet", pirounet_train, "prepare_data"

    def __init__(self, root: Path):
        self.root = root
        write_synthetic_dataset(root / "data", seed=0, frames=3000, n_files=2)
        self.args = [str(REPO / "configs" / "tiny.py"), *data_args(root / "data"),
                     "--epochs=1"]
        self.eval_args = PIROUNET_EVAL_OFF

    def change_data(self) -> None:
        """One more label row: the label file's fingerprint changes."""
        labels = self.root / "data" / "labels_from_app.csv"
        labels.write_text(labels.read_text() + "0,1,1\n")


class Learn2Dance:
    """6 synthetic songs, a tiny music2dance model; its data step is train.prepare."""

    word, module, data_step = "learn2dance", l2d_train, "prepare"

    def __init__(self, root: Path):
        self.root = root
        (root / "tiny.py").write_text(L2D_TINY)
        self.args = ["learn2dance", "tiny.py", "--run_name=tiny"]
        self.eval_args = ["learn2dance", "--bootstrap_iterations=2", "--n_animations=0",
                          "--feature_window_s=1.0"]

    def change_data(self) -> None:
        """One song and its dance fewer."""
        data = self.root / "data" / "l2d"
        shutil.rmtree(data / "poses" / "song_005")
        (data / "songs" / "song_005.wav").unlink()
        shutil.rmtree(data / "cache", ignore_errors=True)


@pytest.fixture(params=[PirouNet, Learn2Dance], ids=["pirounet", "learn2dance"])
def system(request, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # saved_models/, results/ and data/ are relative to it
    before = torch.get_num_threads()
    yield request.param(tmp_path)
    torch.set_num_threads(before)


def train(system, *args: str):
    return main.main([*system.args, *args])


def evaluate(system, *args: str) -> dict:
    return main_eval.main([*system.eval_args, "--load_from_checkpoint=tiny", *args])


RUN = Path("saved_models") / "tiny"


def test_overwrite_deletes_nothing_when_the_run_fails_before_its_first_epoch(system,
                                                                            monkeypatch):
    train(system)
    old = {p.name: p.read_bytes() for p in RUN.iterdir() if p.suffix in (".pt", ".jsonl")}

    def no_wandb(*args):
        raise TrackingError("wandb could not start")
    monkeypatch.setattr(lifecycle, "start_wandb", no_wandb)  # fails after the data step
    with pytest.raises(TrackingError):
        train(system, "--overwrite=True")
    assert {n: (RUN / n).read_bytes() for n in old} == old


def test_a_second_run_of_the_same_name_is_refused_while_one_trains(system):
    lock = lock_run_folder(RUN)
    try:
        with pytest.raises(CheckpointError, match=rf"in use by another run \(pid {os.getpid()}\)"):
            train(system)
    finally:
        lock.release()
    train(system)
    assert (RUN / "last.pt").is_file()


def test_a_run_that_finished_while_another_started_is_not_replaced(system, monkeypatch):
    # The slow run's data step lasts while a fast run of the same name trains to the end;
    # the slow run holds the lock from its start, so the fast one is refused (issue: the
    # lock was taken after the folder check, and the slow run replaced the fast one's files).
    fast: list[Exception] = []
    real_step = getattr(system.module, system.data_step)

    def slow_step(cfg):
        monkeypatch.setattr(system.module, system.data_step, real_step)
        try:
            train(system, "--seed=1")
        except CheckpointError as err:
            fast.append(err)
        return real_step(cfg)

    monkeypatch.setattr(system.module, system.data_step, slow_step)
    train(system)
    assert fast and "in use by another run" in str(fast[0])
    assert torch.load(RUN / "last.pt", weights_only=True)["config"]["seed"] == 0


def test_resume_and_evaluation_on_changed_data_are_refused_unless_allowed(system):
    train(system)
    fingerprint = torch.load(RUN / "last.pt", weights_only=True)["data_fingerprint"]
    assert fingerprint
    name = evaluate(system)["name"]
    saved = json.loads((Path("results") / name / "metrics.json").read_text())
    assert saved["data_fingerprint"] == json.loads(json.dumps(fingerprint))
    system.change_data()
    with pytest.raises(CheckpointError, match="the data differs from what"):
        train(system, "--epochs=2", "--resume=True")
    with pytest.raises(CheckpointError, match="the data differs from what"):
        evaluate(system)
    assert evaluate(system, "--on_data_change=warn")["data_changed"]
    train(system, "--epochs=2", "--resume=True", "--on_data_change=warn")
    assert torch.load(RUN / "last.pt", weights_only=True)["epoch"] == 2


def test_best_and_last_are_evaluated_into_their_own_folders(system):
    train(system)
    best = evaluate(system, "--checkpoint=best")
    last = evaluate(system, "--checkpoint=last")
    assert (best["name"], last["name"]) == ("tiny_best", "tiny")
    for name in ("tiny_best", "tiny"):
        text = (Path("results") / name / "metrics.json").read_text()
        assert "NaN" not in text and json.loads(text)["data_fingerprint"]


def test_the_fid_classifier_stops_on_a_non_finite_loss_before_the_step():
    from pirounet.run.epochs import NonFiniteLossError
    from pirounet.systems.pirounet import fid_classifier as fc

    x, y = torch.randn(20, 4, 5), torch.arange(20) % 3
    x[:, 0, 0] = float("nan")  # every window, so the first batch's loss is NaN
    settings = fc.FidClassifierSettings(h_dim=8, n_layers=1, epochs=2, batch_size=8)
    built = []
    real_build = fc.build_fid_classifier

    def build(*args):
        built.append(real_build(*args))
        return built[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fc, "build_fid_classifier", build)
        with pytest.raises(NonFiniteLossError, match="FID classifier epoch 1, batch 1: the loss"):
            fc.train_fid_classifier(x, y, x, y, settings)
    fresh = real_build(settings, 4, 5, 3)
    torch.testing.assert_close(built[0].state_dict(), fresh.state_dict())  # no step taken
