"""The report explains itself: headline figures, warnings, mean-pose baseline, training curves
and the words around the tables, on inputs whose answers are known."""
import json
import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from PIL import Image

from pirounet.run.tracking import read_history
from pirounet.skeletons import VICON_53
from pirounet.systems.pirounet.data.prepare import Dataset
from pirounet.systems.pirounet.data.synthetic import TRUTH_FILE
from pirounet.systems.pirounet.evaluation.diagnosis import (
    CURVES_FILE,
    KL_COLLAPSE,
    headline,
    is_synthetic,
    posterior_kl,
    run_warnings,
    training_curves,
)
from pirounet.systems.pirounet.evaluation.quantitative import ajd_mean_pose, training_mean_pose
from pirounet.systems.pirounet.evaluation.results import report_view, write_eval_report
from pirounet.viz.plots import plot_training_curves


def summary(mean: float) -> dict:
    """A bootstrap summary of one value."""
    return {"mean": mean, "std": 0.0, "ci95_low": mean, "ci95_high": mean, "values": [mean]}


def evaluated(**changes) -> dict:
    """metrics of an evaluation with known headline inputs (see test_headline_known_answers)."""
    metrics = {
        "quantitative": {
            "generated": {"diversity": summary(10.0), "effort_recognition_rate": summary(0.5),
                          "fid": summary(30.0)},
            "real": {"diversity": summary(40.0), "bone_length_variation": 0.01,
                     "n_windows": 100},
            "ajd": {"train": 0.01, "valid": 0.02, "test": 0.03},
            "ajd_mean_pose": {"train": 0.1, "valid": 0.08, "test": 0.1},
            "effort_meter": {"real_test_accuracy": 0.7},
            "fid_classifier": {"held_out_accuracy": 0.8, "epochs": 400},
        },
        "conditional_generation": {
            "low": {"n_points": 50, "fallback": False},
            "medium": {"n_points": 40, "fallback": False},
            "high": {"n_points": 30, "fallback": False},
            "fallback_labels": "none",
        },
        "training_config": {"label_dim": 3, "latent_dim": 8},
    }
    metrics.update(changes)
    return metrics


# ----------------------------------------------------------------------------- headline
def test_headline_known_answers():
    figures = headline(evaluated())
    recon = figures["reconstruction_vs_mean_pose"]
    assert recon["value"] == pytest.approx(0.25) and recon["passed"]
    assert (recon["ajd_valid"], recon["ajd_mean_pose"]) == (0.02, 0.08)
    assert (recon["pass_if"], recon["target"]) == ("<=", 0.35)
    effort = figures["effort_as_asked"]
    assert effort["value"] == 0.5 and not effort["passed"]  # target 0.9
    assert effort["chance"] == pytest.approx(1 / 3)
    diversity = figures["diversity_vs_real"]
    assert diversity["value"] == pytest.approx(0.25) and not diversity["passed"]  # target 0.7
    assert (diversity["generated"], diversity["real"]) == (10.0, 40.0)


def test_headline_targets_are_inclusive_and_follow_their_direction():
    q = evaluated()["quantitative"]
    q["ajd"]["valid"], q["ajd_mean_pose"]["valid"] = 0.028, 0.08  # exactly 0.35
    q["generated"]["diversity"], q["real"]["diversity"] = summary(28.0), summary(40.0)  # 0.7
    q["generated"]["effort_recognition_rate"] = summary(0.9)
    figures = headline({"quantitative": q})
    assert all(f["passed"] for f in figures.values()), figures
    q["ajd"]["valid"] = 0.03  # 0.375: above the 0.35 target
    assert not headline({"quantitative": q})["reconstruction_vs_mean_pose"]["passed"]


def test_headline_leaves_out_figures_whose_inputs_were_not_computed():
    assert headline({"classification": {"valid": {"accuracy": 0.9}}}) == {}
    q = evaluated()["quantitative"]
    del q["ajd_mean_pose"]
    assert set(headline({"quantitative": q})) == {"effort_as_asked", "diversity_vs_real"}
    q["real"]["diversity"] = summary(0.0)  # no ratio to a zero reference
    assert set(headline({"quantitative": q})) == {"effort_as_asked"}


# ----------------------------------------------------------------------------- warnings
def test_no_warnings_for_a_healthy_run():
    assert run_warnings(evaluated(), kl=5.0, synthetic=False) == []


