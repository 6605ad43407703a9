"""Checkpoints: plain dicts, atomic writes, published format, mismatch errors, exact resume."""
from pathlib import Path

import pytest
import torch

from pirounet.run.checkpoint import (
    CheckpointError,
    check_run_folder,
    make_checkpoint,
    resolve_checkpoint,
    restore_training,
    save_checkpoint,
    save_epoch_checkpoints,
)
from pirounet.run.runtime import rng_state, seed_everything, set_rng_state
from pirounet.systems.pirounet.checkpoint import (
    PUBLISHED_KEYS,
    load_checkpoint,
    load_model,
    published_keys,
    shape_help,
)
from pirounet.systems.pirounet.model import ModelConfig, PirouNet
from pirounet.systems.pirounet.settings import TRAINING
from pirounet.systems.pirounet.training import M2Objective, train_step

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")
METRICS = {"train/total": 2.0, "train/accuracy": 0.5, "valid/total": 1.5, "valid/accuracy": 0.4}


def tiny_cfg(*args: str):
    return TRAINING.load([TINY, *args])


def build(cfg):
    model = PirouNet(ModelConfig.from_config(cfg))
    return model, torch.optim.Adam(model.parameters(), lr=cfg.learning_rate,
                                   betas=cfg.adam_betas)


def step(model, optimizer, seed: int = 0) -> None:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(8, 40, 159, generator=gen) * 2 - 1
    y = torch.randint(0, 3, (8,), generator=gen)
    train_step(M2Objective(model, 1.0), optimizer, x, y, x.flip(0), 0.4, 0.0)


def checkpoint(model, optimizer, cfg, epoch: int = 1) -> dict:
    return {**make_checkpoint("pirounet", epoch, {"model": model}, {"optimizer": optimizer},
                              METRICS, cfg.to_dict(), 1.5, [rng_state()], "abc123"),
            **published_keys(METRICS)}


def restore(ckpt: dict, model, optimizer, cfg, resume: bool):
    return restore_training(ckpt, {"model": model}, {"optimizer": optimizer}, resume,
                            **shape_help(ckpt, cfg))


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # saved_models/ is relative to the working directory
    return tmp_path


def test_checkpoint_is_plain_and_a_superset_of_the_published_format(tmp_path):
    cfg = tiny_cfg()
    model, opt = build(cfg)
    step(model, opt)
    save_checkpoint(tmp_path / "last.pt", checkpoint(model, opt, cfg))
    ckpt = torch.load(tmp_path / "last.pt", weights_only=True)
    assert set(PUBLISHED_KEYS) <= set(ckpt)
    assert {"metrics", "config", "rng_state", "wandb_run_id", "best_valid_loss"} <= set(ckpt)
    assert ckpt["config"] == cfg.to_dict() and ckpt["wandb_run_id"] == "abc123"
    assert (ckpt["loss"], ckpt["valid_accuracy"]) == (2.0, 0.4)
    assert list(tmp_path.iterdir()) == [tmp_path / "last.pt"]  # no temporary file left


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"epoch": 1})

    def broken_save(obj, f):
        f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"epoch": 2})
    loaded = torch.load(path, weights_only=True)
    assert loaded["epoch"] == 1 and set(loaded) == {"epoch", "checksum"}
    assert list(tmp_path.iterdir()) == [path]


def test_rng_state_survives_a_weights_only_round_trip(tmp_path):
    seed_everything(3)
    torch.save(rng_state(), tmp_path / "rng.pt")
    import random

    import numpy as np
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(99)
    set_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_resume_gives_the_same_next_step_as_an_uninterrupted_run(tmp_path):
    cfg = tiny_cfg()
    seed_everything(0)
    model, opt = build(cfg)
    step(model, opt, seed=1)
    save_checkpoint(tmp_path / "last.pt", checkpoint(model, opt, cfg))
    step(model, opt, seed=2)  # the encoder draws eps from the global torch RNG
    expected = {k: v.clone() for k, v in model.state_dict().items()}

    seed_everything(12345)  # a fresh process: other RNG state, other initial weights
    model2, opt2 = build(cfg)
    state = restore(load_checkpoint(tmp_path / "last.pt"), model2, opt2, cfg,
                             resume=True)
    assert (state.start_epoch, state.best_valid_loss, state.wandb_run_id) == (2, 1.5, "abc123")
    step(model2, opt2, seed=2)
    for key, value in model2.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_published_format_loads_for_training_and_evaluation(tmp_path):
    cfg = tiny_cfg()
    model, opt = build(cfg)
    step(model, opt)
    published = {"epoch": 4, "model_state_dict": model.state_dict(),
                 "optimizer_state_dict": opt.state_dict(), "loss": torch.tensor(2.0),
                 "accuracy": 0.5, "valid_loss": torch.tensor(1.25), "valid_accuracy": 0.5}
    torch.save(published, tmp_path / "published.pt")

    fresh, fresh_opt = build(cfg)  # a new run from its weights
    state = restore(load_checkpoint(tmp_path / "published.pt"), fresh, fresh_opt, cfg,
                             resume=False)
    assert state.start_epoch == 1 and not fresh_opt.state
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, model.state_dict()[key])

    again, again_opt = build(cfg)  # resuming it
    state = restore(load_checkpoint(tmp_path / "published.pt"), again, again_opt, cfg,
                             resume=True)
    assert (state.start_epoch, state.best_valid_loss) == (6, 1.25)  # 0-based epoch 4 = 5 done
    assert again_opt.state_dict()["state"][0]["step"] == 1

    evaluated, run_cfg, _ = load_model(tmp_path / "published.pt", cfg)
    assert run_cfg.h_dim == cfg.h_dim and not evaluated.training
    assert torch.equal(evaluated.classifier.dense.weight, model.classifier.dense.weight)
    with pytest.raises(CheckpointError, match="published format.*cfg"):
        load_model(tmp_path / "published.pt")


