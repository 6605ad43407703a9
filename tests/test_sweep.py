"""The sweep file and the local sweep runner (pirounet/run/sweep.py)."""
import csv
import itertools
import math
import random
import sys
from pathlib import Path

import pytest
import sweeps
import yaml

from pirounet.run.sweep import (
    Suggester,
    SweepError,
    agent_args,
    expand_command,
    load_sweep,
    main,
    read_history,
    run_sweep,
)
from pirounet.systems.pirounet.data.synthetic import write_synthetic_dataset

REPO = Path(__file__).resolve().parents[1]

# Stands in for main.py: writes a history whose valid/loss is the learning rate times the
# epoch count, and fails with exit code 3 when asked to.
FAKE_PROGRAM = """
import json, os, sys
args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
if args.get("fail") == "True":
    print("something broke")
    sys.exit(3)
folder = os.path.join("saved_models", args["run_name"])
os.makedirs(folder)
with open(os.path.join(folder, "history.jsonl"), "w") as f:
    for epoch in range(int(args.get("epochs", 2))):
        loss = float(args["learning_rate"]) * (2 - epoch) + float(args.get("shift", 0))
        f.write(json.dumps({"epoch": epoch, "train/loss": loss, "valid/loss": loss}) + "\\n")
"""


def write_sweep(folder: Path, parameters: dict, method: str = "grid", program: str = "",
                **more) -> Path:
    """A sweep YAML in `folder`; its program is the fake training script unless named."""
    if not program:
        (folder / "fake_main.py").write_text(FAKE_PROGRAM)
    sweep = {"program": program or "fake_main.py", "method": method,
             "metric": {"name": "valid/loss", "goal": "minimize"},
             "parameters": parameters,
             "command": ["${env}", "${interpreter}", "${program}", "${args}"], **more}
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    return path


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_sweep_yaml_is_a_valid_wandb_sweep():
    text = (REPO / "sweep.yaml").read_text()
    config = yaml.safe_load(text)
    assert sweeps.schema_violations_from_proposed_config(config) == []
    sweeps.SweepConfig(config)  # fills defaults; raises on anything the schema rejects
    assert config["program"] == "main.py"
    # ranked by a quantity the swept kl_weight and alpha_scale do not rescale (not J)
    assert config["metric"] == {"name": "valid/recon_labelled", "goal": "minimize"}
    assert config["method"] in ("random", "grid")
    assert config["command"] == ["${env}", "${interpreter}", "${program}", "${args}"]
    assert "command:\n  - ${env}\n  - ${interpreter}\n  - ${program}\n  - ${args}\n" in text
    swept = set(config["parameters"])
    assert {"learning_rate", "batch_size", "kl_weight", "h_dim", "latent_dim", "n_layers",
            "neg_slope", "h_dim_classif", "n_layers_classif", "alpha_scale"} <= swept


def test_sweep_yaml_only_sweeps_real_settings_with_published_values_in_range():
    from pirounet.run.config import read_settings

    defaults = read_settings(REPO / "default_config.py")
    for name, spec in load_sweep(REPO / "sweep.yaml")["parameters"].items():
        assert name in defaults, name
        published = defaults[name]
        if "values" in spec:
            assert published in spec["values"], name
            assert all(type(v) is type(published) for v in spec["values"]), name
        else:
            assert spec["min"] <= published <= spec["max"], name


