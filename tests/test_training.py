"""End-to-end runs of main.py with configs/tiny.py on a small synthetic set (seconds each)."""
import json
from pathlib import Path

import pytest
import torch

import pirounet.systems.pirounet.training
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.tracking import start_wandb, wandb_logged_in, wandb_mode
from pirounet.systems.pirounet import train as train_main
from pirounet.run.checkpoint import restore_training
from pirounet.run.lifecycle import resolve_config
from pirounet.systems.pirounet.checkpoint import PUBLISHED_KEYS, load_checkpoint, shape_help
from pirounet.systems.pirounet.settings import TRAINING
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.run.epochs import NonFiniteLossError

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")
TERMS = {"recon_labelled", "kl_labelled", "elbo_labelled", "elbo_unlabelled", "entropy",
         "classification", "accuracy", "total"}


@pytest.fixture(scope="module")
def data_args(tmp_path_factory) -> list[str]:
    """A small synthetic set: 3000 frames, ~750 labelled windows."""
    out = tmp_path_factory.mktemp("data")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return [f"--data_pattern={out}/mariel_*.npy", f"--labels_path={out}/labels_from_app.csv"]


# main() sets torch's thread count (tiny.py: 1); give the other tests theirs back
pytestmark = pytest.mark.usefixtures("keep_threads")


def run(folder: Path, data_args: list[str], *args: str):
    """main.py in `folder` (saved_models/ is relative to the working directory)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        return train_main.main([TINY, *data_args, *args])


def starting_model(folder: Path, data_args: list[str], *args: str) -> PirouNet:
    """The model main.py would start training from (epochs >= 1, so no run stops at 0)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        cfg, start = resolve_config(TRAINING, [TINY, *data_args, *args], load_checkpoint)
    model = PirouNet(ModelConfig.from_config(cfg))
    restore_training(start, {"model": model}, {"optimizer": torch.optim.Adam(model.parameters())},
                     cfg.resume, **shape_help(start, cfg))
    return model


