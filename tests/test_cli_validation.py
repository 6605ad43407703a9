"""A bad setting or label file ends main.py / main_eval.py in one `error:` line, writing nothing.

The entry points run as subprocesses in an empty working directory, as a user runs them.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")


def entry(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run python <script> args in cwd with wandb disabled."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    environ["WANDB_MODE"] = "disabled"
    return subprocess.run([sys.executable, str(REPO / script), *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=300)


def the_error(proc: subprocess.CompletedProcess, cwd: Path) -> str:
    """The one `error: ...` line (rc 1, no traceback); nothing was written in cwd."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and proc.stderr.strip().endswith(errors[0]), proc.stderr
    assert not (cwd / "saved_models").exists() and not (cwd / "results").exists()
    return errors[0]


@pytest.mark.parametrize("arg, says", [
    ("--split=foo", "split='foo' is not allowed: it must be one of 'paper', 'ratio', 'blocks'"),
    ("--device=tpu", "device='tpu' is not allowed: it must be 'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ("--batch_size=0", "batch_size=0 is not allowed: it must be >= 1"),
    ("--epochs=None", "'epochs' may not be None: it expects int"),
    ("--run_name=../elsewhere", "run_name='../elsewhere' is not allowed: it must be a plain"),
])
def test_main_refuses_a_bad_setting_in_one_line(tmp_path, arg, says):
    assert says in the_error(entry("main.py", TINY, arg, cwd=tmp_path), tmp_path)
    assert list(tmp_path.iterdir()) == []  # not even the synthetic dancer


def test_main_refuses_a_label_file_of_only_na_rows(tmp_path):
    data = tmp_path / "d"
    write_synthetic_dataset(data, seed=0, frames=3000, n_files=2)
    labels = data / "labels_from_app.csv"
    rows = labels.read_text().splitlines()
    labels.write_text("".join(f"{row.split(',')[0]},4,4\n" for row in rows
                              if row[:1].isdigit()))
    proc = entry("main.py", TINY, f"--data_pattern={data}/mariel_*.npy",
                 f"--labels_path={labels}", cwd=tmp_path)
    error = the_error(proc, tmp_path)
    assert f"label file {labels}" in error and "N/A" in error


@pytest.mark.parametrize("arg, says", [
    ("--batch_size=0", "batch_size=0 is not allowed: it must be >= 1"),
    ("--tile_sizes=(0.1,)", "tile_sizes=(0.1,) is not allowed: it must be 3 entries"),
    ("--checkpoint=first", "checkpoint='first' is not allowed"),
])
def test_main_eval_refuses_a_bad_setting_in_one_line(tmp_path, arg, says):
    assert says in the_error(entry("main_eval.py", arg, cwd=tmp_path), tmp_path)


def test_fid_classifier_refuses_a_bad_setting_in_one_line(tmp_path):
    environ = {**os.environ, "WANDB_MODE": "disabled", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "pirounet.systems.pirounet.fid_classifier",
                           "--batch_size=0"],
                          cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=300)
    assert "batch_size=0 is not allowed" in the_error(proc, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_synthetic_data_with_labels_path_elsewhere_is_a_data_error(tmp_path, monkeypatch):
    import pirounet.systems.pirounet.data.synthetic as synthetic
    from pirounet.systems.pirounet.data import DataError, ensure_recordings
    from pirounet.systems.pirounet.settings import TRAINING

    monkeypatch.setattr(synthetic, "write_synthetic_dataset", lambda out, seed: None)
    cfg = TRAINING.load([f"--data_pattern={tmp_path}/mariel_*.npy",
                                       f"--labels_path={tmp_path}/elsewhere/labels.csv"])
    with pytest.raises(DataError, match="labels_path=.* is elsewhere"):
        ensure_recordings(cfg)
