"""Animations with a soundtrack: an MP4 of stick figures that plays a song, through the ffmpeg
binary that the imageio-ffmpeg package bundles (no system package needed).

    path = animate_with_soundtrack(poses, "song.wav", "dance.mp4", skeleton=OPENPOSE_15)

The figures are drawn by `animate` and piped frame by frame into ffmpeg, which encodes them
as H.264 with the song as AAC, cut to the shorter of the two: memory stays flat however long
the song. When that cannot be done (no ffmpeg, or ffmpeg fails) a silent GIF (frame delays
that keep the true frame rate) is written next to the asked-for path, and one log line says
why: the caller gets the path written. `mux` adds a song to an animation file already
written (the older path, which drew the whole GIF in memory first; kept for
benchmarks/dance_video.py to compare against).
"""
from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from typing import Sequence

from pirounet.skeletons import VICON_53, Skeleton
from pirounet.viz.animation import SeqInput, animate

log = logging.getLogger(__name__)
FFMPEG_TIMEOUT_S = 600  # encoding minutes of 2-D stick figures takes seconds


class SoundtrackError(RuntimeError):
    """ffmpeg is missing or could not add the soundtrack."""


def ffmpeg_exe() -> str:
    """The path of imageio-ffmpeg's bundled ffmpeg binary."""
    try:
        import imageio_ffmpeg
    except ImportError as err:
        raise SoundtrackError("imageio-ffmpeg is not installed (pip install imageio-ffmpeg)"
                              ) from err
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as err:
        raise SoundtrackError(f"imageio-ffmpeg has no ffmpeg binary: {err}") from err


def mux(frames: Path, audio: Path, out: Path, fps: float) -> Path:
    """Encode an animation file (GIF) with audio as an MP4 at a constant fps; returns out."""
    command = [
        ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(frames), "-i", str(audio),
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-r", f"{fps:g}", "-c:a", "aac",
        "-b:a", "128k", "-shortest", "-movflags", "+faststart", str(out),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True,
                       timeout=FFMPEG_TIMEOUT_S)
    except subprocess.CalledProcessError as err:
        out.unlink(missing_ok=True)
        reason = (err.stderr or "").strip().splitlines()
        raise SoundtrackError(f"ffmpeg failed: {reason[-1] if reason else err}") from err
    except (OSError, subprocess.TimeoutExpired) as err:
        out.unlink(missing_ok=True)
        raise SoundtrackError(f"ffmpeg could not run: {err}") from err
    return out


def animate_with_soundtrack(seqs: SeqInput, audio: str | Path, path: str | Path,
                            titles: Sequence[str] | None = None, fps: float | None = None, *,
                            skeleton: Skeleton = VICON_53, fallback_gif: bool = True) -> Path:
    """Write seqs as an MP4 (.mp4 path) playing `audio` from frame 0; returns the path written.

    A .gif path writes a silent GIF. If the MP4 cannot be made, the silent GIF is written
    beside it (same name, .gif) and logged, unless fallback_gif=False (then SoundtrackError).
    The MP4 is encoded into a temporary file beside `path` and moved over it when complete.
    """
    path, audio = Path(path), Path(audio)
    fps = skeleton.fps if fps is None else fps
    gif = path.with_suffix(".gif")
    if path.suffix.lower() == ".gif":
        return animate(seqs, gif, titles=titles, fps=fps, skeleton=skeleton)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")  # ffmpeg reads the suffix
    try:
        animate(seqs, partial, titles=titles, fps=fps, skeleton=skeleton, audio=audio)
        os.replace(partial, path)
        return path
    except (OSError, RuntimeError, subprocess.CalledProcessError) as err:
        partial.unlink(missing_ok=True)
        if not fallback_gif:
            raise SoundtrackError(f"ffmpeg could not write {path}: {err}") from err
        log.warning("no MP4 with sound for %s (%s); writing the silent animation %s instead",
                    path, err, gif)
    return animate(seqs, gif, titles=titles, fps=fps, skeleton=skeleton)
