"""BVH out of VICON_53 markers: a joint hierarchy fitted to the marker groups.

    motion = fit_bvh(markers_m, fps=35.0)   # (T, 53, 3) metres, z up (a real-scale dance)
    write_bvh("dance.bvh", motion)
    positions = forward_kinematics(motion)  # (T, J, 3) cm, BVH axes: what a viewer shows

The hierarchy (RIG) has the joints Blender, MotionBuilder and Maya expect of a biped:

    Hips (root: pelvis centre, 6 channels)
      Spine (at the hips) > Chest (STRN, T10) > Neck (CLAV, C7) > Head (4 head markers)
                                                    [end site: ARIEL]
                          Neck > LeftCollar (at the neck) > LeftShoulder > LeftElbow >
                                 LeftWrist [end site: hand centre]; the same on the right
      LeftHip (LFWT, LBWT) > LeftKnee > LeftAnkle (LANK) > LeftToe (LTOE) [end site]; right

Each joint sits at the mean of its marker group (pirounet.skeletons.VICON_53.body/.points).
Bone lengths are the median over frames of the distance between the group centres. The rest
pose is a T-pose facing +Z, Y up, left = +X; units are centimetres (Blender: import with
scale 0.01; MotionBuilder and Maya read cm). Axes: the marker world (x, y, z up) maps to BVH
(X, Y, Z) = (x, z, -y).

Rotations: the root's full orientation comes from the pelvis markers (left-right hip axis and
front-back waist axis, a rigid set). Every other joint turns its bone from its rest direction
to the direction from its (forward-kinematics) position to its child's marker centre by the
smallest rotation in its parent's frame ("swing only"): twist about a bone is not observable
from one line of markers and is left at zero. Joints at the same place as their parent
(Spine, the collars) give the spine and the clavicles bones of their own, so every bone aims
exactly and forward kinematics misses a marker centre only by how far its bone's length
varies in the data (a few mm for rigid segments). Channels: Zrotation Xrotation Yrotation.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from pirounet.skeletons import VICON_53, Skeleton

CM = 100.0  # BVH units per metre
CHANNELS = ("Zrotation", "Xrotation", "Yrotation")
EULER = "ZXY"  # scipy intrinsic order matching CHANNELS: R = Rz @ Rx @ Ry
TOE_END_CM = 5.0  # the toe's end site: a fixed 5 cm forward (no marker beyond the toe)
_UP, _LEFT, _FORWARD = np.eye(3)[1], np.eye(3)[0], np.eye(3)[2]


@dataclass(frozen=True)
class RigJoint:
    """A joint of the fitted hierarchy: where it is and which way its bone points at rest."""

    name: str
    parent: str | None
    group: str | None  # a point of the skeleton (body group, drawn point or marker); None =
    #                    at its parent's place (a zero-length offset that starts a bone)
    rest: np.ndarray | None = None  # rest direction of its bone to its (first) child
    end: str | None = None  # the point its end site sits on, or "fixed" for TOE_END_CM
    pivot: bool = False  # placed where its child turns about, in its parent's frame (hips)


def _limb(side: str, sign: float) -> list[RigJoint]:
    s, full = side[0], side
    return [
        RigJoint(f"{full}Collar", "Neck", None, sign * _LEFT),
        RigJoint(f"{full}Shoulder", f"{full}Collar", f"{s}shoulder", sign * _LEFT),
        RigJoint(f"{full}Elbow", f"{full}Shoulder", f"{s}elbow", sign * _LEFT),
        RigJoint(f"{full}Wrist", f"{full}Elbow", f"{s}wrist", sign * _LEFT, end=f"{s}hand"),
        RigJoint(f"{full}Hip", "Hips", f"{s}hip", -_UP, pivot=True),
        RigJoint(f"{full}Knee", f"{full}Hip", f"{s}knee", -_UP),
        RigJoint(f"{full}Ankle", f"{full}Knee", f"{s}ankle", _FORWARD),
        RigJoint(f"{full}Toe", f"{full}Ankle", f"{s.upper()}TOE", _FORWARD, end="fixed"),
    ]


RIG: tuple[RigJoint, ...] = (
    RigJoint("Hips", None, "pelvis", None),
    RigJoint("Spine", "Hips", None, _UP),
    RigJoint("Chest", "Spine", "chest", _UP),
    RigJoint("Neck", "Chest", "neck", _UP),
    RigJoint("Head", "Neck", "head", _UP, end="ARIEL"),
    *_limb("Left", 1.0), *_limb("Right", -1.0),
)


@dataclass
class BvhMotion:
    """A fitted hierarchy and its motion, in BVH units (cm) and axes (Y up)."""

    names: list[str]
    parents: list[int]  # index of each joint's parent, -1 for the root; parents come first
    offsets: np.ndarray  # (J, 3) offset of each joint from its parent at rest
    end_sites: dict[int, np.ndarray]  # joint index -> end site offset
    root_positions: np.ndarray  # (T, 3) the root's position per frame
    rotations: np.ndarray  # (T, J, 3) local Euler angles in degrees, CHANNELS order
    frame_time: float  # seconds per frame
    targets: np.ndarray | None = None  # (T, J, 3) the marker centres each joint was fitted to

    @property
    def n_frames(self) -> int:
        return len(self.root_positions)


def to_bvh_axes(points_m: np.ndarray) -> np.ndarray:
    """(..., 3) metres, z up -> BVH centimetres, Y up: (x, z, -y) * 100."""
    p = np.asarray(points_m, dtype=np.float64)
    return np.stack([p[..., 0], p[..., 2], -p[..., 1]], axis=-1) * CM


def _centres(markers: np.ndarray, skeleton: Skeleton) -> dict[str, np.ndarray]:
    """Every named point of the skeleton (groups, drawn points, markers): (T, 3) BVH axes."""
    groups = {**{j: (j,) for j in skeleton.joints}, **skeleton.points, **skeleton.body}
    bvh = to_bvh_axes(skeleton.as_joints(markers))
    return {name: bvh[:, skeleton.indices(members)].mean(axis=1)
            for name, members in groups.items()}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) smallest rotations taking unit vectors a (3,) or (T, 3) to b (T, 3)."""
    a, b = np.broadcast_arrays(_unit(a), _unit(b))
    v, c = np.cross(a, b), np.einsum("...i,...i->...", a, b)
    k = np.zeros(v.shape[:-1] + (3, 3))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    k = k - np.swapaxes(k, -1, -2)
    eye = np.broadcast_to(np.eye(3), k.shape)
    out = eye + k + k @ k / np.maximum(1.0 + c, 1e-9)[..., None, None]
    opposite = c < -1.0 + 1e-9  # a half turn about any axis perpendicular to a
    if opposite.any():
        ref = np.where(np.abs(a[opposite][:, :1]) < 0.9, np.eye(3)[0], np.eye(3)[1])
        axis = _unit(np.cross(a[opposite], ref))
        out[opposite] = 2 * axis[:, :, None] * axis[:, None, :] - np.eye(3)
    return out


