"""3-D joints seen by a camera: a motion capture as the 2-D OpenPose-15 poses a video gives.

    poses = to_openpose15(motion, Camera())          # (T, 15, 2), y up, x as the camera sees

The 15 joints (pirounet.skeletons.OPENPOSE_15) come from the motion skeleton's body points,
so any skeleton that names them works (Tang et al. 2018, SMPL, COCO, BVH with the usual
names):

    Nose                        a joint named "nose" if there is one, else the head point
                                (the head's centre: a few cm behind a real nose)
    Neck                        the neck point (Tang, COCO: the shoulders' midpoint)
    R/L Shoulder, Elbow, Wrist  the shoulder, elbow and wrist points of that side
    MidHip                      the midpoint of the two hips (as OpenPose's MidHip)
    R/L Hip, Knee, Ankle        the hip, knee and ankle points of that side

The camera is orthographic (no perspective: a dancer far from the lens), level by default,
and placed in front of the dancer: it faces where the dancer faces over the first second
(the hips' line turned a quarter to the front), as a camera set up for the audience.
`azimuth_deg` fixes it instead (0: the camera looks along +y, 90: along -x, counterclockwise
seen from above) and `elevation_deg` raises it. Image x runs to the camera's right, so the
dancer's right side is on the left of the image when they face the camera, as in a video;
metres become pixels at `pixels_per_metre` (200: a 1.7 m dancer 340 px tall, as in 720p video).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pirounet.interchange.motion import Motion
from pirounet.skeletons import OPENPOSE_15

# Each OpenPose-15 joint as the body point(s) it is made of (a tuple: their midpoint).
FROM_BODY: dict[str, tuple[str, ...]] = {
    "Nose": ("head",), "Neck": ("neck",), "MidHip": ("Lhip", "Rhip"),
    **{f"{side}{joint}": (f"{side}{joint.lower()}",) for side in "RL"
       for joint in ("Shoulder", "Elbow", "Wrist", "Hip", "Knee", "Ankle")},
}
FACING_S = 1.0  # seconds of the dance's start whose mean facing sets the camera


@dataclass(frozen=True)
class Camera:
    """An orthographic camera: where it looks from, and how big a metre appears."""

    azimuth_deg: float | None = None  # None: in front of the dancer's start; else fixed
    elevation_deg: float = 0.0  # degrees above the horizon the camera looks down from
    pixels_per_metre: float = 200.0


def openpose15_points(motion: Motion) -> np.ndarray:
    """The 15 joints (T, 15, 3) in metres, z up, from the skeleton's body points."""
    skeleton = motion.skeleton
    needed = sorted({p for points in FROM_BODY.values() for p in points})
    skeleton.require(needed, "a 2-D OpenPose-15 pose")
    nose = [j for j in skeleton.joints if j.lower() == "nose"]
    groups = {}
    for joint in OPENPOSE_15.joints:
        if joint == "Nose" and nose:
            groups[joint] = (nose[0],)
        else:
            groups[joint] = tuple(j for p in FROM_BODY[joint] for j in skeleton.body[p])
    matrix = skeleton.group_matrix(groups, dtype=np.float64)  # (15, J)
    return np.einsum("gj,tjd->tgd", matrix, motion.positions.astype(np.float64))


def facing(points: np.ndarray) -> np.ndarray:
    """The dancer's mean horizontal facing (2,), a unit vector, from (T, 15, 3) points."""
    index = OPENPOSE_15.index
    across = points[:, index["RHip"]] - points[:, index["LHip"]]  # (T, 3) left to right
    across = across + points[:, index["RShoulder"]] - points[:, index["LShoulder"]]
    forward = np.stack([-across[:, 1], across[:, 0]], axis=-1)  # up x (right - left)
    forward = np.nanmean(forward, axis=0)
    norm = np.linalg.norm(forward)
    return forward / norm if norm > 0 else np.array([0.0, -1.0])


def axes(camera: Camera, points: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """The image's right and up directions (3,) each, in world coordinates."""
    if camera.azimuth_deg is None:
        start = points[:max(1, int(round(FACING_S * fps)))]
        look = -facing(start)  # the camera looks at the dancer's front
        azimuth = np.arctan2(-look[0], look[1])
    else:
        azimuth = np.radians(camera.azimuth_deg)
    down = np.radians(camera.elevation_deg)
    forward = np.array([-np.sin(azimuth) * np.cos(down), np.cos(azimuth) * np.cos(down),
                        -np.sin(down)])
    right = np.array([np.cos(azimuth), np.sin(azimuth), 0.0])  # level, whatever the elevation
    return right, np.cross(right, forward)


def project(points: np.ndarray, right: np.ndarray, up: np.ndarray, scale: float) -> np.ndarray:
    """(T, J, 3) world points -> (T, J, 2) image points (x right, y up), orthographic."""
    return np.stack([points @ right, points @ up], axis=-1) * scale


def to_openpose15(motion: Motion, camera: Camera = Camera()) -> np.ndarray:
    """A 3-D motion as OpenPose-15 poses (T, 15, 2) in pixels, y up (module doc)."""
    points = openpose15_points(motion)  # (T, 15, 3)
    right, up = axes(camera, points, motion.fps)
    return project(points, right, up, camera.pixels_per_metre).astype(np.float32)
