"""The allowed values of every setting (pirounet/systems/pirounet/settings.py), and the shipped defaults."""
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pirounet.run import config as core
from pirounet.run.config import ConfigError, read_settings
from pirounet.run.rules import WANDB_MODES, first_problem
from pirounet.run.tracking import close_logging, log_to_file, setup_logging
from pirounet.systems.learn2dance.music2dance import settings as l2d
from pirounet.systems.pirounet.efforts import EFFORTS
from pirounet.systems.pirounet.settings import (
    DEFAULT_CONFIG,
    EVAL_CONFIG,
    EVAL_RULES,
    PAIRINGS,
    POSE_NORMALIZATIONS,
    SPLITS,
    EVALUATION,
    TRAINING,
    TRAINING_RULES,
)

REPO = Path(__file__).resolve().parents[1]

# One refused value per rule, as a command-line literal.
BAD_TRAINING = {
    "system": ["'learn2dance'"],
    "run_name": ["''", "'../x'", "'a/b'", "'..'"], "device": ["'tpu'", "'cuda:x'"],
    "cpu_threads": ["-1"], "max_gap_frames": ["-1"], "effort": ["'weight'"],
    "split": ["'foo'"], "fraction_label": ["0.0", "1.5"], "train_ratio": ["0.0"],
    "train_lab_frac": ["1.1"], "block_fractions": ["(0.5, 0.5)", "(0, 0, 0)", "(1, -1, 1)"],
    "n_blocks": ["0"], "seq_len": ["1"], "batch_size": ["0"], "num_workers": ["-1"],
    "input_dim": ["0"], "label_dim": ["0"], "n_layers": ["0", "1"], "h_dim": ["0"],
    "latent_dim": ["0"], "h_dim_classif": ["0"], "n_layers_classif": ["-1"],
    "pose_normalization": ["'minmax'"], "decoder_time_features": ["-1"], "kl_weight": ["-1.0"],
    "alpha_scale": ["-0.1"], "unlabelled_pairing": ["'other'"], "kl_warmup_steps": ["-1"],
    "kl_cycles": ["-1"], "kl_cycle_ramp": ["0.0", "1.5"], "free_bits": ["-0.1"],
    "motion_energy_weight": ["-1.0"], "epochs": ["0"], "learning_rate": ["0.0", "-1e-3"],
    "adam_betas": ["(0.9,)", "(0.9, 1.0)", "(0.9, 0.99, 0.9)"], "grad_clip": ["-1.0"],
    "save_every": ["-1"], "artifact_every": ["-1"], "max_steps_per_epoch": ["-1"],
    "wandb_mode": ["'sometimes'"], "ratio_rule": ["'reference'"],
    "classification_loss": ["'batch'"], "valid_batches": ["'some'"],
}
BAD_EVAL = {
    "system": ["'vae'"], "checkpoint": ["'first'", "'epoch_x'"], "name": ["'../x'", "'a/b'"], "device": ["'gpu'"],
    "cpu_threads": ["-1"], "batch_size": ["0"], "grid_bound": ["0.0"],
    "tile_sizes": ["(0.1,)", "(0.1, 0.2, 0.0)", "(0.1, 0.2, 0.4, 0.4)"],
    "density_thresholds": ["(0.8, 0.75)", "(0.8, 0.75, 1.5)"],
    "min_counts": ["(3, 3)", "(3, 3, -1)"], "n_per_label": ["0"], "stat_sampling_size": ["0"],
    "diversity_pairs": ["0"], "multimodality_pairs": ["0"], "real_feature_windows": ["-1"],
    "novelty_threshold": ["-0.1"], "fid_classifier_epochs": ["0"], "n_animations": ["-1"],
    "n_reconstructions": ["-1"], "animation_frames": ["-1"], "comic_panels": ["0"],
    "entanglement_draws": ["0"], "blind_per_label": ["0"], "published_model": ["'both'"],
    "tile_rule": ["'literal'"], "tile_fit": ["'twice'"], "partial_batches": ["'skip'"],
    "test_ajd": ["'sum'"], "entanglement_distance": ["'l2'"],
}
# ---- data safety
BAD_TRAINING["on_data_change"] = ["'ignore'"]
BAD_EVAL["on_data_change"] = ["'ignore'"]
BAD_TRAINING["c3d_marker_map"] = ["{'Subject:LeftHead': 'nose'}"]
BAD_TRAINING["c3d_rate_mismatch"] = ["'drop'"]
BAD_TRAINING["latent_prior"] = ["'gaussian'"]
BAD_TRAINING["prior_components"] = ["0"]
BAD_TRAINING["bone_variation_weight"] = ["-1.0"]
BAD_TRAINING["learning_rate_schedule"] = ["'linear'"]
BAD_TRAINING["latent_adversary_weight"] = ["-1.0"]
BAD_TRAINING["bone_length_weight"] = ["-0.5"]
BAD_TRAINING["velocity_weight"] = ["-2.0"]
BAD_TRAINING["label_swap_weight"] = ["-1.0"]
BAD_TRAINING["decoder"] = ["'gru'"]
BAD_TRAINING["keypose_keys"] = ["1"]
BAD_TRAINING["keypose_duration_slack"] = ["-0.1", "0.3"]
BAD_TRAINING["keypose_move_size"] = ["-0.5", "2.5"]
BAD_TRAINING["keypose_edge_margin"] = ["-0.1", "0.6"]
BAD_TRAINING["keypose_timing"] = ["'keys'", "'Rhythm'"]
BAD_TRAINING["pose_output"] = ["'rotations'"]
# ---- any motion capture
BAD_TRAINING["skeleton"] = ["'vicon'", "'mylab.txt'"]
BAD_TRAINING["fps"] = ["-1.0"]
BAD_TRAINING["trim_frames"] = ["-2"]
# learn2dance's settings (music2dance/settings.py), refused in both of its defaults files.
BAD_L2D = {"run_beats": ["0", "-2"], "run_fit": ["'wait'", "'Hold'"]}
CASES = ([(TRAINING, k, v) for k, vs in BAD_TRAINING.items() for v in vs]
         + [(EVALUATION, k, v) for k, vs in BAD_EVAL.items() for v in vs]
         + [(s, k, v) for s in (l2d.TRAINING, l2d.EVALUATION) for k, vs in BAD_L2D.items()
            for v in vs])


