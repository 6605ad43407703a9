"""Allowed values of the settings in default_config.py and eval_config.py, checked at load.

Each rule takes a value and returns None when it is allowed, else a short text saying what
is allowed. pirounet/config.py applies the table of the defaults file it loads and raises
ConfigError naming the key, the value and that text. Types are checked before (a value has
the type of its default, and None only where the default is None); a None value is not
checked here. Keys a defaults file does not have are skipped.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping

Rule = Callable[[Any], "str | None"]

SPLITS = ("paper", "ratio", "blocks")  # pirounet/data/splits.py
EFFORTS = ("time", "space")  # pirounet/data/labels.py
WANDB_MODES = ("auto", "online", "offline", "disabled")  # pirounet/tracking.py
PAIRINGS = ("formula", "published")  # pirounet/model/objective.py
POSE_NORMALIZATIONS = ("none", "standardize")  # pirounet/model/pirounet.py
N_LABELS = 3  # effort classes: low, medium, high (one tile setting per class)


def one_of(*choices: str) -> Rule:
    """The value is one of choices."""
    allowed = "one of " + ", ".join(repr(c) for c in choices)
    return lambda value: None if value in choices else allowed


def at_least(low: float) -> Rule:
    """The value is >= low."""
    return lambda value: None if value >= low else f">= {low}"


def above(low: float) -> Rule:
    """The value is > low."""
    return lambda value: None if value > low else f"> {low}"


def between(low: float, high: float, open_low: bool = False) -> Rule:
    """The value lies in [low, high], or (low, high] when open_low."""
    if open_low:
        return lambda value: None if low < value <= high else f"in ({low}, {high}]"
    return lambda value: None if low <= value <= high else f"in [{low}, {high}]"


def entries(length: int, each: Rule, what: str) -> Rule:
    """A tuple of `length` entries, each allowed by `each`."""
    def check(value: Any) -> str | None:
        ok = len(value) == length and all(each(v) is None for v in value)
        return None if ok else f"{length} entries, {what}"
    return check


def device_name(value: str) -> str | None:
    """'auto', 'cpu', 'cuda' or 'cuda:N'."""
    ok = re.fullmatch(r"auto|cpu|cuda(:\d+)?", value) is not None
    return None if ok else "'auto', 'cpu', 'cuda' or 'cuda:N' (N a GPU index)"


def folder_name(value: str, empty_ok: bool = False) -> str | None:
    """A plain folder name: no '/' or '\\', not '.' or '..' (empty only when empty_ok)."""
    if value == "" and empty_ok:
        return None
    plain = value not in ("", ".", "..") and not re.search(r"[/\\]", value)
    return None if plain and value == value.strip() else (
        "a plain folder name (not empty, no '/', not '..')")


def checkpoint_name(value: str) -> str | None:
    """'last', 'best' or 'epoch_<N>'."""
    ok = re.fullmatch(r"last|best|epoch_\d+", value) is not None
    return None if ok else "'last', 'best' or 'epoch_<N>'"


def betas(value: tuple) -> str | None:
    """Two Adam betas in [0, 1)."""
    ok = len(value) == 2 and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in value)
    return None if ok else "2 entries, each in [0, 1)"


def block_fractions(value: tuple) -> str | None:
    """Three non-negative shares (train, valid, test) with a positive sum."""
    ok = len(value) == 3 and all(isinstance(f, (int, float)) and f >= 0 for f in value)
    return None if ok and sum(value) > 0 else "3 entries (train, valid, test), each >= 0"


def _number(rule: Rule) -> Rule:
    """rule, after checking that the value is a number (not a bool)."""
    def check(value: Any) -> str | None:
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return rule(value) if is_number else "numbers"
    return check


TRAINING_RULES: dict[str, Rule] = {
    "run_name": folder_name,
    "device": device_name,
    "cpu_threads": at_least(0),
    "max_gap_frames": at_least(0),
    "effort": one_of(*EFFORTS),
    "split": one_of(*SPLITS),
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
    "n_layers": at_least(1),
    "h_dim": at_least(1),
    "latent_dim": at_least(1),
    "h_dim_classif": at_least(1),
    "n_layers_classif": at_least(0),
    "pose_normalization": one_of(*POSE_NORMALIZATIONS),
    "decoder_time_features": at_least(0),
    "kl_weight": at_least(0),
    "alpha_scale": at_least(0),
    "unlabelled_pairing": one_of(*PAIRINGS),
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
    "wandb_mode": one_of(*WANDB_MODES),
}

EVAL_RULES: dict[str, Rule] = {
    "checkpoint": checkpoint_name,
    "name": lambda value: folder_name(value, empty_ok=True),
    "device": device_name,
    "cpu_threads": at_least(0),
    "batch_size": at_least(1),
    "grid_bound": above(0),
    "tile_sizes": entries(N_LABELS, _number(above(0)), "one per label, each > 0"),
    "density_thresholds": entries(N_LABELS, _number(between(0, 1)),
                                  "one per label, each in [0, 1]"),
    "min_counts": entries(N_LABELS, _number(at_least(0)), "one per label, each >= 0"),
    "n_per_label": at_least(1),
    "stat_sampling_size": at_least(1),
    "diversity_pairs": at_least(1),
    "multimodality_pairs": at_least(1),
    "real_feature_windows": at_least(0),
    "novelty_threshold": at_least(0),
    "recognition_epochs": at_least(1),
    "n_animations": at_least(0),
    "n_reconstructions": at_least(0),
    "animation_frames": at_least(0),
    "comic_panels": at_least(1),
    "entanglement_draws": at_least(1),
    "blind_per_label": at_least(1),
}

RULES_BY_FILE: dict[str, Mapping[str, Rule]] = {
    "default_config.py": TRAINING_RULES,
    "eval_config.py": EVAL_RULES,
}


def rules_for(defaults_path: str | Path) -> Mapping[str, Rule]:
    """The rule table of a defaults file, by its name; none for other files."""
    return RULES_BY_FILE.get(Path(defaults_path).name, {})


def first_problem(values: Mapping[str, Any], rules: Mapping[str, Rule]) -> str | None:
    """'key=value is not allowed: it must be ...' for the first value a rule refuses."""
    for key, rule in rules.items():
        if key in values and values[key] is not None:
            allowed = rule(values[key])
            if allowed is not None:
                return f"{key}={values[key]!r} is not allowed: it must be {allowed}"
    return None
