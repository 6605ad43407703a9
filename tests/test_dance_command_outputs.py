"""The dance command's outputs: every song its own name, and no user's file replaced.

A tiny untrained learn2dance checkpoint is built here (no training needed): what is tested is
where the command writes, not how well it dances.
"""
import json

import numpy as np
import pytest
import soundfile
from helpers import tiny_learn2dance_checkpoint

from pirounet.music.errors import DataError
from pirounet.systems.learn2dance import dance as dance_cmd

CHUNK = 10  # frames per move in the tiny checkpoint


@pytest.fixture()
def run(tmp_path):
    """A learn2dance checkpoint of 4 moves of CHUNK frames, fact35 music, at 30 fps."""
    return tiny_learn2dance_checkpoint(tmp_path / "run.pt", f"--chunk_frames={CHUNK}")


def song(path, seconds=1.0, sr=22050, pitch=220.0):
    """A plain tone, long enough for a few moves."""
    t = np.arange(int(seconds * sr)) / sr
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * pitch * t)).astype(np.float32), sr)
    return path


def test_songs_with_dotted_names_each_get_their_own_files(run, tmp_path):
    take1, take2 = song(tmp_path / "take.1.wav"), song(tmp_path / "take.2.wav", pitch=440.0)
    out = tmp_path / "out"
    dance_cmd.main([f"--run={run}", str(take1), str(take2), f"--out={out}"])
    assert {p.name for p in out.iterdir()} == {"take.1.npz", "take.2.npz", ".dances.json"}


def test_songs_of_one_name_in_two_folders_are_numbered(run, tmp_path):
    a, b = song(tmp_path / "a" / "salsa.wav"), song(tmp_path / "b" / "salsa.wav", pitch=440.0)
    out = tmp_path / "out"
    written = dance_cmd.main([f"--run={run}", str(a), str(b), f"--out={out}"])
    assert [w["npz"].name for w in written] == ["salsa-1.npz", "salsa-2.npz"]


def test_a_users_files_in_out_are_never_replaced(run, tmp_path):
    clips = tmp_path / "clips"
    salsa = song(clips / "salsa.wav")
    (clips / "salsa.mp4").write_bytes(b"the user's own video")
    (clips / "salsa.npz").write_bytes(b"the user's own arrays")
    with pytest.raises(DataError, match=r"clips/salsa.npz, .*clips/salsa.mp4: not written by "
                                        r"this command .*--overwrite"):
        dance_cmd.main([f"--run={run}", str(salsa), f"--out={clips}", "--animation=mp4"])
    assert (clips / "salsa.mp4").read_bytes() == b"the user's own video"
    assert (clips / "salsa.npz").read_bytes() == b"the user's own arrays"
    dance_cmd.main([f"--run={run}", str(salsa), f"--out={clips}", "--overwrite"])
    assert np.load(clips / "salsa.npz")["poses"].shape == (31, 15, 2)  # 1 + 1 s / hop


def test_its_own_files_are_replaced_but_not_once_a_user_changed_them(run, tmp_path):
    salsa, out = song(tmp_path / "salsa.wav"), tmp_path / "out"
    dance_cmd.main([f"--run={run}", str(salsa), f"--out={out}"])
    listed = json.loads((out / ".dances.json").read_text())
    assert set(listed) == {"salsa.npz"}
    dance_cmd.main([f"--run={run}", str(salsa), f"--out={out}", "--seed=1"])  # ours: replaced
    (out / "salsa.npz").write_bytes(b"edited by the user")
    with pytest.raises(DataError, match="salsa.npz: not written by this command"):
        dance_cmd.main([f"--run={run}", str(salsa), f"--out={out}"])
    assert (out / "salsa.npz").read_bytes() == b"edited by the user"


def test_nothing_is_danced_when_a_later_songs_output_is_taken(run, tmp_path):
    a, b, out = song(tmp_path / "a.wav"), song(tmp_path / "b.wav"), tmp_path / "out"
    out.mkdir()
    (out / "b.gif").write_bytes(b"GIF89a the user's")
    with pytest.raises(DataError, match="b.gif: not written"):
        dance_cmd.main([f"--run={run}", str(a), str(b), f"--out={out}"])
    assert not (out / "a.npz").exists()
