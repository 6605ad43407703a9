"""The synthetic dancer's body: a kinematic skeleton with joint limits and Vicon markers.

The body is a tree of 15 rigid segments (pelvis root, thorax, head, upper arms, forearms,
hands, thighs, shanks, feet) of a person about 1.70 m tall. Every segment has a frame whose
origin is the joint it hangs from; in the rest pose all frames are aligned with the world:
x forward, y to the body's left, z up, metres, arms hanging by the sides with palms forward.

Each joint has three angles (pitch about y, roll about x, twist about the segment's own z),
applied in that order. Hinges (elbow, knee) have zero-width limits on the axes they lack.
Positive pitch tips a segment that points up forward and one that points down backward, so
hip and shoulder flexion are negative pitch and knee flexion is positive. Positive roll moves
a hanging segment to the left; the right side's limits are the left's mirrored in roll and twist.

Markers sit at fixed offsets in their segment's frame, so distances between markers on one
segment never change. Marker pairs that straddle a joint (FSH/BSH about the shoulder, ELB/IEL
on the elbow axis, KNE/KNI on the knee axis, OWR/IWR about the wrist) have their midpoint at
the joint centre, and the spine pivots about the centroid of the four waist markers. That
keeps 18 of the 22 stick-figure segments (pirounet.skeletons.VICON_53.segments) rigid; knee->pelvis and
knee->heel change with hip and ankle angles, as they do on a real body.
"""
from __future__ import annotations

import numpy as np

from pirounet.skeletons import VICON_RAW_MARKERS as RAW_MARKERS

SEGMENT_NAMES: tuple[str, ...] = (
    "pelvis", "thorax", "head",
    "l_upperarm", "l_forearm", "l_hand", "r_upperarm", "r_forearm", "r_hand",
    "l_thigh", "l_shank", "l_foot", "r_thigh", "r_shank", "r_foot",
)
SEG = {name: i for i, name in enumerate(SEGMENT_NAMES)}
N_SEGMENTS = len(SEGMENT_NAMES)

# Waist markers on the pelvis; their centroid is where the one-joint spine pivots.
_WAIST = {"LFWT": (0.10, 0.12, 0.07), "LBWT": (-0.08, 0.08, 0.10)}
_WAIST_CENTRE = (0.01, 0.0, 0.085)  # mean of LFWT, RFWT, LBWT, RBWT
_SHOULDER = (-0.01, 0.18, 0.38)  # left shoulder joint in the thorax frame

# Left-side and midline segments: (parent, joint position in the parent's frame, metres).
_LEFT_TREE: dict[str, tuple[str | None, tuple[float, float, float]]] = {
    "pelvis": (None, (0.0, 0.0, 0.0)),  # origin: midpoint of the hip joints
    "thorax": ("pelvis", _WAIST_CENTRE),
    "head": ("thorax", (-0.01, 0.0, 0.44)),  # neck joint, ~1.45 m above the floor
    "l_upperarm": ("thorax", _SHOULDER),
    "l_forearm": ("l_upperarm", (0.0, 0.0, -0.29)),
    "l_hand": ("l_forearm", (0.0, 0.0, -0.25)),
    "l_thigh": ("pelvis", (0.0, 0.09, 0.0)),
    "l_shank": ("l_thigh", (0.0, 0.0, -0.42)),
    "l_foot": ("l_shank", (0.0, 0.0, -0.42)),  # ankle joint, ~8 cm above the floor
}

# Joint limits of left-side and midline joints, radians: (pitch, roll, twist) x (low, high).
_LEFT_LIMITS: dict[str, tuple[tuple[float, float], ...]] = {
    "pelvis": ((-0.15, 0.30), (-0.15, 0.15), (0.0, 0.0)),  # yaw is free; see root_rotation
    "thorax": ((-0.35, 0.80), (-0.40, 0.40), (-0.50, 0.50)),
    "head": ((-0.50, 0.60), (-0.40, 0.40), (-0.90, 0.90)),
    "l_upperarm": ((-2.80, 0.70), (-0.20, 2.60), (-1.00, 1.00)),
    "l_forearm": ((-2.50, 0.0), (0.0, 0.0), (-1.20, 1.20)),
    "l_hand": ((-1.00, 1.00), (-0.30, 0.40), (0.0, 0.0)),
    "l_thigh": ((-1.90, 0.40), (-0.30, 1.00), (-0.60, 0.80)),
    "l_shank": ((0.0, 2.20), (0.0, 0.0), (0.0, 0.0)),
    "l_foot": ((-0.35, 0.80), (-0.30, 0.30), (0.0, 0.0)),
}

