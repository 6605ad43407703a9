"""2-D dances as OpenPose --write_json output: one BODY_25 JSON file per frame.

    write_openpose(poses, "out/my_dance", video="my_dance", fps=30.0)
    # out/my_dance/my_dance_000000000000_keypoints.json, ... and out/my_dance/fps.txt

poses: (T, 15, 2) OPENPOSE_15 joints (the first 15 of BODY_25, in that order) in pixels with
y up, as learn2dance holds them. Files hold image coordinates (y down: y is negated back), the
15 joints at their BODY_25 indices with confidence 1 (0 and position 0 where a value is NaN),
and BODY_25's 10 foot and face keypoints 15-24 as zeros (not seen). One person per frame.
The frame rate goes to fps.txt, the sidecar learn2dance reads (OpenPose JSON holds none), so
the folder reads back as the same dance through pirounet.systems.learn2dance.poses.read_dance.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

BODY25_KEYPOINTS = 25
FPS_FILE = "fps.txt"


def frame_name(video: str, index: int) -> str:
    """<video>_<12 digits>_keypoints.json, OpenPose's name for a frame file."""
    return f"{video}_{index:012d}_keypoints.json"


def openpose_frame(pose: np.ndarray) -> dict:
    """One frame's JSON object from a (J <= 25, 2) pose in pixels with y up."""
    keypoints = np.zeros((BODY25_KEYPOINTS, 3))
    pose = np.asarray(pose, dtype=np.float64)
    seen = np.isfinite(pose).all(axis=1)
    keypoints[: len(pose)][seen] = np.column_stack([pose[seen, 0], -pose[seen, 1],
                                                    np.ones(seen.sum())])
    return {"version": 1.3, "people": [{
        "person_id": [-1], "pose_keypoints_2d": [round(float(v), 6) for v in keypoints.ravel()],
        "face_keypoints_2d": [], "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": [],
        "pose_keypoints_3d": [], "face_keypoints_3d": [], "hand_left_keypoints_3d": [],
        "hand_right_keypoints_3d": []}]}


def write_openpose(poses: np.ndarray, folder: str | Path, video: str | None = None,
                   fps: float | None = None) -> Path:
    """Write (T, J, 2) poses as an OpenPose JSON folder (plus fps.txt); returns the folder."""
    folder = Path(folder)
    poses = np.asarray(poses)
    if poses.ndim != 3 or poses.shape[2] != 2 or poses.shape[1] > BODY25_KEYPOINTS:
        raise ValueError(f"expected 2-D poses (T, J <= 25, 2), got {poses.shape}")
    video = video or folder.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{video}_*_keypoints.json"):  # a shorter dance replaces a longer
        old.unlink()
    for t, pose in enumerate(poses):
        (folder / frame_name(video, t)).write_text(json.dumps(openpose_frame(pose)))
    if fps is not None:
        (folder / FPS_FILE).write_text(f"{float(fps):g}\n")
    return folder
