"""main_eval end to end: a tiny model trained by main.py, evaluated with every switch on.

One tiny run is trained once for the module (configs/tiny.py on a small synthetic set); each
test evaluates it in its own working directory layout under that run's folder.
"""
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from helpers import data_args as synthetic_data_args
from helpers import train_tiny_run

import main
from pirounet.run.checkpoint import CheckpointError
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet.checkpoint import PUBLISHED_KEYS
from pirounet.systems.pirounet.evaluation import EvalError

ROOT = Path(__file__).resolve().parents[1]
DEBUG = str(ROOT / "configs" / "eval_debug.py")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
BLIND_PER_LABEL = 2
HUMAN_LABELS = "0,1,0\n1,1,1\n2,0,4\n3,1,2\n4,1,2\n5,0,0\n"  # 6 = 2 per label x 3, one N/A

EXPECTED_FILES = [
    "metrics.json", "report.html", "eval.log", "training_curves.png",
    "classification/confusion_valid.png", "classification/confusion_test.png",
    "generation/conditional_0.gif", "generation/random_0.gif",
    "generation/conditional_strip.png", "generation/random_strip.png",
    "reconstruction/reconstruction.gif", "reconstruction/reconstruction_strip.png",
    "latent/latent_space.png", "latent/dense_tiles.png",
    "entanglement/entanglement.png", "entanglement/one_z.gif",
    "entanglement/label_swap_strip.png",
    "to_be_labeled/sequences.npy", "to_be_labeled/blind_export.json", "blind_labels.npy",
    "blind_accuracy/confusion.png",
]
GENERATED = ["fid", "diversity", "multimodality", "kinetic_fid", "geometric_fid",
             "bone_length_variation", "bone_length_ratio", "start_speed_ratio",
             "effort_recognition_rate",
             "novelty_mean", "novelty_min", "novelty_copy_fraction"]
EXPECTED_KEYS = (
    [f"quantitative.generated.{m}.{s}" for m in GENERATED
     for s in ("mean", "std", "ci95_low", "ci95_high")]
    + [f"quantitative.real.{m}.mean" for m in ("diversity", "multimodality")]
    + ["quantitative.real.bone_length_variation", "quantitative.ajd.train",
       "quantitative.ajd.valid", "quantitative.ajd.test",
       "quantitative.effort_meter.real_test_accuracy",
       "quantitative.fid_classifier.held_out_accuracy",
       "quantitative.steering.label_swap.as_asked", "quantitative.steering.label_swap.ordered",
       "quantitative.steering.prior.diversity.mean", "quantitative.steering.verdict",
       "headline.label_swap_as_asked.value", "headline.prior_as_asked.value",
       "headline.start_speed_vs_real.value", "headline.bone_length_vs_real.value"]
    + [f"classification.{p}.{m}" for p in ("valid", "test")
       for m in ("accuracy", "balanced_accuracy", "confusion")]
    + [f"blind_accuracy.{m}" for m in ("accuracy", "n_rated", "n_na_dropped",
                                              "not_a_dance_share", "confusion")]
    + [f"conditional_generation.{k}.fallback" for k in ("sustained", "neutral", "sudden")]
    + ["conditional_generation.fallback_labels", "entanglement.distance",
       "latent_space.n_points", "blind_export.n_sequences", "reconstruction.ajd_of_shown",
       "paper_table.markdown", "paper_table.latex", "paper_table.row.FID",
       "checkpoint.path", "checkpoint.epoch", "eval_config.seed", "training_config.h_dim",
       "timing_s.quantitative", "quantitative.ajd_mean_pose.valid",
       "quantitative.fid_classifier.epochs", "posterior_kl.mean",
       "training_curves.figure", "warnings"]
    + [f"headline.{k}.{f}" for k in ("reconstruction_vs_mean_pose", "effort_as_asked",
                                     "diversity_vs_real") for f in ("value", "passed")]
)


# main.py and main_eval set torch's thread count; give the next tests theirs back
pytestmark = pytest.mark.usefixtures("keep_threads")


@pytest.fixture(scope="module")
def run_root(tmp_path_factory) -> Path:
    """A folder with a small synthetic data set and saved_models/tiny from main.py."""
    return train_tiny_run(tmp_path_factory.mktemp("eval_e2e"), 4000)


