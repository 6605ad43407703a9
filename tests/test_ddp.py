"""Data-parallel training: two CPU processes (gloo on 127.0.0.1) run main() on a tiny config."""
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(rank: int, world_size: int, port: int, folder: str, args: list[str]) -> None:
    """One torchrun-like process: env as torchrun sets it, then main(); records its saves."""
    import os

    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_WORLD_SIZE=str(world_size), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port), WANDB_MODE="disabled")
    os.chdir(folder)
    from pirounet.run import lifecycle
    from pirounet.systems.pirounet import train as train_main

    saves = []
    real_save = lifecycle.save_epoch_checkpoints

    def recording_save(*a, **kw):
        saves.append(a[1]["epoch"])
        return real_save(*a, **kw)

    lifecycle.save_epoch_checkpoints = recording_save
    model = train_main.main([TINY, *args])
    torch.save({"weights": model.state_dict(), "saves": saves},
               Path(folder) / f"rank{rank}.result")


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory) -> Path:
    from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

    data = tmp_path_factory.mktemp("data")
    write_synthetic_dataset(data, seed=0, frames=3000, n_files=2)
    folder = tmp_path_factory.mktemp("ddp")
    args = [f"--data_pattern={data}/mariel_*.npy", f"--labels_path={data}/labels_from_app.csv",
            "--epochs=2", "--max_steps_per_epoch=3"]
    mp.spawn(worker, args=(2, free_port(), str(folder), args), nprocs=2, join=True)
    return folder


def test_both_ranks_end_with_identical_weights(two_ranks):
    r0 = torch.load(two_ranks / "rank0.result", weights_only=True)
    r1 = torch.load(two_ranks / "rank1.result", weights_only=True)
    saved = torch.load(two_ranks / "saved_models/tiny/last.pt", weights_only=True)
    for key, value in r0["weights"].items():
        assert torch.equal(value, r1["weights"][key]), key
        assert torch.equal(value, saved["model_state_dict"][key]), key
    assert all(not k.startswith(("module.", "model.")) for k in saved["model_state_dict"])


def test_only_rank_zero_writes(two_ranks):
    r0 = torch.load(two_ranks / "rank0.result", weights_only=True)
    r1 = torch.load(two_ranks / "rank1.result", weights_only=True)
    assert r0["saves"] == [1, 2] and r1["saves"] == []
    history = (two_ranks / "saved_models/tiny/history.jsonl").read_text().splitlines()
    assert len(history) == 2


def test_checkpoint_holds_every_ranks_rng_state(two_ranks):
    saved = torch.load(two_ranks / "saved_models/tiny/last.pt", weights_only=True)
    states = saved["rng_state"]
    assert len(states) == 2 and not torch.equal(states[0]["torch"], states[1]["torch"])
