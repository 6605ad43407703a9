"""PirouNet's settings: its two defaults files and the allowed values of their keys.

    cfg = TRAINING.load(["configs/quickstart.py", "--epochs=3"])

default_config.py (training) and eval_config.py (evaluation) live at the top of a checkout; an
installed package reads the copies its wheel ships (see setup.py). Each file has a rule table
below, checked when a config is loaded, before anything is written.
"""
from __future__ import annotations

from collections.abc import Mapping

from pirounet.run import config as core
from pirounet.run.lifecycle import SettingsFile
from pirounet.run.rules import (
    WANDB_MODES,
    Rule,
    above,
    at_least,
    betas,
    between,
    block_fractions,
    checkpoint_name,
    device_name,
    entries,
    folder_name,
    number,
    one_of,
)
from pirounet.systems.pirounet.efforts import EFFORTS

DEFAULT_CONFIG = core.defaults_file("default_config.py")  # training defaults
EVAL_CONFIG = core.defaults_file("eval_config.py")  # evaluation defaults

SYSTEM = "pirounet"  # the `system` key of both defaults files, recorded in every run
SPLITS = ("paper", "ratio", "blocks")  # pirounet/systems/pirounet/data/splits.py
PAIRINGS = ("formula", "published")  # pirounet/systems/pirounet/model/objective.py
CLASSIFICATION_LOSSES = ("per_sample", "broadcast")  # pirounet/systems/pirounet/model/objective.py
RATIO_RULES = ("intended", "published")  # pirounet/systems/pirounet/data/splits.py
VALID_BATCHES = ("all", "drop_last")  # pirounet/systems/pirounet/training.py
LEARNING_RATE_SCHEDULES = ("constant", "cosine")  # pirounet/systems/pirounet/training.py
TILE_RULES = ("one_plane", "published")  # pirounet/systems/pirounet/generation.py
TILE_FITS = ("once", "every_iteration")  # pirounet/systems/pirounet/evaluation/quantitative.py
PARTIAL_BATCHES = ("keep", "drop")  # pirounet/systems/pirounet/evaluation/context.py
TEST_AJD = ("mean", "mean_and_running_sum")  # pirounet/systems/pirounet/evaluation/quantitative.py
ENTANGLEMENT_DISTANCES = ("per_marker", "frobenius")  # pirounet/systems/pirounet/generation.py
PUBLISHED_MODELS = ("", "dance", "watch")  # pirounet/systems/pirounet/evaluation/context.py
POSE_NORMALIZATIONS = ("none", "standardize")  # pirounet/systems/pirounet/model/pirounet.py
LATENT_PRIORS = ("standard_normal", "learned", "mixture")  # .../model/pirounet.py
DECODERS = ("lstm", "keypose")  # pirounet/systems/pirounet/model/pirounet.py
KEYPOSE_TIMINGS = ("transitions", "rhythm")  # pirounet/systems/pirounet/model/pirounet.py
POSE_OUTPUTS = ("free", "fixed_bones", "fixed_bones_posthoc")  # pirounet/systems/pirounet/model/pirounet.py
N_LABELS = 3  # effort classes: low, medium, high (one tile setting per class)

TRAINING_RULES: dict[str, Rule] = {
    "system": one_of(SYSTEM),
    "run_name": folder_name,
    "device": device_name,
    "cpu_threads": at_least(0),
    "max_gap_frames": at_least(0),
    "fps": at_least(0),
    "trim_frames": at_least(-1),
    "effort": one_of(*EFFORTS),  # pirounet/systems/pirounet/efforts.py
    "split": one_of(*SPLITS),
    "ratio_rule": one_of(*RATIO_RULES),
    "fraction_label": between(0, 1, open_low=True),
    "train_ratio": between(0, 1, open_low=True),
    "train_lab_frac": between(0, 1, open_low=True),
    "block_fractions": block_fractions,
    "n_blocks": at_least(1),
    "seq_len": at_least(2),
    "batch_size": at_least(1),
    "num_workers": at_least(0),
    "input_dim": at_least(1),
    "label_dim": at_least(1),
    "n_layers": at_least(2),  # the decoder has n_layers - 1 LSTM layers before its output
    "h_dim": at_least(1),
    "latent_dim": at_least(1),
    "h_dim_classif": at_least(1),
    "n_layers_classif": at_least(0),
    "pose_normalization": one_of(*POSE_NORMALIZATIONS),
    "decoder_time_features": at_least(0),
    "latent_prior": one_of(*LATENT_PRIORS),
    "prior_components": at_least(1),
    "latent_adversary_weight": at_least(0),
    "bone_length_weight": at_least(0),
    "velocity_weight": at_least(0),
    "label_swap_weight": at_least(0),
    "decoder": one_of(*DECODERS),
    "keypose_keys": at_least(2),  # at least one transition between two key poses
    "pose_output": one_of(*POSE_OUTPUTS),
    "keypose_duration_slack": between(0, 0.25),  # above 0.25 one label's timing meets another's
    "keypose_move_size": between(0, 2),  # a power of the dancer's move-size ratios; 0 is off
    "keypose_edge_margin": between(0, 0.5),  # at 0.5 a transition may end on the window's edge
    "keypose_timing": one_of(*KEYPOSE_TIMINGS),
    "bone_variation_weight": at_least(0),
    "learning_rate_schedule": one_of(*LEARNING_RATE_SCHEDULES),
    "kl_weight": at_least(0),
    "alpha_scale": at_least(0),
    "unlabelled_pairing": one_of(*PAIRINGS),
    "classification_loss": one_of(*CLASSIFICATION_LOSSES),
    "kl_warmup_steps": at_least(0),
    "kl_cycles": at_least(0),
    "kl_cycle_ramp": between(0, 1, open_low=True),
    "free_bits": at_least(0),
    "motion_energy_weight": at_least(0),
    "epochs": at_least(1),
    "learning_rate": above(0),
    "adam_betas": betas,
    "grad_clip": at_least(0),
    "save_every": at_least(0),
    "artifact_every": at_least(0),
    "max_steps_per_epoch": at_least(0),
    "valid_batches": one_of(*VALID_BATCHES),
    "wandb_mode": one_of(*WANDB_MODES),
}

