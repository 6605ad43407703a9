"""Checkpoints and history: flipped bytes, hand edits and torn lines (docs/data_safety.md).

Each test fails without its fix. Runs use configs/tiny.py on a small synthetic set (seconds).
"""
import json
from pathlib import Path

import pytest
import torch
from helpers import copy_run, data_args, run

from pirounet.run.checkpoint import CheckpointError

pytestmark = pytest.mark.usefixtures("keep_threads")


def _flip_a_weight_byte(path: Path) -> None:
    ckpt = torch.load(path, weights_only=True)
    weight = next(v for v in ckpt["model_state_dict"].values() if v.numel() >= 16)
    raw = path.read_bytes()
    needle = weight.reshape(-1).contiguous().numpy().tobytes()
    at = raw.find(needle)
    assert at > 0
    flipped = bytearray(raw)
    flipped[at + 5] ^= 0x01  # a low mantissa bit: torch.load reads it without complaint
    path.write_bytes(bytes(flipped))
    assert not torch.equal(next(v for v in torch.load(path, weights_only=True)
                                ["model_state_dict"].values() if v.numel() >= 16), weight)


def test_a_checkpoint_with_flipped_bytes_is_refused(trained, tmp_path):
    from pirounet.systems.pirounet.checkpoint import load_checkpoint

    folder = copy_run(trained, tmp_path)
    path = folder / "saved_models" / "tiny" / "best.pt"
    assert load_checkpoint(path)["epochs_done"] == 1  # intact: the checksum verifies
    _flip_a_weight_byte(path)
    with pytest.raises(CheckpointError, match="corrupt.*checksum"):
        load_checkpoint(path)


def _edit_checkpoint(path: Path, **changes) -> None:
    ckpt = torch.load(path, weights_only=True)
    ckpt.pop("checksum", None)  # a hand edit does not update the checksum either
    for key, value in changes.items():
        if value is None:
            ckpt.pop(key)
        else:
            ckpt[key] = value
    torch.save(ckpt, path)


@pytest.mark.parametrize("changes, says", [
    ({"epoch": None}, "'epoch' is None"),
    ({"epoch": "3"}, "'epoch' is '3'"),
    ({"rng_state": "junk"}, "'rng_state' is a str"),
    ({"rng_state": [{"python": {}}]}, "rng_state of rank 0 .* is malformed"),
])
def test_a_hand_edited_checkpoint_is_one_checkpoint_error(trained, data, tmp_path, changes,
                                                            says):
    folder = copy_run(trained, tmp_path)
    _edit_checkpoint(folder / "saved_models" / "tiny" / "last.pt", **changes)
    with pytest.raises(CheckpointError, match=says):
        run(folder, *data_args(data), "--resume=True", "--epochs=2")


def test_a_torn_history_line_does_not_block_resume(trained, data, tmp_path):
    folder = copy_run(trained, tmp_path)
    history = folder / "saved_models" / "tiny" / "history.jsonl"
    history.write_text(history.read_text() + '{"epoch": 2, "train/tot')  # killed mid-write
    run(folder, *data_args(data), "--resume=True", "--epochs=2")
    lines = [json.loads(line) for line in history.read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]


def test_history_is_written_atomically_and_drops_a_torn_line(tmp_path):
    from pirounet.run.tracking import append_history

    history = tmp_path / "history.jsonl"
    history.write_text('{"epoch": 1}\n{"epoch": 2, "x"')
    append_history(history, {"epoch": 2, "x": 1.0})
    assert history.read_text() == '{"epoch": 1}\n{"epoch": 2, "x": 1.0}\n'
    assert not list(tmp_path.glob(".*.tmp"))