# Markers of the left side and midline: (segment, offset in the segment's frame, metres).
_LEFT_MARKERS: dict[str, tuple[str, tuple[float, float, float]]] = {
    **{m: ("pelvis", xyz) for m, xyz in _WAIST.items()},
    "MFWT": ("pelvis", (0.12, 0.0, 0.06)),
    "MBWT": ("pelvis", (-0.10, 0.0, 0.11)),
    "LabelingHips": ("pelvis", _WAIST_CENTRE),  # derived: mean of the four waist markers
    "SolvingHips": ("pelvis", (0.0, 0.0, 0.0)),  # derived: midpoint of the hip joints
    "STRN": ("thorax", (0.10, 0.0, 0.22)),
    "T10": ("thorax", (-0.11, 0.0, 0.16)),
    "CLAV": ("thorax", (0.07, 0.0, 0.40)),
    "C7": ("thorax", (-0.08, 0.0, 0.45)),
    "LFSH": ("thorax", (_SHOULDER[0] + 0.05, _SHOULDER[1], _SHOULDER[2])),
    "LBSH": ("thorax", (_SHOULDER[0] - 0.05, _SHOULDER[1], _SHOULDER[2])),
    "LFHD": ("head", (0.09, 0.07, 0.15)),
    "LBHD": ("head", (-0.08, 0.07, 0.16)),
    "ARIEL": ("head", (0.0, 0.0, 0.25)),  # top of the head, ~1.70 m
    "LUPA": ("l_upperarm", (-0.03, 0.05, -0.16)),
    "LELB": ("l_upperarm", (0.0, 0.035, -0.29)),
    "LIEL": ("l_upperarm", (0.0, -0.035, -0.29)),
    "LFRM": ("l_forearm", (-0.03, 0.03, -0.12)),
    "LOWR": ("l_forearm", (0.0, 0.03, -0.25)),
    "LIWR": ("l_forearm", (0.0, -0.03, -0.25)),
    "LOHAND": ("l_hand", (-0.015, 0.035, -0.08)),
    "LIHAND": ("l_hand", (-0.015, -0.035, -0.08)),
    "LTHI": ("l_thigh", (0.02, 0.08, -0.22)),
    "LKNE": ("l_thigh", (0.0, 0.05, -0.42)),
    "LKNI": ("l_thigh", (0.0, -0.05, -0.42)),
    "LSHN": ("l_shank", (0.03, 0.04, -0.22)),
    "LANK": ("l_shank", (0.0, 0.035, -0.42)),
    "LHEL": ("l_foot", (-0.06, 0.0, -0.045)),
    "LTOE": ("l_foot", (0.16, 0.0, -0.05)),
    "LMT1": ("l_foot", (0.12, -0.035, -0.055)),
    "LMT5": ("l_foot", (0.10, 0.045, -0.055)),
}

FLOOR_CLEARANCE = 0.015  # metres from the floor to the centre of a marker on the sole
_FOOT_MARKERS = tuple(f"{s}{m}" for s in "LR" for m in ("HEL", "TOE", "MT1", "MT5", "ANK"))
_SOFTMIN_TEMPERATURE = 0.01  # metres; the lowest foot marker rests at most ~2 cm too high


def _mirror_name(name: str) -> str:
    """The right-side twin of a left-side segment or marker name (midline names unchanged)."""
    if name.startswith("l_"):
        return "r_" + name[2:]
    if name.startswith("L") and name != "LabelingHips":
        return "R" + name[1:]
    return name


