"""Run a wandb sweep file on this machine, offline, with wandb's own search logic.

    python -m pirounet.run.sweep sweep.yaml --count 20 [--method grid|random] [--seed 0]
                             [--sweep_id NAME] [--wandb_mode offline|disabled]
                             [-- configs/quickstart.py --epochs=2 ...]

`wandb sweep` + `wandb agent` need wandb's server to choose each run's parameters. This does
the same job locally: the `sweeps` package (the search code wandb's server runs) suggests the
parameters, and each run is launched from the YAML's `command` exactly as an agent would
(`--key=value` with Python's formatting, so booleans arrive as True/False). Each run gets
`--run_name=<sweep_id>_<i>`; its metric is read from saved_models/<run_name>/history.jsonl.

Everything is relative to the working directory, like an agent: runs write saved_models/ there,
and the sweep writes results/sweeps/<sweep_id>/ (runs.csv and runs.md sorted by the metric,
sweep.json, one log per run). The program is found relative to the sweep file. Extra arguments
after `--` go just before the swept ones, so a swept value wins over an override file.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from pirounet.run import tracking
from pirounet.run.atomic import write_text_atomic
from pirounet.run.config import cli_key

with warnings.catch_warnings():  # sweeps 0.2 declares pydantic-v1 options; pydantic 2 warns
    warnings.simplefilter("ignore")
    import sweeps

LOCAL_METHODS = ("grid", "random")
ENVVAR_MACRO = re.compile(r"\$\{envvar:([A-Z0-9_]*)\}")  # the agent's ${envvar:NAME}
TAIL_LINES = 20  # lines of a failed run's output kept in the table


class SweepError(ValueError):
    """A sweep file or option that the local runner cannot use."""


@dataclass
class RunRecord:
    """One launched run and what came of it."""

    index: int
    run_name: str
    params: dict[str, Any]
    status: str = "pending"  # finished | failed (non-zero exit) | no_metric
    exit_code: int | None = None
    best: float = math.nan
    best_epoch: int | None = None
    last: float = math.nan
    epochs: int = 0
    seconds: float = 0.0
    error: str = ""
    command: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- sweep file
def load_sweep(path: str | Path) -> dict[str, Any]:
    """The sweep YAML as a dict, checked against wandb's sweep schema."""
    try:
        config = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as err:  # e.g. ${args} inside a [flow, list]: write a block list
        raise SweepError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(config, dict):
        raise SweepError(f"{path}: a sweep file is a YAML mapping")
    violations = sweeps.schema_violations_from_proposed_config(config)
    if violations:
        raise SweepError(f"{path} breaks wandb's sweep schema:\n  " + "\n  ".join(violations))
    return config


def _plain(value: Any) -> Any:
    """Numpy scalars from the samplers as Python values (as they come back from wandb's JSON)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


class Suggester:
    """Next parameters of a grid or random sweep, from the `sweeps` package's search code."""

    def __init__(self, sweep: dict[str, Any], seed: int):
        if sweep["method"] not in LOCAL_METHODS:
            raise SweepError(
                f"method {sweep['method']!r} needs wandb's server; the local runner does "
                f"{' and '.join(LOCAL_METHODS)} (pass --method random)"
            )
        self.sweep = sweep
        self.runs: list[sweeps.SweepRun] = []  # grid search skips combinations seen here
        # sweeps samples with the global `random` module; keep a private stream instead, so
        # the draws depend on the seed only and nobody else's random state is touched.
        self._state = random.Random(seed).getstate()

    def next(self) -> dict[str, Any] | None:
        """The next run's parameters {name: value}, or None when a grid is exhausted."""
        outer = random.getstate()
        random.setstate(self._state)
        try:
            run = sweeps.next_run(self.sweep, self.runs)
        except ValueError as err:  # e.g. a continuous distribution in a grid
            raise SweepError(str(err)) from None
        finally:
            self._state = random.getstate()
            random.setstate(outer)
        if run is None:
            return None
        self.runs.append(run)
        return {name: _plain(entry["value"]) for name, entry in run.config.items()}


# ----------------------------------------------------------------------------- command
def agent_args(params: dict[str, Any]) -> dict[str, list[str]]:
    """The agent's ${args...} macros for these parameters, formatted as wandb's agent does."""
    flags = [f"{name}={value}" for name, value in params.items()]
    return {
        "args": ["--" + flag for flag in flags],
        "args_no_hyphens": flags,
        "args_no_equals": [s for n, v in params.items() for s in (f"--{n}", str(v))],
        "args_no_boolean_flags": [  # a True flag is bare, a False one is left out
            f"--{n}" if v is True else f"--{n}={v}"
            for n, v in params.items()
            if v is not False
        ],
        "args_json": [json.dumps(params)],
        "args_append_hydra": ["+" + flag for flag in flags],
        "args_override_hydra": ["++" + flag for flag in flags],
    }