def test_mismatch_names_key_both_shapes_and_the_setting(tmp_path):
    cfg = tiny_cfg()
    model, opt = build(cfg)
    save_checkpoint(tmp_path / "last.pt", checkpoint(model, opt, cfg))
    other = tiny_cfg("--label_dim=4")
    wrong, wrong_opt = build(other)
    with pytest.raises(CheckpointError) as err:
        restore(load_checkpoint(tmp_path / "last.pt"), wrong, wrong_opt, other, False)
    text = str(err.value)
    assert "classifier.layers.1.weight: checkpoint (3, 16), config (4, 16)" in text
    assert "label_dim=4" in text and str(tmp_path / "last.pt") in text
    assert "label_dim=3 in the checkpoint, 4 in the config" in text


def test_mismatch_of_a_published_checkpoint_lists_missing_layers(tmp_path):
    cfg = tiny_cfg()
    model, _ = build(cfg)
    torch.save({"epoch": 0, "model_state_dict": model.state_dict()}, tmp_path / "p.pt")
    deeper = tiny_cfg("--n_layers=3")
    with pytest.raises(CheckpointError, match=r"encoder\.lstm\.weight_ih_l2: missing from the "
                                              r"checkpoint; config builds \(64, 16\) \(set by "
                                              r"h_dim=16, n_layers=3\)"):
        load_model(tmp_path / "p.pt", deeper)


def test_a_learned_prior_missing_from_the_config_names_the_setting(tmp_path):
    cfg = tiny_cfg("--latent_prior='learned'")
    model, _ = build(cfg)
    torch.save({"epoch": 0, "model_state_dict": model.state_dict()}, tmp_path / "p.pt")
    with pytest.raises(CheckpointError, match=r"prior_mean.*latent_prior='standard_normal'"):
        load_model(tmp_path / "p.pt", tiny_cfg())


def test_not_a_checkpoint_is_a_clear_error(tmp_path):
    torch.save({"weights": torch.zeros(1)}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="model_state_dict"):
        load_checkpoint(tmp_path / "x.pt")
    (tmp_path / "y.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "y.pt")


def test_run_names_resolve_under_saved_models(in_tmp):
    cfg = tiny_cfg()
    model, opt = build(cfg)
    saved = save_epoch_checkpoints(Path("saved_models/run1"), checkpoint(model, opt, cfg, 2),
                                   is_best=True, save_every=2)
    assert [p.name for p in saved] == ["last.pt", "best.pt", "epoch_2.pt"]
    assert resolve_checkpoint("run1") == Path("saved_models/run1/last.pt")
    assert resolve_checkpoint("run1", which="best") == Path("saved_models/run1/best.pt")
    assert resolve_checkpoint("saved_models/run1") == Path("saved_models/run1/last.pt")
    assert load_model("run1", which="best")[1].h_dim == 16  # the model comes from its config
    with pytest.raises(CheckpointError, match=r"run1/epoch_7\.pt.*has: best\.pt, epoch_2\.pt, "
                                              r"last\.pt"):
        resolve_checkpoint("saved_models/run1/epoch_7.pt")
    with pytest.raises(CheckpointError, match=r"no checkpoint at saved_models/run2/last\.pt; "
                                              r"runs with checkpoints in saved_models/: run1"):
        resolve_checkpoint("run2")


def test_run_folder_is_protected(tmp_path):
    assert check_run_folder(tmp_path / "new", resume=False, overwrite=False) == []
    (tmp_path / "last.pt").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"--resume=True.*--run_name.*--overwrite=True"):
        check_run_folder(tmp_path, resume=False, overwrite=False)
    assert check_run_folder(tmp_path, resume=True, overwrite=False) == []
    assert check_run_folder(tmp_path, resume=False, overwrite=True) == [tmp_path / "last.pt"]
