"""Stick-figure animations (GIF or MP4) of one or several pose sequences.

    animate([seq_a, seq_b, seq_c], "results/run/gen.gif", labels=[0, 1, 2],
            label_names=["low", "medium", "high"])
    animate(reconstruction, "results/run/recon.gif", ghost=original, titles=["reconstruction"])
    animate(video_poses, "results/run/video.gif", skeleton=OPENPOSE_15)

The skeleton (pirounet.skeletons) says how to read and draw a pose. 3-D skeletons (VICON_53,
the default) are drawn on a bare 3-D axes over a floor grid; 2-D ones (OPENPOSE_15) on a plain
2-D axes, y up, equal aspect, over a floor line at the lowest point reached. The helpers above
`animate` (sequence parsing, shared square limits, bare axes, the segment collection) are
also used by the comic strips in `strips.py`.
"""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.animation import FFMpegWriter, PillowWriter
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from mpl_toolkits.mplot3d.art3d import Line3DCollection
from PIL import Image

from pirounet.skeletons import VICON_53, Skeleton

LABEL_COLORS: tuple[str, ...] = ("#2f6fd0", "#e69b00", "#d0263b")  # classes 0, 1, 2
FIGURE_COLOR = "#1f2a44"  # stick figures without a label, or with a label beyond the palette
GHOST_COLOR = "#b8b8b8"  # the ghost (e.g. the original behind its reconstruction)
FLOOR_COLOR = "#dddddd"

SeqInput = np.ndarray | Sequence[np.ndarray]


def as_sequences(seqs: SeqInput, *, skeleton: Skeleton = VICON_53) -> list[np.ndarray]:
    """Sequences as a list of (T, J, D) arrays from (T, J*D), (N, T, J*D), joints or a list."""
    if isinstance(seqs, (list, tuple)):
        out = [skeleton.as_joints(np.asarray(s, dtype=np.float64)) for s in seqs]
    else:
        arr = skeleton.as_joints(np.asarray(seqs, dtype=np.float64))
        out = [arr] if arr.ndim == 3 else list(arr)
    if not out or any(s.ndim != 3 or len(s) == 0 for s in out):
        raise ValueError(f"expected one or more non-empty {skeleton.name} sequences "
                         f"(T, {skeleton.pose_dim}) or (T, {skeleton.n_joints}, {skeleton.dims})")
    return out


def match_ghosts(
    ghost: SeqInput | None, n: int, *, skeleton: Skeleton = VICON_53
) -> list[np.ndarray | None]:
    """One ghost (T, J, D) per panel: none, one shared by all panels, or exactly one each."""
    if ghost is None:
        return [None] * n
    ghosts = as_sequences(ghost, skeleton=skeleton)
    if len(ghosts) == 1:
        return ghosts * n
    if len(ghosts) != n:
        raise ValueError(f"got {len(ghosts)} ghost sequences for {n} panels")
    return ghosts


def label_name(label: int | str, label_names: Sequence[str] | None = None) -> str:
    """Readable class name: int k -> label_names[k] when given, else "class k"; str as is."""
    if not isinstance(label, (int, np.integer)):
        return str(label)
    k = int(label)
    if label_names is not None and 0 <= k < len(label_names):
        return label_names[k]
    return f"class {k}"


def label_color(label: int | str | None) -> str:
    """The colour of a panel: its class colour, or the default figure colour."""
    if isinstance(label, (int, np.integer)) and 0 <= label < len(LABEL_COLORS):
        return LABEL_COLORS[int(label)]
    return FIGURE_COLOR


def panel_titles(
    n: int, titles: Sequence[str] | None, labels: Sequence[int | str] | None,
    label_names: Sequence[str] | None = None,
) -> list[str]:
    """Per-panel titles: the given title, with "label: <name>" when labels are given."""
    for name, given in (("titles", titles), ("labels", labels)):
        if given is not None and len(given) != n:
            raise ValueError(f"got {len(given)} {name} for {n} panels")
    out = []
    for i in range(n):
        parts = [titles[i]] if titles is not None else []
        if labels is not None:
            parts.append(f"label: {label_name(labels[i], label_names)}")
        out.append("\n".join(parts))
    return out


