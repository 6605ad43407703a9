"""The reference code's behaviours, each against an independent computation written here.

Every behaviour is a setting whose default follows the paper's formula and whose other value
reproduces the reference code; configs/published_code.py and configs/eval_published_code.py set
them all. Also: the same metrics.json whatever the number of CPU threads, and published
checkpoints found by their published names, never evaluated on the other model's split.
"""
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers import data_args as synthetic_data_args
from helpers import train_tiny_run

import main_eval
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import read_settings
from pirounet.systems.pirounet.checkpoint import PUBLISHED_KEYS, load_checkpoint
from pirounet.systems.pirounet.data import WindowLoader
from pirounet.systems.pirounet.data.splits import ratio_split
from pirounet.systems.pirounet.evaluate import check_run
from pirounet.systems.pirounet.evaluation import EvalError
from pirounet.systems.pirounet.evaluation.context import part_bounds, training_config, whole_batches
from pirounet.systems.pirounet.evaluation.paper_table import RUNNING_SUM_COLUMN, paper_table_row
from pirounet.systems.pirounet.evaluation.quantitative import iteration_tiles, refit_seed, running_sum_ajd
from pirounet.systems.pirounet.generation import (
    TileSettings,
    decode,
    encode_windows,
    entanglement_distances,
    find_dense_tiles,
    posterior_params,
    sample_codes,
)
from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.objective import classification_loss
from pirounet.systems.pirounet.settings import EVALUATION, TRAINING
from pirounet.systems.pirounet.training import M2Objective, validate

ROOT = Path(__file__).resolve().parents[1]
TRAINING_PRESET = ROOT / "configs" / "published_code.py"
EVAL_PRESET = ROOT / "configs" / "eval_published_code.py"
# setting -> (default: the paper's formula / our fix, the reference code's behaviour)
TRAINING_BEHAVIOURS = {
    "classification_loss": ("per_sample", "broadcast"),
    "unlabelled_pairing": ("formula", "published"),
    "valid_batches": ("all", "drop_last"),
    "ratio_rule": ("intended", "published"),
}
EVAL_BEHAVIOURS = {
    "tile_rule": ("one_plane", "published"),
    "tile_fit": ("once", "every_iteration"),
    "test_ajd": ("mean", "mean_and_running_sum"),
    "entanglement_distance": ("per_marker", "frobenius"),
    "partial_batches": ("keep", "drop"),
}

pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_model(latent_dim: int = 4) -> PirouNet:
    torch.manual_seed(0)
    return PirouNet(ModelConfig(h_dim=8, n_layers=2, latent_dim=latent_dim, h_dim_classif=8,
                                n_layers_classif=1)).eval()


# ----------------------------------------------------------------------------- presets

def test_defaults_follow_the_formulas_and_the_presets_the_code():
    train, ev = TRAINING.load(), EVALUATION.load()
    assert {k: train[k] for k in TRAINING_BEHAVIOURS} == {
        k: v[0] for k, v in TRAINING_BEHAVIOURS.items()}
    assert {k: ev[k] for k in EVAL_BEHAVIOURS} == {k: v[0] for k, v in EVAL_BEHAVIOURS.items()}
    train = TRAINING.load([str(TRAINING_PRESET)])
    ev = EVALUATION.load([str(EVAL_PRESET)])
    assert {k: train[k] for k in TRAINING_BEHAVIOURS} == {
        k: v[1] for k, v in TRAINING_BEHAVIOURS.items()}
    assert {k: ev[k] for k in EVAL_BEHAVIOURS} == {k: v[1] for k, v in EVAL_BEHAVIOURS.items()}
    # the presets change nothing else that decides the model, the data or the split
    assert set(read_settings(TRAINING_PRESET)) == {"run_name", *TRAINING_BEHAVIOURS}
    assert set(read_settings(EVAL_PRESET)) == {"load_from_checkpoint", "results_root",
                                               *EVAL_BEHAVIOURS}


# ----------------------------------------------------------------------------- objective

