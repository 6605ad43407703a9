"""Skeleton definition files: a marker set or joint set in JSON, for C3D and named arrays.

    {"name": "mylab",
     "joints": ["LASI", "RASI", "LKNE", ...],     # marker labels (or joint names), in order
     "fps": 100,                                  # optional: the capture's usual rate
     "segments": [["LASI", "LKNE"], ...],         # optional: lines to draw (names)
     "parents": [null, "LASI", ...],              # optional instead: a tree (names or null)
     "body": {"pelvis": ["LASI", "RASI", "LPSI", "RPSI"], "Lhand": ["LFIN"], ...},
     "points": {"Lknee_c": ["LKNE", "LKNI"]},     # optional: drawn points averaging joints
     "end_effectors": ["LFIN", "RFIN", ...]}      # optional: default the head, hands, feet

`body` maps body points (pirounet.skeletons.BODY_POINTS) to the joints they average; where
it is left out, body points come from the joint names (pirounet.interchange.joint_names).
`write_skeleton_file` writes what `read_skeleton_file` reads (Skeleton.to_dict).
"""
from __future__ import annotations

import json
from pathlib import Path

from pirounet.interchange.joint_names import END_EFFECTOR_POINTS, body_segments, infer_body
from pirounet.interchange.motion import MotionError
from pirounet.skeletons import SKELETONS, Skeleton, tree_segments

KEYS = ("name", "joints", "dims", "fps", "segments", "parents", "body", "points",
        "end_effectors")


def _parents(path: Path, joints: list[str], raw: list) -> tuple[int, ...]:
    """Parent indices from names, null or indices."""
    if len(raw) != len(joints):
        raise MotionError(f"{path}: 'parents' has {len(raw)} entries for {len(joints)} joints")
    out = []
    for joint, p in zip(joints, raw):
        if p is None or p == -1:
            out.append(-1)
        elif isinstance(p, int) and 0 <= p < len(joints):
            out.append(p)
        elif isinstance(p, str) and p in joints:
            out.append(joints.index(p))
        else:
            raise MotionError(f"{path}: 'parents' of {joint!r} is {p!r}; expected a joint "
                              "name, an index or null")
    return tuple(out)


def skeleton_from_definition(d: dict, path: Path) -> Skeleton:
    """The skeleton a definition (parsed JSON) describes; MotionError naming path and key."""
    unknown = sorted(set(d) - set(KEYS))
    if unknown:
        raise MotionError(f"{path}: unknown key(s) {unknown}; expected some of {list(KEYS)}")
    joints = d.get("joints")
    if not isinstance(joints, list) or not joints or not all(isinstance(j, str) for j in joints):
        raise MotionError(f"{path}: 'joints' must be a list of joint or marker names")
    parents = _parents(path, joints, d["parents"]) if d.get("parents") else ()
    body = {k: tuple(v) for k, v in d["body"].items()} if "body" in d else infer_body(joints)
    points = {k: tuple(v) for k, v in d.get("points", {}).items()}
    if "segments" in d:
        segments = tuple(tuple(s) for s in d["segments"])
    elif parents:
        segments = tree_segments(tuple(joints), parents)
    else:
        segments, points = body_segments(body), {**body, **points}
    effectors = d.get("end_effectors") or list(dict.fromkeys(
        j for p in END_EFFECTOR_POINTS for j in body.get(p, ())))
    try:
        return Skeleton(name=str(d.get("name", path.stem)), joints=tuple(joints),
                        dims=int(d.get("dims", 3)), fps=float(d.get("fps", 0) or 100.0),
                        segments=segments, body=body, end_effectors=tuple(effectors),
                        points=points, parents=parents)
    except (TypeError, ValueError) as err:
        raise MotionError(f"{path}: {err}") from err


def read_skeleton_file(path: str | Path) -> Skeleton:
    """The skeleton of a JSON definition file (module doc)."""
    path = Path(path)
    try:
        d = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise MotionError(f"{path}: not a readable skeleton definition ({err})") from err
    if not isinstance(d, dict):
        raise MotionError(f"{path}: expected a JSON object with 'joints' and 'body'")
    return skeleton_from_definition(d, path)


def write_skeleton_file(path: str | Path, skeleton: Skeleton) -> Path:
    """Write the skeleton as a definition file read_skeleton_file reads back."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(skeleton.to_dict(), indent=1) + "\n")
    return path


def c3d_skeleton(skeleton: str | Skeleton | None, c3d_path: Path) -> Skeleton:
    """The skeleton a C3D is read with: given, a known name, a .json file, or a definition
    beside the file (`<name>.skeleton.json`, then `skeleton.json` in its folder)."""
    if isinstance(skeleton, Skeleton):
        return skeleton
    if skeleton in SKELETONS:
        return SKELETONS[skeleton]
    if skeleton:
        return read_skeleton_file(skeleton)
    for beside in (c3d_path.with_suffix(".skeleton.json"), c3d_path.parent / "skeleton.json"):
        if beside.is_file():
            return read_skeleton_file(beside)
    raise MotionError(f"{c3d_path}: which markers? give a skeleton definition file "
                      f"(docs/pirounet_any_mocap.md) or put {c3d_path.stem}.skeleton.json "
                      "beside it")
