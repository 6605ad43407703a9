"""Dance poses in: OpenPose JSON folders, COCO-17 arrays and AIST++ keypoint files.

Every format becomes one `Dance`: poses (T, 15, 2) in the 15-joint order of
pirounet.skeletons.OPENPOSE_15 (Nose, Neck, RShoulder, RElbow, RWrist, LShoulder, LElbow,
LWrist, MidHip, RHip, RKnee, RAnkle, LHip, LKnee, LAnkle), in pixels with y up, plus the
detector's confidences. Accepted inputs (the file kind picks the reader):

    <name>/              OpenPose --write_json output: <video>_<12 digits>_keypoints.json per
                         frame, BODY_25 (75 values per person) or COCO-18 (54 values)
    <name>.npy           COCO-17 keypoints (T, 17, 3) x, y, score, or (T, 17, 2); NaN = missing
    <name>.pkl           AIST++ keypoints2d: {"keypoints2d": (9 views, T, 17, 3), ...}

The frame rate comes from a sidecar (fps.txt or meta.json {"fps": ...} in a JSON folder,
<name>.fps.txt beside a file), else from the fps setting: OpenPose JSON holds none.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pirounet.systems.learn2dance import gaps, person
from pirounet.interchange.safe_pickle import load_arrays
from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.settings import MAX_FPS

FRAME_NAME = re.compile(r"^(?P<video>.*)_(?P<index>\d{12})_keypoints\.json$")
KEYPOINT_COUNTS = {75: "body25", 54: "coco18"}  # values per person in pose_keypoints_2d
AIST_FPS = 60.0  # AIST++ videos and keypoints run at 60 frames per second
TRACK_MEMORY_S = 3.0  # seconds a dancer may go unseen and still be followed (person.py)
N_JOINTS = 15

# Each of the 15 joints as the source keypoints it averages (a derived joint is seen only
# where all its sources are). BODY_25's first 15 joints are already the 15-joint order.
SOURCES: dict[str, tuple[tuple[int, ...], ...]] = {
    "body25": tuple((j,) for j in range(15)),
    "coco18": ((0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (8, 11),  # MidHip = hips' mean
               (8,), (9,), (10,), (11,), (12,), (13,)),
    "coco17": ((0,), (5, 6), (6,), (8,), (10,), (5,), (7,), (9,), (11, 12),
               (12,), (14,), (16,), (11,), (13,), (15,)),
}
SOURCES["aist"] = SOURCES["coco17"]  # AIST++ keypoints2d are COCO-17


@dataclass(frozen=True)
class PoseSettings:
    """The settings that change what a dance reads as (also its cache key)."""

    pose_format: str = "auto"
    aist_view: int = 0
    person: str = "track"
    confidence_threshold: float = 0.25
    gaps: str = "interpolate"
    max_gap_seconds: float = 0.5
    long_gaps: str = "error"
    mirror_x: bool = False
    fps: float = 30.0

    @classmethod
    def from_config(cls, cfg: Any) -> "PoseSettings":
        """The pose settings of a learn2dance config."""
        return cls(**{key: cfg[key] for key in asdict(cls())})


@dataclass
class Dance:
    """One dance's poses, read and cleaned."""

    name: str
    poses: np.ndarray  # (T, 15, 2) float32 pixels, y up; x negated when mirror_x
    confidences: np.ndarray  # (T, 15) float32 detector confidence, 0 where nothing was seen
    flagged: np.ndarray  # (T, 15) bool: inside a gap longer than max_gap_seconds (filled)
    fps: float  # frames per second of this dance
    source: str  # the file or folder it was read from


def to_15_joints(keypoints: np.ndarray, fmt: str) -> np.ndarray:
    """(..., K, 3) keypoints of a format -> (..., 15, 3); a derived joint takes min confidence."""
    out = np.empty(keypoints.shape[:-2] + (N_JOINTS, 3), dtype=np.float64)
    for j, src in enumerate(SOURCES[fmt]):
        out[..., j, :2] = keypoints[..., list(src), :2].mean(axis=-2)
        out[..., j, 2] = keypoints[..., list(src), 2].min(axis=-1)
    return out


def _clean(keypoints: np.ndarray) -> np.ndarray:
    """Keypoints with non-finite values marked unseen (x, y, confidence = 0)."""
    bad = ~np.isfinite(keypoints).all(axis=-1)
    keypoints = np.where(bad[..., None], 0.0, keypoints)
    return keypoints


