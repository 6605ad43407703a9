"""MP4s with a soundtrack are streamed: frames go to ffmpeg as they are drawn, never held.

Drawing the whole dance as an in-memory GIF first and adding the song after took about
3.9 GB for a 10-minute song (benchmarks/dance_video.py measures both paths).
"""
import imageio_ffmpeg
import numpy as np
import pytest
import soundfile

from pirounet.skeletons import OPENPOSE_15
from pirounet.viz import animation
from pirounet.viz.soundtrack import SoundtrackError, animate_with_soundtrack


def dance(frames: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 400, (1, 15, 2))
    return base + 5 * np.sin(np.arange(frames)[:, None, None] / 4)  # (T, 15, 2)


def song(path, seconds: float, rate: int = 22050):
    t = np.arange(int(seconds * rate)) / rate
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)
    return path


def test_an_mp4_with_sound_never_draws_a_gif_in_memory(tmp_path, monkeypatch):
    def no_gif(*args, **kwargs):
        raise AssertionError("the MP4 path drew a GIF (every frame held in memory)")

    monkeypatch.setattr(animation.GifWriter, "grab_frame", no_gif)
    path = animate_with_soundtrack(dance(45), song(tmp_path / "s.wav", 1.5),
                                   tmp_path / "take.1.mp4", fps=30.0, skeleton=OPENPOSE_15,
                                   fallback_gif=False)
    assert path == tmp_path / "take.1.mp4"
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 45
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.wav", "take.1.mp4"]  # no leftovers


def test_when_ffmpeg_fails_a_silent_gif_is_written_and_no_partial_mp4_is_left(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wave file")
    path = animate_with_soundtrack(dance(10), bad, tmp_path / "d.mp4", fps=30.0,
                                   skeleton=OPENPOSE_15)
    assert path == tmp_path / "d.gif" and path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.wav", "d.gif"]
    with pytest.raises(SoundtrackError, match="d2.mp4"):
        animate_with_soundtrack(dance(10), bad, tmp_path / "d2.mp4", fps=30.0,
                                skeleton=OPENPOSE_15, fallback_gif=False)
    assert not list(tmp_path.glob("*d2*"))
