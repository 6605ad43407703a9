"""learn2dance inputs that are hostile, broken or out of range: refused in one error line.

Each test here failed (ran code, crashed with a traceback, or blamed the wrong thing) before
its fix; docs/data_safety.md lists them.
"""
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pirounet.music.errors import DataError
from pirounet.music.features import read_audio
from pirounet.music.pairs import pair_by_name
from pirounet.run.config import ConfigError
from pirounet.systems.learn2dance.music2dance.settings import TRAINING
from pirounet.systems.learn2dance.poses import PoseSettings, read_dance
from pirounet.interchange.safe_pickle import load_arrays


class RunsAShellCommand:
    """A pickle payload: unpickling it calls os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_an_aist_pickle_with_a_payload_runs_nothing_and_is_refused(tmp_path):
    marker = tmp_path / "ran"
    with open(tmp_path / "evil.pkl", "wb") as f:
        pickle.dump({"keypoints2d": RunsAShellCommand(marker)}, f)
    with pytest.raises(DataError, match=r"evil.pkl: not a readable AIST\+\+ pickle \(it names "
                                        r"(posix|os)\.system; only numpy arrays"):
        read_dance(tmp_path / "evil.pkl", PoseSettings(fps=60.0))
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_aist_pickles_of_every_protocol_still_read(tmp_path, protocol):
    views = np.random.default_rng(0).uniform(1, 500, (2, 4, 17, 3)).astype(np.float32)
    views[..., 2] = 0.9
    content = {"keypoints2d": views, "det_scores": np.ones((2, 4)),
               "timestamps": np.arange(4), "fps": np.float64(60.0), "names": ["a", ("b",)]}
    with open(tmp_path / "ok.pkl", "wb") as f:
        pickle.dump(content, f, protocol=protocol)
    loaded = load_arrays(tmp_path / "ok.pkl")
    np.testing.assert_array_equal(loaded["keypoints2d"], views)
    assert loaded["names"] == ["a", ("b",)] and loaded["fps"] == 60.0
    assert read_dance(tmp_path / "ok.pkl", PoseSettings(fps=60.0)).poses.shape == (4, 15, 2)


def test_an_aist_pickle_of_non_numbers_is_one_error(tmp_path):
    with open(tmp_path / "words.pkl", "wb") as f:
        pickle.dump({"keypoints2d": [["a", "b"]]}, f)
    with pytest.raises(DataError, match=r"words.pkl: keypoints2d holds non-numbers"):
        read_dance(tmp_path / "words.pkl", PoseSettings(fps=60.0))


# ---- one error line instead of a traceback

REPO = Path(__file__).resolve().parents[1]


def prepare_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pirounet.systems.learn2dance.prepare",
                           "--progress=False", *args], capture_output=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)


def test_a_file_name_that_is_not_utf8_is_one_error(tmp_path):
    songs = tmp_path / "data" / "songs"
    songs.mkdir(parents=True)
    (tmp_path / "data" / "poses").mkdir()
    with open(os.path.join(os.fsencode(songs), b"caf\xe9.wav"), "wb") as f:  # Latin-1 name
        f.write(b"RIFF")
    with pytest.raises(DataError, match="caf\ufffd.wav: the file name is not valid UTF-8"):
        pair_by_name(tmp_path / "data")
    result = prepare_cli(f"--data_dir={tmp_path / 'data'}", f"--cache_dir={tmp_path / 'c'}")
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "not valid UTF-8" in lines[0]


def test_the_frame_rate_has_an_upper_bound(tmp_path):
    with pytest.raises(ConfigError, match=r"fps=10000.0 is not allowed: it must be in \(0, 240"):
        TRAINING.load(["--fps=10000.0"])
    result = prepare_cli("--fps=10000.0", f"--data_dir={tmp_path}")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    folder = tmp_path / "dance"
    folder.mkdir()
    (folder / "fps.txt").write_text("1e9\n")
    with pytest.raises(DataError, match=r"dance/fps.txt: frame rate must be in \(0, 240\], "
                                        r"got 1e\+09"):
        read_dance(folder, PoseSettings())


def test_a_deeply_nested_json_frame_is_one_error(tmp_path):
    folder = tmp_path / "dance"
    folder.mkdir()
    (folder / "v_000000000000_keypoints.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="v_000000000000_keypoints.json: JSON nested too deeply"):
        read_dance(folder, PoseSettings())


def test_corrupt_audio_gives_a_reason(tmp_path):
    (tmp_path / "broken.mp3").write_bytes(b"ID3" + b"\x00" * 50)
    with pytest.raises(DataError, match=r"broken.mp3: unreadable audio \(\w+: .+\)"):
        read_audio(tmp_path / "broken.mp3", 15360)
    with pytest.raises(DataError) as err:
        read_audio(tmp_path / "broken.mp3", 15360)
    assert ": )" not in str(err.value)
