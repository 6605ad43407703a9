"""learn2dance inputs that are hostile, broken or out of range: refused in one error line.

Each test here failed (ran code, crashed with a traceback, or blamed the wrong thing) before
its fix; docs/data_safety.md lists them.
"""
import os
import pickle

import numpy as np
import pytest

from pirounet.music.errors import DataError
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