def cube_limits(seqs: Sequence[np.ndarray | None]) -> np.ndarray:
    """(D, 2) equal-length limits on each axis enclosing every frame, so bodies keep shape.

    seqs: sequences (T, J, D) or None, D = 3 (a cube) or 2 (a square).
    """
    points = np.concatenate([s.reshape(-1, s.shape[-1]) for s in seqs if s is not None])
    points = points[np.isfinite(points).all(axis=1)]  # (P, D)
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    half = max(float((high - low).max()) / 2, 1e-3) * 1.05  # 5 % margin
    return np.stack([centre - half, centre + half], axis=1)


def floor_height(seqs: Sequence[np.ndarray | None], *, skeleton: Skeleton = VICON_53) -> float:
    """The lowest finite height (along skeleton.up) any joint reaches in sequences (T, J, D)."""
    heights = np.concatenate([s[..., skeleton.up].ravel() for s in seqs if s is not None])
    return float(heights[np.isfinite(heights)].min())


def add_stick_axes(
    fig: Figure, position: tuple[int, int, int], limits: np.ndarray, floor: float | None = None
) -> Axes:
    """A bare axes with fixed limits (D, 2): 3-D with a floor grid, or 2-D with a floor line.

    floor: height of the 2-D floor line (default the lowest limit); the 3-D grid always lies
    on the lowest plane of the limits.
    """
    if len(limits) == 2:
        return _add_flat_axes(fig, position, limits, limits[1, 0] if floor is None else floor)
    ax = fig.add_subplot(*position, projection="3d")
    ax.set(xlim=limits[0], ylim=limits[1], zlim=limits[2])
    ax.set_box_aspect((1, 1, 1), zoom=1.25)
    ax.set_axis_off()
    ax.view_init(elev=12, azim=-60)
    ax.computed_zorder = False  # keep drawing order, so the ghost stays behind the figure
    (x0, x1), (y0, y1), (z0, _) = limits
    floor_grid = [[(x, y0, z0), (x, y1, z0)] for x in np.linspace(x0, x1, 5)] + [
        [(x0, y, z0), (x1, y, z0)] for y in np.linspace(y0, y1, 5)
    ]  # a 4 x 4 grid on the lowest plane reached
    ax.add_collection3d(Line3DCollection(floor_grid, colors=FLOOR_COLOR, linewidths=0.6))
    return ax


def _add_flat_axes(
    fig: Figure, position: tuple[int, int, int], limits: np.ndarray, floor: float
) -> Axes:
    """A bare 2-D axes (x right, y up, equal aspect) with a floor line at height floor."""
    ax = fig.add_subplot(*position)
    ax.set(xlim=limits[0], ylim=limits[1])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.plot(limits[0], [floor, floor], color=FLOOR_COLOR, linewidth=1.2, zorder=0)
    return ax


def add_stick_figure(
    ax: Axes, pose: np.ndarray, color: str = FIGURE_COLOR, ghost: bool = False, *,
    skeleton: Skeleton = VICON_53,
) -> LineCollection:
    """Draw one pose (J, D) as the skeleton's stick figure (ghost: wide, light grey).

    The collection holds the S segments (22 for VICON_53, 14 for OPENPOSE_15); animations
    move it with set_segments(ends (S, 2, D)).
    """
    style = {
        "colors": GHOST_COLOR if ghost else color,
        "linewidths": 3.0 if ghost else 2.0,
        "alpha": 0.8 if ghost else 1.0,
        "capstyle": "round",
    }
    ends = skeleton.segment_endpoints(pose)  # (S, 2, D)
    if skeleton.dims == 2:
        return ax.add_collection(LineCollection(ends, **style), autolim=False)
    lines = Line3DCollection(ends, **style)
    ax.add_collection3d(lines)
    return lines


def panel_text(ax: Axes, x: float, y: float, text: str, **kwargs) -> Text:
    """Text at axes coordinates (x, y) on a 3-D or a 2-D axes."""
    draw = ax.text2D if ax.name == "3d" else ax.text  # a 3-D text() wants (x, y, z)
    return draw(x, y, text, transform=ax.transAxes, **kwargs)


