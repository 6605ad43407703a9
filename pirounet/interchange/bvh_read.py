"""Any BVH in: its hierarchy parsed by bvhio, forward kinematics to joint positions.

    motion = read_bvh("take.bvh")   # Motion: (T, J, 3) metres z up, skeleton from the names
    motion = read_bvh("take.bvh", units="in")   # when the automatic unit guess is wrong

Joints are the hierarchy's joints in file order, then one "<joint>_end" per leaf's End Site
(a hand or head tip where a suit writes one). Each joint's local transform is its offset (or
its position channels) and its rotation channels in the file's own order; forward kinematics
runs over all frames at once. The frame rate is 1 / Frame Time.

Axes: BVH is Y up; positions come back z up by a rotation ((X, Y, Z) -> (X, -Z, Y)), the
inverse of pirounet.interchange.bvh's export. Units: BVH has none. `units="auto"` takes
metres, centimetres or millimetres, whichever makes the rest pose's height closest to 1.7 m,
and says which in the log; inches or others must be given.
Body points (hands, feet, head, ...) come from the joint names (joint_names.py).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from pirounet.interchange.joint_names import named_skeleton
from pirounet.interchange.motion import UNIT_METRES, Motion, MotionError, to_metres_z_up

log = logging.getLogger(__name__)
AUTO_UNITS = ("m", "cm", "mm")
HUMAN_HEIGHT_M = 1.7


def _layout(root) -> tuple[list, list[int]]:
    """bvhio joints in file order and each one's parent index (-1 for the root)."""
    joints, parents = [], []

    def walk(joint, parent: int) -> None:
        joints.append(joint)
        parents.append(parent)
        me = len(joints) - 1
        for child in joint.Children:
            walk(child, me)

    walk(root, -1)
    return joints, parents


def _local(joints) -> tuple[np.ndarray, np.ndarray]:
    """Local translations (T, J, 3) and rotations as quaternions (T, J, 4) x, y, z, w."""
    t = np.array([[(k.Position.x, k.Position.y, k.Position.z) for k in j.Keyframes]
                  for j in joints], dtype=np.float64)
    q = np.array([[(k.Rotation.x, k.Rotation.y, k.Rotation.z, k.Rotation.w) for k in j.Keyframes]
                  for j in joints], dtype=np.float64)
    return np.swapaxes(t, 0, 1), np.swapaxes(q, 0, 1)


def end_site_owners(text: str) -> set[str]:
    """Names of the joints that have an End Site block in the BVH text (bvhio gives every leaf
    one, (0, 1, 0) where the file has none)."""
    owners, stack, pending = set(), [], None
    for line in text.split("MOTION", 1)[0].splitlines():
        words = line.split()
        if words[:1] in (["ROOT"], ["JOINT"]):
            pending = " ".join(words[1:])
        elif words[:2] == ["End", "Site"]:
            owners.add(stack[-1])
            pending = ""
        elif words[:1] == ["{"]:
            stack.append(pending)
        elif words[:1] == ["}"]:
            stack.pop()
    return owners


def forward_kinematics(translations: np.ndarray, quaternions: np.ndarray,
                       parents: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """World positions (T, J, 3) and rotation matrices (T, J, 3, 3); parents come first."""
    n, j = translations.shape[:2]
    local = Rotation.from_quat(quaternions.reshape(-1, 4)).as_matrix().reshape(n, j, 3, 3)
    rot, pos = np.zeros_like(local), np.zeros((n, j, 3))
    for i, p in enumerate(parents):
        if p < 0:
            rot[:, i], pos[:, i] = local[:, i], translations[:, i]
        else:
            rot[:, i] = rot[:, p] @ local[:, i]
            pos[:, i] = pos[:, p] + np.einsum("tij,tj->ti", rot[:, p], translations[:, i])
    return pos, rot


def guess_units(rest_height: float) -> str:
    """The unit of AUTO_UNITS that makes a figure `rest_height` tall closest to 1.7 m."""
    return min(AUTO_UNITS, key=lambda u: abs(np.log(
        max(rest_height * UNIT_METRES[u], 1e-9) / HUMAN_HEIGHT_M)))


def read_bvh(path: str | Path, units: str = "auto") -> Motion:
    """A BVH file's joint positions, skeleton (names, parents, body points) and frame rate."""
    import bvhio  # a requirement; imported here so reading other formats does not load glm

    path = Path(path)
    if not path.is_file():
        raise MotionError(f"{path}: no such BVH file")
    try:
        bvh = bvhio.readAsBvh(str(path))
    except Exception as err:  # bvhio raises plain errors on a malformed file
        raise MotionError(f"{path}: not a readable BVH file ({err})") from err
    joints, parents = _layout(bvh.Root)
    if not bvh.FrameCount or not all(len(j.Keyframes) == bvh.FrameCount for j in joints):
        raise MotionError(f"{path}: no motion frames (Frames: {bvh.FrameCount})")
    if not bvh.FrameTime or bvh.FrameTime <= 0:
        raise MotionError(f"{path}: Frame Time is {bvh.FrameTime}; a time above 0 is needed")
    t, q = _local(joints)
    pos, rot = forward_kinematics(t, q, parents)
    names = [j.Name for j in joints]
    with_end = end_site_owners(path.read_text(errors="replace"))
    leaves = [i for i, j in enumerate(joints) if not j.Children and j.Name in with_end]
    tips = np.array([[joints[i].EndSite.x, joints[i].EndSite.y, joints[i].EndSite.z]
                     for i in leaves]).reshape(-1, 3)
    ends = pos[:, leaves] + np.einsum("tlij,lj->tli", rot[:, leaves], tips)  # (T, L, 3)
    pos = np.concatenate([pos, ends], axis=1)
    names += [f"{names[i]}_end" for i in leaves]
    parents = parents + leaves
    if len(set(names)) != len(names):
        raise MotionError(f"{path}: joint names repeat; each joint needs its own name")
    if units == "auto":
        rest, _ = forward_kinematics(np.array([[j.Offset.x, j.Offset.y, j.Offset.z]
                                               for j in joints])[None],
                                     np.tile([0.0, 0.0, 0.0, 1.0], (1, len(joints), 1)),
                                     parents[:len(joints)])
        height = float(np.ptp(rest[0, :, 1]))
        units = guess_units(height)
        log.info("%s: rest pose %.4g units tall; read as %s", path, height, units)
    elif units not in UNIT_METRES:
        raise MotionError(f"{path}: units {units!r}; expected auto or one of "
                          f"{list(UNIT_METRES)}")
    skeleton = named_skeleton(path.stem, names, 1.0 / bvh.FrameTime, parents)
    return Motion(to_metres_z_up(pos, units, "y"), skeleton, 1.0 / bvh.FrameTime, str(path))
