"""What every evaluation shares: its results folder, the data check and metrics.json.

    folder = results_folder(root, results_name(name, source, which, run_name))
    metrics.update(check_eval_data(ckpt, fingerprint, on_change, describe))
    write_metrics(folder, metrics)     # plain JSON, non-finite as null, written atomically

best.pt and last.pt of one run go to different folders (<run>_best, <run>), so one
evaluation never overwrites the other's. The data check compares the data loaded now with
the fingerprint the checkpoint was trained on (pirounet/run/lifecycle.py).
"""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from pirounet.run.atomic import write_text_atomic
from pirounet.run.lifecycle import FINGERPRINT_KEY, Describe, check_data_fingerprint

log = logging.getLogger(__name__)
METRICS_FILE = "metrics.json"


def results_name(name: str, source: str | Path, which: str, run_name: str | None) -> str:
    """name, else the run's folder name plus "_<which>" unless which is "last".

    A .pt file: its run's name (run_name, from its config), else the file's name.
    """
    if name:
        return name
    path = Path(str(source))
    if path.suffix == ".pt":
        return run_name or path.stem
    return path.name + ("" if which == "last" else f"_{which}")


def check_eval_data(ckpt: Mapping[str, Any], fingerprint: Mapping[str, Any], on_change: str,
                    describe: Describe | None = None, asked: Iterable[str] = ()
                    ) -> dict[str, Any]:
    """{"data_fingerprint": ...} plus "data_changed" when on_change="warn" let a change pass.

    asked: fingerprint keys the evaluation changed on purpose (e.g. another split).
    on_change "refuse": a CheckpointError says what changed.
    """
    out: dict[str, Any] = {FINGERPRINT_KEY: dict(fingerprint)}
    if not fingerprint:
        return out
    saved = {k: v for k, v in (ckpt.get(FINGERPRINT_KEY) or {}).items() if k not in asked}
    diffs = check_data_fingerprint({**ckpt, FINGERPRINT_KEY: saved}, fingerprint, on_change,
                                   describe)
    for diff in diffs:
        log.warning("on_data_change=warn: evaluating although %s", diff)
    if diffs:
        out["data_changed"] = diffs
    return out


def json_ready(value: Any, path: str = "", bad: list[str] | None = None) -> Any:
    """Plain JSON values (numpy and tuples converted); non-finite floats become None.

    The key path of every non-finite float is appended to `bad`, so it can be reported.
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v, f"{path}.{k}" if path else str(k), bad)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        if bad is not None:
            bad.append(path)
        return None
    return value


def write_metrics(folder: Path, metrics: dict[str, Any]) -> Path:
    """Write folder/metrics.json (temp file, then os.replace); non-finite values as null."""
    bad: list[str] = []
    text = json.dumps(json_ready(metrics, bad=bad), indent=2, allow_nan=False)
    if bad:
        log.warning("non-finite values written as null in %s: %s", METRICS_FILE, ", ".join(bad))
    return write_text_atomic(folder / METRICS_FILE, text + "\n")
