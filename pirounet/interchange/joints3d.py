"""3-D joint positions in: Tang et al. dances, SMPL joints, AIST++ keypoints, named arrays.

    motion = read_motion("DANCE_W_1")      # any format below, chosen by suffix or folder
    motion.positions, motion.skeleton, motion.fps   # (T, J, 3) metres z up; names; rate

    folder with skeletons.json  TANG_23: Tang, Jia and Mao 2018; joints relative to "center",
                                y up, cm, 25 fps; config.json beside it gives the song span
    .csv, 72 values a row       SMPL_24: SMPL joint positions (x, y, z) x 24, z up, metres,
                                `fps` (default 30): AIST++ joint exports
    .pkl                        COCO_17: AIST++ keypoints3d_optim / keypoints3d (T, 17, 3),
                                y up, cm, 60 fps; an unpickler that rebuilds only arrays
    .npz                        "positions" (T, J, 3) + "joints" (J names) [+ "parents",
                                "fps", "units", "up"]; body points from the names
    .npy                        (T, J, 3) + `skeleton=` (a name in SKELETONS) or a
                                <file>.joints.txt beside it, one name a line
    .bvh                        its own hierarchy (pirounet.interchange.bvh_read)
    .c3d                        a skeleton definition file (interchange.skeleton_file)

Every reader names the file in its MotionError. Axes become z up and units metres where the
file is read (pirounet.interchange.motion.to_metres_z_up).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from pirounet.interchange.bvh_read import read_bvh
from pirounet.interchange.c3d import read_c3d_motion
from pirounet.interchange.joint_names import named_skeleton
from pirounet.interchange.motion import UNIT_METRES, Motion, MotionError, to_metres_z_up
from pirounet.interchange.safe_pickle import load_arrays
from pirounet.interchange.skeleton_file import c3d_skeleton
from pirounet.skeletons import COCO_17, SKELETONS, SMPL_24, TANG_23, Skeleton

AISTPP_KEYS = ("keypoints3d_optim", "keypoints3d")  # the optimised points first
NPZ_KEYS = ("positions", "joints", "parents", "fps", "units", "up", "skeleton")


def _array(path: Path, value, what: str, shape_hint: str) -> np.ndarray:
    """A float array (T, J, 3) from the file's value; a MotionError naming what was found."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise MotionError(f"{path}: {what} is not numbers ({err}); expected {shape_hint}")
    if a.ndim != 3 or a.shape[2] != 3 or len(a) < 1:
        raise MotionError(f"{path}: {what} has shape {a.shape}; expected {shape_hint}")
    return a


def read_tang(folder: str | Path, fps: float = TANG_23.fps) -> Motion:
    """A Tang et al. (2018) dance folder: skeletons.json (+ config.json for the song span)."""
    folder = Path(folder)
    path = folder / "skeletons.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise MotionError(f"{path}: not a readable JSON file ({err})") from err
    for key in ("skeletons", "center"):
        if key not in data:
            raise MotionError(f"{path}: no {key!r} key; expected 'length', 'center' (T, 3) "
                              "and 'skeletons' (T, 23, 3)")
    joints = _array(path, data["skeletons"], "'skeletons'", "(T, 23, 3)")
    centre = np.asarray(data["center"], dtype=np.float64)
    if joints.shape[1] != TANG_23.n_joints or centre.shape != (len(joints), 3):
        raise MotionError(f"{path}: 'skeletons' {joints.shape} and 'center' {centre.shape}; "
                          f"expected (T, 23, 3) and (T, 3)")
    positions = to_metres_z_up(joints + centre[:, None], "cm", "y")
    span = None
    config = folder / "config.json"
    if config.is_file():
        try:
            c = json.loads(config.read_text())
            span = (c["start_position"] / fps, c["end_position"] / fps)
        except (ValueError, KeyError, TypeError) as err:
            raise MotionError(f"{config}: expected 'start_position' and 'end_position' frame "
                              f"numbers ({err})") from err
    return Motion(positions, TANG_23, float(fps), str(folder), span)


def read_smpl_csv(path: str | Path, fps: float = SMPL_24.fps, units: str = "m",
                  up: str = "z") -> Motion:
    """SMPL's 24 joint positions, one frame a row of 72 values (x, y, z per joint)."""
    path = Path(path)
    try:
        rows = np.loadtxt(path, delimiter=",", ndmin=2)
    except (OSError, ValueError) as err:
        raise MotionError(f"{path}: not a CSV of numbers ({err})") from err
    if rows.shape[1] != SMPL_24.pose_dim:
        raise MotionError(f"{path}: {rows.shape[1]} values a row; expected 72 (SMPL's 24 "
                          "joints x, y, z)")
    positions = to_metres_z_up(rows.reshape(len(rows), 24, 3), units, up)
    return Motion(positions, SMPL_24, float(fps), str(path))


