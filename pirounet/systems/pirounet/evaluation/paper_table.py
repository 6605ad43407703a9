"""The paper's results-table row for one checkpoint, as a dict, Markdown and LaTeX.

Columns: labelled % (share of the augmented labelled windows used in training), q(y|x) accuracy
on valid and test (%), diversity and multimodality of the generated dances, AJD on the test
windows and FID, the bootstrapped ones as mean ± std. A metric that was not computed shows "—".
With test_ajd="mean_and_running_sum" the row has "AJD test (mean)" and, next to it, "AJD test
(running sum, reference code)": the reference code's test AJD, a running sum of about
(n + 1) / (2 n) times the true mean, named apart so that the two are never confused.
A run whose labels are not all a person's has a "labels" column after "labelled (%)" saying
so ("machine labels (meter)"); the published row of human labels keeps the paper's columns.
"""
from __future__ import annotations

from typing import Any, Mapping

from pirounet.run.config import Config
from pirounet.systems.pirounet.data import Dataset, load_labels
from pirounet.systems.pirounet.data.label_files import describe_label_sources
from pirounet.systems.pirounet.evaluation.results import metric_at
from pirounet.viz.report import paper_table_latex, paper_table_markdown


RUNNING_SUM_COLUMN = "AJD test (running sum, reference code)"
HUMAN_LABELS = describe_label_sources({})  # "human labels": no labels column


def _percent(value: float | None) -> str | None:
    """A share as a percentage with one decimal, "65.5" (text, so 50 % reads "50.0")."""
    return None if value is None else f"{100 * value:.1f}"


def _mean_std(summary: Mapping[str, float] | None) -> dict[str, float] | None:
    """Only mean and std of a bootstrap summary (the table has no room for the CI)."""
    return None if summary is None else {"mean": summary["mean"], "std": summary["std"]}


def labelled_share(cfg: Config, dataset: Dataset) -> float:
    """Labelled training windows over all labelled windows after augmentation (paper: 0.789)."""
    starts, _ = load_labels(cfg.labels_path, cfg.effort, augment=cfg.augment_labels,
                            n_frames=len(dataset.poses), seq_len=cfg.seq_len)
    return len(dataset.split.train_lab) / max(len(starts), 1)


def paper_table_row(name: str, labelled_share: float, metrics: Mapping[str, Any],
                    labels: str = HUMAN_LABELS) -> dict[str, Any]:
    """The row of one model (column -> value) from main_eval's metrics dict.

    labels: where the labels came from (label_files.describe_label_sources).
    """
    generated = metric_at(metrics, "quantitative", "generated") or {}
    running = metric_at(metrics, "quantitative", "ajd_running_sum", "test")
    return {
        "model": name,
        "labelled (%)": _percent(labelled_share),
        **({"labels": labels} if labels != HUMAN_LABELS else {}),
        "accuracy valid (%)": _percent(metric_at(metrics, "classification", "valid", "accuracy")),
        "accuracy test (%)": _percent(metric_at(metrics, "classification", "test", "accuracy")),
        "diversity": _mean_std(generated.get("diversity")),
        "multimodality": _mean_std(generated.get("multimodality")),
        # with the running sum beside it, the mean says so: "AJD test (mean)"
        ("AJD test" if running is None else "AJD test (mean)"):
            metric_at(metrics, "quantitative", "ajd", "test"),
        **({RUNNING_SUM_COLUMN: running} if running is not None else {}),
        "FID": _mean_std(generated.get("fid")),
    }


def paper_table(name: str, labelled_share: float, metrics: Mapping[str, Any],
                labels: str = HUMAN_LABELS) -> dict[str, Any]:
    """{"row": the row, "markdown": ..., "latex": ...} for metrics.json and the report."""
    row = paper_table_row(name, labelled_share, metrics, labels)
    return {"row": row, "markdown": paper_table_markdown([row]),
            "latex": paper_table_latex([row])}
