"""Classification accuracy of PirouNet's own q(y|x) on the labelled valid and test windows."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from pirounet.metrics import accuracy, balanced_accuracy, confusion_matrix
from pirounet.systems.pirounet.evaluation.context import EvalContext
from pirounet.viz import plot_confusion_matrix

log = logging.getLogger(__name__)

FOLDER = "classification"


def predict_labels(model: torch.nn.Module, x: Tensor, batch_size: int) -> np.ndarray:
    """argmax q(y|x) (N,) of windows x (N, T, D), in batches."""
    device = next(model.parameters()).device
    with torch.no_grad():
        return torch.cat([model.classify(x[s:s + batch_size].to(device)).argmax(dim=1).cpu()
                          for s in range(0, len(x), batch_size)]).numpy()


def classification_scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Accuracy, balanced accuracy, count and confusion counts (rows true, columns predicted)."""
    return {
        "accuracy": accuracy(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy(y_true, y_pred, n_classes),
        "n": len(y_true),
        "confusion": confusion_matrix(y_true, y_pred, n_classes).tolist(),
    }


def run_classification(ctx: EvalContext) -> dict[str, Any]:
    """Scores and a confusion-matrix PNG for the valid and test windows (empty parts skipped)."""
    n_classes = ctx.cfg.label_dim
    names = [ctx.label_name(k) for k in range(n_classes)]
    out = {}
    for part in ("valid", "test"):
        x, y = ctx.windows(part)
        if len(y) == 0:
            log.warning("no labelled %s windows in this split; %s accuracy left out", part, part)
            continue
        out[part] = classification_scores(y, predict_labels(ctx.model, x, ctx.eval_cfg.batch_size),
                                          n_classes)
        plot_confusion_matrix(np.array(out[part]["confusion"]),
                              Path(ctx.results_dir, FOLDER, f"confusion_{part}.png"), names,
                              title=f"q(y|x) on the labelled {part} windows")
        log.info("classification accuracy on %s: %.3f (%d windows)", part,
                 out[part]["accuracy"], len(y))
    return out
