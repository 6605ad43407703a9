"""The synthetic dancer never writes over a user's files (docs/data_safety.md).

Each test fails without its fix.
"""
from pathlib import Path

import numpy as np
import pytest
from conftest import write_recording

from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.data.prepare import ensure_recordings
from pirounet.systems.pirounet.data.synthetic import (SyntheticOverwriteError,
                                                     write_synthetic_dataset)
from pirounet.systems.pirounet.settings import TRAINING


def test_synthetic_dancer_never_writes_over_a_users_recordings_or_labels(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_recording(data / "take1.npy", np.random.default_rng(0).normal(size=(200, 55, 3)))
    labels = data / "labels_from_app.csv"
    labels.write_text("0,1,2\n40,2,3\n80,3,1\n")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    cfg = TRAINING.load([f"--data_pattern={data}/mariel_*.npy",
                                       f"--labels_path={labels}"])
    with pytest.raises(DataError, match=r"take1\.npy.*not written over them.*data_pattern"):
        ensure_recordings(cfg)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before  # nothing added or lost


def test_synthetic_writer_refuses_to_replace_a_differing_file(tmp_path):
    (tmp_path / "labels_from_app.csv").write_text("0,1,2\n")
    with pytest.raises(SyntheticOverwriteError, match="labels_from_app.csv"):
        write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1)
    assert (tmp_path / "labels_from_app.csv").read_text() == "0,1,2\n"
    assert not list(tmp_path.glob("mariel_*.npy"))
    # the same set again is fine (identical bytes), and --overwrite replaces on request
    write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1, overwrite=True)
    write_synthetic_dataset(tmp_path, seed=0, frames=600, n_files=1)


def test_an_empty_data_folder_still_gets_the_synthetic_dancer(tmp_path, monkeypatch):
    import pirounet.systems.pirounet.data.synthetic as synthetic

    written = []
    monkeypatch.setattr(synthetic, "write_synthetic_dataset",
                        lambda out, seed: written.append(out) or
                        (Path(out) / "labels_from_app.csv").write_text("0,1,1\n"))
    cfg = TRAINING.load([f"--data_pattern={tmp_path}/mariel_*.npy",
                                       f"--labels_path={tmp_path}/labels_from_app.csv"])
    ensure_recordings(cfg)
    assert written == [tmp_path]


def test_synthetic_cli_refuses_in_one_line(tmp_path):
    from pirounet.systems.pirounet.data.synthetic import main

    (tmp_path / "labels_from_app.csv").write_text("0,1,2\n")
    with pytest.raises(SystemExit, match=r"^error: .*labels_from_app\.csv.*--overwrite"):
        main(["--out", str(tmp_path), "--frames", "600", "--files", "1"])
    assert (tmp_path / "labels_from_app.csv").read_text() == "0,1,2\n"
