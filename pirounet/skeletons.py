"""Skeletons: which joints a pose holds, how to draw them and which body points they give.

A pose is a flat vector (..., J * D) or an array (..., J, D) of J joints (or markers) in D = 3
(x, y, z with z up) or D = 2 (x, y with y up) dimensions. A Skeleton says what the J joints
are, and everything that draws or measures poses (pirounet.viz, pirounet.metrics) takes one:

    VICON_53     PirouNet's mocap: 53 Vicon markers in 3-D at 35 fps. Drawn points are means
                 of marker groups (a marker sits on the skin, not on the joint).
    OPENPOSE_15  learn2dance's video poses: the first 15 OpenPose BODY_25 joints in 2-D,
                 30 fps by default (video frame rates vary; the data says which).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import numpy as np

# Named body points every skeleton provides (as joint groups), for the geometric features.
BODY_POINTS = ("pelvis", "neck", "head", "Lhip", "Rhip", "Lshoulder", "Rshoulder", "Lelbow",
               "Relbow", "Lwrist", "Rwrist", "Lhand", "Rhand", "Lknee", "Rknee", "Lankle",
               "Rankle", "Lfoot", "Rfoot")


@dataclass(frozen=True, eq=False)
class Skeleton:
    """A joint set: names, dimensions, frame rate, drawn segments, body points, end effectors.

    points: named points as the joints they average ({"pelvis": ("LFWT", "RFWT", ...)}); a
    joint's own name is a point too. segments: pairs of point names, drawn as lines.
    body: the BODY_POINTS, as joint groups. end_effectors: joints of hands, feet and head.
    """

    name: str
    joints: tuple[str, ...]
    dims: int
    fps: float
    segments: tuple[tuple[str, str], ...]
    body: Mapping[str, tuple[str, ...]]
    end_effectors: tuple[str, ...]
    points: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dims not in (2, 3):
            raise ValueError(f"skeleton {self.name}: dims must be 2 or 3, got {self.dims}")
        missing = set(BODY_POINTS) - set(self.body)
        if missing:
            raise ValueError(f"skeleton {self.name}: body points missing: {sorted(missing)}")

    def __repr__(self) -> str:
        return f"Skeleton({self.name}: {self.n_joints} joints, {self.dims}-D, {self.fps} fps)"

    @property
    def n_joints(self) -> int:
        return len(self.joints)

    @property
    def pose_dim(self) -> int:
        """Length of a flat pose: joints x dims (159 for VICON_53, 30 for OPENPOSE_15)."""
        return self.n_joints * self.dims

    @property
    def up(self) -> int:
        """The vertical axis: z (2) in 3-D, y (1) in 2-D."""
        return self.dims - 1

    @cached_property
    def index(self) -> dict[str, int]:
        """Joint name -> index."""
        return {name: i for i, name in enumerate(self.joints)}

    def indices(self, names) -> np.ndarray:
        """Indices of the named joints."""
        return np.array([self.index[n] for n in names], dtype=np.int64)

    def group_matrix(self, groups: Mapping[str, tuple[str, ...]], dtype=np.float32) -> np.ndarray:
        """(n_groups, J) matrix whose row g averages the joints of group g: G @ joints."""
        matrix = np.zeros((len(groups), self.n_joints), dtype=dtype)
        for g, members in enumerate(groups.values()):
            matrix[g, self.indices(members)] = 1.0 / len(members)
        return matrix

    @cached_property
    def _drawn(self) -> tuple[np.ndarray, np.ndarray]:
        """(P, J) averaging matrix of the drawn points and (S, 2) segment ends into it."""
        groups = {**{j: (j,) for j in self.joints}, **self.points}
        names = list(groups)
        used = sorted({n for seg in self.segments for n in seg}, key=names.index)
        matrix = self.group_matrix({n: groups[n] for n in used})
        ends = np.array([(used.index(a), used.index(b)) for a, b in self.segments], np.int64)
        return matrix, ends

    @property
    def n_segments(self) -> int:
        return len(self.segments)

    @cached_property
    def end_effector_indices(self) -> np.ndarray:
        return self.indices(self.end_effectors)

    def as_joints(self, poses: np.ndarray) -> np.ndarray:
        """View flat poses (..., J*D) as joints (..., J, D); joint arrays pass through."""
        poses = np.asarray(poses)
        if poses.shape[-1] == self.pose_dim:
            return poses.reshape(*poses.shape[:-1], self.n_joints, self.dims)
        if poses.shape[-2:] != (self.n_joints, self.dims):
            raise ValueError(f"expected {self.name} poses of shape (..., {self.pose_dim}) or "
                             f"(..., {self.n_joints}, {self.dims}), got {poses.shape}")
        return poses

    def segment_endpoints(self, poses: np.ndarray) -> np.ndarray:
        """Segment ends (..., S, 2, D) of the stick figure."""
        matrix, ends = self._drawn
        points = matrix @ self.as_joints(poses)  # (P, J) @ (..., J, D); ~30x faster than einsum
        return points[..., ends, :]

    def segment_lengths(self, poses: np.ndarray) -> np.ndarray:
        """Lengths (..., S) of the drawn segments."""
        ends = self.segment_endpoints(poses)
        return np.linalg.norm(ends[..., 1, :] - ends[..., 0, :], axis=-1)


# ---- VICON_53: the mariel recordings' 53 markers (pose = these x 3, flattened)

_VICON_MARKERS: tuple[str, ...] = (
    "ARIEL", "C7", "CLAV", "LANK", "LBHD", "LBSH", "LBWT", "LELB", "LFHD", "LFRM", "LFSH",
    "LFWT", "LHEL", "LIEL", "LIHAND", "LIWR", "LKNE", "LKNI", "LMT1", "LMT5", "LOHAND", "LOWR",
    "LSHN", "LTHI", "LTOE", "LUPA", "MBWT", "MFWT", "RANK", "RBHD", "RBSH", "RBWT", "RELB",
    "RFHD", "RFRM", "RFSH", "RFWT", "RHEL", "RIEL", "RIHAND", "RIWR", "RKNE", "RKNI", "RMT1",
    "RMT5", "ROHAND", "ROWR", "RSHN", "RTHI", "RTOE", "RUPA", "STRN", "T10",
)
VICON_53 = Skeleton(
    name="vicon53",
    joints=_VICON_MARKERS,
    dims=3,
    fps=35.0,  # the mariel recordings: about 35 frames per second
    # Each end of a drawn segment is the mean of a group of markers (docs/published_method.md).
    points={
        "pelvis": ("LFWT", "RFWT", "LBWT", "RBWT"),
        "chest": ("STRN", "T10"),
        "neck": ("CLAV", "C7"),
        **{f"{s}heel": (f"{s}HEL",) for s in "LR"},
        **{f"{s}toe": (f"{s}TOE",) for s in "LR"},
        **{f"{s}knee": (f"{s}KNE", f"{s}KNI") for s in "LR"},
        **{f"{s}shoulder": (f"{s}FSH", f"{s}BSH") for s in "LR"},
        **{f"{s}elbow": (f"{s}ELB", f"{s}IEL") for s in "LR"},
        **{f"{s}wrist": (f"{s}OWR", f"{s}IWR") for s in "LR"},
    },
    segments=(
        ("Lheel", "Ltoe"), ("Rheel", "Rtoe"),
        ("Lknee", "Lheel"), ("Rknee", "Rheel"),
        ("Lknee", "pelvis"), ("Rknee", "pelvis"),
        ("pelvis", "chest"), ("chest", "neck"),
        ("neck", "Lshoulder"), ("neck", "Rshoulder"),
        ("Lshoulder", "Lelbow"), ("Rshoulder", "Relbow"),
        ("Lelbow", "Lwrist"), ("Relbow", "Rwrist"),
        ("LFHD", "LBHD"), ("LBHD", "RBHD"), ("RBHD", "RFHD"), ("RFHD", "LFHD"),
        ("LFHD", "ARIEL"), ("LBHD", "ARIEL"), ("RBHD", "ARIEL"), ("RFHD", "ARIEL"),
    ),
    body={
        "pelvis": ("LFWT", "RFWT", "LBWT", "RBWT"),
        "neck": ("CLAV", "C7"),
        "head": ("LFHD", "RFHD", "LBHD", "RBHD"),
        **{f"{s}hip": (f"{s}FWT", f"{s}BWT") for s in "LR"},
        **{f"{s}shoulder": (f"{s}FSH", f"{s}BSH") for s in "LR"},
        **{f"{s}elbow": (f"{s}ELB", f"{s}IEL") for s in "LR"},
        **{f"{s}wrist": (f"{s}OWR", f"{s}IWR") for s in "LR"},
        **{f"{s}hand": (f"{s}IHAND", f"{s}OHAND") for s in "LR"},
        **{f"{s}knee": (f"{s}KNE", f"{s}KNI") for s in "LR"},
        **{f"{s}ankle": (f"{s}ANK",) for s in "LR"},
        **{f"{s}foot": (f"{s}HEL", f"{s}TOE") for s in "LR"},
    },
    end_effectors=("LIHAND", "LOHAND", "RIHAND", "ROHAND", "LTOE", "RTOE", "LHEL", "RHEL",
                   "LFHD", "RFHD", "LBHD", "RBHD", "ARIEL"),
)

# The raw mariel files hold 55 markers: two derived hip points at indices 26 and 53, which
# reading drops (pirounet/systems/pirounet/data/mocap.py); the synthetic body writes the same layout.
VICON_DROPPED_MARKERS: dict[int, str] = {26: "LabelingHips", 53: "SolvingHips"}
VICON_RAW_MARKERS: tuple[str, ...] = (
    _VICON_MARKERS[:26] + ("LabelingHips",) + _VICON_MARKERS[26:52] + ("SolvingHips",)
    + _VICON_MARKERS[52:])
VICON_KEPT_RAW_INDICES = np.array(
    [i for i in range(len(VICON_RAW_MARKERS)) if i not in VICON_DROPPED_MARKERS])

# ---- OPENPOSE_15: the first 15 joints of OpenPose BODY_25, the order learn2dance uses

_OPENPOSE_JOINTS: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle",
)
OPENPOSE_15 = Skeleton(
    name="openpose15",
    joints=_OPENPOSE_JOINTS,
    dims=2,
    fps=30.0,
    segments=(  # the 14 bones of the published code
        ("Nose", "Neck"),
        ("Neck", "RShoulder"), ("RShoulder", "RElbow"), ("RElbow", "RWrist"),
        ("Neck", "LShoulder"), ("LShoulder", "LElbow"), ("LElbow", "LWrist"),
        ("Neck", "MidHip"),
        ("MidHip", "RHip"), ("RHip", "RKnee"), ("RKnee", "RAnkle"),
        ("MidHip", "LHip"), ("LHip", "LKnee"), ("LKnee", "LAnkle"),
    ),
    body={  # no hands or feet in the 15 joints: wrists and ankles stand in
        "pelvis": ("MidHip",), "neck": ("Neck",), "head": ("Nose",),
        **{f"{s}{part}": (f"{side}{joint}",)
           for s, side in (("L", "L"), ("R", "R"))
           for part, joint in (("hip", "Hip"), ("shoulder", "Shoulder"), ("elbow", "Elbow"),
                               ("wrist", "Wrist"), ("hand", "Wrist"), ("knee", "Knee"),
                               ("ankle", "Ankle"), ("foot", "Ankle"))},
    },
    end_effectors=("Nose", "RWrist", "LWrist", "RAnkle", "LAnkle"),
)

SKELETONS = {s.name: s for s in (VICON_53, OPENPOSE_15)}