# ---- OpenPose JSON folders

def frame_files(folder: Path) -> list[Path]:
    """The frame files of an OpenPose folder in time order; checks names and continuity."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise DataError(
            f"{folder}: no OpenPose JSON files (expected <video>_<12 digits>_keypoints.json)")
    video, last = None, None
    for path in files:
        match = FRAME_NAME.match(path.name)
        if match is None:
            raise DataError(
                f"{path}: not an OpenPose frame name (expected <video>_<12 digits>_keypoints.json)")
        if video is None:
            video = match["video"]
        elif match["video"] != video:
            raise DataError(
                f"{path}: frame of video {match['video']!r} in the folder of {video!r}; "
                "one folder holds one video")
        index = int(match["index"])
        if last is not None and index != last + 1:
            raise DataError(
                f"{path}: frame {index} follows frame {last}; frame numbers must run on "
                "without gaps (a missing frame would shift every later frame in time)")
        last = index
    return files


def _read_frame(path: Path) -> list[list[float]]:
    """The pose_keypoints_2d lists of every person in one OpenPose JSON file."""
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: malformed JSON ({err})") from None
    except RecursionError:  # e.g. [[[[...]]]] thousands deep: no OpenPose frame looks so
        raise DataError(f"{path}: JSON nested too deeply to be an OpenPose frame") from None
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise DataError(f"{path}: expected an object with a 'people' list "
                                   "(OpenPose --write_json output)")
    people = []
    for p, entry in enumerate(data["people"]):
        values = entry.get("pose_keypoints_2d") if isinstance(entry, dict) else None
        if not isinstance(values, list):
            raise DataError(f"{path}: person {p} has no pose_keypoints_2d list")
        people.append(values)
    return people


def read_openpose(folder: Path, fmt: str) -> tuple[list[np.ndarray], str]:
    """Per frame, the people (P_t, 15, 3) of an OpenPose folder (pixels, y down), and format."""
    frames, found = [], None if fmt == "auto" else fmt
    for path in frame_files(folder):
        people = _read_frame(path)
        for p, values in enumerate(people):
            kind = KEYPOINT_COUNTS.get(len(values))
            if kind is None or (found is not None and kind != found):
                want = (f"{3 * (25 if found == 'body25' else 18)} ({found})" if found
                        else "75 (BODY_25) or 54 (COCO-18)")
                raise DataError(
                    f"{path}: person {p} has {len(values)} pose_keypoints_2d values; "
                    f"expected {want}")
            found = kind
        k = {"body25": 25, "coco18": 18}.get(found, 25)
        try:
            array = np.array(people, dtype=np.float64).reshape(len(people), k, 3)
        except (TypeError, ValueError):
            raise DataError(f"{path}: pose_keypoints_2d holds non-numbers") from None
        frames.append(to_15_joints(_clean(array), found) if people else np.zeros((0, 15, 3)))
    if found is None:
        raise DataError(f"{folder}: no person in any of its {len(frames)} frames")
    return frames, found


# ---- keypoint arrays (COCO-17 .npy, AIST++ .pkl)

def read_coco17(path: Path) -> np.ndarray:
    """(T, 15, 3) from a COCO-17 array file (T, 17, 3) or (T, 17, 2); pixels, y down."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise DataError(f"{path}: not a readable .npy array ({err})") from None
    if array.ndim != 3 or array.shape[1] != 17 or array.shape[2] not in (2, 3):
        raise DataError(f"{path}: COCO-17 keypoints must have shape (T, 17, 3) "
                                   f"or (T, 17, 2); got {array.shape}")
    array = array.astype(np.float64)
    if array.shape[2] == 2:  # no scores: a finite point counts as seen
        array = np.concatenate([array, np.ones(array.shape[:2] + (1,))], axis=2)
    return to_15_joints(_clean(array), "coco17")