def test_broadcast_loss_on_a_hand_made_batch_of_four():
    q = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
    labels = [0, 0, 1, 2]
    y = torch.eye(3)[labels]
    # The reference: labels (B, 1, K) times log q (B, K) broadcast to (B, B, K), summed over
    # the second axis, then the mean of the (B, K) rest. Written out term by term:
    total = 0.0
    for i in range(4):
        for j in range(4):
            for k in range(3):
                total += float(y[i, k]) * math.log(float(q[j, k]) + 1e-8)
    expected = -total / (4 * 3)
    # = -(1/12) sum_j [2 log q_j0 + log q_j1 + log q_j2]
    by_counts = -sum(2 * math.log(r[0] + 1e-8) + math.log(r[1] + 1e-8) + math.log(r[2] + 1e-8)
                     for r in q.tolist()) / 12
    assert expected == pytest.approx(by_counts)
    assert classification_loss(q, y, "broadcast").item() == pytest.approx(expected, rel=1e-6)
    per_sample = -np.mean([math.log(q[i, labels[i]].item() + 1e-8) for i in range(4)])
    assert classification_loss(q, y).item() == pytest.approx(per_sample, rel=1e-6)
    # Under uniform q it is B/3 times the per-sample CE: ~27x at the paper's B = 80.
    u = torch.full((80, 3), 1 / 3)
    y80 = torch.eye(3)[torch.arange(80) % 3]
    ratio = classification_loss(u, y80, "broadcast") / classification_loss(u, y80)
    assert ratio.item() == pytest.approx(80 / 3, rel=1e-5)


def test_broadcast_loss_enters_the_training_loss():
    model = tiny_model()
    torch.manual_seed(1)
    x_lab, x_unlab = 0.1 * torch.randn(6, 40, 159), 0.1 * torch.randn(5, 40, 159)
    y = torch.tensor([0, 1, 2, 0, 0, 1])
    per_sample, t1 = m2_loss(model, x_lab, y, x_unlab, alpha=0.4, kl_weight=1.0)
    broadcast, t2 = m2_loss(model, x_lab, y, x_unlab, alpha=0.4, kl_weight=1.0,
                            classification="broadcast")
    probs = model.classify(x_lab).detach()
    ce_b = classification_loss(probs, torch.eye(3)[y], "broadcast").item()
    assert t2["classification"] == pytest.approx(ce_b, rel=1e-5)
    assert (broadcast - per_sample).item() == pytest.approx(
        0.4 * (ce_b - t1["classification"]), rel=1e-4)
    broadcast.backward()  # it trains: gradients reach the classifier
    assert model.classifier.dense.weight.grad.abs().sum() > 0
    objective = M2Objective.from_config(model, TRAINING.load([str(TRAINING_PRESET)]))
    assert (objective.classification, objective.pairing, objective.valid_drop_last) == (
        "broadcast", "published", True)


def test_validation_drops_the_last_partial_batch_only_when_asked():
    model = tiny_model()
    torch.manual_seed(2)
    poses = 0.1 * torch.randn(60, 159)
    starts, labels = np.arange(10), np.arange(10) % 3
    loader = WindowLoader(poses, starts, labels, seq_len=40, batch_size=4)  # 4 + 4 + 2
    windows = poses[torch.arange(10)[:, None] + torch.arange(40)]

    def by_hand(n_batches: int) -> float:  # size-weighted mean of each batch's J
        torch.manual_seed(7)  # z's noise: the same draws as validate's, batch by batch
        totals = [m2_loss(model, windows[b:b + 4], torch.as_tensor(labels[b:b + 4]),
                          windows[b:b + 4], 0.3, 1.0)[1]["total"]
                  for b in range(0, 4 * n_batches, 4)]
        sizes = [len(windows[b:b + 4]) for b in range(0, 4 * n_batches, 4)]
        return float(np.average(totals, weights=sizes))

    torch.manual_seed(7)
    kept = validate(M2Objective(model, 1.0), loader, 0.3, torch.device("cpu"))
    torch.manual_seed(7)
    dropped = validate(M2Objective(model, 1.0, valid_drop_last=True), loader, 0.3,
                       torch.device("cpu"))
    assert kept["total"] == pytest.approx(by_hand(3), rel=1e-5)
    assert dropped["total"] == pytest.approx(by_hand(2), rel=1e-5)
    # The paper split at batch 80: 400 of 470 valid, 7,360 of 7,428 training windows.
    assert whole_batches(470, 80, "drop") == 400 and whole_batches(7428, 80, "drop") == 7360
    assert whole_batches(470, 80, "keep") == 470


