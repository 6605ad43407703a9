"""metrics.json: every number of an evaluation as plain JSON, written atomically; and the
same numbers arranged for report.html."""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from pirounet.run.atomic import write_text_atomic
from pirounet.systems.pirounet.evaluation.guide import COMPARISON, GUIDE
from pirounet.viz.report import write_report

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
FIGURE_SUFFIXES = (".png", ".gif", ".mp4")


def metric_at(metrics: Mapping[str, Any], *path: str) -> Any:
    """metrics[path[0]][path[1]]... or None when any key is missing."""
    for key in path:
        if not isinstance(metrics, Mapping) or key not in metrics:
            return None
        metrics = metrics[key]
    return metrics


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


def _lookup(metrics: dict[str, Any], path: tuple[str, ...]) -> Any:
    """metrics[path[0]][path[1]]... or None when any key is missing."""
    for key in path:
        if not isinstance(metrics, dict) or key not in metrics:
            return None
        metrics = metrics[key]
    return metrics


def _mean_std(value: Any) -> Any:
    """A bootstrap summary as {"mean", "std"}; anything else as it is."""
    if isinstance(value, dict) and {"mean", "std"} <= set(value):
        return {"mean": value["mean"], "std": value["std"]}
    return value


def comparison(generated: dict[str, Any], metrics: dict[str, Any]) -> dict[str, dict]:
    """Generated metric -> {"generated", "95 % CI", "real data", "better is"}.

    The real-data value and the direction come from guide.COMPARISON.
    """
    rows = {}
    for name, summary in generated.items():
        real, better = COMPARISON.get(name, ("—", ""))
        if isinstance(real, tuple):
            real = _lookup(metrics, real)
        ci = ([summary["ci95_low"], summary["ci95_high"]] if isinstance(summary, dict)
              and {"ci95_low", "ci95_high"} <= set(summary) else None)
        rows[name] = {"generated": _mean_std(summary), "95 % CI": ci,
                      "real data": _mean_std(real), "better is": better}
    return rows


def quantitative_view(metrics: dict[str, Any]) -> dict[str, Any]:
    """The quantitative tables: generated vs real, AJD next to its mean-pose baseline, the rest.

    Keys are dotted metrics.json paths ("quantitative.ajd"), which the report names and
    explains; the real values shown next to the generated ones leave the real table.
    """
    q = metrics["quantitative"]
    shown_real = {path[-1] for path, _ in COMPARISON.values()
                  if isinstance(path, tuple) and path[1] == "real"}
    view: dict[str, Any] = {}
    for key, value in q.items():
        if key == "generated":
            view["quantitative.generated"] = comparison(value, metrics)
        elif key == "real":
            view["quantitative.real"] = {k: v for k, v in value.items() if k not in shown_real}
        elif key == "ajd":
            baseline = q.get("ajd_mean_pose", {})
            view["quantitative.ajd"] = {part: {"ajd": v, **({"ajd_mean_pose": baseline[part]}
                                                           if part in baseline else {})}
                                        for part, v in value.items()}
        elif key != "ajd_mean_pose":
            view[f"quantitative.{key}"] = value
    return view


def report_view(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics as the report shows them: summaries compacted, quantitative split into
    tables, the posterior KL next to the checkpoint, the configs collapsed at the bottom."""
    first = {k: metrics[k] for k in ("name", "checkpoint", "labels", "posterior_kl")
             if k in metrics}
    view: dict[str, Any] = dict(first)
    configs = {}
    for key, value in metrics.items():
        if key == "quantitative":
            view.update(quantitative_view(metrics))
        elif key in ("eval_config", "training_config"):
            configs[key] = value
        elif key not in first:
            view[key] = value
    if configs:
        view["configs"] = configs
    return _compact(view)


def write_eval_report(results_dir: Path, metrics: dict[str, Any], title: str) -> Path:
    """results_dir/report.html of an evaluation, explained for a reader (evaluation/guide.py)."""
    return write_report(results_dir, report_view(metrics), title=title, guide=GUIDE)
