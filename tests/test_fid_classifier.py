"""The FID classifier: layout, training on an easy set, checkpoints and caching."""
import dataclasses

import numpy as np
import pytest
import torch

import pirounet.systems.pirounet.fid_classifier as fid_classifier
from pirounet.systems.pirounet.data import prepare_data
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.fid_classifier import (
    FidClassifierSettings,
    build_fid_classifier,
    get_or_train_fid_classifier,
    load_fid_classifier,
    parse_fid_classifier_args,
    fid_classifier_activations,
    save_fid_classifier,
    train_fid_classifier,
)
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("one_thread")


TINY = FidClassifierSettings(h_dim=16, n_layers=2, epochs=2, batch_size=32)


@pytest.fixture(scope="module")
def data_args(tmp_path_factory):
    """Config overrides pointing at a small synthetic data set (3000 frames, 2 files)."""
    out = tmp_path_factory.mktemp("synthetic")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return [f"--data_pattern={out}/mariel_*.npy", f"--labels_path={out}/labels_from_app.csv"]


def easy_set(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows (n, 4, 5) of noise in which class k (0, 1, 2) raises feature k at every step."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    x = 0.3 * torch.randn((n, 4, 5), generator=gen)
    x[torch.arange(n), :, y] += 2.0
    return x, y


def test_published_layout():
    model = build_fid_classifier(FidClassifierSettings(), seq_len=40, input_dim=159, label_dim=3)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expected = {"dense.weight": (250, 6360), "dense.bias": (250,),
                "layers.13.weight": (3, 250), "layers.13.bias": (3,)}
    expected |= {f"layers.{i}.weight": (250, 250) for i in range(13)}
    expected |= {f"layers.{i}.bias": (250,) for i in range(13)}
    assert shapes == expected
    assert model.neg_slope == 0.42950429805116874
    assert fid_classifier_activations(model, torch.zeros(2, 40, 159)).shape == (2, 250)


def test_training_separates_an_easy_set():
    x, y = easy_set(300, seed=0)
    x_val, y_val = easy_set(90, seed=1)
    settings = FidClassifierSettings(h_dim=32, n_layers=2, epochs=6, batch_size=32,
                                   learning_rate=1e-3)
    model, history = train_fid_classifier(x, y, x_val, y_val, settings)
    assert len(history["valid_accuracy"]) == 6
    assert history["best_valid_accuracy"] == max(history["valid_accuracy"]) >= 0.95
    predicted = model.logits(x_val).argmax(dim=1)  # the kept weights are the best epoch's
    assert (predicted == y_val).float().mean().item() == history["best_valid_accuracy"]
    again, _ = train_fid_classifier(x, y, x_val, y_val, settings)
    torch.testing.assert_close(again.state_dict(), model.state_dict())  # seeded


def test_save_load_round_trip(tmp_path):
    x, y = easy_set(60, seed=0)
    model, history = train_fid_classifier(x, y, x, y, TINY)
    path = save_fid_classifier(tmp_path / "sub" / "r.pt", model, TINY, history, {"effort": "time"})
    assert [p.name for p in path.parent.iterdir()] == ["r.pt"]  # no temp file left
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["settings"]["h_dim"] == 16
    loaded, info = load_fid_classifier(path)
    torch.testing.assert_close(loaded.state_dict(), model.state_dict())
    assert info["settings"] == dataclasses.asdict(TINY)
    assert info["valid_accuracy"] == history["best_valid_accuracy"]
    assert info["data"] == {"effort": "time"} and info["input_size"] == 20


def test_published_checkpoint_loads(tmp_path):
    gen = torch.Generator().manual_seed(0)
    state = {"dense.weight": torch.randn((250, 6360), generator=gen),
             "dense.bias": torch.zeros(250)}
    for i in range(14):
        rows = 3 if i == 13 else 250
        state[f"layers.{i}.weight"] = torch.randn((rows, 250), generator=gen)
        state[f"layers.{i}.bias"] = torch.zeros(rows)
    published = {"epoch": 399, "model_state_dict": state, "optimizer_state_dict": {},
                 "loss": 0.5, "accuracy": torch.tensor(0.9), "valid_loss": -0.6,
                 "valid_accuracy": torch.tensor(0.75)}
    torch.save(published, tmp_path / "published.pt")
    torch.save(state, tmp_path / "bare.pt")
    for name in ("published.pt", "bare.pt"):
        model, info = load_fid_classifier(tmp_path / name)
        torch.testing.assert_close(model.state_dict(), state)
        assert len(model.layers) == 14 and info["label_dim"] == 3 and info["data"] == {}
    assert load_fid_classifier(tmp_path / "published.pt")[1]["valid_accuracy"] == 0.75


def test_get_or_train_trains_once_then_loads(tmp_path, data_args, monkeypatch):
    cfg = TRAINING.load(data_args)
    dataset = prepare_data(cfg)
    path, lines = tmp_path / "recog.pt", []
    model, info = get_or_train_fid_classifier(cfg, dataset, path, TINY, log=lines.append)
    assert info["trained"] and path.exists()
    assert lines[0].startswith(f"FID classifier not found at {path}, training it (2 ")
    assert info["data"]["effort"] == "time" and info["data"]["n_train"] == len(
        dataset.split.train_lab)

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier should have been loaded")

    monkeypatch.setattr(fid_classifier, "train_fid_classifier", no_training)
    cached, info2 = get_or_train_fid_classifier(cfg, dataset, path, TINY, log=lines.append)
    assert not info2["trained"] and "loaded from" in lines[-1]
    torch.testing.assert_close(cached.state_dict(), model.state_dict())
    with pytest.raises(ValueError, match="effort='time', but this run uses effort='space'"):
        space = cfg.replace(effort="space")
        get_or_train_fid_classifier(space, prepare_data(space), path, TINY, log=lines.append)


def test_cli_trains_and_writes(tmp_path, data_args, capsys):
    out = tmp_path / "cli.pt"
    fid_classifier.main(data_args + ["--epochs=1", "--recog_h_dim=8", "--recog_n_layers=1",
                                  f"--out={out}"])
    assert f"wrote {out}" in capsys.readouterr().out
    model, info = load_fid_classifier(out)
    assert info["settings"]["epochs"] == 1 and model.dense.out_features == 8
    with pytest.raises(SystemExit, match="exists"):
        fid_classifier.main(data_args + [f"--out={out}"])


def test_cli_argument_split():
    settings, out, run, rest = parse_fid_classifier_args(
        ["configs/x.py", "--epochs=5", "--recog_learning_rate=1e-3", "--effort=space",
         "--run=tiny"])
    assert (settings.epochs, settings.learning_rate, out, run) == (5, 1e-3, None, "tiny")
    assert rest == ["configs/x.py", "--effort=space"]
    with pytest.raises(ValueError, match="expects a int"):
        parse_fid_classifier_args(["--epochs=2.5"])
    with pytest.raises(ValueError, match="unknown FID-classifier setting"):
        parse_fid_classifier_args(["--recog_width=3"])
    assert np.isclose(parse_fid_classifier_args(["--recog_neg_slope=0"])[0].neg_slope, 0.0)


@pytest.mark.parametrize("old, new", [("recognition_path", "fid_classifier_path"),
                                      ("recognition_epochs", "fid_classifier_epochs")])
def test_an_old_key_names_its_new_name(tmp_path, old, new):
    from pirounet.run.config import ConfigError
    from pirounet.systems.pirounet.settings import EVALUATION

    override = tmp_path / "mine.py"
    override.write_text(f"{old} = 3\n")
    with pytest.raises(ConfigError, match=rf"mine.py: config key '{old}' is now called '{new}'"):
        EVALUATION.load([str(override)])
    with pytest.raises(ConfigError, match=rf"is now called '{new}'"):
        EVALUATION.load([f"--{old}=3"])
