"""metrics.json: every number of an evaluation as plain JSON, written atomically."""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.atomic import write_text_atomic

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
FIGURE_SUFFIXES = (".png", ".gif", ".mp4")


def json_ready(value: Any, path: str = "", bad: list[str] | None = None) -> Any:
    """Plain JSON values (numpy and tuples converted); non-finite floats become None.

    The key path of every non-finite float is appended to `bad`, so it can be reported.
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v, f"{path}.{k}" if path else str(k), bad)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        if bad is not None:
            bad.append(path)
        return None
    return value


def write_metrics(results_dir: Path, metrics: dict[str, Any]) -> Path:
    """Write results_dir/metrics.json (temp file, then os.replace); warn about non-finite values."""
    bad: list[str] = []
    text = json.dumps(json_ready(metrics, bad=bad), indent=2, allow_nan=False)
    if bad:
        log.warning("non-finite values written as null in %s: %s", METRICS_FILE, ", ".join(bad))
    return write_text_atomic(results_dir / METRICS_FILE, text + "\n")


def clear_figures(folder: Path) -> None:
    """Remove the PNG/GIF/MP4 files an earlier evaluation left in one of its own folders.

    Every group of outputs rewrites its folder, so the report never shows a stale figure
    (e.g. conditional_2.gif after n_animations went from 3 to 1).
    """
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.suffix.lower() in FIGURE_SUFFIXES:
                path.unlink()


def _compact(value: Any) -> Any:
    """Bootstrap summaries as mean, std and the 95 % CI only (the values stay in the JSON)."""
    if isinstance(value, dict) and {"mean", "std", "ci95_low", "ci95_high"} <= set(value):
        return {"mean": value["mean"], "std": value["std"],
                "95 % CI": [value["ci95_low"], value["ci95_high"]]}
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def report_view(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics as report tables: one per quantitative sub-group, summaries compacted."""
    view: dict[str, Any] = {}
    for key, value in metrics.items():
        if key == "quantitative":  # its sub-groups have different columns: a table each
            view.update({f"quantitative: {k}": v for k, v in value.items()})
        else:
            view[key] = value
    return _compact(view)
