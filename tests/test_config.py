"""The config loader: defaults, override files and --key=value, as wandb sweep agents pass them."""
from pathlib import Path

import pytest

from pirounet.run.config import ConfigError, config_from_dict, keys_named, read_settings
from pirounet.systems.pirounet.settings import TRAINING

REPO = Path(__file__).resolve().parents[1]
DEFAULTS = REPO / "default_config.py"


def load(*args: str):
    return TRAINING.load(list(args))


def test_defaults_are_the_published_dance_config():
    cfg = load()
    assert (cfg.batch_size, cfg.learning_rate, cfg.epochs) == (80, 3e-4, 500)
    assert (cfg.h_dim, cfg.latent_dim, cfg.n_layers, cfg.fraction_label) == (100, 256, 5, 0.789)
    assert cfg.adam_betas == (0.9, 0.999) and cfg.resume is False and cfg.overwrite is False


def test_command_line_values_keep_the_defaults_types():
    cfg = load("--epochs=3", "--learning_rate=1", "--split=blocks", "--adam_betas=(0.8, 0.99)",
               "--wandb_entity=me", "--max_steps_per_epoch=2.0")
    assert cfg.epochs == 3 and isinstance(cfg.epochs, int)
    assert cfg.learning_rate == 1.0 and isinstance(cfg.learning_rate, float)
    assert cfg.split == "blocks"  # a bare word is a string
    assert cfg.adam_betas == (0.8, 0.99)
    assert cfg.wandb_entity == "me"  # None defaults accept any value
    assert cfg.max_steps_per_epoch == 2 and isinstance(cfg.max_steps_per_epoch, int)


@pytest.mark.parametrize("text, expected", [("True", True), ("False", False), ("true", True),
                                            ("false", False), ("1", True), ("0", False)])
def test_wandb_style_booleans(text, expected):
    assert load(f"--resume={text}").resume is expected


@pytest.mark.parametrize("arg, key", [("--epochs=abc", "epochs"), ("--resume=maybe", "resume"),
                                      ("--learning_rate=fast", "learning_rate"),
                                      ("--epochs=2.5", "epochs"),
                                      ("--adam_betas=0.9", "adam_betas")])
def test_wrong_types_name_the_key(arg, key):
    with pytest.raises(ConfigError, match=key):
        load(arg)


def test_unknown_key_is_refused_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"unknown config key 'epoch'.*epochs"):
        load("--epoch=3")


@pytest.mark.parametrize("arg", ["--epochs", "epochs=3", "config.yaml"])
def test_malformed_arguments_are_refused(arg):
    with pytest.raises(ConfigError):
        load(arg)


def test_dashes_in_keys_read_as_underscores():
    assert load("--run-name=x").run_name == "x"


def test_override_files_apply_in_order_then_the_command_line(tmp_path):
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text('epochs = 7\nrun_name = "a"\nimport math\n_private = 1\n')
    second.write_text("epochs = 9\n")
    cfg = load(str(first), str(second))
    assert (cfg.epochs, cfg.run_name) == (9, "a")  # the later file wins; imports are ignored
    assert load(str(first), "--epochs=2").epochs == 2
    assert load("--epochs=2", str(first)).epochs == 7  # strictly left to right


def test_unknown_key_in_an_override_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("h_dimm = 5\n")
    with pytest.raises(ConfigError, match=r"bad\.py.*h_dimm.*h_dim"):
        load(str(bad))
    with pytest.raises(ConfigError, match="does not exist"):
        load(str(tmp_path / "missing.py"))


@pytest.mark.parametrize("name", ["pirounet_watch.py", "quickstart.py",
                                  "quickstart_real_dance.py", "tiny.py"])
def test_shipped_configs_only_set_known_keys(name):
    path = REPO / "configs" / name
    cfg = load(str(path))
    for key, value in read_settings(path).items():
        assert cfg[key] == (tuple(value) if isinstance(value, list) else value)


def test_watch_config_changes_only_the_label_fraction_and_name():
    assert read_settings(REPO / "configs" / "pirounet_watch.py") == {
        "run_name": "pirounet_watch", "fraction_label": 0.92}


def test_saved_json_rebuilds_the_same_config(tmp_path):
    import json

    cfg = load("--epochs=4", "--adam_betas=(0.5, 0.9)", "--wandb_entity=team")
    cfg.save_json(tmp_path / "config.json")
    again = config_from_dict(json.loads((tmp_path / "config.json").read_text()), DEFAULTS)
    assert again.to_dict() == cfg.to_dict() and again.adam_betas == (0.5, 0.9)


def test_replace_checks_types_and_keys():
    cfg = load()
    assert cfg.replace(epochs=5).epochs == 5 and cfg.epochs == 500
    with pytest.raises(ConfigError, match="epochs"):
        cfg.replace(epochs="many")
    with pytest.raises(ConfigError, match="nope"):
        cfg.replace(nope=1)


def test_keys_named_reads_flags_and_override_files(tmp_path):
    override = tmp_path / "x.py"
    override.write_text("h_dim = 8\nlatent_dim = 4\n")
    assert keys_named([str(override), "--epochs=3", "--learning-rate=1e-3"]) == {
        "h_dim", "latent_dim", "epochs", "learning_rate"}


def test_wandb_agent_runs_get_their_own_run_name(monkeypatch):
    from pirounet.run.lifecycle import resolve_config

    monkeypatch.setenv("WANDB_SWEEP_ID", "abc")
    monkeypatch.setenv("WANDB_RUN_ID", "r1")
    cfg, _ = resolve_config(TRAINING, ["--learning_rate=1e-3"])
    assert cfg.run_name == "pirounet_dance_r1"
    cfg, _ = resolve_config(TRAINING, ["--run_name=mine"])
    assert cfg.run_name == "mine"  # a name given on the command line is kept
