"""learn2dance's data folder: written only when asked and whole, read only when it is there.

The synthetic set is written into a hidden temporary folder under a writers' lock and moved
into place; evaluation never writes data; a data_dir or cache_dir that is not a folder, and a
bad cache entry, are one clear message. Each test failed before its fix.
"""
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pirounet.music.errors import DataError
from pirounet.systems.learn2dance import prepare, synthetic
from pirounet.systems.learn2dance.cache import cached
from pirounet.systems.learn2dance.music2dance.settings import TRAINING

REPO = Path(__file__).resolve().parents[1]
TINY = ["--synthetic_songs=2", "--synthetic_seconds=4.0", "--n_moves=2", "--progress=False",
        "--chunk_frames=30"]


def tiny_config(data: Path, *more: str):
    return TRAINING.load(TINY + [f"--data_dir={data}", f"--cache_dir={data / 'cache'}", *more])


def start_writer(data: Path, songs: int) -> subprocess.Popen:
    """Another process writing a synthetic set of `songs` songs of 20 s into data."""
    code = ("import sys; from pirounet.systems.learn2dance import synthetic; "
            "from pirounet.systems.learn2dance.music2dance.settings import TRAINING; "
            "synthetic.ensure_dataset(TRAINING.load(sys.argv[1:]))")
    args = [f"--data_dir={data}", f"--synthetic_songs={songs}", "--synthetic_seconds=20.0",
            "--progress=False"]
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def wavs_written(data: Path) -> int:
    """Song files anywhere under data, hidden folders included."""
    return sum(name.endswith(".wav") for _, _, files in os.walk(data) for name in files)


def wait_for(condition, writer: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert writer.poll() is None, "the writer ended before the test could catch it"
        assert time.monotonic() < deadline, "the writer wrote nothing in time"
        time.sleep(0.05)


def test_a_second_run_waits_for_the_set_being_written_and_reads_all_of_it(tmp_path):
    data = tmp_path / "data"
    writer = start_writer(data, songs=12)
    try:
        wait_for(lambda: wavs_written(data) >= 2, writer)
        cfg = tiny_config(data, "--synthetic_songs=12", "--synthetic_seconds=20.0")
        assert not synthetic.ensure_dataset(cfg)  # the other run wrote it
        assert len(list((data / "songs").glob("*.wav"))) == 12
        assert len(list((data / "poses").iterdir())) == 12
    finally:
        writer.wait(timeout=300)
    assert writer.returncode == 0


def test_a_writer_killed_mid_set_leaves_nothing_a_run_would_read(tmp_path):
    data = tmp_path / "data"
    writer = start_writer(data, songs=12)
    try:
        wait_for(lambda: wavs_written(data) >= 3, writer)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert not synthetic.has_inputs(data)  # a half set is not taken for data
    assert not (data / "truth.json").exists()
    cfg = tiny_config(data)
    assert synthetic.ensure_dataset(cfg)  # the next run writes a whole set
    assert len(list((data / "songs").glob("*.wav"))) == 2 and (data / "truth.json").is_file()
    assert not list(data.glob(".synthetic-*.tmp"))  # the killed writer's folder is gone
    assert [s.name for s in prepare.prepare(cfg).songs] == ["song_000", "song_001"]


def test_a_data_dir_typo_is_a_warning_that_names_the_folder(tmp_path, caplog, capsys):
    typo = tmp_path / "my_dnace_data"
    with caplog.at_level(logging.WARNING):
        cfg = tiny_config(typo)
        assert synthetic.ensure_dataset(cfg)
    notice = synthetic.written_notice(cfg)
    assert f"{typo} holds no songs or dances" in notice and "--data_dir" in notice
    prepare.main(TINY + [f"--data_dir={tmp_path / 'other'}",
                         f"--cache_dir={tmp_path / 'other' / 'cache'}"])
    err = capsys.readouterr().err
    assert f"warning: {tmp_path / 'other'} holds no songs or dances" in err


def test_training_says_so_as_a_warning(tmp_path, caplog):
    import main as train_entry

    os.chdir(tmp_path)
    args = ["learn2dance", *TINY, "--data_dir=typo", "--cache_dir=typo/cache", "--epochs=1",
            "--music_emb=4", "--hidden_size=4", "--lstm_layers=1", "--batch_size=1",
            "--window_chunks=2", "--split_fractions=(0.5, 0.5, 0.0)", "--device='cpu'",
            "--cpu_threads=1", "--wandb_mode='disabled'", "--run_name=typo_run"]
    try:
        with caplog.at_level(logging.INFO):
            train_entry.main(args)
    finally:
        os.chdir(REPO)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING
              and "typo holds no songs or dances" in r.getMessage()]
    assert warned


