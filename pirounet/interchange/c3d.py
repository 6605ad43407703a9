"""Labelled 3-D markers in and out of C3D files, through ezc3d.

    markers = read_c3d("take1.c3d")          # Markers: labels, (T, M, 3) metres z up, rate
    write_c3d("dance.c3d", labels, points_m, rate=35.0)   # stored in mm
    picked = pick_markers(markers, VICON_RAW_MARKERS, mapping={"Subject:LFHD": "LFHD"})
    motion = read_c3d_motion("lab.c3d", read_skeleton_file("lab.json"))  # any marker set

Units: a file's POINT:UNITS (mm, cm, m) is read and every position is returned in metres;
files are written in millimetres, as Vicon writes them. Axes are kept as they are in the
file (Vicon: z up). Invalid points (a negative residual, or NaN) come back as NaN.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pirounet.interchange.motion import UNIT_METRES, Motion
from pirounet.skeletons import Skeleton



class C3DError(ValueError):
    """A C3D file that cannot be used, with a message naming it."""


@dataclass
class Markers:
    """The labelled markers of a C3D file."""

    labels: list[str]
    points: np.ndarray  # (T, M, 3) float64 metres, NaN where a marker was not seen
    rate: float  # frames per second (POINT:RATE)
    source: str = ""


def _ezc3d():
    try:
        import ezc3d
    except ImportError as err:  # pragma: no cover - a requirement
        raise C3DError("reading or writing C3D needs ezc3d (pip install ezc3d)") from err
    return ezc3d


def _param(c3d, group: str, name: str, default=None):
    try:
        return c3d["parameters"][group][name]["value"]
    except KeyError:
        return default


def read_c3d(path: str | Path) -> Markers:
    """The labelled markers of a C3D file, in metres; raises C3DError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise C3DError(f"{path}: no such C3D file")
    try:
        c3d = _ezc3d().c3d(str(path))
    except Exception as err:  # ezc3d raises plain RuntimeError/IOError on broken files
        raise C3DError(f"{path}: not a readable C3D file ({err})") from err
    labels = list(_param(c3d, "POINT", "LABELS", []))
    for extra in ("LABELS2", "LABELS3", "LABELS4"):  # more than 255 markers
        labels += list(_param(c3d, "POINT", extra, []))
    rate = float(np.ravel(_param(c3d, "POINT", "RATE", [0.0]))[0])
    units = str(np.ravel(_param(c3d, "POINT", "UNITS", ["mm"]))[0]).strip().lower() or "mm"
    if units not in UNIT_METRES:
        raise C3DError(f"{path}: POINT:UNITS is {units!r}; expected one of {sorted(UNIT_METRES)}")
    data = np.asarray(c3d["data"]["points"], dtype=np.float64)  # (4, M, T)
    points = np.transpose(data[:3], (2, 1, 0)) * UNIT_METRES[units]  # (T, M, 3)
    residuals = c3d["data"].get("meta_points", {}).get("residuals")
    if residuals is not None and np.size(residuals):
        invalid = np.asarray(residuals)[0].T < 0  # (T, M)
        points[invalid] = np.nan
    labels = labels[: points.shape[1]]
    if len(labels) < points.shape[1]:
        labels += [f"unlabelled{i}" for i in range(len(labels), points.shape[1])]
    if rate <= 0:
        raise C3DError(f"{path}: POINT:RATE is {rate:g}; a frame rate above 0 is needed")
    return Markers([str(s).strip() for s in labels], points, rate, str(path))


def write_c3d(path: str | Path, labels: Sequence[str], points: np.ndarray,
              rate: float) -> Path:
    """Write (T, M, 3) positions in metres as a C3D file in millimetres; NaN = not seen."""
    path = Path(path)
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 3 or points.shape[2] != 3 or points.shape[1] != len(labels):
        raise ValueError(f"expected points (T, {len(labels)}, 3), got {points.shape}")
    c3d = _ezc3d().c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [float(rate)]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = tuple(str(s) for s in labels)
    c3d["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    data = np.ones((4, points.shape[1], points.shape[0]))
    data[:3] = np.transpose(points, (2, 1, 0)) * 1000.0
    c3d["data"]["points"] = data
    path.parent.mkdir(parents=True, exist_ok=True)
    c3d.write(str(path))
    return path


def strip_prefix(label: str) -> str:
    """A label without a Vicon subject prefix: "Subject:LFHD" -> "LFHD"."""
    return label.rsplit(":", 1)[-1].strip()


def pick_markers(markers: Markers, wanted: Sequence[str],
                 mapping: Mapping[str, str] | None = None, strip_prefixes: bool = True,
                 optional: Sequence[str] = ()) -> np.ndarray:
    """Positions (T, len(wanted), 3) of the wanted markers, found by label.

    mapping: file label -> wanted name, for other naming conventions; applied first.
    strip_prefixes: also match "Subject:LFHD" as "LFHD". Markers in `optional` that the file
    lacks are NaN; any other missing marker is a C3DError that names them all.
    """
    mapping = dict(mapping or {})
    found: dict[str, int] = {}
    for i, label in enumerate(markers.labels):
        for name in (mapping.get(label), label, strip_prefix(label) if strip_prefixes else None):
            if name is not None and name in wanted and name not in found:
                found[name] = i
                break
    missing = [m for m in wanted if m not in found and m not in optional]
    if missing:
        shown = ", ".join(markers.labels[:12]) + (" ..." if len(markers.labels) > 12 else "")
        raise C3DError(
            f"{markers.source}: marker(s) {', '.join(missing)} not found among the file's "
            f"{len(markers.labels)} labels ({shown}); map other names with the "
            f"c3d_marker_map setting, e.g. {{'{markers.labels[0] if markers.labels else 'X'}': "
            f"'{missing[0]}'}}")
    out = np.full((markers.points.shape[0], len(wanted), 3), np.nan)
    for j, name in enumerate(wanted):
        if name in found:
            out[:, j] = markers.points[:, found[name]]
    return out


def read_c3d_motion(path: str | Path, skeleton: Skeleton,
                    mapping: Mapping[str, str] | None = None) -> Motion:
    """A C3D's markers as a Motion of `skeleton` (its joints are the marker labels)."""
    markers = read_c3d(path)
    points = pick_markers(markers, skeleton.joints, mapping)  # (T, J, 3) metres
    return Motion(points.astype(np.float32), skeleton, markers.rate, str(path))
