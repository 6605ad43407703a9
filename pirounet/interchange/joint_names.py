"""Body points from joint names: which joints of a BVH or named array are the hands, feet, head.

Names vary by tool: Mixamo and Rokoko "LeftArm", "LeftForeArm", "LeftUpLeg"; Xsens
"LeftUpperArm", "LeftLowerLeg"; Perception Neuron and CMU "RightUpLeg", "RightLeg"; this
project's own BVH "LeftShoulder", "LeftElbow", "LeftKnee"; joint arrays "l_knee". A name is
split into words ("mixamorig:LeftForeArm" -> left, fore, arm), the side word taken out, and
the rest compared with each body point's candidates in order (the first that any joint matches
wins, so Mixamo's "LeftArm" is the shoulder and its "LeftShoulder", the clavicle, is not).
Leaf end sites read by the BVH reader end in "_end" ("LeftWrist_end" is a hand candidate).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from pirounet.skeletons import Skeleton, tree_segments

SIDES = {"left": "L", "l": "L", "right": "R", "r": "R"}
NOISE = {"mixamorig", "bip", "01", "jnt", "joint", "j", "bone", "b"}  # 3ds Max: "Bip01 L Calf"
UNSIDED = {  # body point -> candidate words, best first
    "pelvis": ("hips", "pelvis", "hip", "root"),
    "neck": ("neck", "neck1", "neck01"),
    "head": ("head", "headend", "headtop", "headtopend"),
}
SIDED = {
    "hip": ("upleg", "upperleg", "thigh", "hip", "femur"),
    "knee": ("leg", "lowerleg", "knee", "shin", "calf", "tibia"),
    "ankle": ("ankle", "foot"),
    "foot": ("toebase", "toe", "toes", "toe0", "ball", "toeend", "toebaseend", "foot"),
    "shoulder": ("arm", "upperarm", "shoulder", "humerus"),
    "elbow": ("forearm", "lowerarm", "elbow"),
    "wrist": ("wrist", "hand"),
    "hand": ("hand", "handend", "wristend", "wrist"),
}
END_EFFECTOR_POINTS = ("head", "Lhand", "Rhand", "Lfoot", "Rfoot")
BODY_CHAINS = (("head", "neck", "pelvis"),
               *[("neck", f"{s}shoulder", f"{s}elbow", f"{s}wrist", f"{s}hand") for s in "LR"],
               *[("pelvis", f"{s}hip", f"{s}knee", f"{s}ankle", f"{s}foot") for s in "LR"])


def words(name: str) -> list[str]:
    """Lower-case words of a joint name, without a namespace ("Subject:LeftArm" -> left, arm)."""
    name = re.split(r"[:|]", name)[-1]
    found = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)
    return [w.lower() for w in found if w.lower() not in NOISE]


def side_and_part(name: str) -> tuple[str | None, str]:
    """("L" | "R" | None, the rest of the name as one word): "LeftUpLeg" -> ("L", "upleg")."""
    ws = words(name)
    sides = [SIDES[w] for w in ws if w in SIDES]
    rest = "".join(w for w in ws if w not in SIDES)
    return (sides[0] if len(set(sides)) == 1 else None), rest


def infer_body(joints: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Body points {point: (joint,)} found among the names; points not found are left out."""
    parsed = [(j, *side_and_part(j)) for j in joints]
    body: dict[str, tuple[str, ...]] = {}
    for point, candidates in UNSIDED.items():
        match = _first(candidates, [(j, part) for j, side, part in parsed if side is None])
        if match:
            body[point] = (match,)
    for part_name, candidates in SIDED.items():
        for s in "LR":
            match = _first(candidates, [(j, part) for j, side, part in parsed if side == s])
            if match:
                body[f"{s}{part_name}"] = (match,)
    return body


def _first(candidates: Sequence[str], named: list[tuple[str, str]]) -> str | None:
    for candidate in candidates:
        for joint, part in named:
            if part == candidate:
                return joint
    return None


def body_segments(body: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    """A stick figure through the body points found (for joints that come without bones)."""
    segments = []
    for chain in BODY_CHAINS:
        present = [p for p in chain if p in body]
        segments += [(a, b) for a, b in zip(present, present[1:]) if body[a] != body[b]]
    return tuple(dict.fromkeys(segments))


def named_skeleton(name: str, joints: Sequence[str], fps: float,
                   parents: Sequence[int] = ()) -> Skeleton:
    """A skeleton whose body points come from its joint names; bones from parents if given,
    else a stick figure through the body points.

    Without a pelvis name, a single root joint is the pelvis. End effectors: the joints of the
    head, hands and feet that were found.
    """
    joints, parents = tuple(joints), tuple(int(p) for p in parents)
    body = infer_body(joints)
    roots = [i for i, p in enumerate(parents) if p < 0]
    if "pelvis" not in body and len(roots) == 1:
        body["pelvis"] = (joints[roots[0]],)
    effectors = tuple(dict.fromkeys(j for p in END_EFFECTOR_POINTS for j in body.get(p, ())))
    segments = tree_segments(joints, parents) if parents else body_segments(body)
    return Skeleton(name=name, joints=joints, dims=3, fps=float(fps), parents=parents,
                    segments=segments, body=body, end_effectors=effectors,
                    points={} if parents else body)
