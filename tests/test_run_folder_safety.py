"""One run per run folder; --overwrite deletes nothing early (docs/data_safety.md).

Each test fails without its fix. Runs use configs/tiny.py on a small synthetic set (seconds).
"""
import os
from pathlib import Path

import pytest
import torch
from helpers import data_args, run

from pirounet.run import lifecycle
from pirounet.run.checkpoint import CheckpointError, lock_run_folder
from pirounet.systems.pirounet import train as train_main
from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("keep_threads")


def _old_run(folder: Path) -> dict[str, bytes]:
    run_dir = folder / "saved_models" / "tiny"
    run_dir.mkdir(parents=True)
    for name in ("best.pt", "last.pt", "epoch_5.pt"):
        (run_dir / name).write_bytes(b"old " + name.encode())
    (run_dir / "history.jsonl").write_text('{"epoch": 1}\n')
    return {p.name: p.read_bytes() for p in run_dir.iterdir()}


def test_overwrite_deletes_nothing_when_the_run_fails_before_its_first_epoch(
        tmp_path, data, monkeypatch):
    old = _old_run(tmp_path)
    with pytest.raises(DataError):  # a typo in labels_path
        run(tmp_path, *data_args(data), "--overwrite=True", f"--labels_path={data}/typo.csv")
    from pirounet.run.tracking import TrackingError

    def no_wandb(*args):
        raise TrackingError("wandb could not start")
    monkeypatch.setattr(lifecycle, "start_wandb", no_wandb)  # fails after the data checks
    with pytest.raises(TrackingError):
        run(tmp_path, *data_args(data), "--overwrite=True")
    run_dir = tmp_path / "saved_models" / "tiny"
    assert {n: (run_dir / n).read_bytes() for n in old} == old


def test_a_second_run_of_the_same_name_is_refused_while_one_trains(tmp_path, data):
    lock = lock_run_folder(tmp_path / "saved_models" / "tiny")  # a run in progress
    try:
        with pytest.raises(CheckpointError, match=rf"in use by another run \(pid {os.getpid()}\)"):
            run(tmp_path, *data_args(data), "--epochs=1")
        assert not (tmp_path / "saved_models" / "tiny" / "history.jsonl").exists()
    finally:
        lock.release()
    run(tmp_path, *data_args(data), "--epochs=1")  # free again once the other run ends
    assert (tmp_path / "saved_models" / "tiny" / "last.pt").is_file()


def test_a_run_that_finished_while_another_started_is_not_replaced(tmp_path, data,
                                                                     monkeypatch):
    # A slow run's data step lasts while a fast run of the same name trains to the end. The
    # slow run holds the lock from its start, so the fast one is refused; before, the slow
    # one checked the folder (empty), then locked it and replaced the fast run's last.pt.
    fast: list[Exception] = []
    real_prepare = train_main.prepare_data

    def slow_prepare(cfg):
        monkeypatch.setattr(train_main, "prepare_data", real_prepare)
        try:
            run(tmp_path, *data_args(data), "--epochs=1", "--seed=1")
        except CheckpointError as err:
            fast.append(err)
        return real_prepare(cfg)

    monkeypatch.setattr(train_main, "prepare_data", slow_prepare)
    run(tmp_path, *data_args(data), "--epochs=1")
    assert fast and "in use by another run" in str(fast[0])
    saved = torch.load(tmp_path / "saved_models" / "tiny" / "last.pt", weights_only=True)
    assert saved["config"]["seed"] == 0  # the slow run's, written into a folder it held


def test_epochs_zero_is_refused():
    from pirounet.run.config import ConfigError

    with pytest.raises(ConfigError, match="epochs=0 is not allowed"):
        TRAINING.load(["--epochs=0"])


def test_run_name_outside_saved_models_is_refused():
    from pirounet.run.config import ConfigError

    for name in ("../../x", "a/../../b", "/tmp/x"):
        with pytest.raises(ConfigError, match="run_name="):
            TRAINING.load([f"--run_name={name!r}"])


def test_a_lock_on_a_removed_lock_file_is_not_taken(tmp_path, monkeypatch):
    """A run that waited on a lock file its holder then removed locks the new file instead.

    A failed run removes its empty folder's lock file while still holding it; a second run
    that opened the old file before the removal would otherwise lock a file that no longer
    guards the folder, and a third run would lock the new one: two runs in one folder.
    """
    import fcntl
    import os

    from pirounet.run.atomic import FileLock

    path = tmp_path / "run" / "run.lock"
    real_flock, calls = fcntl.flock, []

    def flock_after_the_holder_left(fd, op):
        calls.append(fd)
        if len(calls) == 1:  # the holder removes the file, another run makes it anew
            path.unlink()
            path.write_text("")
        return real_flock(fd, op)

    path.parent.mkdir()
    path.write_text("")
    monkeypatch.setattr(fcntl, "flock", flock_after_the_holder_left)
    lock = FileLock(path)
    try:
        assert len(calls) == 2  # the first lock was on the removed file: taken again
        assert os.fstat(lock._fd).st_ino == os.stat(path).st_ino
        assert path.read_text().strip() == str(os.getpid())
    finally:
        lock.release()