def history(folder: Path, name: str = "tiny") -> list[dict]:
    lines = (folder / "saved_models" / name / "history.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def last(folder: Path, name: str = "tiny", which: str = "last") -> dict:
    return torch.load(folder / "saved_models" / name / f"{which}.pt", weights_only=True)


@pytest.fixture(scope="module")
def three_epochs(tmp_path_factory, data_args) -> Path:
    """One uninterrupted 3-epoch run, shared by the tests that compare against it."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    before = torch.get_num_threads()
    run(folder, data_args, "--epochs=3")
    torch.set_num_threads(before)
    return folder


def test_end_to_end_run_writes_the_run_folder_and_lowers_the_loss(three_epochs):
    run_dir = three_epochs / "saved_models" / "tiny"
    names = {p.name for p in run_dir.iterdir()}
    assert {"last.pt", "best.pt", "config.json", "history.jsonl", "train.log",
            "epoch_1.pt", "epoch_2.pt", "epoch_3.pt"} <= names
    lines = history(three_epochs)
    assert [line["epoch"] for line in lines] == [1, 2, 3]
    assert set(lines[0]) == {"epoch", "train/kl_weight"} | {
        f"{part}/{t}" for part in ("train", "valid") for t in TERMS}
    assert lines[0]["train/kl_weight"] == 1.0  # no schedule: the full weight every step
    assert lines[-1]["train/total"] < lines[0]["train/total"]
    ckpt = last(three_epochs)
    assert set(PUBLISHED_KEYS) <= set(ckpt) and ckpt["epoch"] == 3
    assert ckpt["config"] == json.loads((run_dir / "config.json").read_text())
    assert ckpt["metrics"] == lines[-1]
    best = min(lines, key=lambda line: line["valid/total"])
    assert last(three_epochs, which="best")["epoch"] == best["epoch"]
    assert "epoch 3/3" in (run_dir / "train.log").read_text()


def test_resume_continues_at_the_next_epoch_exactly(tmp_path, data_args, three_epochs):
    run(tmp_path, data_args, "--epochs=2")
    first = (tmp_path / "saved_models/tiny/epoch_1.pt").stat().st_mtime_ns
    run(tmp_path, data_args, "--epochs=3", "--resume=True")
    assert [line["epoch"] for line in history(tmp_path)] == [1, 2, 3]
    assert (tmp_path / "saved_models/tiny/epoch_1.pt").stat().st_mtime_ns == first
    log = (tmp_path / "saved_models/tiny/train.log").read_text()
    assert "resuming" in log and log.count("epoch 3/3") == 1 and log.count("epoch 2/") == 1
    resumed, uninterrupted = last(tmp_path), last(three_epochs)
    for key, value in uninterrupted["model_state_dict"].items():
        assert torch.equal(resumed["model_state_dict"][key], value), key
    assert history(tmp_path) == history(three_epochs)


def test_resume_takes_the_saved_config_as_base(tmp_path, data_args):
    run(tmp_path, data_args, "--epochs=1", "--h_dim=12")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        model = train_main.main(["--run_name=tiny", "--epochs=2", "--resume=True"])
    assert model.config.h_dim == 12 and [h["epoch"] for h in history(tmp_path)] == [1, 2]


def test_a_new_run_refuses_to_overwrite_checkpoints(tmp_path, data_args):
    run(tmp_path, data_args, "--epochs=1")
    with pytest.raises(CheckpointError, match=r"--resume=True"):
        run(tmp_path, data_args, "--epochs=1")
    run(tmp_path, data_args, "--epochs=1", "--overwrite=True", "--save_every=0")
    assert not (tmp_path / "saved_models/tiny/epoch_1.pt").exists()  # the old run's, deleted
    assert [h["epoch"] for h in history(tmp_path)] == [1]


def test_resume_without_a_checkpoint_lists_what_exists(tmp_path, data_args):
    with pytest.raises(CheckpointError, match=r"no checkpoint at saved_models/tiny/last\.pt"):
        run(tmp_path, data_args, "--resume=True")


def test_load_from_checkpoint_starts_a_new_run_from_its_weights(tmp_path, data_args,
                                                               three_epochs):
    source = three_epochs / "saved_models/tiny/last.pt"
    model = starting_model(tmp_path, data_args, f"--load_from_checkpoint={source}",
                           "--run_name=finetune")
    for key, value in last(three_epochs)["model_state_dict"].items():
        assert torch.equal(model.state_dict()[key], value), key
    run(tmp_path, data_args, f"--load_from_checkpoint={source}", "--run_name=ft2", "--epochs=1")
    assert [h["epoch"] for h in history(tmp_path, "ft2")] == [1]


def test_published_checkpoint_trains_and_resumes(tmp_path, data_args, three_epochs):
    ckpt = last(three_epochs, which="epoch_2")
    published = {k: ckpt[k] for k in PUBLISHED_KEYS}
    published["epoch"] = 1  # the published code stored the 0-based index of the last epoch
    torch.save(published, tmp_path / "published.pt")
    model = starting_model(tmp_path, data_args,
                           f"--load_from_checkpoint={tmp_path / 'published.pt'}", "--run_name=pub")
    assert torch.equal(model.encoder.mean_block.weight,
                       ckpt["model_state_dict"]["encoder.mean_block.weight"])
    run(tmp_path, data_args, f"--load_from_checkpoint={tmp_path / 'published.pt'}",
        "--run_name=pub2", "--epochs=3", "--resume=True")
    assert [h["epoch"] for h in history(tmp_path, "pub2")] == [3]


def test_non_finite_loss_stops_naming_epoch_and_batch(tmp_path, data_args, monkeypatch):
    calls = {"train": 0}
    real_loss = pirounet.systems.pirounet.training.m2_loss

    def poisoned(*args):
        total, terms = real_loss(*args)
        if torch.is_grad_enabled():  # training, not validation
            calls["train"] += 1
            if calls["train"] == 5 + 3:  # tiny.py: 5 steps per epoch -> epoch 2, batch 3
                return total * float("nan"), {**terms, "total": float("nan")}
        return total, terms

    monkeypatch.setattr(pirounet.systems.pirounet.training, "m2_loss", poisoned)
    with pytest.raises(NonFiniteLossError, match=r"epoch 2, batch 3 of 5: .*total=nan"):
        run(tmp_path, data_args, "--epochs=3")
    assert last(tmp_path)["epoch"] == 1  # the last good checkpoint is kept
    assert [h["epoch"] for h in history(tmp_path)] == [1]
    assert "last good checkpoint is saved_models/tiny/last.pt" in (
        tmp_path / "saved_models/tiny/train.log").read_text()


def test_samples_gif_every_artifact_every_epochs(tmp_path, data_args):
    run(tmp_path, data_args, "--epochs=2", "--artifact_every=2", "--max_steps_per_epoch=1")
    samples = tmp_path / "saved_models/tiny/samples"
    assert [p.name for p in samples.iterdir()] == ["epoch_2.gif"]


def test_wandb_mode_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    assert not wandb_logged_in() and wandb_mode("auto") == "offline"
    (tmp_path / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password k\n")
    (tmp_path / ".netrc").chmod(0o600)
    assert wandb_logged_in() and wandb_mode("auto") == "online"
    assert wandb_mode("disabled") == "disabled"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb_mode("online") == "disabled"


def test_disabled_wandb_starts_nothing():
    cfg = TRAINING.load([TINY])
    assert start_wandb(cfg, Path("unused"), None) is None


def test_offline_wandb_run_id_is_reused_on_resume(tmp_path, data_args, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    run(tmp_path, data_args, "--epochs=1", "--max_steps_per_epoch=1")
    run_id = last(tmp_path)["wandb_run_id"]
    assert run_id
    run(tmp_path, data_args, "--epochs=2", "--max_steps_per_epoch=1", "--resume=True")
    assert last(tmp_path)["wandb_run_id"] == run_id
    offline = sorted((tmp_path / "saved_models/tiny/wandb").glob("offline-run-*"))
    # offline-run-<time>-<id>, with "-1" appended when both runs start in the same second
    assert len(offline) == 2 and all(f"-{run_id}" in p.name for p in offline)
