"""Evaluate a trained PirouNet: every metric and figure of the paper, and the ones it lacked.

    python main_eval.py                                     # saved_models/pirounet_dance/last.pt
    python main_eval.py --load_from_checkpoint=pirounet_watch --checkpoint=best
    python main_eval.py configs/eval_debug.py --load_from_checkpoint=tiny   # seconds, debug
    python main_eval.py --quantitative=False --classification=False   # only some groups

Settings: eval_config.py, then override files, then --key=value (see pirounet/run/config.py). The
model and data are rebuilt from the config saved in the checkpoint. Everything goes to
results/<name>/: metrics.json (every number, the eval and training configs, the checkpoint),
eval.log, report.html (metrics, paper-table row and every figure on one self-contained page)
and a folder per group of figures. See pirounet/systems/pirounet/evaluation/ for what each group computes.
"""
from __future__ import annotations

import logging
import shlex
import time
from pathlib import Path
from typing import Any, Callable

import torch
from threadpoolctl import threadpool_limits

from pirounet.run.checkpoint import (
    MODELS_DIR,
    CheckpointError,
    list_checkpoints,
    list_runs,
    read_checkpoint,
    run_folder,
)
from pirounet.run.config import Config, ConfigError, cli_key, keys_named, read_settings
from pirounet.run.runtime import seed_everything, set_threads
from pirounet.run.tracking import close_logging, setup_logging
from pirounet.run.lifecycle import FINGERPRINT_KEY
from pirounet.run.results import check_eval_data, write_metrics
from pirounet.systems.pirounet.checkpoint import describe_change, published_file
from pirounet.systems.pirounet.data import DataError
from pirounet.systems.pirounet.data.label_files import label_origin
from pirounet.systems.pirounet.evaluation import (
    EvalContext,
    EvalError,
    clear_figures,
    labelled_share,
    load_context,
    paper_table,
    run_blind_export,
    run_classification,
    run_entanglement,
    run_generation_figures,
    run_latent_space,
    run_quantitative,
    run_blind_accuracy,
    run_reconstruction_figures,
    tile_summary,
)
from pirounet.systems.pirounet.evaluation.diagnosis import diagnose
from pirounet.systems.pirounet.evaluation.results import write_eval_report
from pirounet.systems.pirounet.settings import EVAL_CONFIG, EVALUATION

DEFAULTS = EVAL_DEFAULTS = EVAL_CONFIG  # eval_config.py
REPO = Path(__file__).resolve().parents[3]  # a checkout: main.py, main_eval.py, configs/
CONFIGS = REPO / "configs"  # eval presets, e.g. eval_quickstart.py
log = logging.getLogger("pirounet.main_eval")
USER_ERRORS = (ConfigError, CheckpointError, DataError, EvalError)

# (switch in eval_config.py, folder of its figures or None, what it runs), in running order:
# the blind export comes before the blind accuracy that reads it.
SECTIONS: tuple[tuple[str, str | None, Callable[[EvalContext], dict[str, Any]]], ...] = (
    ("quantitative", None, run_quantitative),
    ("classification", "classification", run_classification),
    ("qualitative_generation", "generation", run_generation_figures),
    ("reconstruction", "reconstruction", run_reconstruction_figures),
    ("latent_space", "latent", run_latent_space),
    ("entanglement", "entanglement", run_entanglement),
    ("blind_export", None, run_blind_export),
    ("blind_accuracy", "blind_accuracy", run_blind_accuracy),
)
TILE_USERS = ("quantitative", "qualitative_generation", "latent_space", "blind_export")


def evaluate(eval_cfg: Config, cores: int = 1) -> dict[str, Any]:
    """Run every switched-on group of outputs, then write metrics.json and report.html.

    cores: how many parts of many windows go through the LSTMs side by side.
    """
    # Setup
    seed_everything(eval_cfg.seed)
    tic = time.perf_counter()
    ctx = load_context(eval_cfg, cores)
    setup_logging(ctx.results_dir / "eval.log")
    name = ctx.results_dir.name
    metrics: dict[str, Any] = {"name": name, "checkpoint": ctx.checkpoint}
    metrics.update(check_data(ctx, eval_cfg))  # data_fingerprint, and what changed, if allowed
    metrics["labels"] = label_origin(ctx.cfg.labels_path)  # human, or machine labels (meter)
    timing = {"load": time.perf_counter() - tic}

    # Each group of outputs, behind its switch. A group that fails with a user error is
    # recorded as {"error": ...}; the others still run, and metrics.json and report.html are
    # written for what was computed (never a stale metrics.json beside fresh figures).
    failed: list[str] = []
    for switch, folder, run in SECTIONS:
        if not eval_cfg[switch]:
            continue
        log.info("---- %s", switch)
        tic = time.perf_counter()
        if folder is not None:
            clear_figures(ctx.results_dir / folder)
        try:
            metrics[switch] = run(ctx)
        except USER_ERRORS as err:
            log.error("%s failed: %s", switch, err)
            metrics[switch] = {"error": str(err)}
            failed.append(f"{switch}: {err}")
        timing[switch] = time.perf_counter() - tic
    if any(eval_cfg[switch] for switch in TILE_USERS):
        metrics["conditional_generation"] = tile_summary(ctx)

    # Paper table, metrics.json and the report
    table = paper_table(name, labelled_share(ctx.cfg, ctx.dataset), metrics,
                        metrics["labels"]["source"])
    metrics["paper_table"] = table
    metrics["timing_s"] = timing
    metrics["eval_config"] = eval_cfg.to_dict()
    metrics["training_config"] = ctx.cfg.to_dict()
    metrics.update(diagnose(ctx, metrics))  # headline, warnings, KL check, training curves
    if failed:
        metrics.setdefault("warnings", [])
        metrics["warnings"] = [*metrics["warnings"], *(f"not computed: {f}" for f in failed)]
    path = write_metrics(ctx.results_dir, metrics)
    print(f"\n{table['markdown']}\n\n{table['latex']}\n")
    report = write_eval_report(ctx.results_dir, metrics, f"PirouNet evaluation: {name}")
    log.info("wrote %s and %s", path, report)
    if failed:
        raise EvalError(f"{len(failed)} part(s) failed ({'; '.join(failed)}); {path} and "
                        f"{report} hold everything else")
    return metrics