def _build_tree() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parent index (S,), joint offsets (S, 3) and joint limits (S, 3, 2) for all segments."""
    parent = np.full(N_SEGMENTS, -1)
    offset = np.zeros((N_SEGMENTS, 3))
    limits = np.zeros((N_SEGMENTS, 3, 2))
    for name, (par, xyz) in _LEFT_TREE.items():
        lim = np.array(_LEFT_LIMITS[name])
        sides = [(name, False)] + ([(_mirror_name(name), True)] if name.startswith("l_") else [])
        for side_name, flip in sides:
            s = SEG[side_name]
            parent[s] = -1 if par is None else SEG[_mirror_name(par) if flip else par]
            offset[s] = (xyz[0], -xyz[1], xyz[2]) if flip else xyz
            # Mirroring in the sagittal plane negates roll and twist.
            limits[s] = np.stack([lim[0], -lim[1, ::-1], -lim[2, ::-1]]) if flip else lim
    return parent, offset, limits


def _build_markers() -> tuple[np.ndarray, np.ndarray]:
    """Segment index (55,) and local offset (55, 3) of every raw marker, in RAW_MARKERS order."""
    table = dict(_LEFT_MARKERS)
    for name, (seg, (x, y, z)) in _LEFT_MARKERS.items():
        table.setdefault(_mirror_name(name), (_mirror_name(seg), (x, -y, z)))
    segment = np.array([SEG[table[m][0]] for m in RAW_MARKERS])
    offset = np.array([table[m][1] for m in RAW_MARKERS], dtype=np.float64)
    return segment, offset


PARENT, JOINT_OFFSET, LIMITS = _build_tree()  # (S,), (S, 3), (S, 3, 2)
MARKER_SEGMENT, MARKER_OFFSET = _build_markers()  # (55,), (55, 3)
FOOT_MARKER_INDICES = np.array([RAW_MARKERS.index(m) for m in _FOOT_MARKERS])


def _axis_rotation(angle: np.ndarray, axis: int) -> np.ndarray:
    """Rotation matrices (..., 3, 3) by `angle` (...) about coordinate axis 0, 1 or 2."""
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]  # the plane the rotation turns
    rot = np.zeros(angle.shape + (3, 3))
    rot[..., axis, axis] = 1.0
    rot[..., i, i], rot[..., j, j] = c, c
    rot[..., i, j], rot[..., j, i] = -s, s
    return rot


def joint_rotation(angles: np.ndarray) -> np.ndarray:
    """Local rotations (..., 3, 3) of joints from (pitch, roll, twist) angles (..., 3)."""
    return (
        _axis_rotation(angles[..., 0], 1)
        @ _axis_rotation(angles[..., 1], 0)
        @ _axis_rotation(angles[..., 2], 2)
    )


def root_rotation(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """World rotation (..., 3, 3) of the pelvis: turn on the floor (yaw), then tilt."""
    return _axis_rotation(yaw, 2) @ _axis_rotation(pitch, 1) @ _axis_rotation(roll, 0)


def forward_kinematics(root_pos: np.ndarray, yaw: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Raw marker positions (T, 55, 3), z up, from the root (T, 3), yaw (T,), angles (T, S, 3)."""
    local = joint_rotation(angles)  # (T, S, 3, 3)
    rot = np.empty_like(local)
    pos = np.empty(angles.shape[:2] + (3,))  # (T, S, 3) joint centres
    rot[:, 0] = root_rotation(yaw, angles[:, 0, 0], angles[:, 0, 1])
    pos[:, 0] = root_pos
    for s in range(1, N_SEGMENTS):  # parents come before children in SEGMENT_NAMES
        p = PARENT[s]
        rot[:, s] = rot[:, p] @ local[:, s]
        pos[:, s] = pos[:, p] + rot[:, p] @ JOINT_OFFSET[s]
    return pos[:, MARKER_SEGMENT] + np.einsum(
        "tmij,mj->tmi", rot[:, MARKER_SEGMENT], MARKER_OFFSET
    )


def place_on_floor(markers: np.ndarray, lift: np.ndarray) -> np.ndarray:
    """Shift (T, 55, 3) markers vertically so the lowest sole touches the floor, plus `lift` (T,).

    A soft minimum over the foot markers keeps the shift smooth (no acceleration spikes when
    the supporting foot changes); it is never above the true minimum, so no marker goes below
    FLOOR_CLEARANCE.
    """
    heights = markers[:, FOOT_MARKER_INDICES, 2]  # (T, 10)
    lowest = heights.min(axis=1, keepdims=True)
    soft = lowest[:, 0] - _SOFTMIN_TEMPERATURE * np.log(
        np.exp(-(heights - lowest) / _SOFTMIN_TEMPERATURE).sum(axis=1)
    )  # (T,)
    out = markers.copy()
    out[..., 2] += (FLOOR_CLEARANCE - soft + lift)[:, None]
    return out
