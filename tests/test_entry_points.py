"""What the entry points say: --help, main_eval without a run, the capped-epoch note, wandb.

The entry points run as subprocesses in a temporary working directory, as a newcomer runs them.
"""
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pirounet.run.checkpoint import CheckpointError, list_runs, resolve_checkpoint
from pirounet.run.config import ConfigError, describe_file, read_settings
from pirounet.run.tracking import TrackingError, start_wandb, wandb_mode
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet import train as train_main
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset
from pirounet.systems.pirounet.settings import TRAINING

REPO = Path(__file__).resolve().parents[1]
TINY = str(REPO / "configs" / "tiny.py")


def entry(script: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run python <script> args in cwd, with wandb disabled unless env says otherwise."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    environ.update({"WANDB_MODE": "disabled", **env})
    return subprocess.run([sys.executable, str(REPO / script), *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=300)


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The single `error: ...` line a user error ends in (rc 1, no traceback)."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), proc.stderr
    return last


@pytest.fixture(scope="module")
def data_args(tmp_path_factory) -> list[str]:
    """A small synthetic set for the runs of main.py."""
    out = tmp_path_factory.mktemp("friction_data")
    write_synthetic_dataset(out, seed=0, frames=3000, n_files=2)
    return [f"--data_pattern={out}/mariel_*.npy", f"--labels_path={out}/labels_from_app.csv"]


# ---- --help


@pytest.mark.parametrize("script, defaults, flag", [("main.py", "default_config.py", "--help"),
                                                    ("main.py", "default_config.py", "-h"),
                                                    ("main_eval.py", "eval_config.py", "--help")])
def test_help_lists_every_setting_with_its_default_and_comment(tmp_path, script, defaults,
                                                                flag):
    proc = entry(script, "configs/missing.py", flag, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"usage: python {script} [OVERRIDE.py ...] [--key=value ...]")
    assert "override file" in out and "--key=value" in out and f"python {script} configs/" in out
    for setting in describe_file(REPO / defaults)[0]:
        assert f"--{setting.name}={setting.default}" in out
        assert " ".join(setting.comment.split()[:3]) in " ".join(out.split())
    assert list(tmp_path.iterdir()) == []  # no run folder, no log, no data written


def test_help_shows_sections_and_continued_comments(tmp_path):
    out = " ".join(entry("main.py", "--help", cwd=tmp_path).stdout.split())
    assert "objective: --kl_weight=1.0 weight of the KL term" in out
    assert '"ratio" (second published loader) | "blocks" (leak-free contiguous blocks' in out
    assert "other sequences' L (reproduces its numbers" in out  # third line of a comment


def test_describe_file_reads_new_settings_sections_and_continuations(tmp_path):
    defaults = tmp_path / "defaults.py"
    defaults.write_text('"""Doc."""\n\n# ------------- first\n# A note on the group.\n'
                        'a = 1  # one\n#     continued\n\nb = (1,\n     2)  # two\n'
                        '# ------------- second\nc: str = "x"\nimport math\n_hidden = 3\n'
                        'new_setting = 0.5  # added later\n')
    settings, notes = describe_file(defaults)
    assert [(s.name, s.default, s.comment, s.section) for s in settings] == [
        ("a", "1", "one continued", "first"), ("b", "(1, 2)", "two", "first"),
        ("c", '"x"', "", "second"), ("new_setting", "0.5", "added later", "second")]
    assert notes == {"first": "A note on the group.", "second": ""}


@pytest.mark.parametrize("defaults", ["default_config.py", "eval_config.py"])
def test_describe_file_finds_every_setting_the_loader_reads(defaults):
    settings, _ = describe_file(REPO / defaults)
    assert [s.name for s in settings] == list(read_settings(REPO / defaults))


def test_malformed_arguments_end_in_one_error_line_that_points_at_help(tmp_path):
    line = one_error_line(entry("main.py", "--epochs", "3", cwd=tmp_path))
    assert "--key=value" in line and "--help" in line


# ---- main_eval without a run


def fake_run(root: Path, name: str, checkpoint: str = "last.pt") -> None:
    """A run folder with an (empty) checkpoint: enough for listing."""
    (root / "saved_models" / name).mkdir(parents=True, exist_ok=True)
    (root / "saved_models" / name / checkpoint).write_bytes(b"")


def test_main_eval_without_the_default_run_lists_runs_and_the_command(tmp_path):
    fake_run(tmp_path, "quickstart")
    fake_run(tmp_path, "other", "best.pt")
    fake_run(tmp_path, "fid_classifier", "time_paper.pt")  # cached FID classifiers, not a run
    line = one_error_line(entry("main_eval.py", cwd=tmp_path))
    assert "saved_models/pirounet_dance" in line and "the default" in line
    assert "runs in saved_models/: other, quickstart;" in line and "fid_classifier" not in line
    assert re.search(r"`python \S*main_eval\.py \S*configs/eval_quickstart\.py`", line), line
    assert re.search(r"`python \S*main_eval\.py --load_from_checkpoint=other`", line), line
    assert not (tmp_path / "results").exists()


def test_main_eval_keeps_the_other_arguments_in_its_suggestion(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake_run(tmp_path, "tiny")
    debug = str(REPO / "configs" / "eval_debug.py")
    with pytest.raises(CheckpointError, match=r"no run saved_models/tyny/ .*=tyny\);") as err:
        main_eval.main([debug, "--load_from_checkpoint=tyny"])
    assert "configs/eval_debug.py --load_from_checkpoint=tiny`" in str(err.value)


def test_main_eval_with_no_runs_at_all_says_how_to_train_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake_run(tmp_path, "fid_classifier", "quickstart.pt")
    with pytest.raises(CheckpointError, match=r"no runs in saved_models/ yet; train one first, "
                                              r"e\.g\. `python \S*main\.py \S*quickstart\.py`"):
        main_eval.main([])


def test_run_listing_leaves_out_folders_without_last_or_best(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake_run(tmp_path, "fid_classifier", "time_paper.pt")
    fake_run(tmp_path, "a_run")
    assert list_runs() == ["a_run"]
    with pytest.raises(CheckpointError, match=r"in saved_models/: a_run$"):
        resolve_checkpoint("missing")


# ---- the epoch log line


def test_epoch_line_says_when_max_steps_per_epoch_caps_the_epoch(tmp_path, caplog):
    metrics = {"epoch": 1, "train/total": 1.0, "train/accuracy": 0.5, "valid/total": 1.0,
               "valid/accuracy": 0.5}
    caplog.set_level(logging.INFO, logger="pirounet.main")
    for steps, batches in [(40, 430), (40, 40), (0, 430)]:
        cfg = TRAINING.load([TINY, f"--max_steps_per_epoch={steps}"])
        train_main.log_epoch(cfg, None, metrics, [tmp_path / "last.pt"], None, 0.5, batches)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch 1/")]
    assert "(0.5 s, 40 of 430 batches: max_steps_per_epoch)" in lines[0]
    assert all("(0.5 s)  saved last.pt" in line for line in lines[1:]), lines


# ---- wandb


def test_offline_wandb_says_where_the_run_is_in_one_line(tmp_path, data_args):
    proc = entry("main.py", TINY, *data_args, "--epochs=1", "--max_steps_per_epoch=1",
                 "--artifact_every=1", cwd=tmp_path, WANDB_MODE="offline")
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    mentions = [line for line in output.splitlines() if "wandb" in line.lower()]
    assert len(mentions) == 1, output
    found = re.search(r"wandb: offline run in (\S+); sync with `wandb sync (\S+)`$", mentions[0])
    assert found and found[1] == found[2], mentions
    assert (tmp_path / found[1]).is_dir() and "saved_models/tiny/wandb/offline-run-" in found[1]
    assert re.search(r"s, 1 of \d+ batches: max_steps_per_epoch\)", output), output


def test_wandb_mode_must_be_known(monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    with pytest.raises(ConfigError, match=r"wandb_mode is 'onlin'; expected one of auto"):
        wandb_mode("onlin")
    monkeypatch.setenv("WANDB_MODE", "of")
    with pytest.raises(ConfigError, match=r"environment variable WANDB_MODE is 'of'"):
        wandb_mode("auto")


def test_online_wandb_without_a_login_is_one_error(tmp_path, monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = TRAINING.load([TINY, "--wandb_mode=online"])
    with pytest.raises(TrackingError, match=r"could not start.*wandb login"):
        start_wandb(cfg, tmp_path / "run", None)
