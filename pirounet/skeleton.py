"""The Vicon marker set of the mariel recordings and the 22-segment stick figure drawn from it."""
from __future__ import annotations

import numpy as np

FPS = 35.0  # frame rate of the mariel recordings (about 35 frames per second)

# The 53 markers kept after preprocessing, in index order (pose = these x 3, flattened).
MARKERS: tuple[str, ...] = (
    "ARIEL", "C7", "CLAV", "LANK", "LBHD", "LBSH", "LBWT", "LELB", "LFHD", "LFRM", "LFSH",
    "LFWT", "LHEL", "LIEL", "LIHAND", "LIWR", "LKNE", "LKNI", "LMT1", "LMT5", "LOHAND", "LOWR",
    "LSHN", "LTHI", "LTOE", "LUPA", "MBWT", "MFWT", "RANK", "RBHD", "RBSH", "RBWT", "RELB",
    "RFHD", "RFRM", "RFSH", "RFWT", "RHEL", "RIEL", "RIHAND", "RIWR", "RKNE", "RKNI", "RMT1",
    "RMT5", "ROHAND", "ROWR", "RSHN", "RTHI", "RTOE", "RUPA", "STRN", "T10",
)
N_MARKERS = len(MARKERS)  # 53
POSE_DIM = 3 * N_MARKERS  # 159

# Raw files hold 55 markers: two derived hip points sit at indices 26 and 53 and are dropped.
DROPPED_MARKERS: dict[int, str] = {26: "LabelingHips", 53: "SolvingHips"}
RAW_MARKERS: tuple[str, ...] = MARKERS[:26] + ("LabelingHips",) + MARKERS[26:52] + (
    "SolvingHips",
) + MARKERS[52:]
N_RAW_MARKERS = len(RAW_MARKERS)  # 55
KEPT_RAW_INDICES = np.array([i for i in range(N_RAW_MARKERS) if i not in DROPPED_MARKERS])

INDEX = {name: i for i, name in enumerate(MARKERS)}

# Each end of a drawn segment is the mean of a group of markers (docs/published_method.md, "Data").
_GROUPS: dict[str, tuple[str, ...]] = {
    "pelvis": ("LFWT", "RFWT", "LBWT", "RBWT"),
    "chest": ("STRN", "T10"),
    "neck": ("CLAV", "C7"),
    **{f"{s}heel": (f"{s}HEL",) for s in "LR"},
    **{f"{s}toe": (f"{s}TOE",) for s in "LR"},
    **{f"{s}knee": (f"{s}KNE", f"{s}KNI") for s in "LR"},
    **{f"{s}shoulder": (f"{s}FSH", f"{s}BSH") for s in "LR"},
    **{f"{s}elbow": (f"{s}ELB", f"{s}IEL") for s in "LR"},
    **{f"{s}wrist": (f"{s}OWR", f"{s}IWR") for s in "LR"},
    **{h: (h,) for h in ("LFHD", "LBHD", "RBHD", "RFHD", "ARIEL")},
}
SEGMENTS: tuple[tuple[str, str], ...] = (
    ("Lheel", "Ltoe"), ("Rheel", "Rtoe"),
    ("Lknee", "Lheel"), ("Rknee", "Rheel"),
    ("Lknee", "pelvis"), ("Rknee", "pelvis"),
    ("pelvis", "chest"), ("chest", "neck"),
    ("neck", "Lshoulder"), ("neck", "Rshoulder"),
    ("Lshoulder", "Lelbow"), ("Rshoulder", "Relbow"),
    ("Lelbow", "Lwrist"), ("Relbow", "Rwrist"),
    ("LFHD", "LBHD"), ("LBHD", "RBHD"), ("RBHD", "RFHD"), ("RFHD", "LFHD"),
    ("LFHD", "ARIEL"), ("LBHD", "ARIEL"), ("RBHD", "ARIEL"), ("RFHD", "ARIEL"),
)
N_SEGMENTS = len(SEGMENTS)  # 22


def group_matrix(groups: dict[str, tuple[str, ...]], dtype=np.float32) -> np.ndarray:
    """(n_groups, 53) matrix whose row g averages the markers of group g; G @ markers."""
    matrix = np.zeros((len(groups), N_MARKERS), dtype=dtype)
    for g, members in enumerate(groups.values()):
        matrix[g, [INDEX[m] for m in members]] = 1.0 / len(members)
    return matrix


# (n_groups, 53) averaging matrix: joints = G @ markers turns markers into segment ends.
GROUP_NAMES: tuple[str, ...] = tuple(_GROUPS)
GROUP_MATRIX = group_matrix(_GROUPS)
SEGMENT_INDEX = np.array(
    [(GROUP_NAMES.index(a), GROUP_NAMES.index(b)) for a, b in SEGMENTS], dtype=np.int64
)  # (22, 2) indices into GROUP_NAMES

# Markers on the end effectors (hands, feet, head), used by the kinematic effort measures.
END_EFFECTORS: tuple[str, ...] = (
    "LIHAND", "LOHAND", "RIHAND", "ROHAND", "LTOE", "RTOE", "LHEL", "RHEL",
    "LFHD", "RFHD", "LBHD", "RBHD", "ARIEL",
)
END_EFFECTOR_INDICES = np.array([INDEX[m] for m in END_EFFECTORS])


def as_markers(poses: np.ndarray) -> np.ndarray:
    """View flat poses (..., 159) as markers (..., 53, 3); marker arrays pass through."""
    poses = np.asarray(poses)
    if poses.shape[-1] == POSE_DIM:
        return poses.reshape(*poses.shape[:-1], N_MARKERS, 3)
    if poses.shape[-2:] != (N_MARKERS, 3):
        raise ValueError(f"expected poses of shape (..., 159) or (..., 53, 3), got {poses.shape}")
    return poses


def segment_endpoints(poses: np.ndarray) -> np.ndarray:
    """Segment ends (..., 22, 2, 3) of the stick figure for poses (..., 53, 3) or (..., 159)."""
    # (G, 53) @ (..., 53, 3) -> (..., G, 3); matmul is ~30x faster here than einsum.
    joints = GROUP_MATRIX @ as_markers(poses)
    return joints[..., SEGMENT_INDEX, :]


def segment_lengths(poses: np.ndarray) -> np.ndarray:
    """Lengths (..., 22) of the drawn segments."""
    ends = segment_endpoints(poses)
    return np.linalg.norm(ends[..., 1, :] - ends[..., 0, :], axis=-1)