SPLIT_KEYS = ("effort", "split", "seq_len", "split_sizes")  # what train_overrides may change


def check_data(ctx: EvalContext, eval_cfg: Config) -> dict[str, Any]:
    """The data's fingerprint, checked against the one the checkpoint was trained on.

    With train_overrides, a different effort or split is what was asked for; the recordings
    and the label file must still be those of training.
    """
    fingerprint = dict(getattr(ctx.dataset, "fingerprint", None) or {})
    path = ctx.checkpoint.get("path") if isinstance(ctx.checkpoint, dict) else None
    if not path:
        return {FINGERPRINT_KEY: fingerprint}
    ckpt = read_checkpoint(path)
    asked = SPLIT_KEYS if eval_cfg.train_overrides else ()
    for key in asked:
        if (ckpt.get(FINGERPRINT_KEY) or {}).get(key, fingerprint.get(key)) != fingerprint.get(key):
            log.info("train_overrides %s: the data fingerprint's %s differs from training's",
                     list(eval_cfg.train_overrides), key)
    return check_eval_data(ckpt, fingerprint, eval_cfg.on_data_change, describe_change, asked)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    path, here = path.resolve(), Path.cwd().resolve()
    return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)


def eval_preset(run: str) -> Path | None:
    """The override file in configs/ that evaluates this run, if there is one."""
    eval_keys = set(read_settings(EVAL_DEFAULTS))
    for path in sorted(CONFIGS.glob("*.py")):
        try:
            settings = read_settings(path)
        except Exception:  # a broken file there must not hide the error being reported
            continue
        if settings.get("load_from_checkpoint") == run and set(settings) <= eval_keys:
            return path
    return None


def eval_command(run: str, args: list[str]) -> str:
    """The command that evaluates run, keeping args other than load_from_checkpoint."""
    kept = [a for a in args if not (a.startswith("--") and cli_key(a) == "load_from_checkpoint")]
    preset = eval_preset(run) if not kept else None
    tail = [shown(preset)] if preset else [*kept, f"--load_from_checkpoint={run}"]
    return shlex.join(["python", shown(REPO / "main_eval.py"), *tail])


def check_run(eval_cfg: Config, args: list[str]) -> None:
    """Fail in one line when the run to evaluate does not exist, naming the runs that do."""
    source = Path(str(eval_cfg.load_from_checkpoint))
    folder = source if source.is_dir() else run_folder(str(source))
    if source.suffix == ".pt" or list_checkpoints(folder) or published_file(source):
        return  # a missing .pt file or checkpoint of a run gets load_checkpoint's own message
    given = "" if "load_from_checkpoint" in keys_named(args) else ", the default"
    runs = list_runs()
    if not runs:
        train = shlex.join(["python", shown(REPO / "main.py"),
                            shown(CONFIGS / "quickstart.py")])
        raise CheckpointError(f"no run {folder}/ to evaluate (load_from_checkpoint={source}"
                              f"{given}), and no runs in {MODELS_DIR}/ yet; train one first, e.g. "
                              f"`{train}`")
    shown_runs = sorted(runs, key=lambda run: eval_preset(run) is None)[:3]  # presets first
    commands = " or ".join(f"`{eval_command(run, args)}`" for run in shown_runs)
    raise CheckpointError(f"no run {folder}/ to evaluate (load_from_checkpoint={source}{given}); "
                          f"runs in {MODELS_DIR}/: {', '.join(runs)}; evaluate "
                          f"{'it' if len(runs) == 1 else 'one'} with {commands}")


def main(args: list[str]) -> dict[str, Any]:
    """Evaluate as configured by args (override files and --key=value); returns the metrics."""
    setup_logging(None)
    try:
        eval_cfg = EVALUATION.load(args)
        check_run(eval_cfg, args)
        cores = set_threads(eval_cfg.cpu_threads)
        # Cores are used by running parts of many windows side by side (EvalContext); each op
        # stays single-threaded. Torch's and numpy's BLAS threads gain little on these small
        # ops and collapse when other jobs share the cores: with 2 threads on a busy 2-core
        # machine an LSTM step over 2 sequences took 100x longer and a 250 x 250 eigh 50x.
        torch.set_num_threads(1)
        with threadpool_limits(1, user_api="blas"):
            return evaluate(eval_cfg, cores)
    finally:
        close_logging()

