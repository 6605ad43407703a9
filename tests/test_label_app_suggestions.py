"""The meter's suggestions in the labeling app: shown with a confidence, saved only if accepted."""
from __future__ import annotations

import json

import numpy as np
import pytest
from test_label_app_api import call, post

from pirounet.skeletons import BODY_POINTS, Skeleton
from pirounet.systems.pirounet.data.label_files import (
    label_source_counts,
    read_label_file,
    read_label_sources,
    sources_path,
)
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.label_app import LabelApp, recording_task
from pirounet.systems.pirounet.label_app.tasks import LABEL_MODE, Task
from pirounet.systems.pirounet.suggestions import MIN_PER_CLASS

SEQ_LEN, N_BLOCKS = 40, 30


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    """A 30-block synthetic recording, loaded as the app loads it."""
    folder = tmp_path_factory.mktemp("rec")
    write_synthetic_dataset(folder, seed=3, frames=N_BLOCKS * SEQ_LEN + 5, n_files=1)
    return recording_task(str(folder / "mariel_*.npy"), SEQ_LEN)


def test_every_block_has_a_suggestion_and_nothing_is_written(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))
    state = json.loads(call(address, "GET", "/api/state")[1])
    hints = state["suggestions"]
    assert len(hints) == N_BLOCKS
    assert {h["value"] for h in hints} == {1, 2, 3}  # uncalibrated: thirds of the scores
    confidence = [h["confidence"] for h in hints]
    assert all(0 < c <= 1 for c in confidence) and min(confidence) < 0.9
    assert "uncalibrated" in state["meter"]
    assert state["labels"] == [None] * N_BLOCKS and state["sources"] == [None] * N_BLOCKS
    for i in range(3):
        call(address, "GET", f"/api/block/{i}")
    assert not out.exists() and not sources_path(out).exists()  # shown, never saved


def test_accepting_saves_the_suggestion_and_marks_it(task, tmp_path, serve):
    out = tmp_path / "labels.csv"
    address = serve(LabelApp(task, out))
    hints = json.loads(call(address, "GET", "/api/state")[1])["suggestions"]
    wrong = hints[0]["value"] % 3 + 1
    status, answer = post(address, {"block": 0, "time": wrong, "space": 2, "suggestion": True})
    assert status == 400 and "is not the suggestion for block 0" in answer["error"]
    assert not out.exists()
    status, answer = post(address, {"block": 0, "time": hints[0]["value"], "space": 2,
                                    "suggestion": True})
    assert status == 200 and answer["source"] == "suggested"
    status, answer = post(address, {"block": 1, "time": hints[1]["value"], "space": 1})
    assert status == 200 and answer["source"] == "human"  # same value, chosen by hand
    np.testing.assert_array_equal(read_label_file(out), [[0, 2, hints[0]["value"]],
                                                         [40, 1, hints[1]["value"]]])
    assert read_label_sources(out) == {0: (hints[0]["value"], "suggested")}
    assert label_source_counts(out) == {"human": 1, "suggested": 1, "machine": 0}
    assert post(address, {"block": 2, "time": 1, "space": 1, "suggestion": "yes"})[0] == 400
    # The person relabels block 0 by hand: the mark goes.
    assert post(address, {"block": 0, "time": wrong, "space": 2})[0] == 200
    assert read_label_sources(out) == {}
    state = json.loads(call(address, "GET", "/api/state")[1])
    assert state["sources"][:3] == ["human", "human", None]


def test_own_labels_calibrate_the_meter_accepted_ones_do_not(task, tmp_path):
    app = LabelApp(task, tmp_path / "labels.csv")
    first = app.suggestions()
    order = np.argsort(app._scores)  # lowest to highest score
    thirds = np.array_split(order, 3)
    for value, blocks in zip((1, 2, 3), thirds):  # accepted suggestions: still uncalibrated
        for i in blocks[:MIN_PER_CLASS].tolist():
            app.save({"block": i, "time": int(first.values[i]), "space": 4,
                      "suggestion": True})
    assert not app.suggestions().meter.calibrated
    for value, blocks in zip((1, 2, 3), thirds):  # the person's own, one class per third
        for i in blocks[-MIN_PER_CLASS:].tolist():
            app.save({"block": i, "time": value, "space": 4})
    calibrated = app.suggestions()
    assert calibrated.meter.calibrated and calibrated.n_own_labels == 3 * MIN_PER_CLASS
    assert "calibrated on your 9 Time labels" in app.state()["meter"]


