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
from helpers import data_args

from pirounet.run import lifecycle
from pirounet.run.checkpoint import CheckpointError, lock_run_folder
from pirounet.systems.pirounet import train as train_main
from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.data.prepare import ensure_recordings
from pirounet.systems.pirounet.data.synthetic import SyntheticOverwriteError, write_synthetic_dataset
from pirounet.systems.pirounet.settings import DEFAULT_CONFIG, load_config

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small synthetic set: 3000 frames in 2 recordings."""
    out = tmp_path_factory.mktemp("data")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return out


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
    import pirounet.systems.pirounet.data.synthetic as synthetic

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
    monkeypatch.setattr(lifecycle, "start_wandb", no_wandb)  # fails after the data checks
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


def test_a4_a_run_that_finished_while_another_started_is_not_replaced(tmp_path, data,
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


# ---------------------------------------------------------------- a trained run, shared

@pytest.fixture(scope="module")
def trained(tmp_path_factory, data) -> Path:
    """One 1-epoch tiny run: the folder holding saved_models/tiny/."""
    folder = tmp_path_factory.mktemp("trained")
    before = torch.get_num_threads()
    run(folder, *data_args(data), "--epochs=1")
    torch.set_num_threads(before)
    return folder


def copy_run(trained: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(trained / "saved_models", to / "saved_models")
    return to


def copy_data(data: Path, to: Path) -> Path:
    import shutil

    return Path(shutil.copytree(data, to / "data"))


# ---------------------------------------------------------------- B. silently wrong

def test_b1_checkpoint_carries_the_data_fingerprint(trained, data):
    ckpt = torch.load(trained / "saved_models" / "tiny" / "last.pt", weights_only=True)
    fp = ckpt["data_fingerprint"]
    assert [r[0] for r in fp["recordings"]] == sorted(p.name for p in data.glob("mariel_*.npy"))
    assert all(r[1] > 0 and r[2] > 0 for r in fp["recordings"])
    from pirounet.systems.pirounet.data.prepare import file_sha256

    assert fp["labels_sha256"] == file_sha256(data / "labels_from_app.csv")
    assert fp["split_sizes"]["valid_lab"] > 0 and fp["effort"] == "time"


def test_b1_resume_after_the_labels_changed_is_refused_unless_allowed(trained, data, tmp_path):
    folder = copy_run(trained, tmp_path)
    changed = copy_data(data, tmp_path)
    with (changed / "labels_from_app.csv").open("a") as f:
        f.write("2200,2,2\n2240,2,3\n")  # labels added since the run started
    with pytest.raises(CheckpointError, match=r"data differs.*label file's contents changed.*"
                                              r"on_data_change=warn"):
        run(folder, *data_args(changed), "--resume=True", "--epochs=2")
    run(folder, *data_args(changed), "--resume=True", "--epochs=2", "--on_data_change=warn")
    ckpt = torch.load(folder / "saved_models" / "tiny" / "last.pt", weights_only=True)
    assert ckpt["epoch"] == 2
    assert ckpt["data_fingerprint"]["labels_sha256"] != torch.load(
        trained / "saved_models" / "tiny" / "last.pt", weights_only=True
    )["data_fingerprint"]["labels_sha256"]


def test_b1_main_eval_checks_and_records_the_fingerprint(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.evaluate import check_data
    from pirounet.systems.pirounet.settings import EVAL_CONFIG

    path = trained / "saved_models" / "tiny" / "last.pt"
    saved = torch.load(path, weights_only=True)["data_fingerprint"]
    ctx = SimpleNamespace(dataset=SimpleNamespace(fingerprint=saved),
                          checkpoint={"path": str(path)})
    eval_cfg = load_config(EVAL_CONFIG)
    assert check_data(ctx, eval_cfg) == {"data_fingerprint": saved}
    other = {**saved, "split_sizes": {**saved["split_sizes"], "valid_lab": -1}}
    ctx.dataset.fingerprint = other
    with pytest.raises(CheckpointError, match="split_sizes"):
        check_data(ctx, eval_cfg)
    out = check_data(ctx, load_config(EVAL_CONFIG, ["--on_data_change=warn"]))
    assert out["data_fingerprint"] == other and "split_sizes" in out["data_changed"][0]


def test_b2_fid_classifier_cache_is_keyed_by_the_data(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.fid_classifier import data_info, default_fid_classifier_path

    fp = torch.load(trained / "saved_models" / "tiny" / "last.pt",
                    weights_only=True)["data_fingerprint"]
    cfg = load_config(DEFAULT_CONFIG)
    one = default_fid_classifier_path(cfg, SimpleNamespace(fingerprint=fp))
    same = default_fid_classifier_path(cfg, SimpleNamespace(fingerprint=dict(fp)))
    other = default_fid_classifier_path(
        cfg, SimpleNamespace(fingerprint={**fp, "labels_sha256": "0"}))
    assert one == same != other and one.name.startswith("time_paper_")
    dataset = SimpleNamespace(fingerprint=fp, seq_len=40, poses=torch.zeros(2, 159),
                              split=SimpleNamespace(train_lab=[1], valid_lab=[2]))
    assert data_info(cfg, dataset)["fingerprint"] == fp  # stored in the cached classifier


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


def test_b3_a_checkpoint_with_flipped_bytes_is_refused(trained, tmp_path):
    from pirounet.systems.pirounet.checkpoint import load_checkpoint

    folder = copy_run(trained, tmp_path)
    path = folder / "saved_models" / "tiny" / "best.pt"
    assert load_checkpoint(path)["epochs_done"] == 1  # intact: the checksum verifies
    _flip_a_weight_byte(path)
    with pytest.raises(CheckpointError, match="corrupt.*checksum"):
        load_checkpoint(path)


def test_b4_a_partly_labelled_blind_export_is_scored_on_what_is_labelled(tmp_path):
    from pirounet.systems.pirounet.evaluation.context import EvalError
    from pirounet.systems.pirounet.evaluation.recognition_accuracy import (
        match_export,
        read_blind_labels,
        recognition_scores,
    )

    csv = tmp_path / "human_labels.csv"
    csv.write_text("0,1,0\n2,1,2\n3,1,4\n")  # 3 of 6 dances labelled so far
    table = read_blind_labels(csv)
    cond = np.array([0, 1, 2, 2, 1, 0])
    match_export(table, cond, csv, tmp_path / "blind_labels.npy")
    scores = recognition_scores(table, cond)
    assert (scores["accuracy"], scores["n_rated"], scores["n_labelled"],
            scores["n_exported"], scores["complete"]) == (1.0, 2, 3, 6, False)
    csv.write_text("0,1,0\n6,1,2\n")  # a dance the export does not have
    with pytest.raises(EvalError, match="seq_index 6"):
        match_export(read_blind_labels(csv), cond, csv, tmp_path / "blind_labels.npy")


def test_b4_a_failing_part_still_writes_metrics_and_report(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from pirounet.systems.pirounet import evaluate as ev
    from pirounet.systems.pirounet.evaluation.context import EvalError
    from pirounet.systems.pirounet.settings import EVAL_CONFIG

    results = tmp_path / "results" / "run"
    results.mkdir(parents=True)
    (results / "metrics.json").write_text('{"stale": true}')
    ctx = SimpleNamespace(results_dir=results, checkpoint={"path": ""}, cfg=load_config(
        DEFAULT_CONFIG), dataset=SimpleNamespace(fingerprint={}))

    def broken(ctx):
        raise EvalError("human_labels.csv, line 3: bad")
    monkeypatch.setattr(ev, "load_context", lambda cfg, cores: ctx)
    monkeypatch.setattr(ev, "SECTIONS", (("classification", None, lambda c: {"acc": 0.5}),
                                         ("recognition_accuracy", None, broken)))
    monkeypatch.setattr(ev, "TILE_USERS", ())
    monkeypatch.setattr(ev, "labelled_share", lambda cfg, dataset: 0.5)
    monkeypatch.setattr(ev, "diagnose", lambda ctx, metrics: {"warnings": []})
    monkeypatch.setattr(ev, "write_eval_report", lambda d, m, t: ev.write_metrics(
        d, m).with_name("report.html"))
    with pytest.raises(EvalError, match="recognition_accuracy: human_labels.csv, line 3"):
        ev.evaluate(load_config(EVAL_CONFIG), 1)
    metrics = json.loads((results / "metrics.json").read_text())
    assert "stale" not in metrics and metrics["classification"] == {"acc": 0.5}
    assert metrics["recognition_accuracy"] == {"error": "human_labels.csv, line 3: bad"}
    assert any("not computed: recognition_accuracy" in w for w in metrics["warnings"])


# ---------------------------------------------------------------- C. one clear error line

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
def test_c_bad_recordings_are_one_data_error(tmp_path, make, says):
    from pirounet.systems.pirounet.data import load_recordings

    with pytest.raises(DataError, match=f"mariel_.*{says}"):
        load_recordings(_pattern_with(tmp_path, make))


@pytest.mark.parametrize("rows", ["0,1,2\n", "0,1,2\n40,2,3\n80,3,1\n", "0,4,4\n40,4,4\n"])
def test_c_too_few_labels_is_one_data_error(tmp_path, data, rows):
    labels = tmp_path / "few.csv"
    labels.write_text(rows)
    with pytest.raises(DataError, match=r"too few usable labels|no labelled window"):
        run(tmp_path, *data_args(data), f"--labels_path={labels}", "--epochs=1")
    assert not (tmp_path / "saved_models" / "tiny" / "last.pt").exists()


def test_c_corrupt_blind_labels_and_fid_classifier_cache_are_one_error(tmp_path):
    from pirounet.systems.pirounet.evaluation.context import EvalError
    from pirounet.systems.pirounet.evaluation.recognition_accuracy import load_conditioning_labels
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
def test_c_a_hand_edited_checkpoint_is_one_checkpoint_error(trained, data, tmp_path, changes,
                                                            says):
    folder = copy_run(trained, tmp_path)
    _edit_checkpoint(folder / "saved_models" / "tiny" / "last.pt", **changes)
    with pytest.raises(CheckpointError, match=says):
        run(folder, *data_args(data), "--resume=True", "--epochs=2")


def test_c_a_torn_history_line_does_not_block_resume(trained, data, tmp_path):
    folder = copy_run(trained, tmp_path)
    history = folder / "saved_models" / "tiny" / "history.jsonl"
    history.write_text(history.read_text() + '{"epoch": 2, "train/tot')  # killed mid-write
    run(folder, *data_args(data), "--resume=True", "--epochs=2")
    lines = [json.loads(line) for line in history.read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]


def test_c_history_is_written_atomically_and_drops_a_torn_line(tmp_path):
    from pirounet.run.tracking import append_history

    history = tmp_path / "history.jsonl"
    history.write_text('{"epoch": 1}\n{"epoch": 2, "x"')
    append_history(history, {"epoch": 2, "x": 1.0})
    assert history.read_text() == '{"epoch": 1}\n{"epoch": 2, "x": 1.0}\n'
    assert not list(tmp_path.glob(".*.tmp"))


def test_c_epochs_zero_is_refused():
    from pirounet.run.config import ConfigError

    with pytest.raises(ConfigError, match="epochs=0 is not allowed"):
        load_config(DEFAULT_CONFIG, ["--epochs=0"])


def test_c_run_name_outside_saved_models_is_refused():
    from pirounet.run.config import ConfigError

    for name in ("../../x", "a/../../b", "/tmp/x"):
        with pytest.raises(ConfigError, match="run_name="):
            load_config(DEFAULT_CONFIG, [f"--run_name={name!r}"])


# ---------------------------------------------------------------- E. small

@pytest.mark.parametrize("cell", ["4_0", "\uff14\uff10", "\u0664\u0660", "40.0", " 4 0"])
def test_e_csv_readers_accept_plain_ascii_integers_only(tmp_path, cell):
    from pirounet.systems.pirounet.data.label_files import LabelFileError, read_blind_file, read_label_file

    labels = tmp_path / "labels.csv"
    labels.write_text(f"0,1,1\n{cell},2,2\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="line 2: .*non-integer"):
        read_label_file(labels)
    blind = tmp_path / "blind.csv"
    blind.write_text(f"{cell},1,0\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match="line 1: .*non-integer"):
        read_blind_file(blind)


def test_b5_training_refuses_labels_made_on_other_recordings(data, tmp_path):
    import shutil

    from pirounet.systems.pirounet.data.label_files import LabelFileError
    from pirounet.systems.pirounet.data.prepare import prepare_data

    moved = copy_data(data, tmp_path)
    labels = moved / "labels_from_app.csv"
    pattern = f"{moved}/mariel_*.npy"
    first = sorted(moved.glob("mariel_*.npy"))[0]
    from pirounet.systems.pirounet.label_app import LabelApp, recording_task

    LabelApp(recording_task(pattern, 40), labels)  # the app records the recordings
    cfg = load_config(DEFAULT_CONFIG, [f"--data_pattern={pattern}", f"--labels_path={labels}"])
    prepare_data(cfg)  # unchanged: fine
    shutil.copy(first, moved / "mariel_000.npy")  # sorts first: every start would shift
    with pytest.raises(LabelFileError, match=r"added mariel_000\.npy.*on_data_change=warn"):
        prepare_data(cfg)
    prepare_data(cfg.replace(on_data_change="warn"))


def test_b1_main_eval_train_overrides_may_change_the_split_but_not_the_data(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.evaluate import check_data
    from pirounet.systems.pirounet.settings import EVAL_CONFIG

    path = trained / "saved_models" / "tiny" / "last.pt"
    saved = torch.load(path, weights_only=True)["data_fingerprint"]
    resplit = {**saved, "split_sizes": {**saved["split_sizes"], "train_lab": 5}}
    ctx = SimpleNamespace(dataset=SimpleNamespace(fingerprint=resplit),
                          checkpoint={"path": str(path)})
    eval_cfg = load_config(EVAL_CONFIG, ["--train_overrides=('--fraction_label=0.005',)"])
    assert "data_changed" not in check_data(ctx, eval_cfg)
    ctx.dataset.fingerprint = {**resplit, "labels_sha256": "0" * 64}
    with pytest.raises(CheckpointError, match="label file's contents changed"):
        check_data(ctx, eval_cfg)


# ---------------------------------------------------------------- E. num_workers

def test_e_num_workers_gathers_batches_ahead_with_the_same_result(data):
    import threading

    from pirounet.systems.pirounet.data import loaders
    from pirounet.systems.pirounet.data.prepare import prepare_data

    cfg = load_config(DEFAULT_CONFIG, [*data_args(data), "--batch_size=16", "--num_workers=2",
                                       "--shuffle_data=True"])
    dataset = prepare_data(cfg)
    loader = dataset.loader("train", cfg)
    assert loader.num_workers == 2
    seen = set()
    original = loaders.WindowLoader.windows

    def windows(self, idx):
        seen.add(threading.current_thread().name)
        return original(self, idx)
    loaders.WindowLoader.windows = windows
    try:
        ahead = list(loader)
    finally:
        loaders.WindowLoader.windows = original
    inline = list(dataset.loader("train", cfg.replace(num_workers=0)))
    assert len(ahead) == len(inline) > 2
    for (x, y), (x0, y0) in zip(ahead, inline):
        assert torch.equal(x, x0) and torch.equal(y, y0)
    assert any(name.startswith("windows") for name in seen)


def test_b5_training_names_label_rows_whose_block_spans_two_recordings(data, tmp_path,
                                                                       caplog):
    from pirounet.systems.pirounet.data.prepare import prepare_data, spanning_blocks

    assert spanning_blocks(np.array([0, 40, 2480, 2520, 2560]),
                           np.array([0, 2554, 4047])).tolist() == [2520]
    labels = tmp_path / "labels.csv"
    boundary = 1893  # trimmed frames of the first recording of `data`
    labels.write_text((data / "labels_from_app.csv").read_text() + "1880,2,2\n1920,2,2\n")
    cfg = load_config(DEFAULT_CONFIG, [*data_args(data), f"--labels_path={labels}"])
    assert int(prepare_data(cfg).recordings.offsets[1]) == boundary
    said = [r.getMessage() for r in caplog.records if "spans two recordings" in r.getMessage()]
    assert len(said) == 1 and "start 1880 " in said[0] and "mariel_adagio.npy into " \
        "mariel_bolero.npy" in said[0]


def test_a1_synthetic_cli_refuses_in_one_line(tmp_path):
    from pirounet.systems.pirounet.data.synthetic import main

    (tmp_path / "labels_from_app.csv").write_text("0,1,2\n")
    with pytest.raises(SystemExit, match=r"^error: .*labels_from_app\.csv.*--overwrite"):
        main(["--out", str(tmp_path), "--frames", "600", "--files", "1"])
    assert (tmp_path / "labels_from_app.csv").read_text() == "0,1,2\n"