def _palette_keeping_background(rgb: Image.Image) -> Image.Image:
    """A 256-colour octree palette of rgb whose background entry is the exact colour.

    Octree palettes average each colour box, which tints a white background light grey.
    """
    palette_image = rgb.quantize(method=Image.Quantize.FASTOCTREE)
    _, background = max(rgb.getcolors(maxcolors=rgb.width * rgb.height))  # (count, rgb)
    _, index = max(palette_image.getcolors())  # (count, palette index) of the same area
    palette = palette_image.getpalette()
    palette[3 * index: 3 * index + 3] = background
    palette_image.putpalette(palette)
    return palette_image


class GifWriter(PillowWriter):
    """PillowWriter with one shared palette and frame delays that keep the true frame rate.

    PillowWriter gives every frame int(1000 / fps) ms and GIF truncates that to whole
    centiseconds: 35 fps becomes 20 ms a frame (50 fps), so motion would play 43 % too fast.
    Here the delays alternate (e.g. 30, 30, 30, 20 ms) so their running sum tracks t / fps.
    Quantising every frame to the first frame's palette is ~30x faster than Pillow's default
    per-frame median cut and keeps colours from flickering.
    """

    def setup(self, fig: Figure, outfile: str | Path, dpi: float | None = None) -> None:
        """Start a GIF; the palette is taken from the first frame."""
        super().setup(fig, outfile, dpi=dpi)
        self._palette = None

    def grab_frame(self, **savefig_kwargs) -> None:
        """Render the figure and keep it as a palette image."""
        super().grab_frame(**savefig_kwargs)
        rgb = self._frames[-1].convert("RGB")  # frames are opaque (white figure background)
        if self._palette is None:
            self._palette = _palette_keeping_background(rgb)
        self._frames[-1] = rgb.quantize(palette=self._palette, dither=Image.Dither.NONE)

    def finish(self) -> None:
        """Write all frames; browsers slow delays under 20 ms down, so none is shorter."""
        ends = np.round(np.arange(len(self._frames) + 1) * 100 / self.fps)  # centiseconds
        delays = 10 * np.maximum(np.diff(ends), 2).astype(int)  # ms, whole centiseconds
        self._frames[0].save(
            self.outfile, save_all=True, append_images=self._frames[1:],
            duration=delays.tolist(), loop=0,
        )


def ffmpeg_path() -> str | None:
    """An ffmpeg binary for MP4s: the system's (on PATH), else imageio-ffmpeg's bundled one."""
    found = shutil.which("ffmpeg")
    if found is not None:
        return found
    from pirounet.viz.soundtrack import SoundtrackError, ffmpeg_exe  # imports this module

    try:
        return ffmpeg_exe()
    except SoundtrackError:
        return None


def mp4_available() -> bool:
    """Whether .mp4 animations can be written (a system or a bundled ffmpeg)."""
    return ffmpeg_path() is not None