def stick_task(without: str = "") -> Task:
    """Six blocks of a 5-joint 3-D skeleton named unlike Vicon markers, waving one hand."""
    joints = ("top", "root", "hand_a", "hand_b", "toe_a")
    body = {point: ("root",) for point in BODY_POINTS}
    body.update(head=("top",), Lhand=("hand_a",), Rhand=("hand_b",), Lfoot=("toe_a",),
                Rfoot=("root",))
    body.pop(without, None)
    skeleton = Skeleton(name="stick5", joints=joints, dims=3, fps=25.0, body=body,
                        segments=(("root", "top"), ("root", "hand_a"), ("root", "hand_b"),
                                  ("root", "toe_a")), end_effectors=())
    t = np.arange(6 * SEQ_LEN)
    poses = np.zeros((len(t), 5, 3), np.float32)
    poses[:, 0, 2] = 1.0
    poses[:, 2, 0] = 0.5 + 0.1 * np.sin(t * (1 + t // SEQ_LEN) / 10)  # faster every block
    starts = np.arange(6) * SEQ_LEN
    return Task(LABEL_MODE, poses, starts, starts, SEQ_LEN, "stick", skeleton=skeleton)


def test_any_skeleton_draws_and_gets_suggestions(tmp_path):
    app = LabelApp(stick_task(), tmp_path / "labels.csv")
    state = app.state()
    assert state["skeleton"] == "stick5" and state["fps"] == 25.0
    assert np.array(app.block(0)["frames"]).shape == (SEQ_LEN, 4, 2, 3)
    assert [h["value"] for h in state["suggestions"]] == [1, 1, 2, 2, 3, 3]  # faster: sudden


def test_a_skeleton_without_a_role_is_labelled_by_hand(tmp_path, caplog):
    app = LabelApp(stick_task(without="Rfoot"), tmp_path / "labels.csv")
    state = app.state()
    assert state["suggestions"] is None
    assert "no suggestions: skeleton stick5 has no 'Rfoot' body point" in state["meter"]
    with pytest.raises(ValueError, match="no suggestion to accept"):
        app.save({"block": 0, "time": 1, "space": 1, "suggestion": True})
    app.save({"block": 0, "time": 1, "space": 1})  # by hand, as ever


def test_segments_are_coloured_by_side_on_every_skeleton():
    from pirounet.skeletons import SMPL_24, TANG_23, VICON_53
    from pirounet.systems.pirounet.label_app.tasks import segment_side

    def sides(skeleton):
        return [segment_side(pair, skeleton) for pair in skeleton.segments]

    assert sides(TANG_23)[:6] == ["", "", "", "L", "R", "L"]  # l_shoulder, r_shoulder, ...
    assert sides(SMPL_24).count("L") == sides(SMPL_24).count("R") == 9  # 5 on the midline
    vicon = dict(zip(VICON_53.segments, sides(VICON_53)))
    assert vicon[("Lheel", "Ltoe")] == "L" and vicon[("LFHD", "LBHD")] == "L"
    assert vicon[("LBHD", "RBHD")] == vicon[("pelvis", "chest")] == ""


def test_blind_export_of_another_skeleton_is_drawn_with_it(tmp_path):
    from pirounet.skeletons import TANG_23
    from pirounet.systems.pirounet.data import DataError
    from pirounet.systems.pirounet.data.label_files import write_blind_info
    from pirounet.systems.pirounet.label_app import blind_task

    seqs = np.random.default_rng(0).normal(size=(6, SEQ_LEN, 23, 3)).astype(np.float32)
    np.save(tmp_path / "sequences.npy", seqs)
    with pytest.raises(DataError, match=r"expected vicon53 poses .* got \(6, 40, 23, 3\)"):
        blind_task(tmp_path)  # no skeleton recorded: the Vicon layout
    write_blind_info(tmp_path, "time", 6, TANG_23.to_dict())
    task = blind_task(tmp_path)
    assert task.skeleton is TANG_23
    app = LabelApp(task, tmp_path / "human_labels.csv")
    frames = np.array(app.block(0)["frames"])
    assert frames.shape == (SEQ_LEN, TANG_23.n_segments, 2, 3)
    assert app.state()["skeleton"] == "tang23" and app.state()["suggestions"] is None
    stick = stick_task().skeleton  # not a known skeleton: rebuilt from its dict
    np.save(tmp_path / "sequences.npy", seqs[..., :5, :])
    write_blind_info(tmp_path, "time", 6, stick.to_dict())
    assert blind_task(tmp_path).skeleton.joints == stick.joints


def test_a_bvh_recording_is_served_with_its_own_skeleton(tmp_path):
    from pirounet.interchange.bvh import fit_bvh, write_bvh
    from pirounet.skeletons import VICON_KEPT_RAW_INDICES
    from pirounet.systems.pirounet.data.any_mocap import Layout
    from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset

    raw = next(iter(make_synthetic_dataset(seed=0, frames=500, n_files=1).recordings.values()))
    markers = np.transpose(raw, (1, 0, 2))[500:1000][:, VICON_KEPT_RAW_INDICES].copy()
    markers[..., 2] *= -1.0  # metres, z up
    write_bvh(tmp_path / "take.bvh", fit_bvh(markers, fps=35.0))
    task = recording_task(str(tmp_path / "*.bvh"), SEQ_LEN, Layout(fps=25.0))
    assert task.skeleton.n_joints == 26 and task.skeleton.fps == 25.0  # resampled as trained
    app = LabelApp(task, tmp_path / "labels.csv")
    state = app.state()
    assert state["fps"] == 25.0 and len(state["suggestions"]) == len(task.starts)
    assert np.array(app.block(0)["frames"]).shape == (SEQ_LEN, task.skeleton.n_segments, 2, 3)
    assert {"L", "R"} <= set(state["sides"])
