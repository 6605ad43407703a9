"""The Laban efforts PirouNet learns: one table used by training, evaluation and the app.

A run learns one effort (`effort` in default_config.py). Its classes 0, 1, 2 are the label
file's values 1, 2, 3 (4 = N/A). Names and hints are those the labeling app shows; the
class names title every figure and table of an evaluation. Only Time has an automatic meter
(pirounet/systems/pirounet/effort_meter.py: end-effector acceleration); a Space run's evaluation skips it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effort:
    """One Laban effort: its setting, CSV column, classes (low to high) and meter."""

    name: str  # the value of --effort
    title: str  # what the labeling app asks
    column: str  # its column in labels_from_app.csv (start,space,time)
    classes: tuple[str, str, str]  # class 0, 1, 2 (label file values 1, 2, 3)
    hints: tuple[str, str, str]  # one line per class, shown by the app
    meter: str | None  # automatic meter of this effort, or None


NA_HINT = "too hard to tell"
EFFORTS: dict[str, Effort] = {
    "time": Effort(
        "time", "Time Effort", "time", ("sustained", "neutral", "sudden"),
        ("lingering, leisurely, decelerating", "neither lingering nor urgent",
         "urgent, quick, accelerating"),
        meter="time_effort_score"),
    "space": Effort(
        "space", "Space Effort", "space", ("indirect", "neutral", "direct"),
        ("flexible, multi-focused, wandering attention", "neither wandering nor pinpointing",
         "single-focused, pinpointing, channelled"),
        meter=None),
}


def effort(name: str) -> Effort:
    """The effort called name; a ValueError naming the known ones otherwise."""
    try:
        return EFFORTS[name]
    except KeyError:
        raise ValueError(f"effort must be one of {list(EFFORTS)}, got {name!r}") from None


def class_name(name: str, k: int) -> str:
    """Class k of an effort ("sudden" for time 2); "class k" beyond the three."""
    classes = effort(name).classes
    return classes[k] if 0 <= k < len(classes) else f"class {k}"