def test_each_warning_on_its_own():
    assert run_warnings(evaluated(), kl=KL_COLLAPSE / 2, synthetic=False)[0].startswith(
        "Posterior collapse")
    assert run_warnings(evaluated(), kl=KL_COLLAPSE, synthetic=False) == []  # not below

    tiles = evaluated()["conditional_generation"]
    tiles["medium"]["fallback"] = True
    (fallback,) = run_warnings(evaluated(conditional_generation=tiles), None, False)
    assert "'medium'" in fallback and "40 training codes" in fallback

    (synthetic,) = run_warnings(evaluated(), None, synthetic=True)
    assert "synthetic dancer" in synthetic

    metrics = evaluated()
    metrics["quantitative"]["fid_classifier"]["epochs"] = 5
    (short,) = run_warnings(metrics, None, False)
    assert "5 epoch(s)" in short and "400" in short
    del metrics["quantitative"]["fid_classifier"]["epochs"]  # published: unknown
    assert run_warnings(metrics, None, False) == []


def test_synthetic_data_is_told_by_the_truth_file(tmp_path):
    (tmp_path / "mariel_a.npy").write_bytes(b"")
    pattern = str(tmp_path / "mariel_*.npy")
    assert not is_synthetic(pattern)
    (tmp_path / TRUTH_FILE).write_bytes(b"")
    assert is_synthetic(pattern)
    assert not is_synthetic(str(tmp_path / "other" / "mariel_*.npy"))


def test_posterior_kl_is_the_textbook_kl_summed_over_z():
    def encode(x, y):  # mean 1 and logvar 0 in each of 8 dimensions: KL = 8 * 0.5 * 1^2
        return None, torch.ones(len(x), 8), torch.zeros(len(x), 8)

    windows = torch.zeros(5, 4, 6)
    ctx = SimpleNamespace(
        dataset=SimpleNamespace(split=SimpleNamespace(valid_lab=np.arange(5))),
        windows=lambda part: (windows, np.zeros(5, np.int64)),
        eval_cfg=SimpleNamespace(batch_size=2), device=torch.device("cpu"),
        model=SimpleNamespace(encode=encode))
    kl = posterior_kl(ctx)
    assert kl["mean"] == pytest.approx(4.0)
    assert (kl["part"], kl["n_windows"], kl["collapse_below"]) == ("valid", 5, KL_COLLAPSE)


# ----------------------------------------------------------------------------- mean pose
def test_training_mean_pose_is_the_mean_of_the_stacked_windows():
    rng = np.random.default_rng(0)
    poses = rng.normal(size=(30, 6))
    starts, seq_len = np.array([0, 2, 2, 9, 20]), 7
    stacked = poses[starts[:, None] + np.arange(seq_len)]  # (5, 7, 6), overlaps repeated
    np.testing.assert_allclose(training_mean_pose(poses, starts, seq_len),
                               stacked.mean(axis=(0, 1)))


def test_mean_pose_ajd_known_answer():
    seq_len, pose = 4, np.tile([0.0, 1.0, 2.0], 53)  # (159,) every marker at (0, 1, 2)
    poses = torch.from_numpy(np.tile(pose, (20, 1)).astype(np.float32))  # (20, 159)
    valid = poses[:3 * seq_len].reshape(3, seq_len, 159).clone()
    valid[..., 0::3] += 0.3  # every marker 0.3 away along x
    split = SimpleNamespace(train_lab=np.array([0, 4]), train_unlab=np.array([4, 8]))
    ctx = SimpleNamespace(
        dataset=Dataset(recordings=None, poses=poses, split=split, seq_len=seq_len),
        skeleton=VICON_53,
        train=(poses[:2 * seq_len].reshape(2, seq_len, 159), np.zeros(2, np.int64)),
        windows=lambda part: ((valid, np.zeros(3, np.int64)) if part == "valid"
                              else (valid[:0], np.zeros(0, np.int64))))
    out = ajd_mean_pose(ctx)
    assert set(out) == {"train", "valid"}  # no test windows: left out
    assert out["train"] == pytest.approx(0.0, abs=1e-6)
    assert out["valid"] == pytest.approx(0.3, abs=1e-6)


# ----------------------------------------------------------------------------- curves
HISTORY = [{"epoch": e, "train/total": 2.0 / e, "valid/total": 2.2 / e,
            "train/recon_labelled": 0.1 / e, "valid/recon_labelled": 0.12 / e,
            "train/kl_labelled": 1.0 + e, "valid/kl_labelled": 1.1 + e,
            "train/accuracy": 0.3 + 0.1 * e, "valid/accuracy": 0.3 + 0.05 * e}
           for e in range(1, 6)]


