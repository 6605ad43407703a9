"""Stick-figure animations and strips, evaluation figures and the HTML report."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image, ImageSequence

from pirounet.skeletons import OPENPOSE_15, VICON_53
from pirounet.viz import (
    animate,
    comic_strip,
    plot_confusion_matrix,
    plot_entanglement,
    plot_latent_space,
    plot_tiles,
    write_report,
)
from pirounet.viz import animation, plots, report
from pirounet.viz.animation import GHOST_COLOR, label_name, panel_titles

T = 10  # frames per test sequence: enough to animate, fast to render


def dancer(n_frames: int = T, phase: float = 0.0) -> np.ndarray:
    """(n_frames, 159) poses: a random body whose arm markers swing up and down."""
    rng = np.random.default_rng(0)
    body = rng.uniform(-0.2, 0.2, (53, 3))
    body[:, 2] = rng.uniform(0.0, 1.7, 53)
    arms = np.array(["WR" in m or "HAND" in m or "ELB" in m for m in VICON_53.joints])
    poses = np.repeat(body[None], n_frames, axis=0)  # (T, 53, 3)
    poses[:, arms, 2] += 0.4 * np.sin(np.linspace(0, 2 * np.pi, n_frames) + phase)[:, None]
    return poses.reshape(n_frames, 159)


def video_dancer(n_frames: int = T, phase: float = 0.0) -> np.ndarray:
    """(n_frames, 15, 2) OPENPOSE_15 poses: a standing figure (y up) waving its left wrist."""
    stand = {"Nose": (0, 1.7), "Neck": (0, 1.5), "MidHip": (0, 1.0)}
    for side, s in (("L", 1), ("R", -1)):
        stand |= {f"{side}Shoulder": (0.2 * s, 1.5), f"{side}Elbow": (0.4 * s, 1.3),
                  f"{side}Wrist": (0.55 * s, 1.1), f"{side}Hip": (0.12 * s, 1.0),
                  f"{side}Knee": (0.15 * s, 0.55), f"{side}Ankle": (0.15 * s, 0.1)}
    pose = np.array([stand[j] for j in OPENPOSE_15.joints])  # (15, 2)
    poses = np.repeat(pose[None], n_frames, axis=0)  # (T, 15, 2)
    wave = 0.4 * np.sin(np.linspace(0, 2 * np.pi, n_frames) + phase)
    poses[:, OPENPOSE_15.index["LWrist"], 1] += wave
    return poses


def gif_frames(path) -> list[np.ndarray]:
    """Every frame of a GIF as an (H, W, 3) array."""
    with Image.open(path) as image:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(image)]


def png_pixels(path) -> np.ndarray:
    """A PNG as an (H, W, 3) array."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def ghost_pixels(frame: np.ndarray) -> int:
    """Pixels close to the ghost's light grey."""
    ghost = np.array([int(GHOST_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(frame.astype(int) - ghost).max(axis=-1) <= 12).sum())


def test_animate_gif_has_one_frame_per_pose_and_is_not_blank(tmp_path):
    path = animate(dancer(), tmp_path / "one.gif", titles=["generated"])
    frames = gif_frames(path)
    assert len(frames) == T
    assert all(f.var() > 0 for f in frames)
    assert not np.array_equal(frames[0], frames[T // 2])  # the figure moves
    with Image.open(path) as image:
        delays = [f.info["duration"] for f in ImageSequence.Iterator(image)]
    assert abs(sum(delays) - 1000 * T / 35) <= 10  # plays at 35 fps, not 50


def test_animate_side_by_side_panels_with_ghost(tmp_path):
    seqs = np.stack([dancer(phase=p) for p in (0.0, 1.0, 2.0)])  # (3, T, 159)
    plain = gif_frames(animate(seqs, tmp_path / "plain.gif", labels=[0, 1, 2]))
    ghosted = gif_frames(animate(seqs, tmp_path / "ghost.gif", labels=[0, 1, 2],
                                 ghost=dancer(phase=3.0)))
    single = gif_frames(animate(seqs[0], tmp_path / "single.gif"))
    assert len(plain) == len(ghosted) == T
    assert plain[0].shape[1] == 3 * single[0].shape[1]  # three panels side by side
    assert ghost_pixels(ghosted[0]) > ghost_pixels(plain[0]) + 100


def test_animate_accepts_marker_arrays_and_uneven_lengths(tmp_path):
    short = dancer(6).reshape(6, 53, 3)
    path = animate([short, dancer()], tmp_path / "uneven.gif", fps=20)
    assert len(gif_frames(path)) == T  # the short panel holds its last pose


def test_animate_rejects_bad_inputs(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="ghost"):
        animate([dancer(), dancer()], tmp_path / "x.gif", ghost=[dancer()] * 3)
    with pytest.raises(ValueError, match="titles"):
        animate([dancer(), dancer()], tmp_path / "x.gif", titles=["only one"])
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        animate(dancer(), tmp_path / "x.avi")
    # no system ffmpeg and no bundled one either: a clear error, not a silent GIF
    monkeypatch.setattr("pirounet.viz.animation.ffmpeg_path", lambda: None)
    with pytest.raises(RuntimeError, match="ffmpeg"):
        animate(dancer(), tmp_path / "x.mp4")


def test_comic_strip_single_row_and_grid(tmp_path):
    one = png_pixels(comic_strip(dancer(), tmp_path / "one.png", n_panels=4, title="strip"))
    grid = png_pixels(comic_strip([dancer(), dancer(phase=1.0)], tmp_path / "grid.png",
                                  n_panels=4, labels=[0, 2], ghost=dancer(phase=2.0)))
    assert one.var() > 0 and grid.var() > 0
    assert grid.shape[0] > 1.5 * one.shape[0]  # one row per sequence


def test_animate_2d_skeleton_moves_at_its_frame_rate(tmp_path, monkeypatch):
    shown = []  # the titles animate() puts above its panels
    monkeypatch.setattr(animation, "panel_titles",
                        lambda *args: shown.extend(panel_titles(*args)) or shown)
    path = animate([video_dancer(), video_dancer(phase=1.0).reshape(T, 30)], tmp_path / "2d.gif",
                   ghost=video_dancer(phase=2.0), labels=[0, 1], label_names=["calm", "wild"],
                   skeleton=OPENPOSE_15)
    assert shown == ["label: calm", "label: wild"]
    frames = gif_frames(path)
    assert len(frames) == T and all(f.var() > 0 for f in frames)
    assert not np.array_equal(frames[0], frames[T // 4])  # the wrist waves
    assert ghost_pixels(frames[0]) > 100
    with Image.open(path) as image:
        delays = [f.info["duration"] for f in ImageSequence.Iterator(image)]
    assert abs(sum(delays) - 1000 * T / OPENPOSE_15.fps) <= 10  # 30 fps by default


def test_animate_rejects_poses_of_another_skeleton(tmp_path):
    with pytest.raises(ValueError, match="openpose15"):
        animate(dancer(), tmp_path / "x.gif", skeleton=OPENPOSE_15)  # (T, 159) is not 2-D


def test_comic_strip_2d(tmp_path):
    one = png_pixels(comic_strip(video_dancer(), tmp_path / "one.png", n_panels=3,
                                 skeleton=OPENPOSE_15))
    grid = png_pixels(comic_strip([video_dancer(), video_dancer(phase=1.0)], tmp_path / "g.png",
                                  n_panels=3, labels=[0, 1], label_names=["calm", "wild"],
                                  title="2-D", skeleton=OPENPOSE_15))
    assert one.var() > 0 and grid.shape[0] > 1.5 * one.shape[0]


def test_label_names_are_given_not_built_in():
    assert label_name(2) == "class 2" and label_name("high") == "high"
    assert label_name(np.int64(1), ["calm", "wild"]) == "wild"
    assert label_name(5, ["calm", "wild"]) == "class 5"  # beyond the names given
    titles = panel_titles(2, ["a", "b"], [0, 1], label_names=["calm", "wild"])
    assert titles == ["a\nlabel: calm", "b\nlabel: wild"]
    assert panel_titles(1, None, [0], None) == ["label: class 0"]


def test_figures_are_written_and_not_blank(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 120)
    z = rng.normal(size=(120, 16)) + 3 * np.eye(3, 16)[labels]
    tiles = [np.array([[0.0, 0.0], [0.1, 0.0]]), np.zeros((0, 2)), np.array([[-1.0, 1.0]])]
    paths = [
        plot_confusion_matrix(np.array([[5, 1, 0], [2, 7, 1], [0, 0, 0]]), tmp_path / "cm.png",
                              title="Test"),
        plot_latent_space(z, labels, tmp_path / "latent.png"),
        plot_entanglement(np.abs(rng.normal(1.0, 0.2, (30, 3))), tmp_path / "ent.png"),
        plot_tiles([rng.normal(size=(120, 2))] * 3, labels, tiles, (0.1, 0.2, 0.4),
                   tmp_path / "tiles.png"),
    ]
    for path in paths:
        assert png_pixels(path).var() > 0, path


def test_latent_pca_finds_the_widest_axes():
    z = np.random.default_rng(0).normal(size=(400, 5)) * np.array([1.0, 20.0, 0.1, 5.0, 0.1])
    coords, share = plots._pca(z, 3)
    assert coords.shape == (400, 3)
    assert abs(np.corrcoef(coords[:, 0], z[:, 1])[0, 1]) > 0.99  # PC1 is the 20x axis
    assert share[0] > share[1] > share[2] and 90 < share[0] < 100


def test_figures_reject_wrong_shapes(tmp_path):
    with pytest.raises(ValueError, match="confusion"):
        plot_confusion_matrix(np.eye(2), tmp_path / "cm.png")
    with pytest.raises(ValueError, match="n_draws"):
        plot_entanglement(np.ones((30, 2)), tmp_path / "ent.png")


def test_format_value_rounds_mean_std_to_the_std():
    assert report.format_value({"mean": 89.3141, "std": 3.214}) == "89.3 ± 3.2"
    assert report.format_value({"mean": 0.65512, "std": 0.0123}) == "0.655 ± 0.012"
    assert report.format_value({"mean": 2431.2, "std": 150.0, "n": 3}) == "2431 ± 150 (n = 3)"
    assert report.format_value(np.float32(0.5)) == "0.5"
    assert report.format_value(None) == "—"


def _media_dir(tmp_path):
    """A results folder with two PNGs, a GIF, a tiny MP4 and a hidden folder."""
    (tmp_path / "figures").mkdir()
    (tmp_path / ".cache").mkdir()
    for name in ("figures/a.png", "b.png", ".cache/hidden.png"):
        Image.new("RGB", (40, 30), (200, 30, 30)).save(tmp_path / name)
    frames = [Image.new("RGB", (30, 30), (0, 0, 255 - 50 * i)) for i in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    return tmp_path


METRICS = {
    "epoch": 500,
    "<script>alert(1)</script>": 1.0,
    "accuracy": {"valid": 0.655, "test": np.float64(0.606)},
    "generation": {
        "generated": {"fid": {"mean": 89.31, "std": 3.2}, "diversity": {"mean": 48.0, "std": 1}},
        "real": {"fid": None, "diversity": {"mean": 36.0, "std": 0.5}},
    },
    "confusion": {"test": np.array([[5, 1], [2, 7]])},
    "paper_table": {"model": "PirouNet_dance", "acc (%)": 65.5, "FID": {"mean": 89, "std": 3}},
}


def test_report_embeds_media_as_data_uris(tmp_path):
    page = write_report(_media_dir(tmp_path), METRICS, title="Run <1>").read_text()
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sum(s.startswith("data:image/png;base64,") for s in sources) == 2  # not .cache/
    assert sum(s.startswith("data:image/gif;base64,") for s in sources) == 1
    assert sum(s.startswith("data:video/mp4;base64,") for s in sources) == 1
    assert all(s.startswith(("data:", "#")) for s in sources)
    assert "http://" not in page and "https://" not in page


def test_report_escapes_text_and_formats_metrics(tmp_path):
    page = write_report(tmp_path, METRICS, title="Run <1>").read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>Run &lt;1&gt;</title>" in page
    assert "89.3 ± 3.2" in page and "0.655" in page
    assert "<th>diversity</th>" in page  # split -> metric dicts become a grid
    assert "<table class=matrix>" in page
    assert "| PirouNet_dance | 65.5 | 89.0 ± 3.0 |" in page  # Markdown row
    assert r"PirouNet\_dance &amp; 65.5 &amp; 89.0 $\pm$ 3.0 \\" in page  # LaTeX, escaped


def test_paper_table_from_named_rows_and_given_text(tmp_path):
    rows = {"PirouNet_dance": {"FID": 89.0, "note": "a|b"}, "real data": {"FID": None}}
    page = write_report(tmp_path, {"paper_table": rows}, title="t").read_text()
    assert "|  | FID | note |" in page and "| PirouNet_dance | 89 | a\\|b |" in page
    assert r"real data &amp; — &amp;  \\" in page
    given = {"markdown": "| a |", "latex": r"a \\"}
    page = write_report(tmp_path, {"paper_table": given}, title="t").read_text()
    assert "<pre>| a |</pre>" in page and r"<pre>a \\</pre>" in page


def test_report_links_large_videos_instead_of_embedding(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "MAX_EMBEDDED_VIDEO_BYTES", 4)
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "my clip.mp4").write_bytes(b"\x00" * 16)
    page = write_report(tmp_path, {}, title="t").read_text()
    assert 'src="gen/my%20clip.mp4"' in page
    assert "No metrics were given." in page