def test_a_data_dir_naming_a_file_is_one_error(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(DataError, match=r"data: data_dir names a file; expected a folder"):
        synthetic.ensure_dataset(tiny_config(tmp_path / "data"))
    with pytest.raises(DataError, match=r"data: data_dir names a file"):
        prepare.prepare(tiny_config(tmp_path / "data"))


def test_a_users_file_named_cache_is_one_error_and_kept(tmp_path):
    data = tmp_path / "data"
    synthetic.ensure_dataset(tiny_config(data))
    (data / "cache").write_text("my notes")
    with pytest.raises(DataError, match=r"cache: cache_dir names a file \(a user's\?\)"):
        prepare.prepare(tiny_config(data))
    assert (data / "cache").read_text() == "my notes"


def test_a_missing_data_dir_is_one_error_and_nothing_is_written(tmp_path):
    with pytest.raises(DataError, match=r"gone: data_dir is not there; expected a folder"):
        prepare.prepare(tiny_config(tmp_path / "gone"))
    assert not (tmp_path / "gone").exists()


@pytest.mark.parametrize("entry", ["truncated", "empty", "npy", "wrong_names", "text_array"])
def test_a_bad_cache_entry_is_computed_again_with_a_warning(tmp_path, entry):
    good = {"poses": np.ones((3, 2), np.float32), "fps": np.array(30.0)}
    path = tmp_path / "dances" / "k.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, **good)
    if entry == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    elif entry == "empty":
        path.write_bytes(b"")
    elif entry == "npy":
        np.save(open(path, "wb"), np.zeros(3))
    elif entry == "wrong_names":
        np.savez(path, other=np.zeros(3))
    else:
        np.savez(path, poses=np.array(["a", "b"]), fps=np.array(30.0))
    with pytest.warns(UserWarning, match=r"k.npz: a bad cache entry .*computing it again"):
        got = cached(tmp_path, "dances", "k", lambda: good, keys=("poses", "fps"))
    np.testing.assert_array_equal(got["poses"], good["poses"])
    again = cached(tmp_path, "dances", "k", lambda: 1 / 0, keys=("poses", "fps"))  # rewritten
    np.testing.assert_array_equal(again["poses"], good["poses"])


def test_evaluation_with_the_data_moved_away_writes_no_data_and_keeps_metrics(tmp_path):
    import main_eval
    from helpers import tiny_learn2dance_checkpoint

    data = tmp_path / "moved_away"
    run = tiny_learn2dance_checkpoint(tmp_path / "run.pt", f"--data_dir={data}",
                                      f"--cache_dir={data / 'cache'}", "--run_name=r")
    results = tmp_path / "results"
    (results / "r" / "plots").mkdir(parents=True)
    (results / "r" / "metrics.json").write_text('{"earlier": 1}')
    (results / "r" / "plots" / "beat_align_score.png").write_bytes(b"an earlier figure")
    with pytest.raises(DataError, match=r"moved_away: data_dir is not there"):
        main_eval.main(["learn2dance", f"--load_from_checkpoint={run}",
                        f"--results_root={results}"])
    assert not data.exists()
    assert (results / "r" / "metrics.json").read_text() == '{"earlier": 1}'
    assert (results / "r" / "plots" / "beat_align_score.png").read_bytes() == b"an earlier figure"
