"""Time a PirouNet training step at the paper's sizes against bare LSTMs of the same shapes.

    python benchmarks/train_step.py [--steps 200] [--threads 2] [--data DIR]

A step is what main.py does per batch: gather 80 labelled + 80 unlabelled windows, the M2
loss (one encoder/decoder pass over 80 + 3 x 80 = 320 sequences, one classifier pass),
backward and Adam. The baseline is the LSTM work alone: encoder LSTM(162 -> 100, 5 layers)
and decoder LSTM(100 -> 100, 4 layers) + LSTM(100 -> 159), forward and backward over the
same 320 sequences of 40 poses. One baseline step runs after every --bare_every model steps,
so both medians see the same machine load. Data: the full-size synthetic dancer (38,309
frames), written to a temporary folder unless --data names a folder of recordings.

Prints the median step time, the baseline time, their ratio, and the resident memory after
1 and after --steps steps (current RSS from /proc/self/statm, raw and after malloc_trim,
and the peak from getrusage, which includes writing and preparing the data).
Targets: ratio <= 1.10, RSS after --steps within 5 % of RSS after 1 step, peak <= 1.5 GB.
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pirounet.systems.pirounet.data import cycle, prepare_data  # noqa: E402
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset  # noqa: E402
from pirounet.systems.pirounet.model import ModelConfig, PirouNet  # noqa: E402
from pirounet.systems.pirounet.model.objective import alpha_from_batches  # noqa: E402
from pirounet.systems.pirounet.settings import TRAINING  # noqa: E402
from pirounet.systems.pirounet.training import M2Objective, train_step  # noqa: E402

LIBC = ctypes.CDLL(ctypes.util.find_library("c"))


def rss_mb(trim: bool = False) -> float:
    """Current resident memory in MB (/proc/self/statm); trim: after glibc's malloc_trim.

    Freed activations stay in malloc's pools for a while, so the raw RSS swings by ~50 MB
    from step to step; after malloc_trim(0) it counts live memory only, which shows a leak.
    """
    if trim and hasattr(LIBC, "malloc_trim"):
        LIBC.malloc_trim(0)
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (getrusage; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


class BareLSTMs(nn.Module):
    """The paper model's LSTMs alone: encoder 5 x 100 on 162 inputs, decoder 4 x 100 + 1 x 159."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(162, 100, num_layers=5, batch_first=True)
        self.decoder = nn.LSTM(100, 100, num_layers=4, batch_first=True)
        self.decoder_out = nn.LSTM(100, 159, num_layers=1, batch_first=True)

    def step(self, x: torch.Tensor, h: torch.Tensor) -> float:
        """Forward and backward over x (N, 40, 162) and h (N, 40, 100); returns seconds."""
        tic = time.perf_counter()
        _, (h_n, _) = self.encoder(x)  # h_n: (5, N, 100)
        out, _ = self.decoder_out(self.decoder(h)[0])  # (N, 40, 159)
        (h_n[-1].sum() + out.sum()).backward()
        self.zero_grad(set_to_none=True)
        return time.perf_counter() - tic


def paper_config(data_dir: Path, seed: int):
    """The published PirouNet_dance settings, reading recordings from data_dir."""
    return TRAINING.load([
        f"--data_pattern={data_dir}/mariel_*.npy", f"--labels_path={data_dir}/labels_from_app.csv",
        f"--seed={seed}", "--synthetic_if_missing=False"])


def benchmark(data_dir: Path, steps: int, bare_every: int, seed: int) -> dict[str, float]:
    """Run `steps` training steps with interleaved baseline steps; returns the figures."""
    cfg = paper_config(data_dir, seed)
    torch.manual_seed(seed)
    data = prepare_data(cfg)
    unlabelled = data.loader("train", cfg, labelled=False)
    labelled = data.loader("train", cfg)
    alpha = alpha_from_batches(cfg.alpha_scale, len(unlabelled), len(labelled))
    model = PirouNet(ModelConfig.from_config(cfg))
    objective = M2Objective(model, cfg.kl_weight, cfg.unlabelled_pairing)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate, betas=cfg.adam_betas)
    bare = BareLSTMs()
    n = cfg.batch_size * (1 + cfg.label_dim)  # 320 sequences through encoder and decoder
    bare_x, bare_h = torch.randn(n, cfg.seq_len, 162), torch.randn(n, cfg.seq_len, 100)

    batches = zip(cycle(unlabelled), cycle(labelled))
    step_times, bare_times = [], []
    for i in range(1, steps + 1):
        tic = time.perf_counter()
        (x_u, _), (x_l, y_l) = next(batches)
        train_step(objective, optimizer, x_l, y_l, x_u, alpha, cfg.grad_clip)
        step_times.append(time.perf_counter() - tic)
        if i == 1:
            rss_1, live_1, peak_1 = rss_mb(), rss_mb(trim=True), peak_rss_mb()
        if i % bare_every == 0:
            bare_times.append(bare.step(bare_x, bare_h))
        if i % 20 == 0:
            print(f"  step {i}/{steps}: median so far {statistics.median(step_times):.3f} s",
                  flush=True)
    step, bare_step = statistics.median(step_times), statistics.median(bare_times)
    return {"step_s": step, "bare_s": bare_step, "ratio": step / bare_step,
            "rss_1_mb": rss_1, "live_1_mb": live_1, "peak_1_mb": peak_1, "rss_n_mb": rss_mb(),
            "live_n_mb": rss_mb(trim=True), "peak_n_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, prepare the data and print the benchmark figures."""
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps to time")
    parser.add_argument("--bare_every", type=int, default=10, help="a baseline step every N")
    parser.add_argument("--threads", type=int, default=cores, help="torch CPU threads")
    parser.add_argument("--data", type=Path, help="folder of mariel_*.npy + labels_from_app.csv")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s) of {cores} core(s), "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="pirounet-bench-") as tmp:
        data_dir = args.data or Path(tmp)
        if args.data is None:
            write_synthetic_dataset(data_dir, seed=args.seed)
        r = benchmark(data_dir, args.steps, args.bare_every, args.seed)
    print(f"training step (80 labelled + 80 unlabelled), median: {r['step_s']:.3f} s")
    print(f"bare LSTM forward + backward, same shapes, median: {r['bare_s']:.3f} s")
    print(f"ratio step / bare LSTM: {r['ratio']:.3f}  (target <= 1.10)")
    for when, key in (("1 step", "1"), (f"{args.steps} steps", "n")):
        print(f"RSS after {when}: {r[f'live_{key}_mb']:.0f} MB live after malloc_trim "
              f"(raw {r[f'rss_{key}_mb']:.0f} MB, peak {r[f'peak_{key}_mb']:.0f} MB)")
    print(f"RSS change: {100 * (r['live_n_mb'] / r['live_1_mb'] - 1):+.1f} % live, "
          f"{100 * (r['rss_n_mb'] / r['rss_1_mb'] - 1):+.1f} % raw  (target within 5 %; "
          f"peak {r['peak_n_mb']:.0f} MB, target <= 1500 MB)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
