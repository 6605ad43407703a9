"""Benchmark: main_eval's quantitative metrics on a paper-size model; wall time and peak RSS.

    python benchmarks/eval.py [--sizes 1 10] [--published-sizes 10] [--threads 0] [--keep]

Setup (not timed): the full-size synthetic set (6 files, ~38,300 frames) is written to a
temp dir, a randomly initialised PirouNet_dance-size model (1,652,311 parameters) is saved
there as a checkpoint of our format, and the FID classifier is trained for one epoch
and cached: its training is EXCLUDED from the timed runs (its quality does not change their
cost). Timed: one `python main_eval.py` process per stat_sampling_size, with the paper's
settings (10 generations per label, dense tiles (0.1, 0.2, 0.4), 200 diversity pairs, 70
multimodality pairs) and the paper's quantitative block switched on: FID, diversity and
multimodality of generated and real data, AJD on train / valid / test, accuracy on valid /
test, plus the new metrics (kinetic / geometric FID, bones, effort, novelty). Everything
else is off. Each process is timed from start to exit (imports and data preparation
included); its CPU time (user + system) and peak RSS come from os.wait4. On a machine that
other jobs share, wall time grows with their load; CPU time / cores is the idle-machine bound.

The same block is then timed under the published-code preset (configs/eval_published_code.py:
the reference code's tile rule, and encoding + PCA + tile search redone in every bootstrap
iteration, the test AJD's running sum, partial batches dropped), for --published-sizes.

Targets on a 2-core CPU, stat_sampling_size = 10: <= 20 s for the default evaluation, <= 60 s
for the published-code preset. The published code took 86 s for 1 iteration, 225 s for 3 and
about 12 min for 10, with a 4 GB peak.

Measured on 2 cores shared with other jobs (load average 2.5-3.4), stat_sampling_size = 10:
default 10.6-13.3 s wall (13.4-13.7 s CPU), published-code preset 11.0-14.2 s wall (13.7-14.1 s
CPU), peak RSS 1.2-1.4 GB; dense tiles 18/22/22 (default rule) and 200/291/198 (the reference
code's rule) on the random-weight model. The refit costs little: the encoder's mean and
log-variance are computed once, and each iteration draws new noise, fits three 2-D PCAs and
searches the tiles with bincounts.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_NAME = "bench"
FID_CLASSIFIER = "saved_models/fid_classifier/bench.pt"
PUBLISHED_PRESET = ROOT / "configs" / "eval_published_code.py"


def prepare(workdir: Path) -> list[str]:
    """Write data, checkpoint and cached FID classifier; returns the data overrides."""
    import torch

    from pirounet.run.checkpoint import save_checkpoint
    from pirounet.run.checkpoint import make_checkpoint
    from pirounet.systems.pirounet.data import prepare_data
    from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
    from pirounet.systems.pirounet.model import ModelConfig, PirouNet
    from pirounet.systems.pirounet.fid_classifier import (FidClassifierSettings,
                                                          get_or_train_fid_classifier)
    from pirounet.systems.pirounet.settings import TRAINING

    data = workdir / "data"
    write_synthetic_dataset(data, seed=0)
    overrides = [f"--data_pattern={data}/mariel_*.npy",
                 f"--labels_path={data}/labels_from_app.csv", f"--run_name={RUN_NAME}"]
    cfg = TRAINING.load(overrides)
    torch.manual_seed(cfg.seed)
    model = PirouNet(ModelConfig.from_config(cfg))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    metrics = {"train/total": 0.0, "train/accuracy": 0.0, "valid/total": 0.0,
               "valid/accuracy": 0.0}
    ckpt = make_checkpoint("pirounet", 0, {"model": model}, {"optimizer": optimizer}, metrics,
                           cfg.to_dict(), 0.0, [], None)
    save_checkpoint(workdir / "saved_models" / RUN_NAME / "last.pt", ckpt)
    dataset = prepare_data(cfg)
    get_or_train_fid_classifier(cfg, dataset, workdir / FID_CLASSIFIER,
                                FidClassifierSettings(epochs=1), log=lambda _: None)
    print(f"setup (not timed): {len(dataset.poses)} frames, split {dataset.split.sizes()}; "
          f"FID classifier trained for 1 epoch and cached at {FID_CLASSIFIER}")
    return overrides


def timed_eval(workdir: Path, stat_sampling_size: int, threads: int,
               name: str, presets: tuple[str, ...] = ()) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak RSS (MB) of one main_eval process.

    presets: eval override files that come first (their results_root is set back to results/).
    """
    args = [sys.executable, str(ROOT / "main_eval.py"), *presets,
            f"--load_from_checkpoint={RUN_NAME}", "--results_root=results",
            f"--fid_classifier_path={FID_CLASSIFIER}", f"--stat_sampling_size={stat_sampling_size}",
            f"--name={name}", f"--cpu_threads={threads}",
            "--n_per_label=10", "--quantitative=True", "--classification=True",
            "--qualitative_generation=False", "--reconstruction=False", "--latent_space=False",
            "--entanglement=False", "--blind_export=False", "--blind_accuracy=False"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WANDB_MODE": "disabled"}
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"main_eval failed:\n{stderr[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KB


def main() -> None:
    """Set up once, then time main_eval for each stat_sampling_size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10],
                        help="stat_sampling_size values to time")
    parser.add_argument("--published-sizes", type=int, nargs="*", default=[10],
                        help="stat_sampling_size values to time under the published-code preset")
    parser.add_argument("--threads", type=int, default=0, help="cpu_threads (0 = all cores)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and print it")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="pirounet_eval_bench_") if args.keep else None
    with tempfile.TemporaryDirectory(prefix="pirounet_eval_bench_") as scratch:
        workdir = Path(tmp or scratch)
        prepare(workdir)
        print(f"load average before timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        runs = ([("default", size, ()) for size in args.sizes]
                + [("published-code", size, (str(PUBLISHED_PRESET),))
                   for size in args.published_sizes])
        for kind, size, presets in runs:
            name = f"{kind}_ss{size}"
            wall, cpu, rss = timed_eval(workdir, size, args.threads, name, presets)
            metrics = json.loads((workdir / "results" / name / "metrics.json").read_text())
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in metrics["timing_s"].items())
            tiles = metrics.get("conditional_generation", {})
            dense = "/".join(str(v["n_dense_tiles"]) for v in tiles.values()
                             if isinstance(v, dict))
            print(f"{kind:>14} stat_sampling_size={size:>3}: wall {wall:6.1f} s, CPU {cpu:6.1f} "
                  f"s, peak RSS {rss:6.0f} MB ({parts}; dense tiles {dense})")
        if tmp:
            print(f"kept {workdir}")
    print("targets for stat_sampling_size=10: default <= 20 s, published-code preset <= 60 s "
          "(the reference code: 86 s for 1, ~12 min for 10)")


if __name__ == "__main__":
    main()
