"""Benchmark: the README's quickstart, timed, and its "Does it dance?" figures against targets.

    python benchmarks/quickstart.py [--keep] [--workdir DIR] [--train-arg=--seed=1 ...]

Runs exactly the README's first command after the install, in a fresh working folder (a temp
dir unless --workdir is given), so nothing in this checkout's data/, saved_models/ or results/
is touched:

    python main.py configs/quickstart.py && python main_eval.py configs/eval_quickstart.py

Prints the wall time of each step and the figures that main_eval writes to
results/quickstart/metrics.json under "headline", each next to its target
(pirounet/systems/pirounet/evaluation/diagnosis.py):
- reconstruction AJD on valid windows / the mean-pose baseline's AJD   (target <= 0.35)
- conditional generations rated "as asked" by the effort meter         (target >= 0.9; chance 1/3)
- generated diversity / real-data diversity                            (target >= 0.7)
- label swap: one code decoded with each label, rated as asked         (target >= 0.8)
- dances sampled from the prior: rated as asked, diversity / real      (targets >= 0.8, >= 0.7)
- bone-length variation / real's, first three frames' speed / real's  (<= 3, within 1.3x)
then the label-swap verdict, the judge-free ordering (the share of codes whose end effectors'
90th-percentile acceleration rises from the low to the high label) and the posterior KL (nats),
so a collapsed run shows at once. Target for the whole command, install excluded: well inside
10 minutes on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = (("train", ["main.py", "configs/quickstart.py"]),
         ("evaluate", ["main_eval.py", "configs/eval_quickstart.py"]))


def run_step(args: list[str], workdir: Path, extra: list[str]) -> float:
    """Run one entry point of this checkout with workdir as its working folder; wall seconds."""
    cmd = [sys.executable, str(ROOT / args[0]), *[str(ROOT / a) for a in args[1:]], *extra]
    env = {**os.environ, "WANDB_MODE": os.environ.get("WANDB_MODE", "offline")}
    tic = time.perf_counter()
    subprocess.run(cmd, cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - tic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="run here instead of in a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--train-arg", action="append", default=[],
                        help="a setting for main.py, e.g. --train-arg=--seed=1 (another dancer)")
    opts = parser.parse_args()
    workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="pirounet_quickstart_"))
    workdir.mkdir(parents=True, exist_ok=True)
    extra = {"train": opts.train_arg, "evaluate": []}
    times = {name: run_step(args, workdir, extra[name]) for name, args in STEPS}
    metrics = json.loads((workdir / "results/quickstart/metrics.json").read_text())

    print(f"quickstart in {workdir}")
    for name, seconds in times.items():
        print(f"  {name:<9} {seconds:7.1f} s")
    print(f"  {'total':<9} {sum(times.values()):7.1f} s   (target: well under 600 s)")
    print(f"\n{'figure':<30} {'value':>8}   target")
    for name, fig in metrics["headline"].items():
        mark = "pass" if fig["passed"] else "FAIL"
        print(f"{name:<30} {fig['value']:8.3f}   {fig['pass_if']} {fig['target']}  {mark}")
    swap = metrics["headline"].get("label_swap_as_asked")
    if swap:
        print(f"{'label swap, judge-free order':<30} {swap['ordered']:8.3f}   {swap['verdict']}")
    kl = metrics.get("posterior_kl", {}).get("mean")
    if kl is not None:
        print(f"{'posterior KL (nats)':<30} {kl:8.3f}")
    for warning in metrics.get("warnings", []):
        print(f"warning: {warning}")
    if opts.workdir is None and not opts.keep:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
