"""Skeletons: which joints a pose holds, how to draw them and which body points they give.

A pose is a flat vector (..., J * D) or an array (..., J, D) of J joints (or markers) in D = 3
(x, y, z with z up) or D = 2 (x, y with y up) dimensions. A Skeleton says what the J joints
are, and everything that draws or measures poses (pirounet.viz, pirounet.metrics) takes one:

    VICON_53     PirouNet's mocap: 53 Vicon markers in 3-D at 35 fps. Drawn points are means
                 of marker groups (a marker sits on the skin, not on the joint).
    OPENPOSE_15  learn2dance's video poses: the first 15 OpenPose BODY_25 joints in 2-D,
                 30 fps by default (video frame rates vary; the data says which).
    TANG_23, SMPL_24, COCO_17 (pirounet.skeleton_sets): other 3-D joint sets; a BVH or a
                 skeleton definition file brings its own (pirounet.interchange).

Body points (BODY_POINTS) are roles: which joints make the pelvis, the hands, the feet. A
skeleton may lack some (a BVH without hands); whatever needs one asks with `require`, which
names the missing role in one error line.
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


class SkeletonError(ValueError):
    """A skeleton that lacks what a step needs, or data that does not fit a skeleton."""


@dataclass(frozen=True, eq=False)
class Skeleton:
    """A joint set: names, dimensions, frame rate, drawn segments, body points, end effectors.

    points: named points as the joints they average ({"pelvis": ("LFWT", "RFWT", ...)}); a
    joint's own name is a point too. segments: pairs of point names, drawn as lines.
    body: the BODY_POINTS it has, as joint groups. end_effectors: joints of hands, feet and
    head. parents: each joint's parent index (-1 for a root) where the joints form a tree
    (a hierarchy read from BVH); empty for marker sets.
    """

    name: str
    joints: tuple[str, ...]
    dims: int
    fps: float
    segments: tuple[tuple[str, str], ...]
    body: Mapping[str, tuple[str, ...]]
    end_effectors: tuple[str, ...]
    points: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parents: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.dims not in (2, 3):
            raise ValueError(f"skeleton {self.name}: dims must be 2 or 3, got {self.dims}")
        if len(set(self.joints)) != len(self.joints):
            raise ValueError(f"skeleton {self.name}: joint names repeat")
        unknown = set(self.body) - set(BODY_POINTS)
        if unknown:
            raise ValueError(f"skeleton {self.name}: unknown body points {sorted(unknown)}; "
                             f"expected some of {', '.join(BODY_POINTS)}")
        named = {*self.joints, *self.points}
        groups = [*self.body.values(), *self.points.values(), self.end_effectors]
        strays = sorted({j for g in groups for j in g} - set(self.joints)
                        | {n for seg in self.segments for n in seg} - named)
        if strays:
            raise ValueError(f"skeleton {self.name}: names {strays} are not its joints")
        if self.parents and not _is_tree(self.parents, self.n_joints):
            raise ValueError(f"skeleton {self.name}: parents must give one joint (or -1 for "
                             f"a root) for each of the {self.n_joints} joints, without cycles")

    def require(self, points, purpose: str) -> None:
        """Raise SkeletonError naming the first body point in `points` the skeleton lacks."""
        for point in points:
            if point not in self.body:
                raise SkeletonError(
                    f"skeleton {self.name} has no '{point}' body point, which {purpose} "
                    f"needs; it has {', '.join(self.body) or 'none'} (a skeleton definition "
                    "file's \"body\" maps a point to its joints)")

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

    def to_dict(self) -> dict:
        """Plain values (lists, dicts, str, float): for checkpoints and definition files."""
        return {"name": self.name, "joints": list(self.joints), "dims": self.dims,
                "fps": float(self.fps), "parents": list(self.parents),
                "segments": [list(s) for s in self.segments],
                "body": {k: list(v) for k, v in self.body.items()},
                "points": {k: list(v) for k, v in self.points.items()},
                "end_effectors": list(self.end_effectors)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Skeleton":
        """The skeleton to_dict wrote; a known name with the same joints gives that object."""
        known = SKELETONS.get(d["name"])
        if known is not None and list(known.joints) == list(d["joints"]):
            return known
        return cls(name=str(d["name"]), joints=tuple(d["joints"]), dims=int(d["dims"]),
                   fps=float(d["fps"]), parents=tuple(int(p) for p in d.get("parents", ())),
                   segments=tuple(tuple(s) for s in d["segments"]),
                   body={k: tuple(v) for k, v in d["body"].items()},
                   points={k: tuple(v) for k, v in d.get("points", {}).items()},
                   end_effectors=tuple(d["end_effectors"]))

    def same_layout(self, other: "Skeleton") -> bool:
        """Same joints in the same order and dimensions: poses of one fit the other."""
        return self.joints == other.joints and self.dims == other.dims


def _is_tree(parents: tuple[int, ...], n: int) -> bool:
    """Whether parents (one index or -1 per joint) lead every joint up to a root."""
    if len(parents) != n or any(not -1 <= p < n for p in parents):
        return False
    for i in range(n):
        seen = 0
        while i >= 0 and seen <= n:
            i, seen = parents[i], seen + 1
        if seen > n:
            return False
    return True


def tree_segments(joints: tuple[str, ...], parents: tuple[int, ...]) -> tuple:
    """The bones (parent, child) of a joint tree, as segments."""
    return tuple((joints[p], joints[i]) for i, p in enumerate(parents) if p >= 0)


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


def _sided(pattern: str) -> dict[str, tuple[str, ...]]:
    """Body points of both sides from one pattern: "{s}knee" -> {"Lknee": ("l_knee",), ...}."""
    out = {}
    for part, joints in _SIDED_PARTS[pattern].items():
        for s, side in (("L", "l"), ("R", "r")):
            out[f"{s}{part}"] = tuple(j.format(s=side, S=s) for j in joints)
    return out


# ---- TANG_23: Tang, Jia and Mao (ACM MM 2018) "Dance with Melody" skeletons.json joints.
# The dataset's drawing code gives the bones; sides follow from the data under right-handed
# axes (knees bend forward, so left = up x forward): 3-6 and 7-11 are the right side, and the
# second point of each foot pair is ahead (the toe). Joints 0 and 1 are two head points
# (joint 1 sits higher on average); 21 and 22 point the hands' direction (near each wrist).
_TANG_JOINTS: tuple[str, ...] = (
    "head_a", "head_b", "pelvis",
    "r_shoulder", "r_elbow", "r_wrist", "r_hand", "r_hip", "r_knee", "r_ankle", "r_heel",
    "r_toe",
    "l_shoulder", "l_elbow", "l_wrist", "l_hand", "l_hip", "l_knee", "l_ankle", "l_heel",
    "l_toe",
    "l_hand_dir", "r_hand_dir",
)
_TANG_PARENTS = (1, 2, -1, 2, 3, 4, 5, 2, 7, 8, 9, 9, 2, 12, 13, 14, 2, 16, 17, 18, 18, 14, 6)
_SIDED_PARTS = {
    "tang": {"hip": ("{s}_hip",), "shoulder": ("{s}_shoulder",), "elbow": ("{s}_elbow",),
             "wrist": ("{s}_wrist",), "hand": ("{s}_hand",), "knee": ("{s}_knee",),
             "ankle": ("{s}_ankle",), "foot": ("{s}_heel", "{s}_toe")},
    "smpl": {"hip": ("{s}_hip",), "shoulder": ("{s}_shoulder",), "elbow": ("{s}_elbow",),
             "wrist": ("{s}_wrist",), "hand": ("{s}_hand",), "knee": ("{s}_knee",),
             "ankle": ("{s}_ankle",), "foot": ("{s}_foot",)},
    "coco": {"hip": ("{s}_hip",), "shoulder": ("{s}_shoulder",), "elbow": ("{s}_elbow",),
             "wrist": ("{s}_wrist",), "hand": ("{s}_wrist",), "knee": ("{s}_knee",),
             "ankle": ("{s}_ankle",), "foot": ("{s}_ankle",)},
}
TANG_23 = Skeleton(
    name="tang23",
    joints=_TANG_JOINTS,
    dims=3,
    fps=25.0,  # the dataset's 25 fps release
    parents=_TANG_PARENTS,
    points={"neck": ("l_shoulder", "r_shoulder"), **{
        f"{s}foot_mid": (f"{s.lower()}_heel", f"{s.lower()}_toe") for s in "LR"}},
    segments=(("head_a", "head_b"), ("head_b", "neck"), ("neck", "pelvis"),
              ("neck", "l_shoulder"), ("neck", "r_shoulder"),
              *[(f"{s}_{a}", f"{s}_{b}") for s in "lr" for a, b in (
                  ("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "hand"),
                  ("hip", "knee"), ("knee", "ankle"), ("heel", "toe"))],
              ("pelvis", "l_hip"), ("pelvis", "r_hip"),
              ("l_ankle", "Lfoot_mid"), ("r_ankle", "Rfoot_mid")),
    body={"pelvis": ("pelvis",), "neck": ("l_shoulder", "r_shoulder"),
          "head": ("head_a", "head_b"), **_sided("tang")},
    end_effectors=("head_a", "head_b", "l_hand", "r_hand", "l_toe", "r_toe", "l_heel",
                   "r_heel"),
)

# ---- SMPL_24: the 24 joints of the SMPL body model (AIST++ joint positions), in its order.
_SMPL_JOINTS: tuple[str, ...] = (
    "pelvis", "l_hip", "r_hip", "spine1", "l_knee", "r_knee", "spine2", "l_ankle", "r_ankle",
    "spine3", "l_foot", "r_foot", "neck", "l_collar", "r_collar", "head", "l_shoulder",
    "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_hand", "r_hand",
)
_SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20,
                 21)
SMPL_24 = Skeleton(
    name="smpl24",
    joints=_SMPL_JOINTS,
    dims=3,
    fps=30.0,  # AIST++ is 60 fps; its joint exports are often 30
    parents=_SMPL_PARENTS,
    segments=tree_segments(_SMPL_JOINTS, _SMPL_PARENTS),
    body={"pelvis": ("pelvis",), "neck": ("neck",), "head": ("head",), **_sided("smpl")},
    end_effectors=("head", "l_hand", "r_hand", "l_foot", "r_foot"),
)

# ---- COCO_17: the 17 COCO keypoints (AIST++ keypoints3d), in their order.
_COCO_JOINTS: tuple[str, ...] = (
    "nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder", "l_elbow",
    "r_elbow", "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle",
    "r_ankle",
)
COCO_17 = Skeleton(
    name="coco17",
    joints=_COCO_JOINTS,
    dims=3,
    fps=60.0,  # AIST++ keypoints3d
    points={"neck": ("l_shoulder", "r_shoulder"), "mid_hip": ("l_hip", "r_hip")},
    segments=(("nose", "l_eye"), ("nose", "r_eye"), ("l_eye", "l_ear"), ("r_eye", "r_ear"),
              ("nose", "neck"), ("neck", "mid_hip"),
              *[(f"{s}_{a}", f"{s}_{b}") for s in "lr" for a, b in (
                  ("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"),
                  ("knee", "ankle"))],
              ("neck", "l_shoulder"), ("neck", "r_shoulder"), ("mid_hip", "l_hip"),
              ("mid_hip", "r_hip")),
    body={"pelvis": ("l_hip", "r_hip"), "neck": ("l_shoulder", "r_shoulder"),
          "head": ("nose", "l_ear", "r_ear"), **_sided("coco")},
    end_effectors=("nose", "l_wrist", "r_wrist", "l_ankle", "r_ankle"),
)

SKELETONS = {s.name: s for s in (VICON_53, OPENPOSE_15, TANG_23, SMPL_24, COCO_17)}
