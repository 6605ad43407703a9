"""Helpers several test modules share (importable because pytest puts tests/ on sys.path)."""
from pathlib import Path

import pytest

import main
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

ROOT = Path(__file__).resolve().parents[1]

# learn2dance override file for tests: 6 synthetic songs of 6 s, 6 moves, one CPU thread.
LEARN2DANCE_TINY = """
data_dir = "data/l2d"
cache_dir = "data/l2d/cache"
synthetic_songs = 6
synthetic_seconds = 6.0
split_fractions = (0.5, 0.17, 0.33)
n_moves = 6
device = "cpu"
cpu_threads = 1
progress = False
wandb_mode = "disabled"
"""


def data_args(folder: Path) -> list[str]:
    """Settings that point a PirouNet config at the synthetic recordings in folder."""
    return [f"--data_pattern={folder}/mariel_*.npy",
            f"--labels_path={folder}/labels_from_app.csv"]


def train_tiny_run(root: Path, frames: int, *args: str) -> Path:
    """Synthetic data in root/data and saved_models/tiny trained by main.py in root.

    args go after configs/tiny.py (override files and --key=value).
    """
    write_synthetic_dataset(root / "data", seed=0, frames=frames, n_files=2)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        main.main([str(ROOT / "configs" / "tiny.py"), *args, *data_args(root / "data")])
    return root