def read_aist(path: Path, view: int) -> np.ndarray:
    """(T, 15, 3) from one camera view of an AIST++ keypoints2d .pkl; pixels, y down."""
    try:
        data = load_arrays(path)  # AIST++ ships pickles: only arrays are rebuilt, nothing runs
    except Exception as err:  # noqa: BLE001 - any unpickling failure is a bad file
        raise DataError(f"{path}: not a readable AIST++ pickle ({err})") from None
    array = data.get("keypoints2d") if isinstance(data, dict) else None
    if array is None:
        raise DataError(f"{path}: no 'keypoints2d' key (AIST++ keypoints2d layout)")
    try:
        array = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{path}: keypoints2d holds non-numbers") from None
    if array.ndim != 4 or array.shape[2:] != (17, 3):
        raise DataError(f"{path}: keypoints2d must have shape (views, T, 17, 3); "
                                   f"got {array.shape}")
    if not 0 <= view < array.shape[0]:
        raise DataError(f"{path}: aist_view={view} but the file has "
                                   f"{array.shape[0]} views (0-{array.shape[0] - 1})")
    return to_15_joints(_clean(array[view]), "aist")


# ---- one dance

def dance_fps(path: Path, default: float) -> float:
    """The frame rate from a dance's sidecar (fps.txt, meta.json, <name>.fps.txt) or default."""
    if path.is_dir():
        text_file, meta_file = path / "fps.txt", path / "meta.json"
    else:
        text_file, meta_file = path.with_name(path.stem + ".fps.txt"), None
    try:
        if text_file.is_file():
            value = float(text_file.read_text().strip())
        elif meta_file is not None and meta_file.is_file():
            value = float(json.loads(meta_file.read_text())["fps"])
        else:
            if path.suffix == ".pkl" and default != AIST_FPS:
                warnings.warn(f"{path}: read at fps={default:g}, but AIST++ runs at "
                              f"{AIST_FPS:g} fps; set --fps={AIST_FPS:g} or write "
                              f"{text_file.name}", stacklevel=3)
            return default
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        where = text_file if text_file.is_file() else meta_file
        raise DataError(f"{where}: expected a frame rate (a number, or "
                                   'meta.json {"fps": number})') from None
    if not (np.isfinite(value) and 0 < value <= MAX_FPS):
        where = text_file if text_file.is_file() else meta_file
        raise DataError(f"{where}: frame rate must be in (0, {MAX_FPS:g}], got {value:g}")
    return value


def format_of(path: Path) -> str:
    """The reader a pose path needs: "openpose" (folder), "coco17" (.npy) or "aist" (.pkl)."""
    if path.is_dir():
        return "openpose"
    kinds = {".npy": "coco17", ".pkl": "aist"}
    if path.suffix not in kinds:
        raise DataError(f"{path}: not a pose input (an OpenPose JSON folder, "
                                   "a COCO-17 .npy or an AIST++ keypoints2d .pkl)")
    return kinds[path.suffix]


def _detections(path: Path, settings: PoseSettings, fps: float) -> np.ndarray:
    """One person per frame (T, 15, 3) in pixels with y down; confidence 0 where nobody."""
    kind, wanted = format_of(path), settings.pose_format
    if kind == "openpose":
        if wanted not in ("auto", "body25", "coco18"):
            raise DataError(f"{path}: an OpenPose folder, but pose_format={wanted!r}")
        frames, _ = read_openpose(path, wanted)
        return person.choose_people(frames, settings.person, settings.confidence_threshold,
                                    memory=int(round(TRACK_MEMORY_S * fps)))
    if wanted not in ("auto", kind):
        raise DataError(f"{path}: a {kind} file, but pose_format={wanted!r}")
    found = read_coco17(path) if kind == "coco17" else read_aist(path, settings.aist_view)
    if len(found) == 0 or not (found[..., 2] > 0).any():
        raise DataError(f"{path}: no person in any of its {len(found)} frames")
    return found


def read_dance(path: str | Path, settings: PoseSettings, name: str | None = None) -> Dance:
    """Read, orient and gap-fill one dance (any accepted format)."""
    path = Path(path)
    fps = dance_fps(path, settings.fps)
    found = _detections(path, settings, fps)  # (T, 15, 3)
    xy = found[..., :2] * np.array([-1.0 if settings.mirror_x else 1.0, -1.0])  # y up
    confidences = found[..., 2]
    missing = confidences < settings.confidence_threshold  # (T, 15)
    nobody = (confidences <= 0).all(axis=1)  # frames where no one was picked
    if settings.gaps == "published":
        poses, flagged = gaps.carry_forward(xy, missing, nobody), np.zeros_like(missing)
    else:
        max_gap = int(round(settings.max_gap_seconds * fps))
        poses, flagged = gaps.interpolate(xy, missing, max_gap, settings.long_gaps,
                                          str(path), fps)
    return Dance(name or path.stem, poses.astype(np.float32), confidences.astype(np.float32),
                 flagged, fps, str(path))
