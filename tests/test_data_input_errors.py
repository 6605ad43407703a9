"""Bad recordings, labels, blind labels and caches: one clear error line (docs/data_safety.md).

Each test fails without its fix. Runs use configs/tiny.py on a small synthetic set (seconds).
"""
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import write_recording
from helpers import data_args, run

from pirounet.systems.pirounet.data import DataError

pytestmark = pytest.mark.usefixtures("keep_threads")


def _pattern_with(tmp_path: Path, make) -> str:
    folder = tmp_path / "rec"
    folder.mkdir()
    make(folder)
    return str(folder / "mariel_*.npy")


@pytest.mark.parametrize("make, says", [
    (lambda d: np.savez(d / "mariel_a.npz", a=np.zeros((55, 1100, 3))) or
     (d / "mariel_a.npz").rename(d / "mariel_a.npy"), "npz archive"),
    (lambda d: (d / "mariel_loop.npy").symlink_to(d / "mariel_loop.npy"), "symlink loop"),
    (lambda d: write_recording(d / "mariel_zero.npy", np.zeros((300, 55, 3))), "constant"),
])
def test_bad_recordings_are_one_data_error(tmp_path, make, says):
    from pirounet.systems.pirounet.data import load_recordings

    with pytest.raises(DataError, match=f"mariel_.*{says}"):
        load_recordings(_pattern_with(tmp_path, make))


@pytest.mark.parametrize("rows", ["0,1,2\n", "0,1,2\n40,2,3\n80,3,1\n", "0,4,4\n40,4,4\n"])
def test_too_few_labels_is_one_data_error(tmp_path, data, rows):
    labels = tmp_path / "few.csv"
    labels.write_text(rows)
    with pytest.raises(DataError, match=r"too few usable labels|no labelled window"):
        run(tmp_path, *data_args(data), f"--labels_path={labels}", "--epochs=1")
    assert not (tmp_path / "saved_models" / "tiny" / "last.pt").exists()


def test_corrupt_blind_labels_and_fid_classifier_cache_are_one_error(tmp_path):
    from pirounet.systems.pirounet.evaluation.context import EvalError
    from pirounet.systems.pirounet.evaluation.blind_accuracy import load_conditioning_labels
    from pirounet.systems.pirounet.fid_classifier import load_fid_classifier

    bad = tmp_path / "blind_labels.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(EvalError, match="blind_labels.npy: not a readable"):
        load_conditioning_labels(bad)
    cache = tmp_path / "time_paper.pt"
    cache.write_bytes(b"PK\x03\x04 not a checkpoint")
    with pytest.raises(DataError, match="time_paper.pt cannot be read.*delete it"):
        load_fid_classifier(cache)
    torch.save({"model_state_dict": {"x": torch.zeros(2)}}, cache)
    with pytest.raises(DataError, match="not a usable classifier"):
        load_fid_classifier(cache)


@pytest.mark.parametrize("cell", ["4_0", "\uff14\uff10", "\u0664\u0660", "40.0", " 4 0"])
def test_csv_readers_accept_plain_ascii_integers_only(tmp_path, cell):
    from pirounet.systems.pirounet.data.label_files import (LabelFileError, read_blind_file,
                                                            read_label_file)

    labels = tmp_path / "labels.csv"
    labels.write_text(f"0,1,1\n{cell},2,2\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="line 2: .*non-integer"):
        read_label_file(labels)
    blind = tmp_path / "blind.csv"
    blind.write_text(f"{cell},1,0\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="line 1: .*non-integer"):
        read_blind_file(blind)
