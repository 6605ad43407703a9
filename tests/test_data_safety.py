"""Issue 12: nothing a user made is lost or silently wrong (docs/data_safety.md).

Each test fails without its fix. Runs use configs/tiny.py on a small synthetic set (seconds).
"""
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import write_recording
from pirounet.run.checkpoint import CheckpointError, lock_run_folder
from pirounet.vae import train as train_main
from pirounet.vae.data import DataError
from pirounet.vae.data.prepare import ensure_recordings
from pirounet.vae.data.synthetic import SyntheticOverwriteError, write_synthetic_dataset
from pirounet.vae.settings import DEFAULT_CONFIG, load_config

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small synthetic set: 3000 frames in 2 recordings."""
    out = tmp_path_factory.mktemp("data")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return out


def data_args(folder: Path) -> list[str]:
    return [f"--data_pattern={folder}/mariel_*.npy",
            f"--labels_path={folder}/labels_from_app.csv"]


@pytest.fixture(autouse=True)
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def run(folder: Path, *args: str):
    """main.py in `folder` (saved_models/ is relative to the working directory)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        return train_main.main([TINY, *args])


# ---------------------------------------------------------------- A. data loss

def test_a1_synthetic_dancer_never_writes_over_a_users_recordings_or_labels(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_recording(data / "take1.npy", np.random.default_rng(0).normal(size=(200, 55, 3)))
    labels = data / "labels_from_app.csv"
    labels.write_text("0,1,2\n40,2,3\n80,3,1\n")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    cfg = load_config(DEFAULT_CONFIG, [f"--data_pattern={data}/mariel_*.npy",
                                       f"--labels_path={labels}"])
    with pytest.raises(DataError, match=r"take1\.npy.*not written over them.*data_pattern"):
        ensure_recordings(cfg)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before  # nothing added or lost


def test_a1_synthetic_writer_refuses_to_replace_a_differing_file(tmp_path):
    (tmp_path / "labels_from_app.csv").write_text("0,1,2\n")
    with pytest.raises(SyntheticOverwriteError, match="labels_from_app.csv"):
        write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1)
    assert (tmp_path / "labels_from_app.csv").read_text() == "0,1,2\n"
    assert not list(tmp_path.glob("mariel_*.npy"))
    # the same set again is fine (identical bytes), and --overwrite replaces on request
    write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1, overwrite=True)
    write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1)


def test_a1_an_empty_data_folder_still_gets_the_synthetic_dancer(tmp_path, monkeypatch):
    import pirounet.vae.data.synthetic as synthetic

    written = []
    monkeypatch.setattr(synthetic, "write_synthetic_dataset",
                        lambda out, seed: written.append(out) or
                        (Path(out) / "labels_from_app.csv").write_text("0,1,1\n"))
    cfg = load_config(DEFAULT_CONFIG, [f"--data_pattern={tmp_path}/mariel_*.npy",
                                       f"--labels_path={tmp_path}/labels_from_app.csv"])
    ensure_recordings(cfg)
    assert written == [tmp_path]


def _old_run(folder: Path) -> dict[str, bytes]:
    run_dir = folder / "saved_models" / "tiny"
    run_dir.mkdir(parents=True)
    for name in ("best.pt", "last.pt", "epoch_5.pt"):
        (run_dir / name).write_bytes(b"old " + name.encode())
    (run_dir / "history.jsonl").write_text('{"epoch": 1}\n')
    return {p.name: p.read_bytes() for p in run_dir.iterdir()}


def test_a3_overwrite_deletes_nothing_when_the_run_fails_before_its_first_epoch(
        tmp_path, data, monkeypatch):
    old = _old_run(tmp_path)
    with pytest.raises(DataError):  # a typo in labels_path
        run(tmp_path, *data_args(data), "--overwrite=True", f"--labels_path={data}/typo.csv")
    from pirounet.run.tracking import TrackingError

    def no_wandb(*args):
        raise TrackingError("wandb could not start")
    monkeypatch.setattr(train_main, "start_wandb", no_wandb)  # fails after the data checks
    with pytest.raises(TrackingError):
        run(tmp_path, *data_args(data), "--overwrite=True")
    run_dir = tmp_path / "saved_models" / "tiny"
    assert {n: (run_dir / n).read_bytes() for n in old} == old


def test_a4_a_second_run_of_the_same_name_is_refused_while_one_trains(tmp_path, data):
    lock = lock_run_folder(tmp_path / "saved_models" / "tiny")  # a run in progress
    try:
        with pytest.raises(CheckpointError, match=rf"in use by another run \(pid {os.getpid()}\)"):
            run(tmp_path, *data_args(data), "--epochs=1")
        assert not (tmp_path / "saved_models" / "tiny" / "history.jsonl").exists()
    finally:
        lock.release()
    run(tmp_path, *data_args(data), "--epochs=1")  # free again once the other run ends
    assert (tmp_path / "saved_models" / "tiny" / "last.pt").is_file()
