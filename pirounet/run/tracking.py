"""What a run reports: python logging, the run folder's history.jsonl, and wandb.

wandb is imported only when used. cfg.wandb_mode "auto" means online when an API key is
available (env WANDB_API_KEY, or an api.wandb.ai entry in ~/.netrc) and offline otherwise;
"disabled" never imports wandb. The environment variable WANDB_MODE overrides the setting.
Offline, wandb prints nothing; finishing logs one line with the run's folder and its sync command.
"""
from __future__ import annotations

import json
import logging
import logging.handlers
import netrc
import os
import sys
from pathlib import Path
from typing import Any

from pirounet.run.atomic import write_text_atomic
from pirounet.run.config import Config, ConfigError
from pirounet.run.rules import WANDB_MODES

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_BUFFER = 1000  # records kept for log_to_file before the run folder exists
log = logging.getLogger(__name__)


class TrackingError(RuntimeError):
    """wandb could not start (not logged in, no network, ...)."""


def setup_logging(log_file: Path | None, is_main: bool = True) -> None:
    """INFO to the console and to log_file on rank 0; warnings only on other ranks."""
    close_logging()  # main() may run twice in one process (tests, notebooks)
    root = logging.getLogger()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None and is_main:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="a"))
    elif is_main:  # keep the first records for log_to_file
        handlers.append(logging.handlers.BufferingHandler(LOG_BUFFER))
    for handler in handlers:
        handler.pirounet = True
        handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
        root.addHandler(handler)
    root.setLevel(logging.INFO if is_main else logging.WARNING)


def log_to_file(log_file: Path, is_main: bool = True) -> None:
    """Rank 0: also log to log_file, starting with what was logged since setup_logging(None)."""
    if not is_main:
        return
    root = logging.getLogger()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, mode="a")
    handler.pirounet = True
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%H:%M:%S"))
    for buffer in [h for h in root.handlers if isinstance(h, logging.handlers.BufferingHandler)
                   and getattr(h, "pirounet", False)]:
        for record in buffer.buffer:
            handler.handle(record)
        root.removeHandler(buffer)
        buffer.close()
    root.addHandler(handler)


def close_logging() -> None:
    """Detach and close the handlers setup_logging added (closes the log file)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "pirounet", False)]:
        root.removeHandler(handler)
        handler.close()


def wandb_logged_in() -> bool:
    """An API key is available: env WANDB_API_KEY or an api.wandb.ai entry in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def wandb_mode(setting: str) -> str:
    """The effective mode: env WANDB_MODE, else the setting, with "auto" resolved."""
    source = "environment variable WANDB_MODE" if os.environ.get("WANDB_MODE") else "wandb_mode"
    mode = os.environ.get("WANDB_MODE") or setting
    if mode not in WANDB_MODES:
        raise ConfigError(f"{source} is {mode!r}; expected one of {', '.join(WANDB_MODES)}")
    if mode == "auto":
        return "online" if wandb_logged_in() else "offline"
    return mode


def start_wandb(cfg: Config, run_dir: Path, run_id: str | None) -> Any | None:
    """A wandb run (resumed when run_id is given), or None when wandb is disabled."""
    mode = wandb_mode(cfg.wandb_mode)
    if mode == "disabled":
        return None
    import wandb

    run_dir.mkdir(parents=True, exist_ok=True)
    # Offline, wandb's banners say nothing the one line of finish_wandb does not.
    settings = wandb.Settings(silent=True) if mode == "offline" else None
    try:
        run = wandb.init(project=cfg.wandb_project, entity=cfg.wandb_entity, name=cfg.run_name,
                         id=run_id, resume="allow" if run_id else None, config=cfg.to_dict(),
                         dir=str(run_dir), mode=mode, settings=settings)
    except wandb.errors.Error as err:
        raise TrackingError(f"wandb ({mode}) could not start: {err} Log in with `wandb login`, "
                            "or set --wandb_mode=offline or --wandb_mode=disabled") from err
    if mode != "offline":
        log.info("wandb run %s (%s)", run.id, mode)
    return run


def log_metrics(run: Any | None, metrics: dict[str, float], epoch: int) -> None:
    """Log train/<term> and valid/<term> values at step = epoch."""
    if run is not None:
        run.log(metrics, step=epoch)


def log_animation(run: Any | None, key: str, path: Path, epoch: int) -> None:
    """Log a GIF file as a wandb video at step = epoch."""
    if run is not None:
        import wandb

        run.log({key: wandb.Video(str(path))}, step=epoch)


def finish_wandb(run: Any | None) -> None:
    """Flush and close the wandb run; offline, say in one line where it is and how to sync it."""
    if run is None:
        return
    run.finish()
    if run.offline:
        folder = run.settings.sync_dir
        log.info("wandb: offline run in %s; sync with `wandb sync %s`", folder, folder)


HISTORY_FILE = "history.jsonl"  # in the run folder, next to the checkpoints


def read_history(path: Path) -> list[dict[str, Any]]:
    """The per-epoch dicts of a history.jsonl; a torn or foreign line (a killed run) is skipped."""
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return [line for line in lines if isinstance(line, dict) and type(line.get("epoch")) is int]


def _write_history(path: Path, entries: list[dict[str, Any]]) -> None:
    """Rewrite the whole file atomically: a reader or a crash never sees a torn line."""
    write_text_atomic(path, "".join(json.dumps(entry) + "\n" for entry in entries))


def append_history(path: Path, metrics: dict[str, float]) -> None:
    """One JSON line per epoch: "epoch" and every train/<term> and valid/<term>.

    The file is rewritten atomically with the new line (a few kB even after 1000s of epochs),
    dropping a torn line an older, killed writer may have left, so the new line never gets
    glued onto it.
    """
    kept = read_history(path) if path.is_file() else []
    _write_history(path, [*kept, metrics])


def trim_history(path: Path, last_epoch: int) -> None:
    """Keep the lines of epochs <= last_epoch (a resumed run rewrites what came after)."""
    if not path.is_file():
        return
    _write_history(path, [entry for entry in read_history(path) if entry["epoch"] <= last_epoch])