def _pelvis_frame(c: Mapping[str, np.ndarray], skeleton: Skeleton) -> np.ndarray:
    """(T, 3, 3) root orientation: columns left, up, forward from the waist markers."""
    left = _unit(c["Lhip"] - c["Rhip"])
    front = np.mean([c[m] for m in ("LFWT", "RFWT") if m in c], axis=0)
    back = np.mean([c[m] for m in ("LBWT", "RBWT") if m in c], axis=0)
    forward = front - back
    forward = _unit(forward - np.einsum("ti,ti->t", forward, left)[:, None] * left)
    up = np.cross(forward, left)
    return np.stack([left, up, forward], axis=-1)


def pivot_point(frame: np.ndarray, origin: np.ndarray, guess: np.ndarray,
                child: np.ndarray, pull: float = 4.0, max_shift: float = 25.0) -> np.ndarray:
    """(T, 3) joint centre, fixed in a parent frame, that `child` keeps a constant distance to.

    A least-squares sphere fit of the child's path in the frame (T, 3, 3) at origin (T, 3),
    pulled towards the marker group's mean place `guess` (T, 3) where the motion does not
    show it (pull: weight per frame, cm^2); if the fit lands over max_shift cm from the guess
    (too little motion to tell), the guess is kept. Functional joint centres, as in gait labs.
    """
    q = np.einsum("tji,tj->ti", frame, child - origin)  # the child in the parent frame
    g = np.median(np.einsum("tji,tj->ti", frame, guess - origin), axis=0)
    w = np.sqrt(pull * len(q))
    a = np.vstack([np.column_stack([2 * q, np.ones(len(q))]),
                   np.column_stack([w * np.eye(3), np.zeros(3)])])
    b = np.concatenate([(q ** 2).sum(axis=1), w * g])
    centre = np.linalg.lstsq(a, b, rcond=None)[0][:3]
    if np.linalg.norm(centre - g) > max_shift:
        centre = g
    return origin + np.einsum("tij,j->ti", frame, centre)


