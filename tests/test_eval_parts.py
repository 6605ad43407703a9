"""main_eval's glue on known answers: paper table, blind-label CSV, metrics.json, helpers."""
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pirounet.metrics import ajd, feature_fid, kinetic_features
from pirounet.systems.pirounet.data.label_files import write_blind_file, write_blind_info
from pirounet.systems.pirounet.evaluation import (
    EvalError,
    paper_table,
    blind_scores,
    read_blind_labels,
    run_blind_accuracy,
    tile_summary,
)
from pirounet.run.results import json_ready, write_metrics
from pirounet.systems.pirounet.evaluation.context import training_config
from pirounet.systems.pirounet.evaluation.quantitative import FeatureReference, chunked_ajd, feature_subset
from pirounet.systems.pirounet.evaluation.blind_accuracy import match_export
from pirounet.systems.pirounet.efforts import EFFORTS
from pirounet.systems.pirounet.generation import TileSettings, find_dense_tiles
from pirounet.systems.pirounet.settings import EVALUATION, TRAINING

FIXTURES = Path(__file__).parent / "fixtures"
BLIND_CSV = FIXTURES / "labels_shuffled_neighb.csv"  # 225 real blind labels, 9 of them N/A
ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- paper table
def test_paper_table_row_markdown_and_latex():
    metrics = {
        "classification": {"valid": {"accuracy": 0.655}, "test": {"accuracy": 0.606}},
        "quantitative": {
            "generated": {"diversity": {"mean": 48.04, "std": 1.23, "ci95_low": 47.0},
                          "multimodality": {"mean": 44.0, "std": 2.0},
                          "fid": {"mean": 89.3, "std": 3.2}},
            "ajd": {"test": 0.0312},
        },
    }
    table = paper_table("PirouNet_dance", 7428 / 9414, metrics)
    assert table["markdown"] == (
        "| model | labelled (%) | accuracy valid (%) | accuracy test (%) | diversity | "
        "multimodality | AJD test | FID |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| PirouNet_dance | 78.9 | 65.5 | 60.6 | 48.0 ± 1.2 | 44.0 ± 2.0 | 0.0312 | 89.3 ± 3.2 |"
    )
    assert r"PirouNet\_dance & 78.9 & 65.5 & 60.6 & 48.0 $\pm$ 1.2 & 44.0 $\pm$ 2.0 & 0.0312 & " \
           r"89.3 $\pm$ 3.2 \\" in table["latex"]
    assert table["latex"].startswith(r"\begin{tabular}{lccccccc}")
    assert table["row"]["diversity"] == {"mean": 48.04, "std": 1.23}  # no CI in the table


def test_paper_table_marks_metrics_not_computed():
    table = paper_table("run", 0.5, {})
    last_line = table["markdown"].splitlines()[-1]
    assert last_line == "| run | 50.0 | — | — | — | — | — | — |"


# ----------------------------------------------------------------------------- blind labels
def test_blind_csv_reader_on_the_real_file():
    table = read_blind_labels(BLIND_CSV)
    assert table.shape == (225, 3)
    np.testing.assert_array_equal(table[:, 0], np.arange(225))
    assert (table[:, 2] == 4).sum() == 9  # N/A


def test_blind_scores_drop_and_count_na():
    table = read_blind_labels(BLIND_CSV)
    human = table[:, 2]
    agree = np.where(human == 4, 0, human)  # conditioning labels equal to the human's
    scores = blind_scores(table, agree)
    assert scores["accuracy"] == 1.0
    assert (scores["n_rated"], scores["n_na_dropped"]) == (216, 9)
    assert scores["not_a_dance_share"] == pytest.approx(9 / 225)
    assert scores["confusion"] == [[99, 0, 0], [0, 76, 0], [0, 0, 41]]

    shifted = (agree + 1) % 3  # every dance conditioned on the next label
    scores = blind_scores(table, shifted)
    assert scores["accuracy"] == 0.0
    # rows: conditioning label, columns: human label
    assert scores["confusion"] == [[0, 0, 41], [99, 0, 0], [0, 76, 0]]


