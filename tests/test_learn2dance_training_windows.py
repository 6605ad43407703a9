"""learn2dance training windows: a short song is left out by name, never shrinks the windows."""
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import soundfile

import main as train_entry
from pirounet.systems.learn2dance import synthetic
from pirounet.systems.learn2dance.music2dance.data import Song, long_enough, window_length
from pirounet.systems.learn2dance.music2dance.settings import TRAINING

REPO = Path(__file__).resolve().parents[1]


def song(name: str, n_moves: int, chunk: int = 30) -> Song:
    t = n_moves * chunk
    return Song(name, np.zeros((t, 35), np.float32), np.zeros(n_moves, np.int64),
                np.zeros((t, 15, 2), np.float32), "train", 30.0)


def test_one_short_song_keeps_the_window_and_is_named(caplog):
    songs = [song(f"long_{i}", 60) for i in range(5)] + [song("clip", 1)]
    assert window_length(songs, 40) == 40
    with caplog.at_level(logging.WARNING):
        kept = long_enough(songs, 40, "train")
    assert [s.name for s in kept] == [f"long_{i}" for i in range(5)]
    assert "train songs left out, shorter than one window of 40 moves: clip (1 moves, 1.0 s)" \
        in caplog.text


def test_songs_all_shorter_than_the_window_train_on_their_typical_length():
    songs = [song("a", 30), song("b", 30), song("c", 35), song("d", 2)]
    assert window_length(songs, 40) == 30  # the median song, not the 2-move one
    assert [s.name for s in long_enough(songs, 30, "train")] == ["a", "b", "c"]


def test_training_with_a_tenth_of_a_second_song_keeps_its_windows(tmp_path, caplog):
    data = tmp_path / "data"
    args = ["--synthetic_songs=4", "--synthetic_seconds=8.0", "--n_moves=4", "--progress=False",
            f"--data_dir={data}", f"--cache_dir={tmp_path / 'cache'}"]
    synthetic.ensure_dataset(TRAINING.load(args))
    # a 0.1 s song with a 3-frame dance: the first frames of song_000's
    (data / "poses" / "clip").mkdir()
    for t in range(3):
        frame = data / "poses" / "song_000" / f"song_000_{t:012d}_keypoints.json"
        shutil.copy(frame, data / "poses" / "clip" / f"clip_{t:012d}_keypoints.json")
    audio, rate = soundfile.read(data / "songs" / "song_000.wav")
    soundfile.write(data / "songs" / "clip.wav", audio[:int(0.1 * rate)], rate)
    os.chdir(tmp_path)
    try:
        with caplog.at_level(logging.INFO):
            train_entry.main(["learn2dance", *args, "--window_chunks=4", "--epochs=1",
                              "--split_fractions=(1.0, 0.0, 0.0)", "--music_emb=4",
                              "--hidden_size=4", "--lstm_layers=1", "--batch_size=2",
                              "--device='cpu'", "--cpu_threads=1", "--wandb_mode='disabled'",
                              "--run_name=windows"])
    finally:
        os.chdir(REPO)
    assert "windows of 4 moves" in caplog.text
    assert "shorter than one window of 4 moves: clip (1 moves, 0.1 s)" in caplog.text