def test_every_rule_has_bad_values_and_a_key_in_its_defaults():
    assert set(BAD_TRAINING) == set(TRAINING_RULES) and set(BAD_EVAL) == set(EVAL_RULES)
    assert set(BAD_L2D) <= set(l2d.TRAINING_RULES) & set(l2d.EVAL_RULES)
    assert set(TRAINING_RULES) <= set(read_settings(DEFAULT_CONFIG))
    assert set(EVAL_RULES) <= set(read_settings(EVAL_CONFIG))


@pytest.mark.parametrize("settings", [TRAINING, EVALUATION])
def test_the_defaults_are_allowed(settings):
    settings.load()


@pytest.mark.parametrize("preset", sorted((REPO / "configs").glob("*.py")))
def test_every_preset_is_allowed(preset):
    if preset.name.startswith("learn2dance"):  # a learn2dance preset: learn2dance's rules
        l2d.TRAINING.load([str(preset)])
        return
    (EVALUATION if preset.name.startswith("eval") else TRAINING).load([str(preset)])


@pytest.mark.parametrize("settings, key, text", CASES)
def test_each_rule_refuses_a_bad_value_naming_key_value_and_what_is_allowed(settings, key, text):
    with pytest.raises(ConfigError, match=rf"^{key}=.* is not allowed: it must be \S"):
        settings.load([f"--{key}={text}"])


@pytest.mark.parametrize("key, good", [("device", "'cuda:1'"), ("device", "'cpu'"),
                                       ("run_name", "'my_run-2'"), ("split", "'blocks'"),
                                       ("block_fractions", "(0.7, 0.2, 0.1)")])
def test_allowed_values_pass(key, good):
    TRAINING.load([f"--{key}={good}"])


def test_none_only_where_the_default_is_none():
    with pytest.raises(ConfigError, match="'epochs' may not be None"):
        TRAINING.load(["--epochs=None"])
    assert TRAINING.load(["--wandb_entity=None"]).wandb_entity is None


def test_other_defaults_files_get_no_rules(tmp_path):
    defaults = tmp_path / "defaults.py"
    defaults.write_text("batch_size = 3\nsplit = 'paper'\n")
    assert core.load_config(defaults, ["--batch_size=0", "--split=foo"]).batch_size == 0


def test_rules_for_keys_a_defaults_file_lacks_are_skipped():
    assert first_problem({"batch_size": 4}, TRAINING_RULES) is None


def test_choices_match_the_modules_that_use_them():
    from pirounet.run.tracking import WANDB_MODES as modes
    from pirounet.systems.pirounet.data.labels import EFFORT_COLUMN
    from pirounet.systems.pirounet.data.splits import SPLITS as splits
    from pirounet.systems.pirounet.model.objective import PAIRINGS as pairings
    from pirounet.systems.pirounet.model.pirounet import POSE_NORMALIZATIONS as norms
    assert (SPLITS, PAIRINGS, POSE_NORMALIZATIONS, WANDB_MODES) == (splits, pairings, norms, modes)
    assert set(EFFORTS) == set(EFFORT_COLUMN)


def test_log_to_file_keeps_what_was_logged_before_the_run_folder(tmp_path):
    setup_logging(None)
    logging.getLogger("pirounet.test").info("loaded the data")
    log_to_file(tmp_path / "run" / "train.log")
    logging.getLogger("pirounet.test").info("first epoch")
    close_logging()
    text = (tmp_path / "run" / "train.log").read_text()
    assert "loaded the data" in text and "first epoch" in text


# ---- the defaults files ship inside the package


def copy_source(out: Path) -> Path:
    """What `pip install .` needs, copied, so the build writes nothing into the checkout."""
    out.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "requirements.txt",
                 "default_config.py", "eval_config.py", "learn2dance_config.py",
                 "learn2dance_eval_config.py"):
        shutil.copy(REPO / name, out / name)
    shutil.copytree(REPO / "pirounet", out / "pirounet",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return out


def test_an_installed_package_finds_both_defaults_files(tmp_path):
    target = tmp_path / "site"
    source = copy_source(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
           "--no-build-isolation", "--target", str(target), str(source)]
    environ = {**os.environ, "PIP_NO_INDEX": "1"}
    subprocess.run(pip, check=True, capture_output=True, timeout=300, env=environ)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("from pirounet.systems.pirounet.settings import (DEFAULT_CONFIG, EVAL_CONFIG, "
            "EVALUATION, TRAINING); print(DEFAULT_CONFIG); print(EVAL_CONFIG); "
            "print(TRAINING.load().run_name, EVALUATION.load().checkpoint)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert out[0] == str(target / "pirounet" / "defaults" / "default_config.py")
    assert out[1] == str(target / "pirounet" / "defaults" / "eval_config.py")
    assert out[2:] == ["pirounet_dance", "last"]
    for name in ("default_config.py", "eval_config.py", "learn2dance_config.py",
                 "learn2dance_eval_config.py"):
        shipped = target / "pirounet" / "defaults" / name
        assert shipped.read_text() == (REPO / name).read_text()