def test_blind_scores_follow_seq_index_not_row_order(tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text("2,1,2\n0,1,0\n1,0,4\n")
    table = read_blind_labels(csv)
    np.testing.assert_array_equal(table[:, 0], [0, 1, 2])
    scores = blind_scores(table, np.array([0, 1, 1]))
    assert scores["confusion"] == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert scores["not_a_dance_share"] == pytest.approx(1 / 3)


def test_length_mismatch_names_both_lengths_and_files(tmp_path):
    labels_path = tmp_path / "blind_labels.npy"
    with pytest.raises(EvalError) as err:
        match_export(read_blind_labels(BLIND_CSV), np.zeros(30, np.int64), BLIND_CSV,
                     labels_path)
    message = str(err.value)
    assert "225 rows" in message and "30 dances" in message
    assert str(BLIND_CSV) in message and str(labels_path) in message


@pytest.mark.parametrize("text, fragment", [
    ("0,1,3\n", "line 1"),  # time 3 does not exist (0-2 or 4)
    ("0,1,0\n0,1,1\n", "more than once"),
    ("seq,dance,time\n", "no header"),
    ("0,1\n", "3 columns"),
])
def test_bad_blind_csv_is_refused(tmp_path, text, fragment):
    csv = tmp_path / "labels.csv"
    csv.write_text(text)
    with pytest.raises(EvalError, match=fragment):
        read_blind_labels(csv)


TIME_NAMES = EFFORTS["time"].classes


def fake_context(tmp_path: Path, human_labels_path: str = "") -> SimpleNamespace:
    """What run_blind_accuracy reads of an EvalContext."""
    cfg = SimpleNamespace(label_dim=3, effort="time")
    return SimpleNamespace(results_dir=tmp_path, cfg=cfg, label_name=TIME_NAMES.__getitem__,
                           eval_cfg=SimpleNamespace(human_labels_path=human_labels_path))


def test_blind_accuracy_without_labels_is_skipped_with_a_note(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        out = run_blind_accuracy(fake_context(tmp_path))
    assert set(out) == {"skipped"} and "human_labels.csv" in out["skipped"]
    assert "skipped" in caplog.text


def test_blind_accuracy_against_the_export(tmp_path):
    np.save(tmp_path / "blind_labels.npy", np.array([0, 1, 2, 2]))
    csv = tmp_path / "to_be_labeled" / "human_labels.csv"
    csv.parent.mkdir()
    csv.write_text("0,1,0\n1,1,2\n2,0,4\n3,1,2\n")
    out = run_blind_accuracy(fake_context(tmp_path))
    assert out["accuracy"] == pytest.approx(2 / 3)
    assert (out["n_rated"], out["n_na_dropped"]) == (3, 1)
    assert (tmp_path / "blind_accuracy" / "confusion.png").stat().st_size > 0
    with pytest.raises(EvalError, match="225 rows"):
        run_blind_accuracy(fake_context(tmp_path, str(BLIND_CSV)))


def test_blind_accuracy_checks_the_exports_effort(tmp_path):
    np.save(tmp_path / "blind_labels.npy", np.array([0, 1, 2]))
    folder = tmp_path / "to_be_labeled"
    write_blind_file(folder / "human_labels.csv", [(0, 1, 0), (1, 1, 1), (2, 1, 0)])
    write_blind_info(folder, "time", 3)
    assert run_blind_accuracy(fake_context(tmp_path))["effort"] == "time"
    write_blind_info(folder, "space", 3)
    with pytest.raises(EvalError, match="labelled on effort='space'.*uses effort='time'"):
        run_blind_accuracy(fake_context(tmp_path))


# ----------------------------------------------------------------------------- metrics.json
def test_metrics_json_is_plain_and_finite(tmp_path, caplog):
    metrics = {"a": np.float32(1.5), "b": np.arange(3), "c": (1, 2.0), "d": {"e": float("nan")},
               "f": Path("x/y"), "g": np.int64(7), "h": True}
    with caplog.at_level(logging.WARNING):
        path = write_metrics(tmp_path, metrics)
    loaded = json.loads(path.read_text())
    assert loaded == {"a": 1.5, "b": [0, 1, 2], "c": [1, 2.0], "d": {"e": None}, "f": "x/y",
                      "g": 7, "h": True}
    assert "d.e" in caplog.text  # the non-finite value is named
    bad = []
    json_ready({"x": [1.0, float("inf")]}, bad=bad)
    assert bad == ["x[1]"]


# ----------------------------------------------------------------------------- helpers
def test_feature_reference_equals_feature_fid():
    rng = np.random.default_rng(0)
    real = np.cumsum(rng.normal(0, 0.01, (60, 12, 159)), axis=1)
    gen = np.cumsum(rng.normal(0, 0.02, (20, 12, 159)), axis=1)
    ref = FeatureReference.of(kinetic_features(real))
    assert ref.fid(kinetic_features(gen)) == pytest.approx(
        feature_fid(kinetic_features(gen), kinetic_features(real)), rel=1e-9)


def test_chunked_ajd_equals_ajd():
    rng = np.random.default_rng(1)
    x, x_hat = rng.normal(size=(2, 10, 5, 159)).astype(np.float32)
    assert chunked_ajd(x, x_hat, chunk=3) == pytest.approx(ajd(x, x_hat), rel=1e-12)


def test_feature_subset_is_seeded_sorted_and_bounded():
    a, b = feature_subset(100, 10, seed=0), feature_subset(100, 10, seed=0)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 10 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(feature_subset(5, 0, 0), np.arange(5))
    np.testing.assert_array_equal(feature_subset(5, 10, 0), np.arange(5))


def test_tile_summary_reports_the_fallback():
    rng = np.random.default_rng(0)
    z, labels = rng.normal(size=(60, 4)), np.repeat(np.arange(3), 20)
    tiles = find_dense_tiles(z, labels, TileSettings(min_counts=(1000, 1000, 0)))
    summary = tile_summary(SimpleNamespace(tiles=tiles, label_name=TIME_NAMES.__getitem__))
    assert summary["sustained"]["fallback"] and summary["neutral"]["fallback"]
    assert not summary["sudden"]["fallback"]  # a lone point in a tile of its own is dense
    assert summary["fallback_labels"] == "sustained, neutral"


def test_training_config_for_both_checkpoint_formats():
    eval_cfg = EVALUATION.load(['--train_overrides=("--h_dim=32", "--effort=space")'])
    with pytest.raises(EvalError, match="published_model=dance"):  # dance or watch? say it
        training_config(eval_cfg, {"path": "p.pt", "config": None})
    published = training_config(eval_cfg.replace(published_model="watch"),
                                 {"path": "p.pt", "config": None})
    assert (published.h_dim, published.effort, published.latent_dim) == (32, "space", 256)
    assert published.fraction_label == 0.92
    saved = TRAINING.load(["--latent_dim=8", "--h_dim=16"])
    ours = training_config(eval_cfg, {"path": "o.pt", "config": saved.to_dict()})
    # the saved config is the base; only the keys the overrides name replace it
    assert (ours.h_dim, ours.effort, ours.latent_dim) == (32, "space", 8)


def test_paper_table_says_machine_labels():
    table = paper_table("real", 0.5, {}, "machine labels (meter)")
    assert table["markdown"].splitlines()[0].startswith("| model | labelled (%) | labels |")
    assert table["markdown"].splitlines()[-1].startswith("| real | 50.0 | machine labels (meter) |")
    assert "labels" not in paper_table("run", 0.5, {})["row"]  # human labels: the paper's row


def test_the_old_recognition_accuracy_switch_names_blind_accuracy(tmp_path):
    from pirounet.run.config import ConfigError

    override = tmp_path / "mine.py"
    override.write_text("recognition_accuracy = False\n")
    with pytest.raises(ConfigError, match="mine.py: config key 'recognition_accuracy' is now "
                                          "called 'blind_accuracy'"):
        EVALUATION.load([str(override)])
    assert EVALUATION.load(["--blind_accuracy=False"]).blind_accuracy is False