class SoundtrackWriter(FFMpegWriter):
    """FFMpegWriter with a song as ffmpeg's second input: H.264 video with AAC sound.

    Frames are piped to ffmpeg as they are drawn, so memory stays flat however long the
    song (drawing a GIF first and adding the sound after held every frame: 3.9 GB for a
    10-minute song). The MP4 ends with the shorter of the frames and the song.
    """

    def __init__(self, audio: str | Path, fps: float):
        super().__init__(fps=fps, codec="h264", extra_args=[
            "-map", "0:v:0", "-map", "1:a:0", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-b:a", "128k", "-shortest", "-movflags", "+faststart"])
        self.audio = Path(audio)

    def _args(self) -> list[str]:
        """matplotlib's command (frames from the pipe), with the song as a second input."""
        args = super()._args()
        pipe = args.index("pipe:")
        return args[:pipe + 1] + ["-i", str(self.audio)] + args[pipe + 1:]


def _writer(path: Path, fps: float, audio: str | Path | None = None
            ) -> tuple[PillowWriter | FFMpegWriter, dict]:
    """GifWriter for .gif, FFMpegWriter for .mp4 (with audio: SoundtrackWriter), rcParams."""
    suffix = path.suffix.lower()
    if suffix == ".gif":
        return GifWriter(fps=fps), {}
    if suffix == ".mp4":
        exe = ffmpeg_path()
        if exe is None:
            raise RuntimeError(
                f"cannot write {path}: MP4 needs ffmpeg, and neither a system ffmpeg (on PATH) "
                "nor imageio-ffmpeg's bundled one was found; pip install imageio-ffmpeg, or ask "
                "for a .gif path instead"
            )
        # matplotlib adds yuv420p and even sizes; the binary is chosen by rcParams
        writer = FFMpegWriter(fps=fps, codec="h264") if audio is None else (
            SoundtrackWriter(audio, fps))
        return writer, {"animation.ffmpeg_path": exe}
    raise ValueError(f"cannot write {path}: use a .gif or .mp4 path")


def animate(
    seqs: SeqInput,
    path: str | Path,
    titles: Sequence[str] | None = None,
    ghost: SeqInput | None = None,
    fps: float | None = None,
    labels: Sequence[int | str] | None = None,
    *,
    label_names: Sequence[str] | None = None,
    skeleton: Skeleton = VICON_53,
    audio: str | Path | None = None,
) -> Path:
    """Write sequences side by side as a stick-figure GIF (or MP4 with ffmpeg); returns path.

    seqs: one sequence (T, J*D) / (T, J, D), a batch (N, T, ...) or a list; one panel each
    ((T, 159) / (T, 53, 3) for VICON_53, (T, 30) / (T, 15, 2) for OPENPOSE_15).
    ghost: drawn in light grey behind the figure; one sequence for all panels or one each.
    labels: classes (ints or names) shown in the titles and used as panel colours; an int k
    is shown as label_names[k] when label_names are given, else as "class k".
    fps: playback rate, default the skeleton's. A .mp4 path uses the system ffmpeg, else the
    one imageio-ffmpeg bundles; RuntimeError when neither exists (no silent fallback to GIF).
    audio: a song for an MP4's soundtrack, streamed with the frames (soundtrack.py).
    Panels of different lengths hold their last pose until the longest one ends.
    """
    path = Path(path)
    fps = skeleton.fps if fps is None else fps
    writer, rc = _writer(path, fps, audio)
    panels = as_sequences(seqs, skeleton=skeleton)
    ghosts = match_ghosts(ghost, len(panels), skeleton=skeleton)
    names = panel_titles(len(panels), titles, labels, label_names)
    limits = cube_limits(panels + ghosts)  # (D, 2)
    floor = floor_height(panels + ghosts, skeleton=skeleton)
    n_frames = max(len(s) for s in panels + [g for g in ghosts if g is not None])

    fig = Figure(figsize=(2.8 * len(panels), 3.2), dpi=100)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=0.88, wspace=0)
    # Create every artist once; each frame only moves the segment ends.
    artists = []  # (collection, its segment ends (T, S, 2, D)) pairs updated per frame
    for i, (seq, gho, name) in enumerate(zip(panels, ghosts, names)):
        ax = add_stick_axes(fig, (1, len(panels), i + 1), limits, floor)
        # A figure text, not ax.set_title: placing 3-D axes titles costs ~10 ms a frame.
        fig.text((i + 0.5) / len(panels), 0.97, name, ha="center", va="top", fontsize=10)
        if gho is not None:
            lines = add_stick_figure(ax, gho[0], ghost=True, skeleton=skeleton)
            artists.append((lines, skeleton.segment_endpoints(gho)))
        color = label_color(labels[i]) if labels is not None else FIGURE_COLOR
        lines = add_stick_figure(ax, seq[0], color, skeleton=skeleton)
        artists.append((lines, skeleton.segment_endpoints(seq)))
    clock = fig.text(0.99, 0.01, "", ha="right", va="bottom", fontsize=8, color="#666666")

    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(rc), writer.saving(fig, str(path), dpi=fig.dpi):
        for t in range(n_frames):
            for lines, ends in artists:
                lines.set_segments(ends[min(t, len(ends) - 1)])
            clock.set_text(f"frame {t + 1}/{n_frames}  ·  {t / fps:.2f} s")
            writer.grab_frame()
    return path