# ----------------------------------------------------------------------------- ratio split

def test_ratio_split_published_rule_floors_and_shuffles_only_when_asked():
    n_frames, seq_len = 1040, 40  # 1,000 windows
    starts = np.arange(0, 1000, 2)  # every other window labelled
    classes = starts % 3
    # train_test_split with test_size 0.1 of 1000: 100 test, 900 train
    frac = 0.1007  # 900 * frac = 90.63 labelled: floor 90, round 91
    published = ratio_split(starts, classes, n_frames, seq_len, 0.9, frac, "published",
                            shuffle=False)
    np.testing.assert_array_equal(published.train_unlab, np.arange(900))  # no shuffle: in order
    np.testing.assert_array_equal(published.test_unlab, np.arange(975, 1000))  # last quarter
    assert len(published.train_lab) == 90
    # the published loop un-labels the first ones in order, so the last 90 keep their label
    np.testing.assert_array_equal(published.train_lab, np.arange(0, 900, 2)[-90:])
    shuffled = ratio_split(starts, classes, n_frames, seq_len, 0.9, frac, "published",
                           shuffle=True)
    intended = ratio_split(starts, classes, n_frames, seq_len, 0.9, frac)
    assert len(shuffled.train_lab) == 90 and len(intended.train_lab) == 91
    np.testing.assert_array_equal(np.sort(shuffled.train_unlab), np.sort(intended.train_unlab))
    assert not np.array_equal(shuffled.train_unlab, np.arange(900))


# ----------------------------------------------------------------------------- dense tiles

def plane_by_svd(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and top-2 axes of z by an SVD, each axis's largest entry made positive."""
    centre = z.mean(axis=0)
    _, _, vt = np.linalg.svd(z - centre, full_matrices=False)
    axes = vt[:2]
    return centre, axes * np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])[:, None]


def reference_dense_tiles(z, y, settings: TileSettings) -> list[set]:
    """The reference code's rule, tile by tile: open intervals, one grid per label."""
    b = settings.grid_bound
    counts = []
    for k, s in enumerate(settings.tile_sizes):
        centre, axes = plane_by_svd(z[y == k])
        p = (z[y == k] - centre) @ axes.T
        n = int(np.rint(2 * b / s))
        lo_x = np.array([-b + i * s for i in range(n)])
        lo_y = np.array([-b + s + j * s for j in range(n)])  # the y grid is shifted by a side
        in_x = (p[None, :, 0] > lo_x[:, None]) & (p[None, :, 0] < lo_x[:, None] + s)
        in_y = (p[None, :, 1] > lo_y[:, None]) & (p[None, :, 1] < lo_y[:, None] + s)
        counts.append(in_x.astype(int) @ in_y.T.astype(int))  # (n, n) [column, row]
    dense = []
    for k, c in enumerate(counts):
        found = set()
        for i in range(len(c)):
            for j in range(len(c)):
                everyone = sum(other[i, j] for other in counts
                               if i < len(other) and j < len(other))
                share = c[i, j] / everyone if everyone else 0.0
                if share > settings.density_thresholds[k] and c[i, j] > settings.min_counts[k]:
                    found.add((i, j))
        dense.append(found)
    return dense


def test_published_tile_rule_matches_a_tile_by_tile_count():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [300, 250, 200])
    z = rng.normal(size=(len(y), 5)) * np.array([0.4, 0.3, 0.05, 0.05, 0.05])
    z[:, 0] += 0.2 * y  # labels overlap heavily
    settings = TileSettings(grid_bound=2.0, rule="published")
    expected = reference_dense_tiles(z, y, settings)
    tiles = find_dense_tiles(z, y, settings)
    for k, t in enumerate(tiles):
        size = settings.tile_sizes[k]
        found = {(int(np.rint((cx + 2.0) / size)), int(np.rint((cy + 2.0) / size)) - 1)
                 for cx, cy in t.corners}
        assert found == expected[k] and len(found) > 0
        # every corner's tile holds its count of the label's own points, strictly inside
        p = t.project(z[y == k])
        for (cx, cy), count in zip(t.corners, t.counts):
            inside = ((p[:, 0] > cx) & (p[:, 0] < cx + size) & (p[:, 1] > cy)
                      & (p[:, 1] < cy + size))
            assert inside.sum() == count
    # The labels overlap, so in one plane no tile holds 75 % of one label: the literal rule
    # finds far fewer dense tiles than the published one.
    literal = find_dense_tiles(z, y, TileSettings(grid_bound=2.0))
    assert sum(len(t.corners) for t in literal) * 5 < sum(len(t.corners) for t in tiles)


