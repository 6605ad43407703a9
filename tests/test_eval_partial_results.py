"""An evaluation scores what it can: partial blind labels, a failing part (docs/data_safety.md).

Each test fails without its fix.
"""
import json

import numpy as np
import pytest

from pirounet.systems.pirounet.settings import EVALUATION, TRAINING


def test_a_partly_labelled_blind_export_is_scored_on_what_is_labelled(tmp_path):
    from pirounet.systems.pirounet.evaluation.blind_accuracy import (
        blind_scores,
        match_export,
        read_blind_labels,
    )
    from pirounet.systems.pirounet.evaluation.context import EvalError

    csv = tmp_path / "human_labels.csv"
    csv.write_text("0,1,0\n2,1,2\n3,1,4\n")  # 3 of 6 dances labelled so far
    table = read_blind_labels(csv)
    cond = np.array([0, 1, 2, 2, 1, 0])
    match_export(table, cond, csv, tmp_path / "blind_labels.npy")
    scores = blind_scores(table, cond)
    assert (scores["accuracy"], scores["n_rated"], scores["n_labelled"],
            scores["n_exported"], scores["complete"]) == (1.0, 2, 3, 6, False)
    csv.write_text("0,1,0\n6,1,2\n")  # a dance the export does not have
    with pytest.raises(EvalError, match="seq_index 6"):
        match_export(read_blind_labels(csv), cond, csv, tmp_path / "blind_labels.npy")


def test_a_failing_part_still_writes_metrics_and_report(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from pirounet.systems.pirounet import evaluate as ev
    from pirounet.systems.pirounet.evaluation.context import EvalError

    results = tmp_path / "results" / "run"
    results.mkdir(parents=True)
    (results / "metrics.json").write_text('{"stale": true}')
    ctx = SimpleNamespace(results_dir=results, checkpoint={"path": ""}, cfg=TRAINING.load(),
                          dataset=SimpleNamespace(fingerprint={}))

    def broken(ctx):
        raise EvalError("human_labels.csv, line 3: bad")
    monkeypatch.setattr(ev, "load_context", lambda cfg, cores: ctx)
    monkeypatch.setattr(ev, "SECTIONS", (("classification", None, lambda c: {"acc": 0.5}),
                                         ("blind_accuracy", None, broken)))
    monkeypatch.setattr(ev, "TILE_USERS", ())
    monkeypatch.setattr(ev, "labelled_share", lambda cfg, dataset: 0.5)
    monkeypatch.setattr(ev, "diagnose", lambda ctx, metrics: {"warnings": []})
    monkeypatch.setattr(ev, "write_eval_report", lambda d, m, t: ev.write_metrics(
        d, m).with_name("report.html"))
    with pytest.raises(EvalError, match="blind_accuracy: human_labels.csv, line 3"):
        ev.evaluate(EVALUATION.load(), 1)
    metrics = json.loads((results / "metrics.json").read_text())
    assert "stale" not in metrics and metrics["classification"] == {"acc": 0.5}
    assert metrics["blind_accuracy"] == {"error": "human_labels.csv, line 3: bad"}
    assert any("not computed: blind_accuracy" in w for w in metrics["warnings"])