def data_args(root: Path) -> list[str]:
    """Settings that point a config at the module's synthetic data."""
    return synthetic_data_args(root / "data")


def lookup(metrics: dict, dotted: str):
    """metrics["a"]["b"] for "a.b"; a KeyError names the missing key."""
    for key in dotted.split("."):
        metrics = metrics[key]
    return metrics


def numbers(value, path: str = ""):
    """(path, value) of every leaf of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from numbers(item, f"{path}[{i}]")
    else:
        yield path, value


def test_every_output_with_every_switch_on(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    (run_root / "human.csv").write_text(HUMAN_LABELS)
    main_eval.main([DEBUG, "--load_from_checkpoint=tiny", "--cpu_threads=1",
                    "--human_labels_path=human.csv", f"--blind_per_label={BLIND_PER_LABEL}"])
    results = run_root / "results" / "debug" / "tiny"
    missing = [f for f in EXPECTED_FILES if not (results / f).is_file()]
    assert not missing, missing

    metrics = json.loads((results / "metrics.json").read_text())
    for key in EXPECTED_KEYS:
        lookup(metrics, key)
    outputs = {k: v for k, v in metrics.items() if k not in ("eval_config", "training_config")}
    for path, value in numbers(outputs):
        assert value is not None, f"{path} is null"
        if isinstance(value, float):
            assert math.isfinite(value), path
    assert metrics["checkpoint"]["epoch"] == 2 and metrics["checkpoint"]["format"] == "pirounet"
    assert metrics["training_config"]["latent_dim"] == 8  # rebuilt from the checkpoint
    assert any("synthetic dancer" in w for w in metrics["warnings"])  # write_synthetic_dataset data

    # The blind export: shuffled dances for the app, their labels outside its folder.
    sequences = np.load(results / "to_be_labeled" / "sequences.npy")
    labels = np.load(results / "blind_labels.npy")
    assert sequences.shape == (3 * BLIND_PER_LABEL, 40, 53, 3)
    assert sorted(labels.tolist()) == [0, 0, 1, 1, 2, 2]
    human = np.array([[int(v) for v in row.split(",")] for row in HUMAN_LABELS.split()])
    rated = human[:, 2] != 4
    recog = metrics["blind_accuracy"]
    assert recog["n_na_dropped"] == 1 and recog["n_rated"] == 5
    assert recog["accuracy"] == pytest.approx(np.mean(labels[rated] == human[rated, 2]))
    assert recog["not_a_dance_share"] == pytest.approx(2 / 6)
    assert recog["effort"] == metrics["blind_export"]["effort"] == "time"  # carried on disk

    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; every other check passed")
    check_report_in_chromium(results / "report.html",
                             n_images=sum(f.endswith((".png", ".gif")) for f in EXPECTED_FILES))


def check_report_in_chromium(page_path: Path, n_images: int) -> None:
    """Every image of the report decodes in headless Chromium, with no network request."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            widths = page.evaluate(
                "Array.from(document.images, i => i.complete ? i.naturalWidth : 0)")
            text = page.inner_text("body")
        finally:
            browser.close()
    assert len(widths) == n_images and all(w > 0 for w in widths), widths
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert "Paper table" in text and "fid" in text