EVAL_RULES: dict[str, Rule] = {
    "system": one_of(SYSTEM),
    "checkpoint": checkpoint_name,
    "published_model": one_of(*PUBLISHED_MODELS),
    "name": lambda value: folder_name(value, empty_ok=True),
    "device": device_name,
    "cpu_threads": at_least(0),
    "batch_size": at_least(1),
    "grid_bound": above(0),
    "tile_sizes": entries(N_LABELS, number(above(0)), "one per label, each > 0"),
    "density_thresholds": entries(N_LABELS, number(between(0, 1)),
                                  "one per label, each in [0, 1]"),
    "min_counts": entries(N_LABELS, number(at_least(0)), "one per label, each >= 0"),
    "tile_rule": one_of(*TILE_RULES),
    "tile_fit": one_of(*TILE_FITS),
    "partial_batches": one_of(*PARTIAL_BATCHES),
    "n_per_label": at_least(1),
    "stat_sampling_size": at_least(1),
    "diversity_pairs": at_least(1),
    "multimodality_pairs": at_least(1),
    "test_ajd": one_of(*TEST_AJD),
    "real_feature_windows": at_least(0),
    "novelty_threshold": at_least(0),
    "fid_classifier_epochs": at_least(1),
    "n_animations": at_least(0),
    "n_reconstructions": at_least(0),
    "animation_frames": at_least(0),
    "comic_panels": at_least(1),
    "entanglement_draws": at_least(1),
    "entanglement_distance": one_of(*ENTANGLEMENT_DISTANCES),
    "blind_per_label": at_least(1),
}

# ---- data safety (issue 12): what a resume or an evaluation does when the data changed
DATA_CHANGES = ("refuse", "warn")  # pirounet/run/lifecycle.py, check_data_fingerprint
TRAINING_RULES["on_data_change"] = one_of(*DATA_CHANGES)
EVAL_RULES["on_data_change"] = one_of(*DATA_CHANGES)

# ---- C3D recordings (issue 13): pirounet/systems/pirounet/data/mocap.py, docs/interchange.md
C3D_RATE_MISMATCH = ("refuse", "resample")


def c3d_marker_map(value) -> str | None:
    """A {file label: Vicon marker name} dict whose names are markers of the recordings."""
    from pirounet.skeletons import VICON_RAW_MARKERS

    allowed = "a dict {file label: one of the 55 Vicon marker names (LFHD, C7, ...)}"
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        return allowed
    bad = [v for v in value.values() if v not in VICON_RAW_MARKERS]
    return f"{allowed}; {bad[0]!r} is not a marker name" if bad else None


def skeleton_setting(value: str) -> str | None:
    """'' (the data's own), a known skeleton name, or a skeleton definition .json file."""
    from pirounet.skeletons import SKELETONS

    if value == "" or value in SKELETONS or str(value).endswith(".json"):
        return None
    return f"'' (the data's own), one of {sorted(SKELETONS)} or a definition .json file"


TRAINING_RULES["skeleton"] = skeleton_setting
TRAINING_RULES["c3d_marker_map"] = c3d_marker_map
TRAINING_RULES["c3d_rate_mismatch"] = one_of(*C3D_RATE_MISMATCH)

# Keys a defaults file renamed: an old one in an override file is an error naming the new one.
# "Recognition" named two things: the FID classifier and the human blind labels' accuracy.
EVAL_RENAMED = {"recognition_path": "fid_classifier_path",
                "recognition_epochs": "fid_classifier_epochs",
                "recognition_accuracy": "blind_accuracy"}

TRAINING = SettingsFile(SYSTEM, DEFAULT_CONFIG, TRAINING_RULES)  # what main.py loads
EVALUATION = SettingsFile(SYSTEM, EVAL_CONFIG, EVAL_RULES, EVAL_RENAMED)  # main_eval.py
