"""An evaluation's numbers arranged for report.html (metrics.json: pirounet/run/results.py)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from pirounet.systems.pirounet.evaluation.guide import COMPARISON, GUIDE
from pirounet.viz.report import write_report

log = logging.getLogger(__name__)

FIGURE_SUFFIXES = (".png", ".gif", ".mp4")


def metric_at(metrics: Mapping[str, Any], *path: str) -> Any:
    """metrics[path[0]][path[1]]... or None when any key is missing."""
    for key in path:
        if not isinstance(metrics, Mapping) or key not in metrics:
            return None
        metrics = metrics[key]
    return metrics


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
            real = metric_at(metrics, *real)
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