def test_schema_violations_are_reported(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("method: sideways\nparameters:\n  h_dim:\n    values: [64]\n")
    with pytest.raises(SweepError, match="schema"):
        load_sweep(path)


def test_agent_args_match_wandb_agent_formatting():
    from wandb.sdk.launch.sweeps.utils import create_sweep_command_args

    params = {"resume": True, "shuffle_data": False, "learning_rate": 3e-4, "batch_size": 80,
              "block_fractions": [0.8, 0.1, 0.1], "effort": "space", "wandb_entity": None}
    expected = create_sweep_command_args({"args": {k: {"value": v} for k, v in params.items()}})
    mine = agent_args(params)
    for name, value in mine.items():
        assert value == expected[name], name
    assert mine["args"][:3] == ["--resume=True", "--shuffle_data=False", "--learning_rate=0.0003"]


def test_expand_command_places_interpreter_program_and_overrides():
    command = ["${env}", "${interpreter}", "${program}", "--seed=${envvar:PIROUNET_T}",
               "${args}"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIROUNET_T", "7")
        argv = expand_command(command, "/abs/main.py", {"h_dim": 64, "resume": False},
                              extra=["configs/tiny.py", "--epochs=2"])
    assert argv == [sys.executable, "/abs/main.py", "--seed=7", "configs/tiny.py",
                    "--epochs=2", "--h_dim=64", "--resume=False"]
    with pytest.raises(SweepError, match="args_json_file"):
        expand_command(["${interpreter}", "${args_json_file}"], "m.py", {})


def test_grid_enumerates_exactly_the_product(tmp_path):
    parameters = {"h_dim": {"values": [32, 64, 128]}, "neg_slope": {"values": [0.0, 0.1]},
                  "effort": {"value": "time"}}
    suggester = Suggester(load_sweep(write_sweep(tmp_path, parameters)), seed=0)
    seen = []
    while (params := suggester.next()) is not None:
        seen.append(params)
    assert len(seen) == 6
    assert {(p["h_dim"], p["neg_slope"]) for p in seen} == set(
        itertools.product([32, 64, 128], [0.0, 0.1]))
    assert all(p["effort"] == "time" for p in seen)


def test_grid_rejects_continuous_distributions(tmp_path):
    parameters = {"learning_rate": {"distribution": "log_uniform_values", "min": 1e-4,
                                    "max": 1e-3}}
    suggester = Suggester(load_sweep(write_sweep(tmp_path, parameters)), seed=0)
    with pytest.raises(SweepError, match="learning_rate"):
        suggester.next()


def test_random_search_is_reproducible_and_leaves_global_random_alone():
    sweep = load_sweep(REPO / "sweep.yaml")
    random.seed(123)
    before = random.getstate()
    draws = [[Suggester(sweep, seed).next() for _ in range(1)] for seed in (0, 0, 1)]
    first, again = Suggester(sweep, 5), Suggester(sweep, 5)
    assert [first.next() for _ in range(4)] == [again.next() for _ in range(4)]
    assert draws[0] == draws[1] != draws[2]
    assert random.getstate() == before
    params = Suggester(sweep, 0).next()
    assert 1e-4 <= params["learning_rate"] <= 1e-3
    assert type(params["learning_rate"]) is float and type(params["h_dim"]) is int


def test_bayes_needs_the_server():
    sweep = dict(load_sweep(REPO / "sweep.yaml"), method="bayes")
    with pytest.raises(SweepError, match="--method random"):
        Suggester(sweep, 0)


def test_read_history_best_last_and_partial_lines(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('{"epoch": 0, "valid/loss": 3.0}\n{"epoch": 1, "valid/loss": 1.0}\n'
                    '{"epoch": 2, "valid/loss": NaN}\n{"epoch": 3, "valid/loss": 2.0}\n'
                    '{"epoch": 4, "valid/lo')
    assert read_history(path, "valid/loss", "minimize") == (1.0, 1, 2.0, 3)
    assert read_history(path, "valid/loss", "maximize") == (3.0, 0, 2.0, 3)
    best, epoch, last, epochs = read_history(path, "valid/accuracy", "maximize")
    assert math.isnan(best) and epoch is None and epochs == 0


def test_local_sweep_with_a_fake_program_records_failures(tmp_path, capsys):
    parameters = {"learning_rate": {"values": [0.5, 0.25]}, "fail": {"values": [False, True]}}
    path = write_sweep(tmp_path, parameters)
    records = run_sweep(path, method="grid", extra=["--shift=1"], sweep_id="s",
                        wandb_mode="disabled", workdir=tmp_path)
    # sweeps orders parameters by name, and a grid varies the last one fastest
    assert [(r.params["fail"], r.params["learning_rate"]) for r in records] == [
        (False, 0.5), (False, 0.25), (True, 0.5), (True, 0.25)]
    assert [r.status for r in records] == ["finished", "finished", "failed", "failed"]
    failed = records[2]
    assert failed.exit_code == 3 and failed.error == "something broke"
    assert records[0].command[1:] == [str(tmp_path / "fake_main.py"), "--shift=1",
                                      "--fail=False", "--learning_rate=0.5", "--run_name=s_0"]

    rows = read_rows(tmp_path / "results/sweeps/s/runs.csv")
    assert [r["run_name"] for r in rows] == ["s_1", "s_0", "s_2", "s_3"]  # best first
    assert float(rows[0]["best"]) == pytest.approx(1.25)  # 0.25 * (2 - 1) + 1
    assert float(rows[0]["last"]) == pytest.approx(1.25) and rows[0]["best_epoch"] == "1"
    assert rows[2]["exit_code"] == "3" and rows[2]["error"] == "something broke"
    assert rows[2]["best"] == "nan"
    md = (tmp_path / "results/sweeps/s/runs.md").read_text()
    assert md.index("| 1 | s_1 | finished") < md.index("| 0 | s_0 | finished")
    assert "best: s_1 valid/loss 1.25 (epoch 1)" in capsys.readouterr().out
    assert (tmp_path / "results/sweeps/s/s_1.log").is_file()

    with pytest.raises(SweepError, match="already exists"):  # never overwrite a sweep
        run_sweep(path, sweep_id="s", workdir=tmp_path)


def test_local_sweep_checks_its_options(tmp_path):
    path = write_sweep(tmp_path, {"learning_rate": {"values": [0.5, 0.25]}}, method="random")
    with pytest.raises(SweepError, match="--count"):
        run_sweep(path, workdir=tmp_path)
    with pytest.raises(SweepError, match="learning_rate"):
        run_sweep(path, count=1, extra=["--learning_rate=0.1"], workdir=tmp_path)
    records = run_sweep(path, count=3, sweep_id="r", wandb_mode="disabled", workdir=tmp_path)
    assert len(records) == 3 and all(r.status == "finished" for r in records)


def test_command_line_splits_fixed_overrides_after_double_dash(tmp_path, monkeypatch, capsys):
    path = write_sweep(tmp_path, {"learning_rate": {"values": [0.5]}})
    monkeypatch.chdir(tmp_path)
    assert main([str(path), "--sweep_id=c", "--wandb_mode=disabled", "--", "--epochs=3"]) == 0
    rows = read_rows(tmp_path / "results/sweeps/c/runs.csv")
    assert len(rows) == 1 and rows[0]["epochs"] == "3"
    assert main([str(path), "--method=random"]) == 2  # random needs --count
    assert "--count" in capsys.readouterr().err


def test_a_run_without_the_metric_says_what_its_history_holds(tmp_path):
    path = write_sweep(tmp_path, {"learning_rate": {"values": [0.5]}},
                       metric={"name": "valid/total", "goal": "minimize"})
    records = run_sweep(path, sweep_id="m", wandb_mode="disabled", workdir=tmp_path)
    assert records[0].status == "no_metric" and records[0].exit_code == 0
    assert "epoch, train/loss, valid/loss" in records[0].error


def test_local_sweep_trains_main_py_twice_on_tiny_synthetic_data(tmp_path):
    data, work = tmp_path / "data", tmp_path / "work"
    write_synthetic_dataset(data, seed=0, frames=1500, n_files=1)
    work.mkdir()
    path = write_sweep(tmp_path, {"learning_rate": {"values": [3e-3, 1e-3]}},
                       program=str(REPO / "main.py"),
                       metric={"name": "valid/total", "goal": "minimize"})
    extra = [str(REPO / "configs" / "tiny.py"), "--epochs=1", "--max_steps_per_epoch=2",
             f"--data_pattern={data}/mariel_*.npy", f"--labels_path={data}/labels_from_app.csv"]
    records = run_sweep(path, extra=extra, sweep_id="tiny", wandb_mode="disabled", workdir=work)

    assert [r.status for r in records] == ["finished", "finished"], records[0].error
    rows = read_rows(work / "results/sweeps/tiny/runs.csv")
    assert len(rows) == 2 and all(math.isfinite(float(r["best"])) for r in rows)
    assert {r["learning_rate"] for r in rows} == {"0.003", "0.001"}
    assert (work / "saved_models/tiny_0/history.jsonl").is_file()