def read_aistpp_keypoints(path: str | Path, fps: float = COCO_17.fps) -> Motion:
    """An AIST++ keypoints3d pickle: 17 COCO joints, cm, y up."""
    path = Path(path)
    try:
        data = load_arrays(path)
    except Exception as err:  # a refused name, a truncated file, not a pickle at all
        raise MotionError(f"{path}: not a readable AIST++ pickle ({err})") from err
    key = next((k for k in AISTPP_KEYS if isinstance(data, Mapping) and k in data), None)
    if key is None:
        found = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise MotionError(f"{path}: no keypoints3d_optim or keypoints3d key (found {found}); "
                          "SMPL parameters need the SMPL model: export joint positions")
    points = _array(path, data[key], key, "(T, 17, 3)")
    if points.shape[1] != COCO_17.n_joints:
        raise MotionError(f"{path}: {key} has {points.shape[1]} joints; expected 17 (COCO)")
    return Motion(to_metres_z_up(points, "cm", "y"), COCO_17, float(fps), str(path))


def _npz_skeleton(path: Path, data, n_joints: int, fps: float) -> Skeleton:
    if "skeleton" in data:
        return _known(path, str(data["skeleton"]))
    if "joints" not in data:
        raise MotionError(f"{path}: no 'joints' key; expected the {n_joints} joint names "
                          "(or 'skeleton', the name of a known skeleton)")
    names = [str(n) for n in np.asarray(data["joints"]).ravel()]
    for known in SKELETONS.values():
        if known.dims == 3 and list(known.joints) == names:
            return known
    parents = np.asarray(data["parents"]).ravel().tolist() if "parents" in data else ()
    try:
        return named_skeleton(path.stem, names, fps, parents)
    except ValueError as err:
        raise MotionError(f"{path}: {err}") from err


def _known(path: Path, name: str) -> Skeleton:
    if name not in SKELETONS or SKELETONS[name].dims != 3:
        known = [n for n, s in SKELETONS.items() if s.dims == 3]
        raise MotionError(f"{path}: skeleton {name!r} is not known; expected one of {known} "
                          "or joint names")
    return SKELETONS[name]


def read_joint_array(path: str | Path, skeleton: str | Skeleton | None = None,
                     fps: float | None = None, units: str | None = None,
                     up: str | None = None) -> Motion:
    """(T, J, 3) joint positions from .npz (with names) or .npy (with a skeleton or names
    file). Arguments override what an .npz says; defaults: metres, z up, the skeleton's fps."""
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        data = {"positions": loaded} if isinstance(loaded, np.ndarray) else dict(loaded)
    except (OSError, ValueError) as err:
        raise MotionError(f"{path}: not a readable numpy file ({err})") from err
    if "positions" not in data:
        raise MotionError(f"{path}: no 'positions' key; expected 'positions' (T, J, 3) and "
                          f"'joints' (J names); keys read: {', '.join(NPZ_KEYS)}")
    points = _array(path, data["positions"], "'positions'", "(T, J, 3)")
    rate = float(fps or data.get("fps", 0) or 0)
    if isinstance(skeleton, Skeleton):
        found = skeleton
    elif skeleton is not None:
        found = _known(path, skeleton)
    elif path.suffix == ".npz":
        found = _npz_skeleton(path, data, points.shape[1], rate or 30.0)
    else:
        names_file = path.with_suffix(".joints.txt")
        if not names_file.is_file():
            raise MotionError(f"{path}: a .npy holds no joint names; give the skeleton "
                              f"(one of {sorted(SKELETONS)}) or write {names_file.name}, "
                              "one joint name a line")
        names = [n.strip() for n in names_file.read_text().splitlines() if n.strip()]
        found = _npz_skeleton(path, {"joints": np.array(names)}, points.shape[1], rate or 30.0)
    if points.shape[1] != found.n_joints:
        raise MotionError(f"{path}: {points.shape[1]} joints; skeleton {found.name} has "
                          f"{found.n_joints}")
    units = units or str(data.get("units", "m"))
    up = up or str(data.get("up", "z"))
    if units not in UNIT_METRES or up not in ("y", "z"):
        raise MotionError(f"{path}: units {units!r} / up {up!r}; expected units in "
                          f"{list(UNIT_METRES)} and up 'y' or 'z'")
    return Motion(to_metres_z_up(points, units, up), found, rate or found.fps, str(path))


def read_motion(path: str | Path, *, skeleton: str | Skeleton | None = None,
                fps: float | None = None) -> Motion:
    """Any 3-D motion file or Tang folder (table in the module doc), by its suffix."""
    path = Path(path)
    if path.is_dir() or path.name == "skeletons.json":
        folder = path if path.is_dir() else path.parent
        if not (folder / "skeletons.json").is_file():
            raise MotionError(f"{folder}: a folder needs a skeletons.json (Tang et al. 2018)")
        return read_tang(folder, **({"fps": fps} if fps else {}))
    if not path.is_file():
        raise MotionError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_smpl_csv(path, **({"fps": fps} if fps else {}))
    if suffix == ".pkl":
        return read_aistpp_keypoints(path, **({"fps": fps} if fps else {}))
    if suffix in (".npy", ".npz"):
        return read_joint_array(path, skeleton, fps)
    if suffix == ".bvh":
        return read_bvh(path)
    if suffix == ".c3d":
        return read_c3d_motion(path, c3d_skeleton(skeleton, path))
    raise MotionError(f"{path}: unknown motion format {suffix!r}; expected a Tang folder, "
                      ".csv, .pkl, .npy, .npz, .bvh or .c3d")