def fit_bvh(markers_m: np.ndarray, fps: float = VICON_53.fps, *,
            skeleton: Skeleton = VICON_53, rig: Sequence[RigJoint] = RIG) -> BvhMotion:
    """Fit the rig to marker positions (T, 53, 3) in metres with z up; see the module doc."""
    markers_m = skeleton.as_joints(np.asarray(markers_m, dtype=np.float64))
    if markers_m.ndim != 3 or not np.isfinite(markers_m).all():
        raise ValueError("expected finite marker positions (T, J, 3)")
    c = _centres(markers_m, skeleton)
    names = [j.name for j in rig]
    parents = [names.index(j.parent) if j.parent else -1 for j in rig]
    children = {i: [k for k, p in enumerate(parents) if p == i] for i in range(len(rig))}
    n = len(markers_m)
    # Each joint's fitted place: its group's centre, or its parent's (zero offset).
    target = np.zeros((n, len(rig), 3))
    for i, j in enumerate(rig):
        target[:, i] = c[j.group] if j.group else target[:, parents[i]]
    root = _pelvis_frame(c, skeleton)  # (T, 3, 3)
    for i, j in enumerate(rig):
        if j.pivot:  # a hip joint: where the knee turns about in the pelvis frame
            child = children[i][0]
            target[:, i] = pivot_point(root, target[:, parents[i]], target[:, i],
                                       target[:, child])
    offsets = np.zeros((len(rig), 3))
    end_sites: dict[int, np.ndarray] = {}
    # Offsets: rigid pelvis children from the pelvis frame, the rest rest-direction x length.
    for i, j in enumerate(rig):
        p = parents[i]
        if p < 0 or j.group is None:
            continue
        if parents[p] < 0:  # a child of the root: its place in the pelvis frame
            local = np.einsum("tji,tj->ti", root, target[:, i] - target[:, p])
            offsets[i] = np.median(local, axis=0)
        else:
            length = np.median(np.linalg.norm(target[:, i] - target[:, p], axis=-1))
            offsets[i] = rig[p].rest * length
    for i, j in enumerate(rig):
        if j.end == "fixed":
            end_sites[i] = j.rest * TOE_END_CM
        elif j.end:
            length = np.median(np.linalg.norm(c[j.end] - target[:, i], axis=-1))
            end_sites[i] = j.rest * length
    # Global rotations, parents first; positions by forward kinematics as we go.
    glob = np.zeros((n, len(rig), 3, 3))
    pos = np.zeros((n, len(rig), 3))
    for i, j in enumerate(rig):
        p = parents[i]
        if p < 0:
            glob[:, i], pos[:, i] = root, target[:, i]
            continue
        pos[:, i] = pos[:, p] + np.einsum("tij,j->ti", glob[:, p], offsets[i])
        aimed = [k for k in children[i] if rig[k].group is not None] or children[i]
        if aimed:
            goal = target[:, aimed[0]] - pos[:, i]
        elif j.end and j.end != "fixed":
            goal = c[j.end] - pos[:, i]
        else:
            glob[:, i] = glob[:, p]  # a toe: turns with its ankle
            continue
        in_parent = np.einsum("tji,tj->ti", glob[:, p], goal)
        glob[:, i] = glob[:, p] @ swing(j.rest, in_parent)
    local = glob.copy()
    for i, p in enumerate(parents):
        if p >= 0:
            local[:, i] = np.swapaxes(glob[:, p], -1, -2) @ glob[:, i]
    euler = Rotation.from_matrix(local.reshape(-1, 3, 3)).as_euler(EULER, degrees=True)
    return BvhMotion(names, parents, offsets, end_sites, target[:, 0].copy(),
                     euler.reshape(n, len(rig), 3), 1.0 / fps, target)