def expand_command(
    command: Sequence[str],
    program: str,
    params: dict[str, Any],
    extra: Sequence[str] = (),
) -> list[str]:
    """The argv an agent would run; ${env} is dropped (the environment is passed directly)."""
    macros = agent_args(params)
    macros.update(env=[], interpreter=[sys.executable], program=[program])
    argv: list[str] = []
    for chunk in command:
        chunk = ENVVAR_MACRO.sub(lambda m: os.environ.get(m.group(1), m.group(1)), str(chunk))
        if chunk.startswith("${") and chunk.endswith("}"):
            name = chunk[2:-1]
            if name not in macros:
                raise SweepError(f"the local runner cannot expand {chunk} in the command")
            if name.startswith("args"):
                argv += extra  # before the swept values, so those win over an override file
            argv += macros[name]
        else:
            argv.append(chunk)
    return argv


# ----------------------------------------------------------------------------- one run
def read_history(path: Path, metric: str, goal: str) -> tuple[float, int | None, float, int]:
    """(best, its epoch, last, number of epochs) of `metric` in a history.jsonl file."""
    values: list[tuple[int, float]] = []
    for number, entry in enumerate(tracking.read_history(path)):  # skips a partial last line
        value = entry.get(metric)
        if isinstance(value, (int, float)) and math.isfinite(value):
            values.append((entry.get("epoch", number), float(value)))
    if not values:
        return math.nan, None, math.nan, 0
    pick = max if goal == "maximize" else min
    best_epoch, best = pick(values, key=lambda item: item[1])
    return best, best_epoch, values[-1][1], len(values)


def _missing_metric(history: Path, metric: str) -> str:
    """Why a run that exited cleanly has no metric, naming what its history does hold."""
    if not history.is_file():
        return f"{history} was not written"
    lines = history.read_text().splitlines()
    held = ", ".join(json.loads(lines[0])) if lines else "nothing"
    return f"no finite {metric} in {history}; its first line holds {held}"


