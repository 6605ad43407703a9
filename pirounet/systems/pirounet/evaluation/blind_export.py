"""The blind-labeling export: shuffled conditional dances for a human to label without labels.

    results/<name>/to_be_labeled/sequences.npy   (n, T, 53, 3) float32, shuffled
    results/<name>/to_be_labeled/blind_export.json  the effort the human labels, and n
    results/<name>/blind_labels.npy              (n,) int64, the label each one was made with

n = blind_per_label * label_dim. The conditioning labels sit OUTSIDE to_be_labeled/, so the
labeling app (`python -m pirounet.systems.pirounet.label_app --blind results/<name>/to_be_labeled/`), which
reads only that folder, cannot show them. Once a human has started labeling (the app's
human_labels.csv exists next to the export), the export is kept as it is: writing a new one
would silently detach those labels from the dances they describe.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.run.atomic import atomic_open
from pirounet.skeletons import VICON_53, Skeleton
from pirounet.systems.pirounet.data.label_files import (
    BLIND_FOLDER,
    BLIND_SEQUENCES_FILE,
    HUMAN_LABELS_FILE,
    read_blind_info,
    write_blind_info,
)
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.systems.pirounet.generation import generate_conditional

log = logging.getLogger(__name__)

LABELS_FILE = "blind_labels.npy"
BLIND_STREAM = 2  # seeds the export apart from the bootstrap and the qualitative draws


def export_paths(results_dir: Path) -> tuple[Path, Path]:
    """(sequences.npy inside to_be_labeled/, blind_labels.npy outside it)."""
    return results_dir / BLIND_FOLDER / BLIND_SEQUENCES_FILE, results_dir / LABELS_FILE


def save_npy(path: Path, array: np.ndarray) -> None:
    """np.save atomically: a temp file in the same folder, then os.replace."""
    with atomic_open(path) as f:
        np.save(f, array)


def shuffled_export(dances: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                    skeleton: Skeleton = VICON_53) -> tuple[np.ndarray, np.ndarray]:
    """Dances (n, T, J, 3) float32 ((n, T, 53, 3) for Vicon) and labels (n,), in one random
    order."""
    order = rng.permutation(len(labels))
    return skeleton.as_joints(dances[order]).astype(np.float32), labels[order].astype(np.int64)


def run_blind_export(ctx: EvalContext) -> dict[str, Any]:
    """Write the shuffled export and its labels, unless a human already labels the old one."""
    e = ctx.eval_cfg
    sequences_path, labels_path = export_paths(ctx.results_dir)
    human = sequences_path.with_name(HUMAN_LABELS_FILE)
    if sequences_path.exists() and labels_path.exists() and human.exists():
        from pirounet.systems.pirounet.evaluation.blind_accuracy import load_conditioning_labels

        n = len(load_conditioning_labels(labels_path))
        log.warning("kept the blind export in %s: %s already holds human labels for it. Delete "
                    "that folder to export new dances", sequences_path.parent, human.name)
        info = read_blind_info(sequences_path.parent) or {}  # None: made before it was recorded
        return {"n_sequences": n, "kept_existing": True, "effort": info.get("effort"),
                "sequences": str(sequences_path), "labels": str(labels_path)}
    rng = np.random.default_rng([e.seed, BLIND_STREAM])
    k = len(ctx.tiles)
    dances = np.concatenate([generate_conditional(ctx.model, ctx.tiles, label,
                                                  e.blind_per_label, rng, e.batch_size)
                             .x.cpu().numpy() for label in range(k)])  # (n, T, D)
    labels = np.repeat(np.arange(k), e.blind_per_label)  # (n,)
    sequences, labels = shuffled_export(dances, labels, rng, ctx.skeleton)
    save_npy(labels_path, labels)
    save_npy(sequences_path, sequences)
    write_blind_info(sequences_path.parent, ctx.cfg.effort, len(labels),
                     None if ctx.skeleton is VICON_53 else ctx.skeleton.to_dict())
    log.info("blind export: %d shuffled dances in %s, their labels in %s; label them with "
             "`python -m pirounet.systems.pirounet.label_app --blind %s`", len(labels), sequences_path,
             labels_path, sequences_path.parent)
    return {"n_sequences": len(labels), "per_label": e.blind_per_label, "kept_existing": False,
            "effort": ctx.cfg.effort,
            "sequences": str(sequences_path), "labels": str(labels_path)}