def test_refit_every_iteration_encodes_fits_and_searches_anew():
    calls = []
    ctx = SimpleNamespace(
        eval_cfg=SimpleNamespace(tile_fit="every_iteration", seed=3), tiles="shared",
        check_label_counts=lambda: None,
        encode_tile_windows=lambda seed: calls.append(seed) or f"codes {seed}",
        find_tiles=lambda codes: f"tiles of {codes}")
    tiles = iteration_tiles(ctx, 4)
    seeds = [refit_seed(3, i) for i in range(4)]
    assert calls == seeds and len(set(seeds)) == 4
    assert tiles == [f"tiles of codes {s}" for s in seeds]
    ctx.eval_cfg.tile_fit = "once"
    assert iteration_tiles(ctx, 4) == ["shared"] * 4 and len(calls) == 4


def test_new_noise_on_one_posterior_is_a_fresh_encoding():
    model = tiny_model()
    x, y = 0.1 * torch.randn(50, 40, 159), torch.arange(50) % 3
    params = posterior_params(model, x, y, batch_size=16)
    for seed in (0, 1):
        eps = torch.randn((50, 4), generator=torch.Generator().manual_seed(seed))
        fresh = encode_windows(model, x, y, batch_size=16, eps=eps)  # the encoder run again
        assert torch.equal(sample_codes(params, eps), fresh)  # same batches: the same floats


# ----------------------------------------------------------------------------- AJD, entanglement

def test_running_sum_ajd_against_a_running_sum():
    d = np.array([1.0, 2.0, 3.0, 4.0])
    assert running_sum_ajd(d) == pytest.approx((4 * 1 + 3 * 2 + 2 * 3 + 1 * 4) / 16)
    rng = np.random.default_rng(1)
    d = rng.random(296)
    running, total = 0.0, 0.0
    for value in d:  # accumulate the running sum of the AJDs, then average it
        running += value / len(d)
        total += running
    assert running_sum_ajd(d) == pytest.approx(total / len(d))
    assert running_sum_ajd(np.ones(296)) == pytest.approx(297 / 592)  # 0.50x the true mean
    row = paper_table_row("m", 0.789, {"quantitative": {"ajd": {"test": 0.04},
                                                        "ajd_running_sum": {"test": 0.02}}})
    assert row["AJD test (mean)"] == 0.04 and row[RUNNING_SUM_COLUMN] == 0.02
    assert "AJD test" in paper_table_row("m", 0.789, {"quantitative": {"ajd": {"test": 0.04}}})


def test_entanglement_frobenius_is_the_norm_of_the_whole_difference():
    model = tiny_model()
    frobenius = entanglement_distances(model, n_draws=3, seed=5, distance="frobenius")
    per_marker = entanglement_distances(model, n_draws=3, seed=5)
    z = torch.randn((3, 4), generator=torch.Generator().manual_seed(5))
    for draw in range(3):
        a, c = decode(model, z[draw:draw + 1], 0)[0], decode(model, z[draw:draw + 1], 2)[0]
        by_hand = math.sqrt(sum(float(v) ** 2 for v in (a - c).flatten()))
        assert frobenius[draw, 1] == pytest.approx(by_hand, rel=1e-5)  # pair (0, 2)
    assert (frobenius > 10 * per_marker).all()  # 53 markers x 40 frames: a much larger scale


# ----------------------------------------------------------------------------- threads

def test_parts_are_whole_batches_whatever_the_workers():
    for workers in (1, 2, 3, 4, 16):
        bounds = part_bounds(1000, workers, 64)
        assert bounds[0] == 0 and bounds[-1] == 1000
        assert all(b % 64 == 0 for b in bounds[1:-1])
    assert list(part_bounds(10, 4, 64)) == [0, 10]


