"""learn2dance end to end: raw synthetic inputs -> a trained run -> resume -> main_eval -> a dance
with its song as soundtrack; and every bad input ends in one clear error."""
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from helpers import LEARN2DANCE_MODEL_TINY, LEARN2DANCE_TINY
from torch import nn

import main as train_entry
import main_eval as eval_entry
from pirounet.systems.learn2dance import dance as dance_cmd
from pirounet.music.errors import DataError
from pirounet.systems.learn2dance.music2dance.generate import SongTooShortError
from pirounet.run.checkpoint import (CheckpointError, make_checkpoint, read_checkpoint,
                                    save_checkpoint)
from pirounet.viz.soundtrack import ffmpeg_exe

os.environ["WANDB_MODE"] = "disabled"
REPO = Path(__file__).resolve().parents[1]

TINY = LEARN2DANCE_TINY + LEARN2DANCE_MODEL_TINY


def write_song(path, seconds, sr=22050):
    """A click track at 120 BPM over a tone, made with numpy."""
    t = np.arange(int(seconds * sr)) / sr
    y = 0.2 * np.sin(2 * np.pi * 220 * t)
    for beat in np.arange(0, seconds, 0.5):
        i = int(beat * sr)
        y[i:i + 400] += 0.8 * np.exp(-np.arange(len(y[i:i + 400])) / 80)
    soundfile.write(path, y.astype(np.float32), sr)
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder holding tiny.py and, after the first training, the data and the run."""
    folder = tmp_path_factory.mktemp("l2d")
    (folder / "tiny.py").write_text(TINY)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        torch.set_num_threads(1)
        train_entry.main(["learn2dance", "tiny.py", "--run_name=run"])
        yield folder


def test_training_writes_a_learn2dance_run(workdir):
    run = workdir / "saved_models" / "run"
    assert {"last.pt", "best.pt", "config.json", "history.jsonl"} <= {p.name for p in run.iterdir()}
    ckpt = torch.load(run / "last.pt", weights_only=True)
    assert ckpt["system"] == "learn2dance" and ckpt["epoch"] == 2
    assert {"encoder_state_dict", "decoder_state_dict", "encoder_optimizer_state_dict",
            "decoder_optimizer_state_dict", "music_scaler", "centroids",
            "motion_library"} <= set(ckpt)
    assert ckpt["centroids"].shape == (6, 30, 15, 2)
    library = ckpt["motion_library"]  # segment_songs="style" reads each song's style
    assert len(library["song_styles"]) == len(library["song_names"])
    assert all(isinstance(style, str) for style in library["song_styles"])
    lines = (run / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2]


def test_resume_continues_exactly(workdir):
    train_entry.main(["learn2dance", "tiny.py", "--run_name=split", "--epochs=1"])
    train_entry.main(["learn2dance", "tiny.py", "--run_name=split", "--epochs=2",
                      "--resume=True"])
    whole = torch.load(workdir / "saved_models/run/last.pt", weights_only=True)
    resumed = torch.load(workdir / "saved_models/split/last.pt", weights_only=True)
    assert resumed["epoch"] == 2
    for part in ("encoder_state_dict", "decoder_state_dict"):
        for key, value in whole[part].items():
            assert torch.allclose(value, resumed[part][key], atol=1e-6), key
    assert len((workdir / "saved_models/split/history.jsonl").read_text().splitlines()) == 2


def test_a_new_run_refuses_old_checkpoints(workdir):
    with pytest.raises(CheckpointError, match="--resume=True"):
        train_entry.main(["learn2dance", "tiny.py", "--run_name=run"])


def test_main_eval_writes_metrics_and_report(workdir):
    metrics = eval_entry.main(["learn2dance", "--load_from_checkpoint=run",
                               "--bootstrap_iterations=2", "--n_animations=1",
                               "--feature_window_s=1.0"])
    folder = workdir / "results" / "run_best"  # checkpoint="best", the default
    assert (folder / "report.html").is_file()
    saved = json.loads((folder / "metrics.json").read_text())
    for group in ("token_accuracy", "beat_align_score", "features_2d", "speed", "style",
                  "claims"):
        assert group in saved, group
    top1 = saved["token_accuracy"]["top1"]
    assert 0 <= top1["mean"] <= 1 and {"ci95_low", "boot_low"} <= set(top1)
    bas = saved["beat_align_score"]
    assert {"generated", "control_other_song", "real_dance"} <= set(bas["fact"])
    assert {"generated", "control_other_song", "real_dance"} <= set(bas["bailando"])
    assert {"real_dance_other_songs_beats", "real_dance_beats_half_beat_later"} <= set(bas["fact"])
    # the synthetic set's true beats, and the report says so
    assert set(saved["beat_reference"]["sources"]) == {"truth.json"}
    assert isinstance(saved["warnings"], list)
    assert "fid_k_2d" in saved["features_2d"] and "fid_g_2d" in saved["features_2d"]
    for k in ("k", "g"):  # the floor drawn like the generated set, and the paired difference
        assert {f"fid_{k}_2d_real_train_drawn", f"fid_{k}_2d_minus_real_train_drawn"} <= set(
            saved["features_2d"])
    assert metrics["animations"] and (workdir / metrics["animations"][0]).is_file()


def test_a_dance_for_a_new_song_has_the_song_as_soundtrack(workdir):
    song = write_song(workdir / "new_song.wav", seconds=3.3)
    written = dance_cmd.main(["--run=run", str(song), "--out=dances"])[0]
    with np.load(written["npz"]) as saved:
        # one pose per music frame: 1 + 3.3 s * 30 fps, cut to the song
        assert saved["poses"].shape == (100, 15, 2)
        assert saved["moves"].shape == (4,)
    assert written["animation"].suffix == ".mp4"
    probe = subprocess.run([ffmpeg_exe(), "-i", str(written["animation"])],
                           capture_output=True, text=True, check=False).stderr
    assert "Audio:" in probe and "Video:" in probe


def test_published_concatenation_and_greedy_are_options(workdir):
    song = write_song(workdir / "other.wav", seconds=2.0)
    a = dance_cmd.main(["--run=run", str(song), "--out=hard", "--playback=published",
                        "--transitions=hard", "--sampling=greedy", "--animation=none"])[0]
    b = dance_cmd.main(["--run=run", str(song), "--out=hard2", "--playback=published",
                        "--transitions=hard", "--sampling=greedy", "--animation=none"])[0]
    synced = dance_cmd.main(["--run=run", str(song), "--out=synced", "--sampling=greedy",
                             "--animation=none"])[0]
    assert np.array_equal(np.load(a["npz"])["moves"], np.load(b["npz"])["moves"])
    assert np.array_equal(np.load(a["npz"])["moves"], np.load(synced["npz"])["moves"])
    assert not np.allclose(np.load(a["npz"])["poses"], np.load(synced["npz"])["poses"])


def test_runs_of_a_recordings_beats_reach_the_dance_command(workdir):
    """--run_beats plays the same moves (greedy) with fewer new segment choices."""
    song = write_song(workdir / "runs.wav", seconds=3.0)
    each, runs = (dance_cmd.main(["--run=run", str(song), f"--out=runs{r}", "--sampling=greedy",
                                  "--animation=none", f"--run_beats={r}"])[0] for r in (1, 8))
    assert np.array_equal(np.load(each["npz"])["moves"], np.load(runs["npz"])["moves"])
    assert np.load(runs["npz"])["poses"].shape == np.load(each["npz"])["poses"].shape


def test_an_audio_file_that_is_not_audio(workdir):
    bad = workdir / "not_audio.wav"
    bad.write_text("this is not a song")
    with pytest.raises(DataError, match="not_audio.wav: unreadable audio"):
        dance_cmd.main(["--run=run", str(bad)])


def test_a_song_shorter_than_one_chunk(workdir):
    short = write_song(workdir / "short.wav", seconds=0.5)
    with pytest.raises(SongTooShortError, match="shorter than one move of 30 frames"):
        dance_cmd.main(["--run=run", str(short)])


def test_a_checkpoint_of_the_other_system(workdir):
    linear = nn.Linear(2, 2)
    ckpt = make_checkpoint("pirounet", 1, {"model": linear},
                           {"optimizer": torch.optim.SGD(linear.parameters(), lr=0.1)}, {},
                           {"system": "pirounet"}, 0.0, [], None)
    path = workdir / "pirounet.pt"
    save_checkpoint(path, ckpt)
    with pytest.raises(CheckpointError, match="made by pirounet, not learn2dance"):
        dance_cmd.main([f"--run={path}", str(write_song(workdir / "x.wav", 2.0))])
    with pytest.raises(CheckpointError, match="made by pirounet"):
        eval_entry.main(["learn2dance", f"--load_from_checkpoint={path}"])
    with pytest.raises(CheckpointError, match="made by pirounet"):
        train_entry.main(["learn2dance", "tiny.py", "--run_name=other",
                          f"--load_from_checkpoint={path}"])


def test_the_command_line_ends_a_bad_input_in_one_error_line(workdir):
    result = subprocess.run(["python", "-m", "pirounet.systems.learn2dance.dance", "--run=run",
                             "not_audio.wav"], capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: not_audio.wav: unreadable audio")


def test_the_default_style_playback_falls_back_without_song_styles(workdir, caplog):
    """A checkpoint trained before song styles (and the meter) dances and is evaluated under
    the default segment_songs="style": it falls back to "nearest" with the same nearest_songs
    and sound_tempo, says so in the log, and metrics.json and the report record it."""
    old = workdir / "saved_models" / "before_styles"
    shutil.copytree(workdir / "saved_models" / "run", old)
    for name in ("best.pt", "last.pt"):
        ckpt = read_checkpoint(old / name)
        del ckpt["motion_library"]["song_styles"], ckpt["motion_library"]["meters"]
        save_checkpoint(old / name, ckpt)
    with caplog.at_level(logging.WARNING):
        saved = eval_entry.main(["learn2dance", "--load_from_checkpoint=before_styles",
                                 "--bootstrap_iterations=2", "--n_animations=0",
                                 "--feature_window_s=1.0"])
    playback = saved["playback"]
    assert playback["segment_songs"] == "style" and playback["segment_songs_used"] == "nearest"
    assert playback["song_features_used"] == "sound_tempo"
    assert "no styles" in playback["fallback"] and "no song meters" in playback["fallback"]
    assert any("fell back to nearest (nearest_songs=1)" in w for w in saved["warnings"])
    assert sum("fell back to nearest" in r.getMessage() for r in caplog.records) == 1
    report = (workdir / "results" / "before_styles_best" / "report.html").read_text()
    assert "fell back to nearest" in report
    written = dance_cmd.main(["--run=before_styles", str(write_song(workdir / "s.wav", 3.0)),
                              "--out=fallback", "--animation=none",
                              "--segment_songs=style"])[0]
    assert np.load(written["npz"])["poses"].shape == (91, 15, 2)
    # the trained run has styles: nothing falls back
    assert eval_entry.main(["learn2dance", "--load_from_checkpoint=run", "--name=styled",
                            "--bootstrap_iterations=2", "--n_animations=0",
                            "--feature_window_s=1.0"])["playback"] == {
        "playback": "beat_sync", "segment_songs": "style", "segment_songs_used": "style",
        "song_features_used": "sound_tempo_meter", "run_beats": 8, "run_fit": "hold",
        "fallback": None}
