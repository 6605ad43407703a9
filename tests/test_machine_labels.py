"""The machine-labels command: share, seed, marking, and a file training reads as any other."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT

import main as train_main
from pirounet.skeletons import VICON_53
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet.data.label_files import (
    MACHINE,
    MACHINE_DESCRIPTION,
    NA,
    describe_label_sources,
    label_source_counts,
    read_label_file,
    read_label_sources,
    read_recordings_identity,
    sources_path,
)
from pirounet.systems.pirounet.data.labels import load_labels
from pirounet.systems.pirounet.data.mocap import load_recordings
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app.__main__ import main as app_main
from pirounet.systems.pirounet.machine_labels import main, pick_blocks
from pirounet.systems.pirounet.suggestions import block_scores, label_blocks

SEQ_LEN = 40


@pytest.fixture(scope="module")
def pattern(tmp_path_factory) -> str:
    """Two small synthetic recordings (the last block of the first spans into the second)."""
    folder = tmp_path_factory.mktemp("machine")
    write_synthetic_dataset(folder, seed=2, frames=60 * SEQ_LEN + 13, n_files=2)
    return str(folder / "mariel_*.npy")


def run(pattern: str, out, *args: str) -> np.ndarray:
    main([f"--data_pattern={pattern}", f"--out={out}", *args])
    return read_label_file(out)


def test_share_and_seed_pick_the_blocks(pattern, tmp_path):
    rec = load_recordings(pattern)
    _, offered = label_blocks(rec.offsets, SEQ_LEN)
    rows = run(pattern, tmp_path / "a_machine.csv", "--share=0.5", "--seed=3")
    assert len(rows) == round(0.5 * len(offered))
    assert np.isin(rows[:, 0], offered).all()  # only blocks inside one recording
    np.testing.assert_array_equal(rows[:, 0], offered[pick_blocks(len(offered), 0.5, 3)])
    again = run(pattern, tmp_path / "b_machine.csv", "--share=0.5", "--seed=3")
    np.testing.assert_array_equal(again, rows)  # same seed, same file
    other = run(pattern, tmp_path / "c_machine.csv", "--share=0.5", "--seed=4")
    assert set(other[:, 0].tolist()) != set(rows[:, 0].tolist())
    assert len(run(pattern, tmp_path / "d_machine.csv", "--share=1")) == len(offered)


def test_values_are_the_meter_thirds_of_all_blocks(pattern, tmp_path):
    rows = run(pattern, tmp_path / "labels_machine.csv", "--share=1")
    rec = load_recordings(pattern)
    _, offered = label_blocks(rec.offsets, SEQ_LEN)
    scores = block_scores(rec.poses, offered, SEQ_LEN, VICON_53)
    expected = np.searchsorted(np.quantile(scores, [1 / 3, 2 / 3]), scores, side="right") + 1
    np.testing.assert_array_equal(rows[:, 2], expected)
    assert (rows[:, 1] == NA).all()  # the meter measures Time only: Space is N/A
    assert abs(np.bincount(rows[:, 2])[1:] - len(rows) / 3).max() <= 1


def test_file_is_marked_machine_and_reads_like_any_label_file(pattern, tmp_path):
    out = tmp_path / "labels_machine_meter.csv"
    rows = run(pattern, out, "--share=0.33", "--seed=0")
    marks = read_label_sources(out)
    assert sources_path(out).name == "labels_machine_meter.sources.csv"
    assert marks == {s: (t, MACHINE) for s, _, t in rows.tolist()}
    counts = label_source_counts(out)
    assert counts == {"human": 0, "suggested": 0, "machine": len(rows)}
    assert describe_label_sources(counts) == MACHINE_DESCRIPTION == "machine labels (meter)"
    names = [r["name"] for r in read_recordings_identity(out)["recordings"]]
    assert names == [f.name for f in load_recordings(pattern).files]  # training checks it
    # The paper's reader: np.loadtxt and two columns after dropping one effort.
    table = np.loadtxt(out, delimiter=",")
    assert table.shape == (len(rows), 3)
    starts, classes = load_labels(out, "time", n_frames=len(load_recordings(pattern).poses))
    assert len(starts) > len(rows) and set(classes.tolist()) <= {0, 1, 2}


def test_refusals_are_one_line(pattern, tmp_path, capsys):
    out = tmp_path / "labels_machine_meter.csv"
    run(pattern, out)
    for args, words in [
        ([f"--out={out}"], "exists; pass --overwrite"),
        ([f"--out={tmp_path / 'labels.csv'}"], "must contain 'machine'"),
        (["--share=0", f"--out={tmp_path / 'x_machine.csv'}"], "--share must be in (0, 1]"),
        ([f"--data_pattern={tmp_path}/none_*.npy", f"--out={tmp_path / 'y_machine.csv'}"],
         "no recordings match"),
    ]:
        with pytest.raises(SystemExit) as stop:
            main([f"--data_pattern={pattern}", *args] if "--data_pattern" not in args[0]
                 else args)
        assert str(stop.value).startswith("error: ") and words in str(stop.value)
    run(pattern, out, "--overwrite", "--seed=1")  # asked: replaced


def test_a_run_on_machine_labels_says_so_in_its_tables(tmp_path, monkeypatch):
    write_synthetic_dataset(tmp_path / "data", seed=0, frames=3000, n_files=2)
    labels = tmp_path / "data" / "labels_machine_meter.csv"
    main([f"--data_pattern={tmp_path}/data/mariel_*.npy", "--share=0.5"])
    monkeypatch.chdir(tmp_path)
    data = [f"--data_pattern={tmp_path}/data/mariel_*.npy", f"--labels_path={labels}"]
    train_main.main([str(ROOT / "configs" / "tiny.py"), "--epochs=1", *data])
    switches = ["quantitative", "qualitative_generation", "reconstruction", "latent_space",
                "entanglement", "blind_export", "blind_accuracy"]
    metrics = main_eval.evaluate(main_eval.EVALUATION.load([
        str(ROOT / "configs" / "eval_debug.py"), "--load_from_checkpoint=tiny",
        "--cpu_threads=1", *(f"--{s}=False" for s in switches)]))
    assert metrics["labels"]["source"] == "machine labels (meter)"
    assert metrics["labels"]["counts"]["machine"] == len(read_label_file(labels))
    assert "| machine labels (meter) |" in metrics["paper_table"]["markdown"]
    assert any(w.startswith("The run learned from machine labels (meter)")
               for w in metrics["warnings"])
    report = (tmp_path / "results" / "debug" / "tiny" / "report.html").read_text()
    assert "Labels the run learned from" in report and "machine labels (meter)" in report


@pytest.mark.parametrize("flag, words", [("--fps=-3", "fps -3.0: expected >= 0"),
                                         ("--trim_frames=-2", "trim_frames -2: expected >= -1"),
                                         ("--skeleton=nonsense", "skeleton 'nonsense': expected")])
def test_layout_options_are_checked_as_training_checks_them(pattern, tmp_path, flag, words):
    with pytest.raises(SystemExit) as stop:
        main([f"--data_pattern={pattern}", f"--out={tmp_path / 'm_machine.csv'}", flag])
    assert str(stop.value).startswith("error: ") and words in str(stop.value)
    with pytest.raises(SystemExit) as stop:
        app_main([f"--data={pattern}", f"--out={tmp_path / 'l.csv'}",
                  flag.replace("trim_frames", "trim-frames")])
    assert str(stop.value).startswith("error: ") and words in str(stop.value)
