"""Blind accuracy: do humans, labeling blind, see the effort a dance was conditioned on?

The labeling app writes one row per exported dance, `seq_index,danceability,time`, without a
header (pirounet.systems.pirounet.data.label_files owns the format): time is the class 0-2 of the run's
effort (pirounet/systems/pirounet/efforts.py; sustained, neutral, sudden for Time) or 4 for N/A ("too
hard to tell"); danceability 0 means "not a dance". A partly labelled export is scored on
the dances labelled so far, reported with n_labelled of n_exported. The export's blind_export.json says which effort that column holds; it must be this run's. Rows with time N/A are dropped
(and counted); the rest give a confusion matrix with the conditioning labels as rows and the
human labels as columns.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.metrics import accuracy, confusion_matrix
from pirounet.systems.pirounet.data.label_files import (
    BLIND_FOLDER,
    BLIND_INFO_FILE,
    HUMAN_LABELS_FILE,
    NA,
    NOT_A_DANCE,
    LabelFileError,
    read_blind_file,
    read_blind_info,
)
from pirounet.systems.pirounet.evaluation.blind_export import export_paths
from pirounet.systems.pirounet.evaluation.context import EvalContext, EvalError
from pirounet.viz import plot_confusion_matrix

log = logging.getLogger(__name__)

FOLDER = "blind_accuracy"


def read_blind_labels(path: str | Path, n_classes: int = 3) -> np.ndarray:
    """Rows (n, 3) = seq_index, danceability, time of the app's blind CSV, sorted by seq_index."""
    try:
        return read_blind_file(path, n_classes)
    except LabelFileError as err:
        raise EvalError(str(err)) from None


def check_export_effort(sequences_dir: Path, effort: str) -> str:
    """The effort the human labelled (blind_export.json); an error when the run's differs."""
    try:
        info = read_blind_info(sequences_dir)
    except LabelFileError as err:
        raise EvalError(str(err)) from None
    if info is None:  # an export made before the effort was recorded
        log.info("%s has no %s; assuming the human labelled this run's effort %r",
                 sequences_dir, BLIND_INFO_FILE, effort)
        return effort
    if info["effort"] != effort:
        raise EvalError(f"the blind export in {sequences_dir} was labelled on effort="
                        f"{info['effort']!r}, but this run uses effort={effort!r}; evaluate a "
                        "run of that effort, or export and label again")
    return effort


def match_export(table: np.ndarray, cond_labels: np.ndarray, csv_path: Path,
                 labels_path: Path) -> None:
    """Raise when the human labels name dances the export does not have.

    A partly labelled export is fine: the scores cover the labelled dances, with their n.
    """
    n_export = len(cond_labels)
    beyond = table[table[:, 0] >= n_export, 0] if len(table) else table[:0, 0]
    if len(beyond):
        raise EvalError(
            f"the human labels {csv_path} have {len(table)} rows, up to seq_index "
            f"{int(table[-1, 0])}, but the blind "
            f"export has {n_export} dances (0-{n_export - 1}; conditioning labels "
            f"{labels_path}, dances {labels_path.parent / BLIND_FOLDER}). Set "
            "human_labels_path to the CSV made for this export")


def load_conditioning_labels(path: Path) -> np.ndarray:
    """The export's conditioning labels (n,) int; one EvalError for an unreadable file."""
    try:
        labels = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise EvalError(f"{path}: not a readable .npy array ({err}); it comes with the blind "
                        "export: export and label again") from None
    if not isinstance(labels, np.ndarray):
        labels.close()
        raise EvalError(f"{path}: an .npz archive, not a .npy array of conditioning labels")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise EvalError(f"{path}: shape {labels.shape} {labels.dtype}; expected (n,) integer "
                        "conditioning labels")
    return labels


def blind_scores(table: np.ndarray, cond_labels: np.ndarray,
                 n_classes: int = 3) -> dict[str, Any]:
    """Accuracy and confusion (rows: conditioning label, columns: human label), N/A dropped."""
    human = table[:, 2]
    rated = human != NA
    if not rated.any():
        raise EvalError(f"none of the {len(table)} labelled dances has a time label other than "
                        "N/A; there is nothing to compare")
    cond = cond_labels[table[:, 0]]  # the label each rated dance was conditioned on
    return {
        "accuracy": accuracy(cond[rated], human[rated]),
        "n_rated": int(rated.sum()),
        "n_labelled": len(table), "n_exported": len(cond_labels),
        "complete": len(table) == len(cond_labels),
        "n_na_dropped": int((~rated).sum()),
        "not_a_dance_share": float(np.mean(table[:, 1] == NOT_A_DANCE)),
        "confusion": confusion_matrix(cond[rated], human[rated], n_classes).tolist(),
    }


def human_labels_path(ctx: EvalContext) -> Path:
    """eval_cfg.human_labels_path, else the app's CSV next to the export."""
    given = ctx.eval_cfg.human_labels_path
    return Path(given) if given else export_paths(ctx.results_dir)[0].with_name(HUMAN_LABELS_FILE)


def run_blind_accuracy(ctx: EvalContext) -> dict[str, Any]:
    """Scores and confusion figure from the human's CSV; a note when there is none yet."""
    csv_path = human_labels_path(ctx)
    sequences_path, labels_path = export_paths(ctx.results_dir)
    if not csv_path.exists():
        note = (f"no human labels at {csv_path}: label the blind export with `python -m "
                f"pirounet.systems.pirounet.label_app --blind {sequences_path.parent}`, then run again")
        log.info("blind accuracy skipped: %s", note)
        return {"skipped": note}
    if not labels_path.exists():
        raise EvalError(f"human labels {csv_path} exist, but the conditioning labels "
                        f"{labels_path} of the blind export do not; they come with the export")
    effort = check_export_effort(sequences_path.parent, ctx.cfg.effort)
    cond_labels = load_conditioning_labels(labels_path)
    n_classes = ctx.cfg.label_dim
    table = read_blind_labels(csv_path, n_classes)
    match_export(table, cond_labels, csv_path, labels_path)
    scores = blind_scores(table, cond_labels, n_classes)
    plot_confusion_matrix(np.array(scores["confusion"]),
                          ctx.results_dir / FOLDER / "confusion.png",
                          [ctx.label_name(k) for k in range(n_classes)],
                          title="Blind human labels vs conditioning labels",
                          axis_names=("conditioning label", "human label"))
    log.info("blind accuracy %.3f over %d rated dances (%d N/A dropped; %d of %d "
             "exported dances labelled)", scores["accuracy"], scores["n_rated"],
             scores["n_na_dropped"], scores["n_labelled"], scores["n_exported"])
    if not scores["complete"]:
        log.warning("the blind export is only partly labelled (%d of %d dances): the accuracy "
                    "covers those", scores["n_labelled"], scores["n_exported"])
    return {**scores, "effort": effort, "human_labels": str(csv_path)}