def forward_kinematics(motion: BvhMotion) -> np.ndarray:
    """Joint positions (T, J, 3) in BVH units and axes from the motion's Euler angles."""
    n, j = motion.rotations.shape[:2]
    local = Rotation.from_euler(EULER, motion.rotations.reshape(-1, 3), degrees=True)
    local = local.as_matrix().reshape(n, j, 3, 3)
    glob, pos = np.zeros_like(local), np.zeros((n, j, 3))
    for i, p in enumerate(motion.parents):
        if p < 0:
            glob[:, i], pos[:, i] = local[:, i], motion.root_positions + motion.offsets[i]
        else:
            glob[:, i] = glob[:, p] @ local[:, i]
            pos[:, i] = pos[:, p] + np.einsum("tij,j->ti", glob[:, p], motion.offsets[i])
    return pos


def bvh_text(motion: BvhMotion) -> str:
    """The BVH file's text: HIERARCHY then MOTION."""
    lines = ["HIERARCHY"]
    kids = {i: [k for k, p in enumerate(motion.parents) if p == i]
            for i in range(len(motion.names))}

    def joint(i: int, depth: int) -> None:
        pad = "  " * depth
        root = motion.parents[i] < 0
        lines.append(f"{pad}{'ROOT' if root else 'JOINT'} {motion.names[i]}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET " + " ".join(f"{v:.6f}" for v in motion.offsets[i]))
        channels = (("Xposition", "Yposition", "Zposition") if root else ()) + CHANNELS
        lines.append(f"{pad}  CHANNELS {len(channels)} {' '.join(channels)}")
        for k in kids[i]:
            joint(k, depth + 1)
        if i in motion.end_sites:
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET "
                          + " ".join(f"{v:.6f}" for v in motion.end_sites[i]), f"{pad}  }}"])
        lines.append(f"{pad}}}")

    order: list[int] = []

    def walk(i: int) -> None:
        order.append(i)
        for k in kids[i]:
            walk(k)

    for r in (i for i, p in enumerate(motion.parents) if p < 0):
        joint(r, 0)
        walk(r)
    lines += ["MOTION", f"Frames: {motion.n_frames}", f"Frame Time: {motion.frame_time:.8f}"]
    values = np.concatenate([motion.root_positions[:, None, :],
                             motion.rotations[:, order]], axis=1).reshape(motion.n_frames, -1)
    lines += [" ".join(f"{v:.6f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def write_bvh(path: str | Path, motion: BvhMotion) -> Path:
    """Write the motion as a .bvh file; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bvh_text(motion))
    return path


def tree_bvh_text(positions_m: np.ndarray, skeleton: Skeleton, fps: float) -> str:
    """BVH text of any joint tree that keeps every joint's position exactly.

    positions_m (T, J, 3) metres, z up, of a skeleton with parents and one root. Each joint
    has position channels holding its offset from its parent per frame (rotations zero), so
    forward kinematics gives the positions back; the OFFSETs are the median offsets. What a
    viewer draws is right; the rotations a rig would retarget are not fitted (a marker-fitted
    hierarchy exists for VICON_53 only: fit_bvh).
    """
    parents = list(skeleton.parents)
    roots = [i for i, p in enumerate(parents) if p < 0]
    if len(roots) != 1:
        raise ValueError(f"skeleton {skeleton.name}: a BVH needs one joint tree with one root; "
                         f"it has {len(roots) if parents else 'no'} root(s)")
    p = to_bvh_axes(skeleton.as_joints(positions_m))  # (T, J, 3) cm, Y up
    local = p - p[:, [max(q, 0) for q in parents]]
    local[:, roots[0]] = p[:, roots[0]]
    offsets = np.median(local, axis=0)
    kids = {i: [k for k, q in enumerate(parents) if q == i] for i in range(len(parents))}
    lines, order = ["HIERARCHY"], []

    def joint(i: int, depth: int) -> None:
        pad = "  " * depth
        order.append(i)
        lines.append(f"{pad}{'ROOT' if parents[i] < 0 else 'JOINT'} {skeleton.joints[i]}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET " + " ".join(f"{v:.6f}" for v in offsets[i]))
        lines.append(f"{pad}  CHANNELS 6 Xposition Yposition Zposition {' '.join(CHANNELS)}")
        for k in kids[i]:
            joint(k, depth + 1)
        lines.append(f"{pad}}}")

    joint(roots[0], 0)
    lines += ["MOTION", f"Frames: {len(p)}", f"Frame Time: {1.0 / fps:.8f}"]
    values = np.concatenate([local[:, order], np.zeros_like(local[:, order])], axis=-1)
    lines += [" ".join(f"{v:.6f}" for v in row) for row in values.reshape(len(p), -1)]
    return "\n".join(lines) + "\n"
