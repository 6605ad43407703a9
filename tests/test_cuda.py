"""The CUDA path, end to end, through the same commands a user types (skipped without a GPU).

Each system trains a tiny run with device="cuda", resumes it, and is evaluated; its checkpoints
load on a CPU-only machine (plain tensors, saved from the unwrapped model). The first training
losses on CUDA match the CPU's within float tolerance, so the device changes speed, not the run.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import LEARN2DANCE_GAN_TINY, LEARN2DANCE_MODEL_TINY, LEARN2DANCE_TINY

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "WANDB_MODE": "disabled", "PYTHONUNBUFFERED": "1"}
L2D_TINY = LEARN2DANCE_TINY + LEARN2DANCE_MODEL_TINY + LEARN2DANCE_GAN_TINY


def run(cwd: Path, *args: str) -> str:
    """Run a repository command in cwd; fail the test with its output if it fails."""
    out = subprocess.run([sys.executable, *args], cwd=cwd, env=ENV, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def first_losses(run_dir: Path) -> dict:
    """The numeric entries of the first history line of a run."""
    line = json.loads((run_dir / "history.jsonl").read_text().splitlines()[0])
    return {k: v for k, v in line.items() if isinstance(v, float) and "time" not in k}


@pytest.fixture(scope="module")
def pirounet_data(tmp_path_factory) -> Path:
    """A folder with the small synthetic PirouNet set in data/."""
    root = tmp_path_factory.mktemp("pirounet_cuda")
    run(REPO, "-m", "pirounet.systems.pirounet.data.synthetic", f"--out={root / 'data'}",
        "--seed=0", "--frames=3000", "--files=2")
    return root


def pirounet_args(root: Path, device: str, run_name: str) -> list[str]:
    return [str(REPO / "main.py"), str(REPO / "configs" / "tiny.py"), f"--device={device}",
            f"--run_name={run_name}", f"--data_pattern={root}/data/mariel_*.npy",
            f"--labels_path={root}/data/labels_from_app.csv"]


def test_pirounet_trains_resumes_and_evaluates_on_cuda(pirounet_data):
    root = pirounet_data
    run(root, *pirounet_args(root, "cuda", "gpu"))
    run(root, *pirounet_args(root, "cuda", "gpu"), "--epochs=3",
        "--resume=True")  # one more epoch
    ckpt = torch.load(root / "saved_models" / "gpu" / "last.pt", map_location="cpu",
                      weights_only=True)
    assert ckpt["epoch"] == 3
    assert all(t.device.type == "cpu" for t in ckpt["model_state_dict"].values())
    run(root, str(REPO / "main_eval.py"), str(REPO / "configs" / "eval_debug.py"),
        "--load_from_checkpoint=gpu", "--device=cuda")
    assert list((root / "results").rglob("metrics.json"))


def test_pirounet_cuda_losses_match_the_cpu(pirounet_data):
    root = pirounet_data
    run(root, *pirounet_args(root, "cpu", "cpu_twin"), "--epochs=1")
    run(root, *pirounet_args(root, "cuda", "gpu_twin"), "--epochs=1")
    cpu = first_losses(root / "saved_models" / "cpu_twin")
    gpu = first_losses(root / "saved_models" / "gpu_twin")
    assert cpu.keys() == gpu.keys() and cpu
    for key in cpu:
        assert gpu[key] == pytest.approx(cpu[key], rel=2e-2, abs=1e-4), key


def test_learn2dance_model_and_gans_on_cuda(tmp_path):
    (tmp_path / "tiny.py").write_text(L2D_TINY + 'device = "cuda"\n')
    main, main_eval = str(REPO / "main.py"), str(REPO / "main_eval.py")
    run(tmp_path, main, "learn2dance", "tiny.py", "--run_name=m2d")
    run(tmp_path, main, "learn2dance", "tiny.py", "--run_name=m2d", "--epochs=3",
        "--resume=True")
    run(tmp_path, main_eval, "learn2dance", "--load_from_checkpoint=m2d",
        "--bootstrap_iterations=2", "--animation=none")
    run(tmp_path, main, "learn2dance", "tiny.py", "--model=pose_gan", "--run_name=pg")
    run(tmp_path, main, "learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=pg",
        "--run_name=sg")
    run(tmp_path, main_eval, "learn2dance", "--load_from_checkpoint=sg",
        "--bootstrap_iterations=2")
    for name in ("m2d", "pg", "sg"):
        ckpt = torch.load(tmp_path / "saved_models" / name / "last.pt", map_location="cpu",
                          weights_only=True)
        assert ckpt["system"] == "learn2dance"
