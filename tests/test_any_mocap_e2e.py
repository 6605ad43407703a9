"""PirouNet on another skeleton, end to end: a BVH written by the project's own exporter is read
back, machine-labelled by the effort meter, trained on and evaluated; the run records its
skeleton and refuses data of another in one line."""
import json
import logging

import numpy as np
import pytest
import torch

import main
import main_eval
from helpers import ROOT
from pirounet.interchange.bvh import fit_bvh, write_bvh
from pirounet.skeletons import VICON_KEPT_RAW_INDICES
from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.data.any_mocap import Layout
from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset
from pirounet.systems.pirounet.machine_labels import write_machine_labels

TINY = str(ROOT / "configs" / "tiny.py")
DEBUG = str(ROOT / "configs" / "eval_debug.py")
BVH_JOINTS = 26  # the exporter's 21 joints and the 5 End Sites the reader adds


@pytest.fixture(scope="module")
def bvh_run(tmp_path_factory):
    """Two BVH dances from the exporter, machine labels on half the blocks, a tiny run."""
    root = tmp_path_factory.mktemp("any_mocap")
    data = root / "data"
    recordings = make_synthetic_dataset(seed=0, frames=700, n_files=2).recordings
    for i, raw in enumerate(recordings.values()):
        markers = np.transpose(raw, (1, 0, 2))[500:1200][:, VICON_KEPT_RAW_INDICES].copy()
        markers[..., 2] *= -1.0  # metres, z up
        write_bvh(data / f"take{i}.bvh", fit_bvh(markers, fps=35.0))
    labels = data / "labels_machine_meter.csv"
    write_machine_labels(str(data / "*.bvh"), labels, share=0.5, seed=0,
                         layout=Layout(fps=25.0))  # the run's rate
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        main.main([TINY, f"--data_pattern={data}/*.bvh", f"--labels_path={labels}",
                   "--split=ratio", "--fps=25"])
    return root


def test_a_bvh_run_records_its_skeleton_and_rate(bvh_run):
    ckpt = torch.load(bvh_run / "saved_models" / "tiny" / "last.pt", weights_only=True)
    skeleton = ckpt["data_fingerprint"]["skeleton"]
    assert len(skeleton["joints"]) == BVH_JOINTS and skeleton["fps"] == 25.0
    assert skeleton["body"]["Lhand"] == ["LeftWrist_end"] and skeleton["parents"][0] == -1
    assert ckpt["config"]["input_dim"] == BVH_JOINTS * 3  # from the data, not the Vicon 159
    log = (bvh_run / "saved_models" / "tiny" / "train.log").read_text()
    assert "resampled from 35 to 25 fps" in log and "input_dim = 78" in log


def test_a_bvh_run_evaluates_with_its_skeleton(bvh_run, monkeypatch):
    monkeypatch.chdir(bvh_run)
    metrics = main_eval.main([DEBUG, "--load_from_checkpoint=tiny", "--cpu_threads=1",
                              "--latent_space=False", "--entanglement=False"])
    q = metrics["quantitative"]
    assert np.isfinite(q["ajd"]["valid"]) and np.isfinite(q["ajd_mean_pose"]["valid"])
    assert 0 <= q["generated"]["effort_recognition_rate"]["mean"] <= 1
    results = bvh_run / "results" / "debug" / "tiny"
    dances = np.load(results / "generation" / "conditional.npy")
    assert dances.shape[-2:] == (BVH_JOINTS, 3)
    assert (results / "generation" / "conditional_strip.png").is_file()
    assert json.loads((results / "metrics.json").read_text())["data_fingerprint"]["skeleton"]


def test_a_run_refuses_data_of_another_skeleton(bvh_run, monkeypatch, tmp_path):
    rows = np.random.default_rng(0).normal(size=(400, 72)) * 0.1 + 1.0
    np.savetxt(tmp_path / "smpl.csv", rows, delimiter=",")  # SMPL's 24 joints
    labels = tmp_path / "labels_machine_meter.csv"
    write_machine_labels(str(tmp_path / "smpl.csv"), labels, share=0.5, seed=0)
    monkeypatch.chdir(bvh_run)
    with pytest.raises(DataError, match=r"^the run was trained on skeleton take0 \(26 joints\), "
                       r"but the recordings are smpl24 \(24 joints\); a run learns one skeleton$"):
        main.main([TINY, "--load_from_checkpoint=tiny", "--run_name=other",
                   f"--data_pattern={tmp_path}/smpl.csv",
                   f"--labels_path={labels}"])


def test_recordings_of_two_skeletons_are_refused_by_file(tmp_path, caplog):
    names = ["hips", "l_knee", "r_knee", "head", "l_hand", "r_hand", "l_foot", "r_foot"]
    for i, n in enumerate((8, 9)):
        np.savez(tmp_path / f"{i}.npz", positions=np.ones((50, n, 3)),
                 joints=np.array((names + ["extra"])[:n]))
    from pirounet.systems.pirounet.data.mocap import load_recordings

    with caplog.at_level(logging.INFO), pytest.raises(DataError, match=r"1\.npz: skeleton 1 "
                                                      r"\(9 joints\), but .*0\.npz has 0"):
        load_recordings(str(tmp_path / "*.npz"))


def test_a_bvh_runs_dances_export_on_its_own_skeleton(bvh_run, monkeypatch):
    from pirounet.interchange.joints3d import read_motion
    from pirounet.systems.pirounet.export import export_run

    monkeypatch.chdir(bvh_run)
    if not (bvh_run / "results" / "debug" / "tiny" / "generation").is_dir():
        main_eval.main([DEBUG, "--load_from_checkpoint=tiny", "--cpu_threads=1",
                        "--latent_space=False", "--entanglement=False", "--quantitative=False"])
    written = export_run("tiny", "both", results=bvh_run / "results" / "debug" / "tiny",
                         scale=2.0)
    bvh = next(p for p in written if p.suffix == ".bvh")
    back = read_motion(bvh)  # the run's joint tree, written with position channels
    ckpt = torch.load(bvh_run / "saved_models" / "tiny" / "last.pt", weights_only=True)
    assert set(back.skeleton.joints) == set(ckpt["data_fingerprint"]["skeleton"]["joints"])
    assert back.fps == pytest.approx(25.0) and back.skeleton.body["Lhand"] == ("LeftWrist_end",)
    assert any(p.suffix == ".c3d" for p in written)