def launch(record: RunRecord, workdir: Path, env: dict[str, str], log: Path) -> None:
    """Run one command to the end, its output going to `log`; fill exit code and time."""
    start = time.monotonic()
    with open(log, "w") as out:
        out.write(" ".join(record.command) + "\n\n")
        out.flush()
        done = subprocess.run(
            record.command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    record.exit_code = done.returncode
    record.seconds = round(time.monotonic() - start, 1)
    if done.returncode != 0:
        record.status = "failed"
        output = log.read_text().splitlines()[2:]  # below the command line and a blank
        record.error = "\n".join(output[-TAIL_LINES:])


# ----------------------------------------------------------------------------- table
def _sort_key(record: RunRecord, goal: str) -> tuple[bool, bool, float, int]:
    """Finished runs first, best metric first; then the others, best metric first."""
    value = -record.best if goal == "maximize" else record.best
    return (record.status != "finished", math.isnan(value), 0.0 if math.isnan(value) else value,
            record.index)




def _md_cell(value: Any) -> str:
    if value is None:
        return ""
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|")


def write_tables(records: list[RunRecord], out_dir: Path, metric: str, goal: str) -> None:
    """runs.csv and runs.md in `out_dir`, sorted by the metric."""
    ordered = sorted(records, key=lambda r: _sort_key(r, goal))
    param_names = list(dict.fromkeys(name for r in records for name in r.params))
    head = ["run", "run_name", "status", "exit_code", "best", "best_epoch", "last", "epochs",
            "seconds", *param_names]
    rows = [
        [r.index, r.run_name, r.status, r.exit_code, r.best, r.best_epoch, r.last, r.epochs,
         r.seconds, *(r.params.get(name, "") for name in param_names)]
        for r in ordered
    ]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*head, "error"])
    writer.writerows([*row, r.error] for row, r in zip(rows, ordered))
    write_text_atomic(out_dir / "runs.csv", text.getvalue())

    md = [f"Metric: `{metric}` ({goal}); best = best value over epochs.", "",
          "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    md += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    write_text_atomic(out_dir / "runs.md", "\n".join(md) + "\n")


# ----------------------------------------------------------------------------- sweep
def check_sweep(sweep: dict[str, Any], count: int | None, extra: Sequence[str]) -> None:
    """Refuse what the local runner cannot do, before anything is launched."""
    for key, why in (("metric", "ranks runs by it"), ("program", "launches it")):
        if key not in sweep:
            raise SweepError(f"the sweep file needs `{key}`: the local runner {why}")
    if sweep["method"] == "random" and count is None:
        raise SweepError("a random sweep never ends on its own: pass --count N")
    fixed = {cli_key(a) for a in extra if a.startswith("--")}
    clash = fixed & set(sweep["parameters"])
    if clash:
        raise SweepError(f"fixed overrides {sorted(clash)} are also swept; drop one of them")


def run_one(record: RunRecord, workdir: Path, env: dict[str, str], out_dir: Path,
            metric: str, goal: str) -> None:
    """Launch one run, then read its metric from saved_models/<run_name>/history.jsonl."""
    launch(record, workdir, env, out_dir / f"{record.run_name}.log")
    history = workdir / "saved_models" / record.run_name / tracking.HISTORY_FILE
    if history.is_file():
        record.best, record.best_epoch, record.last, record.epochs = read_history(
            history, metric, goal)
    if record.status != "failed":
        record.status = "no_metric" if math.isnan(record.best) else "finished"
    if record.status == "no_metric":
        record.error = _missing_metric(history, metric)
    print(f"    {record.status}: exit {record.exit_code}, {metric} best {record.best:.6g}"
          f" last {record.last:.6g}, {record.seconds:.0f}s", flush=True)
    if record.status == "failed":
        print("    " + record.error.replace("\n", "\n    "), flush=True)


def run_sweep(
    sweep_path: str | Path,
    count: int | None = None,
    method: str | None = None,
    seed: int = 0,
    extra: Sequence[str] = (),
    sweep_id: str | None = None,
    wandb_mode: str = "offline",
    workdir: str | Path = ".",
) -> list[RunRecord]:
    """Run the sweep's runs one after another in `workdir`; return their records."""
    sweep_path = Path(sweep_path)
    sweep = load_sweep(sweep_path)
    sweep["method"] = method or sweep["method"]
    suggester = Suggester(sweep, seed)
    check_sweep(sweep, count, extra)
    metric, goal = sweep["metric"]["name"], sweep["metric"].get("goal", "minimize")

    workdir = Path(workdir).resolve()
    sweep_id = sweep_id or f"{sweep_path.stem}_{time.strftime('%Y%m%d-%H%M%S')}"
    out_dir = workdir / "results" / "sweeps" / sweep_id
    if out_dir.exists():
        raise SweepError(f"{out_dir} already exists; choose another --sweep_id")
    out_dir.mkdir(parents=True)
    program = str((sweep_path.parent / sweep["program"]).resolve())
    command = sweep.get("command", ["${env}", "${interpreter}", "${program}", "${args}"])
    # WANDB_RUN_GROUP lets `wandb sync` show the offline runs of one sweep together.
    env = {**os.environ, "WANDB_MODE": wandb_mode, "WANDB_RUN_GROUP": sweep_id}
    write_text_atomic(out_dir / "sweep.json", json.dumps(
        {"sweep_file": str(sweep_path), "sweep": sweep, "seed": seed, "count": count,
         "extra": list(extra), "program": program}, indent=2) + "\n")

    records: list[RunRecord] = []
    while count is None or len(records) < count:
        params = suggester.next()
        if params is None:
            break
        index = len(records)
        record = RunRecord(index, f"{sweep_id}_{index}", params)
        # run_name goes last so that no override file can make two runs share a folder
        record.command = expand_command(command, program, params, extra) + [
            f"--run_name={record.run_name}"]
        print(f"[{index + 1}{'' if count is None else f'/{count}'}] {record.run_name}: "
              + ", ".join(f"{k}={v}" for k, v in params.items()), flush=True)
        run_one(record, workdir, env, out_dir, metric, goal)
        records.append(record)
        write_tables(records, out_dir, metric, goal)  # after every run: a crash keeps the rest
    print_best(records, metric, goal)
    return records


def print_best(records: list[RunRecord], metric: str, goal: str) -> None:
    """Print the finished run with the best metric, or say that there is none."""
    finished = [r for r in records if r.status == "finished"]
    if not finished:
        print(f"no run finished with a finite {metric} ({len(records)} launched)")
        return
    best = min(finished, key=lambda r: _sort_key(r, goal))
    print(f"best: {best.run_name} {metric} {best.best:.6g} (epoch {best.best_epoch}), "
          f"last {best.last:.6g}: " + ", ".join(f"{k}={v}" for k, v in best.params.items()))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m pirounet.run.sweep",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("sweep_file")
    parser.add_argument("--count", type=int, help="most runs to launch")
    parser.add_argument("--method", choices=LOCAL_METHODS, help="replaces the file's method")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random search")
    parser.add_argument("--sweep_id", help="results/sweeps/<sweep_id>; default: file + time")
    parser.add_argument("--wandb_mode", choices=("offline", "disabled"), default="offline")
    args = parser.parse_args(argv)
    try:
        records = run_sweep(args.sweep_file, args.count, args.method, args.seed, extra,
                            args.sweep_id, args.wandb_mode)
    except SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0 if any(r.status == "finished" for r in records) else 1

if __name__ == "__main__":
    sys.exit(main())