def test_training_curves_from_history_and_skipped_without(tmp_path):
    run = tmp_path / "saved_models" / "run"
    run.mkdir(parents=True)
    results = tmp_path / "results"
    results.mkdir()
    lines = "".join(json.dumps(h) + "\n" for h in HISTORY) + '{"epoch": 6, "train/to'
    (run / "history.jsonl").write_text(lines)  # a killed run leaves a partial last line
    assert read_history(run / "history.jsonl") == HISTORY

    info = training_curves({"path": str(run / "last.pt"), "format": "pirounet"}, results)
    assert info == {"figure": CURVES_FILE, "history": str(run / "history.jsonl"), "epochs": 5}
    image = np.asarray(Image.open(results / CURVES_FILE).convert("L"))
    assert image.shape[1] > 3 * image.shape[0] and image.std() > 10  # four panels, drawn

    (run / "history.jsonl").unlink()
    info = training_curves({"path": str(run / "last.pt"), "format": "published"}, results)
    assert set(info) == {"skipped"} and "history.jsonl" in info["skipped"]
    assert not (results / CURVES_FILE).exists()  # no stale curves from an earlier evaluation


def test_curves_with_a_term_never_logged(tmp_path):
    partial = [{k: v for k, v in h.items() if not k.startswith("valid/")} for h in HISTORY]
    partial = [{**h, "train/kl_labelled": float("nan")} for h in partial]
    assert plot_training_curves(partial, tmp_path / "c.png").stat().st_size > 0
    with pytest.raises(ValueError, match="no history"):
        plot_training_curves([], tmp_path / "d.png")


# ----------------------------------------------------------------------------- the page
def explained_run(tmp_path) -> dict:
    """metrics as main_eval writes them, with curves, a warning and both configs."""
    plot_training_curves(HISTORY, tmp_path / CURVES_FILE)
    metrics = evaluated()
    metrics.update(
        name="run", checkpoint={"path": "saved_models/run/last.pt", "epoch": 5},
        eval_config={"seed": 0, "n_per_label": 10},
        headline=headline(metrics), warnings=run_warnings(metrics, 0.01, True),
        posterior_kl={"mean": 0.01, "part": "valid", "n_windows": 5,
                      "collapse_below": KL_COLLAPSE},
        training_curves={"figure": CURVES_FILE, "history": "h", "epochs": 5})
    return metrics


def test_report_view_puts_real_data_next_to_generated():
    metrics = evaluated()
    view = report_view(metrics)
    rows = view["quantitative.generated"]
    assert rows["diversity"]["generated"] == {"mean": 10.0, "std": 0.0}
    assert rows["diversity"]["real data"] == {"mean": 40.0, "std": 0.0}
    assert rows["diversity"]["better is"] == "close to real data"
    assert rows["fid"]["real data"] == "0 (by definition)" and rows["fid"]["better is"] == "lower"
    assert rows["effort_recognition_rate"]["real data"] == 0.7  # the meter on real test windows
    assert view["quantitative.ajd"]["valid"] == {"ajd": 0.02, "ajd_mean_pose": 0.08}
    assert "diversity" not in view["quantitative.real"]  # shown next to the generated one
    assert view["configs"] == {"training_config": metrics["training_config"]}


def test_report_explains_itself(tmp_path):
    page = write_eval_report(tmp_path, explained_run(tmp_path), "t").read_text()
    box, dance = page.index("class=warnings"), page.index("<section id=headline>")
    assert box < dance < page.index("<section id=training>") < page.index("<section id=metrics>")
    assert "synthetic dancer" in page[box:dance] and "Posterior collapse" in page[box:dance]
    assert "<h2>Does it dance?</h2>" in page
    assert page.count("class=pass>") == 1 and page.count("class=fail>") == 2
    assert "≤ 0.35" in page and "≥ 0.9" in page
    curves = page[page.index("<section id=training>"):page.index("<section id=metrics>")]
    assert "data:image/png;base64," in curves
    assert page.count("data:image/png;base64,") == 1  # not again among the figures
    assert "FID (FID-classifier features)<code class=key>fid</code>" not in page
    assert re.search(r"FID \(FID-classifier features\)</span><code class=key>fid<", page)
    assert "<th>real data</th>" in page and "<th>better is</th>" in page
    configs = page[page.index("<section id=configs>"):]
    assert configs.count("<details>") == 2 and "open" not in configs
    assert "n_per_label" in configs and "latent_dim" in configs


def test_report_says_why_there_are_no_curves_and_no_warnings(tmp_path):
    metrics = {**explained_run(tmp_path), "warnings": [],
               "training_curves": {"skipped": "no history.jsonl next to p.pt"}}
    (tmp_path / CURVES_FILE).unlink()
    page = write_eval_report(tmp_path, metrics, "t").read_text()
    assert "class=warnings" not in page and "No warnings." in page
    assert "No training curves: no history.jsonl next to p.pt" in page