def test_missing_checkpoint_lists_the_runs(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    with pytest.raises(CheckpointError, match="tiny"):
        main_eval.main([DEBUG, "--load_from_checkpoint=no_such_run"])


def test_checkpoint_that_does_not_fit_names_the_setting(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    with pytest.raises(CheckpointError, match="h_dim"):
        main_eval.main([DEBUG, "--load_from_checkpoint=tiny", '--train_overrides=("--h_dim=32",)'])


def test_too_few_labelled_windows_for_the_tiles(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    switches = [f"--{s}=False" for s, _, _ in main_eval.SECTIONS if s != "quantitative"]
    with pytest.raises(EvalError, match="labelled training window"):
        main_eval.main([DEBUG, "--load_from_checkpoint=tiny", "--cpu_threads=1", *switches,
                        "--on_data_change=warn",  # the split changes on purpose
                        '--train_overrides=("--fraction_label=0.005",)'])


def test_published_format_checkpoint_with_train_overrides(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    ckpt = torch.load(run_root / "saved_models" / "tiny" / "last.pt", weights_only=True)
    torch.save({k: ckpt[k] for k in PUBLISHED_KEYS}, run_root / "published.pt")
    overrides = (str(ROOT / "configs" / "tiny.py"), *data_args(run_root))
    switches = [f"--{s}=False" for s, _, _ in main_eval.SECTIONS if s != "classification"]
    metrics = main_eval.main([DEBUG, "--load_from_checkpoint=published.pt", "--cpu_threads=1",
                              "--published_model=dance", *switches,
                              f"--train_overrides={overrides!r}"])
    assert metrics["checkpoint"]["format"] == "published"
    assert metrics["training_config"]["h_dim"] == 16  # from configs/tiny.py
    assert (run_root / "results" / "debug" / "published" / "metrics.json").is_file()
    assert 0 <= metrics["classification"]["valid"]["accuracy"] <= 1


def test_run_with_every_remedy_trains_and_evaluates(run_root, monkeypatch):
    """The quickstart's remedies: their buffers and keys survive the checkpoint into main_eval."""
    monkeypatch.chdir(run_root)
    remedies = ["--run_name=remedies", "--pose_normalization=standardize",
                "--decoder_time_features=4", "--kl_weight=1e-6", "--kl_warmup_steps=4",
                "--motion_energy_weight=1e-3", "--free_bits=0.01",
                "--decoder_initial_state=True", "--latent_prior=learned",
                "--latent_adversary_weight=0.1", "--bone_length_weight=1e-2"]
    model = main.main([str(ROOT / "configs" / "tiny.py"), *data_args(run_root), *remedies])
    history = [json.loads(line) for line in
               (run_root / "saved_models/remedies/history.jsonl").read_text().splitlines()]
    # 5 steps an epoch, warm-up over 4: epoch 1 averages 1/4..4/4 and 1, epoch 2 is full
    assert history[0]["train/kl_weight"] == pytest.approx(1e-6 * (0.25 + 0.5 + 0.75 + 1 + 1) / 5)
    assert history[1]["train/kl_weight"] == pytest.approx(1e-6)
    assert history[0]["train/energy_labelled"] > 0
    assert history[0]["train/bones_labelled"] > 0 and "train/adversary" in history[0]
    ckpt = torch.load(run_root / "saved_models/remedies/last.pt", weights_only=True)
    state = ckpt["model_state_dict"]
    assert {"pose_mean", "pose_std", "decoder.time_proj.weight", "decoder.init_state.weight",
            "prior_mean", "prior_logvar", "adversary.out.weight"} <= set(state)
    assert not torch.equal(state["prior_mean"], torch.zeros_like(state["prior_mean"]))
    assert torch.equal(state["pose_mean"], model.pose_mean) and state["pose_std"].min() > 0

    metrics = main_eval.main([DEBUG, "--load_from_checkpoint=remedies", "--blind_export=False",
                              "--blind_accuracy=False"])
    assert metrics["training_config"]["pose_normalization"] == "standardize"
    assert set(metrics["headline"]) == {"reconstruction_vs_mean_pose", "effort_as_asked",
                                        "diversity_vs_real", "label_swap_as_asked",
                                        "prior_as_asked", "prior_diversity_vs_real",
                                        "bone_length_vs_real", "start_speed_vs_real"}
    # the reconstructions come back in pose units, not standardised ones
    assert metrics["quantitative"]["ajd"]["valid"] < 2 * metrics["quantitative"][
        "ajd_mean_pose"]["valid"]


def test_space_effort_run_never_meets_the_time_meter(run_root, monkeypatch):
    """effort=space reaches the evaluation: no Time-Effort meter, a Space blind export."""
    monkeypatch.chdir(run_root)
    main.main([str(ROOT / "configs" / "tiny.py"), *data_args(run_root), "--run_name=space",
               "--effort=space", "--split=ratio", "--shuffle_data=True"])
    metrics = main_eval.main([DEBUG, "--load_from_checkpoint=space",
                              "--fid_classifier_path=saved_models/fid_classifier/space_debug.pt",
                              "--blind_accuracy=False"])
    quantitative = metrics["quantitative"]
    assert "space" in quantitative["effort_meter"]["skipped"]
    assert "effort_recognition_rate" not in quantitative["generated"]
    assert "effort_as_asked" not in metrics["headline"]
    assert metrics["blind_export"]["effort"] == "space"
    assert metrics["training_config"]["effort"] == "space"
