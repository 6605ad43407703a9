"""Benchmark: PirouNet on real dance, the 15 recordings of Tang et al. (2018), measured.

    python benchmarks/pirounet_real_dance.py DATA_DIR [--workdir DIR] [--seed 0]
        [--train-arg=--epochs=20 ...] [--figure docs/pirounet_real_dance.png]

DATA_DIR holds the DANCE_<style>_<n>/ folders of Tang, Jia and Mao, "Dance with Melody: An
LSTM-autoencoder Approach to Music-oriented Dance Synthesis" (ACM MM 2018), 25 fps release of
github.com/mhy12345/Music-to-Dance-Motion-Synthesis (skeletons.json, 23 joints). In a fresh
working folder (a temp dir unless --workdir) it runs:

  1. machine labels: the kinematic effort meter's Time classes on a third of the 40-frame
     blocks (the paper's hand-labelled share), pirounet.systems.pirounet.machine_labels;
  2. python main.py configs/quickstart.py configs/quickstart_real_dance.py + the data and
     labels (the skeleton, 23 joints x 3 values a pose and 25 fps come with the data);
  3. python main_eval.py configs/eval_quickstart.py on that run;

then prints the three headline figures against their targets (valid reconstruction AJD /
mean-pose AJD <= 0.5; conditional dances rated as asked by the meter >= 0.6; generated /
real diversity >= 0.5), the wall and CPU seconds of each step (CPU: this process and its
children; on a shared machine wall time is inflated by the others' load), and draws a PNG of
real frames, their reconstruction and a conditional dance per label (--figure).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RUN = "real_dance"
LABELS = "labels_machine_meter.csv"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(step, *args) -> tuple[float, float]:
    """(wall, CPU) seconds of step(*args)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    step(*args)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def run(args: list[str], workdir: Path) -> None:
    """One entry point of this checkout, in workdir."""
    env = {**os.environ, "WANDB_MODE": os.environ.get("WANDB_MODE", "disabled"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, *args], cwd=workdir, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def machine_labels(data: str, workdir: Path, seed: int) -> None:
    """The meter's labels on a third of the blocks (written in workdir)."""
    run(["-m", "pirounet.systems.pirounet.machine_labels", f"--data_pattern={data}",
         "--share=0.33", f"--seed={seed}", f"--out={workdir / LABELS}"], workdir)


def figure(workdir: Path, out: Path) -> None:
    """Real frames, their reconstruction, and a conditional dance per label, as one PNG."""
    import torch

    from pirounet.systems.pirounet.checkpoint import load_model
    from pirounet.systems.pirounet.data import prepare_data
    from pirounet.systems.pirounet.efforts import class_name
    from pirounet.viz import comic_strip

    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        model, cfg, _ = load_model(RUN, which="last")  # the checkpoint main_eval evaluated
        data = prepare_data(cfg.replace(synthetic_if_missing=False))
    finally:
        os.chdir(cwd)
    starts = data.split.valid_lab if len(data.split.valid_lab) else data.split.train_lab
    pick = int(starts[len(starts) // 2])
    x = data.windows(np.array([pick]))  # (1, T, D)
    y = torch.as_tensor(data.split.valid_y[len(starts) // 2:][:1] if len(
        data.split.valid_lab) else data.split.train_y[len(starts) // 2:][:1])
    with torch.no_grad():
        recon = model(x, y)[0].numpy()  # (1, T, D)
    dances = np.load(workdir / "results" / RUN / "generation" / "conditional.npy")[:, 0]
    rows = [x[0].numpy(), recon[0], *dances]
    names = ["real (valid)", "reconstruction", *[f"asked: {class_name(cfg.effort, k)}"
                                                 for k in range(len(dances))]]
    comic_strip(rows, out, 8, row_titles=names, skeleton=data.skeleton,
                title="Tang et al. 2018 real dance: real, reconstructed, conditional")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder of the DANCE_* folders")
    parser.add_argument("--workdir", type=Path, help="run here instead of in a temp dir")
    parser.add_argument("--seed", type=int, default=0, help="labels' blocks and training seed")
    parser.add_argument("--train-arg", action="append", default=[], help="a main.py setting")
    parser.add_argument("--figure", type=Path, help="write the real/recon/conditional PNG here")
    opts = parser.parse_args()
    data = str(opts.data_dir.resolve() / "DANCE_*")
    if not list(opts.data_dir.glob("DANCE_*/skeletons.json")):
        sys.exit(f"error: {opts.data_dir}: no DANCE_*/skeletons.json folders (Tang et al. 2018)")
    workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="pirounet_real_dance_"))
    workdir.mkdir(parents=True, exist_ok=True)
    train = [str(ROOT / "main.py"), str(ROOT / "configs" / "quickstart.py"),
             str(ROOT / "configs" / "quickstart_real_dance.py"),
             f"--run_name={RUN}", f"--data_pattern={data}", f"--labels_path={workdir / LABELS}",
             "--synthetic_if_missing=False", f"--seed={opts.seed}", "--cpu_threads=1",
             *opts.train_arg]
    evaluate = [str(ROOT / "main_eval.py"), str(ROOT / "configs" / "eval_quickstart.py"),
                f"--load_from_checkpoint={RUN}",
                "--fid_classifier_path=saved_models/fid_classifier/real_dance.pt",
                "--latent_space=False", "--entanglement=False",
                "--blind_export=False", "--blind_accuracy=False", "--cpu_threads=1"]
    times = {"labels": timed(machine_labels, data, workdir, opts.seed),
             "train": timed(run, train, workdir),
             "evaluate": timed(run, evaluate, workdir)}
    metrics = json.loads((workdir / "results" / RUN / "metrics.json").read_text())

    print(f"PirouNet on Tang et al. 2018 (15 real dances, tang23, 25 fps) in {workdir}")
    print("labels: the effort meter's machine labels on 1/3 of the blocks (not a person's)")
    for name, (wall, cpu) in times.items():
        print(f"  {name:<9} wall {wall:7.1f} s   CPU {cpu:7.1f} s")
    total_cpu = sum(cpu for _, cpu in times.values())
    print(f"  {'total':<9} wall {sum(w for w, _ in times.values()):7.1f} s   CPU "
          f"{total_cpu:7.1f} s   (target: <= 900 s on 2 idle cores)")
    print(f"\n{'figure':<30} {'value':>8}   target")
    for name, fig in metrics["headline"].items():
        mark = "pass" if fig["passed"] else "FAIL"
        print(f"{name:<30} {fig['value']:8.3f}   {fig['pass_if']} {fig['target']}  {mark}")
    q = metrics["quantitative"]
    print(f"{'AJD valid / mean pose':<30} {q['ajd']['valid']:.4f} / "
          f"{q['ajd_mean_pose']['valid']:.4f}")
    print(f"{'meter accuracy, real test':<30} "
          f"{q['effort_meter'].get('real_test_accuracy', float('nan')):.3f}")
    if opts.figure:
        figure(workdir, opts.figure)
        print(f"wrote {opts.figure}")
    if opts.workdir is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