@pytest.fixture(scope="module")
def run_root(tmp_path_factory) -> Path:
    """Synthetic data, saved_models/tiny trained by main.py, and a cached FID classifier."""
    # trained as the reference code trains: broadcast CE, its pairing, valid drop_last
    return train_tiny_run(tmp_path_factory.mktemp("published_code"), 3000,
                          str(TRAINING_PRESET), "--run_name=tiny")


def data_args(root: Path) -> list[str]:
    return synthetic_data_args(root / "data")


def evaluate(*args: str) -> dict:
    """main_eval's debug preset on saved_models/tiny, small batches so that parts split them."""
    switches = ["--qualitative_generation=False", "--reconstruction=False",
                "--blind_export=False", "--blind_accuracy=False", "--latent_space=False"]
    return main_eval.main([str(ROOT / "configs" / "eval_debug.py"), *args,
                           "--load_from_checkpoint=tiny", "--results_root=results/debug",
                           "--batch_size=32", "--stat_sampling_size=2", "--name=threads",
                           *switches])


def metrics_text(root: Path) -> str:
    """metrics.json of the last evaluate(), less its timings, its cpu_threads and whether the
    FID classifier was trained now or read from its cache (the first run trains it)."""
    metrics = json.loads((root / "results" / "debug" / "threads" / "metrics.json").read_text())
    metrics.pop("timing_s")
    metrics["quantitative"]["fid_classifier"].pop("trained_now")
    metrics["eval_config"].pop("cpu_threads")
    return json.dumps(metrics, sort_keys=True)


def test_same_metrics_json_on_1_2_and_4_threads(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    config = json.loads((run_root / "saved_models" / "tiny" / "config.json").read_text())
    assert config["classification_loss"] == "broadcast"  # the preset reached training
    threads = torch.get_num_threads()
    try:
        evaluate("--cpu_threads=1")  # trains and caches the FID classifier
        default = [metrics_text(run_root)]
        evaluate("--cpu_threads=4")
        default.append(metrics_text(run_root))
        published = []
        for n in (1, 2, 4):  # every reference-code behaviour, the refit in each iteration too
            evaluate(str(EVAL_PRESET), f"--cpu_threads={n}")
            published.append(metrics_text(run_root))
    finally:
        torch.set_num_threads(threads)
    assert default[0] == default[1]
    assert published[0] == published[1] == published[2]
    assert '"tile_rule": "published"' in published[0] and '"n_dense_tiles"' in published[0]
    assert '"kind": "frobenius"' in published[0]


# ----------------------------------------------------------------------------- checkpoints

def test_published_checkpoints_by_name_and_never_on_the_other_split(run_root, monkeypatch):
    monkeypatch.chdir(run_root)
    ckpt = torch.load(run_root / "saved_models" / "tiny" / "last.pt", weights_only=True)
    published = {k: ckpt[k] for k in PUBLISHED_KEYS}
    torch.save(published, run_root / "saved_models" / "checkpoint_pirounet_watch.pt")
    torch.save(published, run_root / "model.pt")
    found = load_checkpoint("checkpoint_pirounet_watch")
    assert Path(found["path"]) == Path("saved_models/checkpoint_pirounet_watch.pt")
    eval_cfg = EVALUATION.load()
    # main_eval lets the published name through to load_checkpoint, as main.py does
    check_run(eval_cfg.replace(load_from_checkpoint="checkpoint_pirounet_watch"), [])
    with pytest.raises(CheckpointError, match="no run saved_models/checkpoint_pirounet_x"):
        check_run(eval_cfg.replace(load_from_checkpoint="checkpoint_pirounet_x"), [])
    watch = training_config(eval_cfg, found)
    assert watch.fraction_label == 0.92  # its name says watch
    with pytest.raises(EvalError, match="named as a PirouNet_watch checkpoint"):
        training_config(eval_cfg.replace(published_model="dance"), found)
    unnamed = {**published, "path": "model.pt", "config": None}
    with pytest.raises(EvalError, match="--published_model=dance"):
        training_config(eval_cfg, unnamed)
    assert training_config(eval_cfg.replace(published_model="dance"),
                           unnamed).fraction_label == 0.789
    # an explicit fraction_label in train_overrides is the user's own choice
    chosen = eval_cfg.replace(train_overrides=("--fraction_label=0.5",))
    assert training_config(chosen, unnamed).fraction_label == 0.5
