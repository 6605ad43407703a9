"""The sweep machinery serves learn2dance too: its sweep file, run offline, trains two runs."""
import csv
import math
import os
from pathlib import Path

import yaml
from helpers import LEARN2DANCE_TINY

from pirounet.systems.learn2dance.music2dance.settings import DEFAULT_CONFIG
from pirounet.run.config import read_settings
from pirounet.run.sweep import load_sweep, run_sweep

REPO = Path(__file__).resolve().parents[1]
SWEEP = REPO / "sweep_learn2dance.yaml"
TINY = LEARN2DANCE_TINY + "music_emb = 8\nbatch_size = 2\nepochs = 1\n"


def test_the_sweep_file_sweeps_learn2dance_settings_through_the_system_word():
    sweep = load_sweep(SWEEP)
    assert sweep["command"][3] == "learn2dance" and sweep["program"] == "main.py"
    assert set(sweep["parameters"]) <= set(read_settings(DEFAULT_CONFIG))


def test_an_offline_sweep_trains_learn2dance_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    (tmp_path / "tiny.py").write_text(TINY)
    sweep = load_sweep(SWEEP)
    sweep["parameters"] = {"hidden_size": {"values": [8, 16]}}
    sweep["method"] = "grid"
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({**sweep, "program": str(REPO / "main.py")}))
    records = run_sweep(path, extra=[str(tmp_path / "tiny.py")], sweep_id="l2d",
                        wandb_mode="disabled", workdir=tmp_path)
    assert [r.status for r in records] == ["finished", "finished"], records[0].error
    with open(tmp_path / "results/sweeps/l2d/runs.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["hidden_size"] for r in rows} == {"8", "16"}
    assert all(0 <= float(r["best"]) <= 1 and math.isfinite(float(r["best"])) for r in rows)
    for i in range(2):
        config = (tmp_path / f"saved_models/l2d_{i}/config.json").read_text()
        assert '"system": "learn2dance"' in config
    assert os.path.isdir(tmp_path / "data/l2d/songs")
