"""Training, resume and evaluation check the data a run was trained on (docs/data_safety.md).

Each test fails without its fix. Runs use configs/tiny.py on a small synthetic set (seconds).
"""

import numpy as np
import pytest
import torch
from helpers import copy_data, copy_run, data_args, run

from pirounet.run.checkpoint import CheckpointError
from pirounet.systems.pirounet.settings import EVALUATION, TRAINING

pytestmark = pytest.mark.usefixtures("keep_threads")


def test_checkpoint_carries_the_data_fingerprint(trained, data):
    ckpt = torch.load(trained / "saved_models" / "tiny" / "last.pt", weights_only=True)
    fp = ckpt["data_fingerprint"]
    assert [r[0] for r in fp["recordings"]] == sorted(p.name for p in data.glob("mariel_*.npy"))
    assert all(r[1] > 0 and r[2] > 0 for r in fp["recordings"])
    from pirounet.systems.pirounet.data.prepare import file_sha256

    assert fp["labels_sha256"] == file_sha256(data / "labels_from_app.csv")
    assert fp["split_sizes"]["valid_lab"] > 0 and fp["effort"] == "time"


def test_resume_after_the_labels_changed_is_refused_unless_allowed(trained, data, tmp_path):
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


def test_main_eval_checks_and_records_the_fingerprint(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.evaluate import check_data

    path = trained / "saved_models" / "tiny" / "last.pt"
    saved = torch.load(path, weights_only=True)["data_fingerprint"]
    ctx = SimpleNamespace(dataset=SimpleNamespace(fingerprint=saved),
                          checkpoint={"path": str(path)})
    eval_cfg = EVALUATION.load()
    assert check_data(ctx, eval_cfg) == {"data_fingerprint": saved}
    other = {**saved, "split_sizes": {**saved["split_sizes"], "valid_lab": -1}}
    ctx.dataset.fingerprint = other
    with pytest.raises(CheckpointError, match="split_sizes"):
        check_data(ctx, eval_cfg)
    out = check_data(ctx, EVALUATION.load(["--on_data_change=warn"]))
    assert out["data_fingerprint"] == other and "split_sizes" in out["data_changed"][0]


def test_main_eval_train_overrides_may_change_the_split_but_not_the_data(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.evaluate import check_data

    path = trained / "saved_models" / "tiny" / "last.pt"
    saved = torch.load(path, weights_only=True)["data_fingerprint"]
    resplit = {**saved, "split_sizes": {**saved["split_sizes"], "train_lab": 5}}
    ctx = SimpleNamespace(dataset=SimpleNamespace(fingerprint=resplit),
                          checkpoint={"path": str(path)})
    eval_cfg = EVALUATION.load(["--train_overrides=('--fraction_label=0.005',)"])
    assert "data_changed" not in check_data(ctx, eval_cfg)
    ctx.dataset.fingerprint = {**resplit, "labels_sha256": "0" * 64}
    with pytest.raises(CheckpointError, match="label file's contents changed"):
        check_data(ctx, eval_cfg)


def test_fid_classifier_cache_is_keyed_by_the_data(trained):
    from types import SimpleNamespace

    from pirounet.systems.pirounet.fid_classifier import data_info, default_fid_classifier_path

    fp = torch.load(trained / "saved_models" / "tiny" / "last.pt",
                    weights_only=True)["data_fingerprint"]
    cfg = TRAINING.load()
    one = default_fid_classifier_path(cfg, SimpleNamespace(fingerprint=fp))
    same = default_fid_classifier_path(cfg, SimpleNamespace(fingerprint=dict(fp)))
    other = default_fid_classifier_path(
        cfg, SimpleNamespace(fingerprint={**fp, "labels_sha256": "0"}))
    assert one == same != other and one.name.startswith("time_paper_")
    dataset = SimpleNamespace(fingerprint=fp, seq_len=40, poses=torch.zeros(2, 159),
                              split=SimpleNamespace(train_lab=[1], valid_lab=[2]))
    assert data_info(cfg, dataset)["fingerprint"] == fp  # stored in the cached classifier


def test_training_refuses_labels_made_on_other_recordings(data, tmp_path):
    import shutil

    from pirounet.systems.pirounet.data.label_files import LabelFileError
    from pirounet.systems.pirounet.data.prepare import prepare_data

    moved = copy_data(data, tmp_path)
    labels = moved / "labels_from_app.csv"
    pattern = f"{moved}/mariel_*.npy"
    first = sorted(moved.glob("mariel_*.npy"))[0]
    from pirounet.systems.pirounet.label_app import LabelApp, recording_task

    LabelApp(recording_task(pattern, 40), labels)  # the app records the recordings
    cfg = TRAINING.load([f"--data_pattern={pattern}", f"--labels_path={labels}"])
    prepare_data(cfg)  # unchanged: fine
    shutil.copy(first, moved / "mariel_000.npy")  # sorts first: every start would shift
    with pytest.raises(LabelFileError, match=r"added mariel_000\.npy.*on_data_change=warn"):
        prepare_data(cfg)
    prepare_data(cfg.replace(on_data_change="warn"))


def test_training_names_label_rows_whose_block_spans_two_recordings(data, tmp_path,
                                                                       caplog):
    from pirounet.systems.pirounet.data.prepare import prepare_data, spanning_blocks

    assert spanning_blocks(np.array([0, 40, 2480, 2520, 2560]),
                           np.array([0, 2554, 4047])).tolist() == [2520]
    labels = tmp_path / "labels.csv"
    boundary = 1893  # trimmed frames of the first recording of `data`
    labels.write_text((data / "labels_from_app.csv").read_text() + "1880,2,2\n1920,2,2\n")
    cfg = TRAINING.load([*data_args(data), f"--labels_path={labels}"])
    assert int(prepare_data(cfg).recordings.offsets[1]) == boundary
    said = [r.getMessage() for r in caplog.records if "spans two recordings" in r.getMessage()]
    assert len(said) == 1 and "start 1880 " in said[0] and "mariel_adagio.npy into " \
        "mariel_bolero.npy" in said[0]
