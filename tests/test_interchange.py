"""Real mocap in and out (issue 13): C3D import, C3D/BVH/OpenPose/CSV export, MP4 without a
system ffmpeg. Round trips go through the third-party readers (ezc3d, bvhio) where one exists.
"""
import json

import numpy as np
import pytest

from pirounet.interchange.bvh import fit_bvh, forward_kinematics, write_bvh
from pirounet.interchange.c3d import read_c3d, write_c3d
from pirounet.interchange.openpose_json import write_openpose
from pirounet.interchange.table import read_csv, write_csv
from pirounet.skeletons import OPENPOSE_15, VICON_53, VICON_KEPT_RAW_INDICES, VICON_RAW_MARKERS
from pirounet.systems.pirounet.data.mocap import (
    C3DOptions,
    DataError,
    load_mocap,
    normalisation,
    write_raw_c3d,
)
from pirounet.systems.pirounet.data.synthetic import make_synthetic_dataset


@pytest.fixture(scope="module")
def raw():
    """One synthetic recording in the real format: (55, 400 + 1000, 3) metres, z down."""
    return next(iter(make_synthetic_dataset(seed=0, frames=400, n_files=1).recordings.values()))


def markers_m(raw, frames=300):
    """Trimmed markers (T, 53, 3) in metres with z up: what a real-scale dance looks like."""
    m = np.transpose(raw, (1, 0, 2))[500:500 + frames][:, VICON_KEPT_RAW_INDICES].copy()
    m[..., 2] *= -1.0
    return m


# ---- C3D import

def test_c3d_loads_as_the_same_recording_as_npy(tmp_path, raw):
    np.save(tmp_path / "mariel_a.npy", raw)
    path = write_raw_c3d(raw, tmp_path / "mariel_a.c3d")
    back = read_c3d(path)  # ezc3d: millimetres, z up, 35 fps, the 55 labels
    assert back.labels == list(VICON_RAW_MARKERS) and back.rate == pytest.approx(35.0)
    np.testing.assert_allclose(back.points[600, 3], raw[3, 600] * [1, 1, -1], atol=1e-6)
    expected = load_mocap(str(tmp_path / "*.npy"))
    np.testing.assert_allclose(load_mocap(str(tmp_path / "*.c3d")), expected, atol=1e-5)
    assert normalisation(str(tmp_path / "*.c3d")) == pytest.approx(
        normalisation(str(tmp_path / "*.npy")), rel=1e-6)


def test_c3d_with_subject_prefixes_without_derived_hips_and_other_names(tmp_path, raw):
    points = np.transpose(raw, (1, 0, 2)) * [1, 1, -1]  # metres, z up
    kept = list(VICON_KEPT_RAW_INDICES)  # Vicon Nexus exports "Subject:LFHD" and no hip points
    labels = [f"Mariel:{VICON_RAW_MARKERS[i]}" for i in kept]
    labels[labels.index("Mariel:LFHD")] = "Mariel:LeftFrontHead"  # another naming convention
    write_c3d(tmp_path / "take.c3d", labels, points[:, kept], 35.0)
    np.save(tmp_path / "take.npy", raw)
    with pytest.raises(DataError, match=r"take\.c3d: marker\(s\) LFHD not found"):
        load_mocap(str(tmp_path / "take.c3d"))
    options = C3DOptions(marker_map={"Mariel:LeftFrontHead": "LFHD"})
    np.testing.assert_allclose(load_mocap(str(tmp_path / "take.c3d"), c3d=options),
                               load_mocap(str(tmp_path / "take.npy")), atol=1e-5)


def test_a_c3d_far_from_35_fps_is_refused_or_resampled(tmp_path, raw):
    fast = np.repeat(raw, 3, axis=1)[:, :4000]  # hold each frame 3 times: ~105 fps
    write_raw_c3d(fast, tmp_path / "fast.c3d", rate=105.0)
    with pytest.raises(DataError, match=r"fast\.c3d: recorded at 105 fps.*c3d_rate_mismatch"):
        load_mocap(str(tmp_path / "fast.c3d"))
    poses = load_mocap(str(tmp_path / "fast.c3d"), c3d=C3DOptions(rate_mismatch="resample"))
    assert len(poses) == int((4000 - 1) * 35 / 105) + 1 - 1000


def test_the_c3d_settings_reach_the_loader():
    from pirounet.systems.pirounet.settings import TRAINING

    cfg = TRAINING.load(["--c3d_rate_mismatch=resample",
                                       "--c3d_marker_map={'S:Head': 'LFHD'}"])
    assert C3DOptions.from_config(cfg) == C3DOptions({"S:Head": "LFHD"}, "resample")


# ---- C3D and BVH export

def test_c3d_export_round_trips_through_ezc3d(tmp_path, raw):
    m = markers_m(raw, 50)
    back = read_c3d(write_c3d(tmp_path / "d.c3d", VICON_53.joints, m, 35.0))
    assert back.labels == list(VICON_53.joints) and back.points.shape == (50, 53, 3)
    np.testing.assert_allclose(back.points, m, atol=1e-6)


def test_bvh_forward_kinematics_reaches_the_marker_centres_through_bvhio(tmp_path, raw):
    import bvhio

    m = markers_m(raw, 300)
    motion = fit_bvh(m, fps=35.0)
    path = write_bvh(tmp_path / "dance.bvh", motion)
    bvh = bvhio.readAsBvh(str(path))
    assert bvh.FrameCount == 300 and bvh.FrameTime == pytest.approx(1 / 35, rel=1e-6)
    root = bvhio.readAsHierarchy(str(path))
    joints = {j.Name: j for j, *_ in root.layout()}
    assert sorted(joints) == sorted(motion.names) and {"Hips", "Spine", "Neck", "Head", "LeftShoulder",
                                            "RightElbow", "LeftWrist", "RightHip", "LeftKnee",
                                            "RightAnkle", "LeftToe"} <= set(joints)
    ours = forward_kinematics(motion)  # cm
    fitted = [i for i, n in enumerate(motion.names) if "Collar" not in n and n != "Spine"]
    assert np.linalg.norm(ours - motion.targets, axis=-1).max() < 2.0  # within 2 cm
    for frame in range(0, 300, 60):  # bvhio's own forward kinematics agrees
        root.loadPose(frame)
        got = np.array([list(joints[n].PositionWorld) for n in motion.names])
        np.testing.assert_allclose(got, ours[frame], atol=0.01)
    # The marker-group centres themselves (not only the fitted joints), at real scale:
    groups = {"Head": "head", "Neck": "neck", "LeftShoulder": "Lshoulder", "RightElbow":
              "Relbow", "LeftWrist": "Lwrist", "RightKnee": "Rknee", "LeftAnkle": "Lankle"}
    for name, group in groups.items():
        centre = m[:, VICON_53.indices(VICON_53.body[group])].mean(axis=1)
        centre_cm = np.stack([centre[:, 0], centre[:, 2], -centre[:, 1]], -1) * 100
        assert np.linalg.norm(ours[:, motion.names.index(name)] - centre_cm, axis=-1).max() < 2
    assert len(fitted) == 18


# ---- learn2dance's 2-D dances

def smooth_dance(frames=30):
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 400, (1, 15, 2))
    wave = 5 * np.sin(np.arange(frames)[:, None, None] / 4 + rng.uniform(0, 6, (1, 15, 2)))
    return (base + wave) * [1, -1]  # pixels, y up


def test_openpose_json_round_trips_through_the_learn2dance_parser(tmp_path):
    from pirounet.systems.learn2dance.poses import PoseSettings, read_dance

    poses = smooth_dance()
    folder = write_openpose(poses, tmp_path / "clip", fps=25.0)
    first = json.loads((folder / "clip_000000000000_keypoints.json").read_text())
    assert len(first["people"][0]["pose_keypoints_2d"]) == 75  # BODY_25
    dance = read_dance(folder, PoseSettings())
    assert dance.fps == 25.0 and dance.poses.shape == (30, 15, 2)
    np.testing.assert_allclose(dance.poses, poses, atol=1e-4)


def test_csv_round_trip_and_the_2d_export_command(tmp_path):
    from pirounet.interchange.dances2d import main

    poses = smooth_dance()
    back, fps = read_csv(write_csv(tmp_path / "a.csv", poses, OPENPOSE_15, 25.0), OPENPOSE_15)
    np.testing.assert_allclose(back, poses, atol=1e-5)
    assert fps == pytest.approx(25.0)
    np.savez(tmp_path / "song.npz", poses=poses.astype(np.float32), fps=np.float32(25))
    written = main([str(tmp_path / "song.npz"), "--to=openpose", f"--out={tmp_path / 'x'}"])
    assert len(list(written[0].glob("song_*_keypoints.json"))) == 30
    assert main([str(tmp_path / "song.npz"), "--to=csv"])[0] == tmp_path / "song.csv"


# ---- MP4 without a system ffmpeg

def probe(path):
    """ffmpeg's description of a media file (stderr of `ffmpeg -i`), via imageio-ffmpeg."""
    import subprocess

    import imageio_ffmpeg

    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True, timeout=60, check=False)
    return run.stderr


def stream_seconds(path, stream):
    """Decoded duration of one stream ("a" or "v") of a media file, in seconds."""
    import re
    import subprocess

    import imageio_ffmpeg

    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path),
                          "-map", f"0:{stream}", "-f", "null", "-"],
                         capture_output=True, text=True, timeout=60, check=False)
    h, m, s = re.findall(r"time=(\d+):(\d+):([\d.]+)", run.stderr)[-1]
    return 3600 * int(h) + 60 * int(m) + float(s)


def test_mp4_without_a_system_ffmpeg_has_the_dance_frames_and_duration(tmp_path, raw,
                                                                       monkeypatch):
    import imageio_ffmpeg

    from pirounet.viz.animation import animate

    monkeypatch.setenv("PATH", str(tmp_path))  # no system ffmpeg: the bundled one is used
    dance = markers_m(raw, 70)  # 70 frames at 35 fps: 2 s
    path = animate(dance, tmp_path / "dance.mp4")
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 70 and seconds == pytest.approx(2.0, abs=0.03)


def test_mp4_with_a_soundtrack_carries_the_song(tmp_path):
    import wave

    import imageio_ffmpeg

    from pirounet.viz.animation import animate
    from pirounet.viz.soundtrack import animate_with_soundtrack

    rate, seconds = 22050, 2.0
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(rate * seconds)) / rate) * 32767)
    with wave.open(str(tmp_path / "song.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(tone.astype("<i2").tobytes())
    poses = smooth_dance(60)  # 60 frames at 30 fps: 2 s, as long as the song
    path = animate_with_soundtrack(poses, tmp_path / "song.wav", tmp_path / "dance.mp4",
                                   skeleton=OPENPOSE_15, fps=30.0, fallback_gif=False)
    assert path.suffix == ".mp4"
    assert "Audio: aac" in probe(path)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 60
    assert stream_seconds(path, "a") == pytest.approx(seconds, abs=0.05)
    # the report lets it play with its sound; a silent MP4 autoplays muted
    from pirounet.viz.report import _figure, has_audio
    silent = animate(poses, tmp_path / "silent.mp4", skeleton=OPENPOSE_15, fps=30.0)
    assert has_audio(path) and not has_audio(silent)
    assert "muted" not in _figure(path, tmp_path, "video/mp4")
    assert "muted autoplay" in _figure(silent, tmp_path, "video/mp4")


def test_the_report_shows_each_animation_once_in_its_smaller_file(tmp_path):
    from pirounet.viz.report import write_report

    gen = tmp_path / "generation"
    gen.mkdir()
    (gen / "a.gif").write_bytes(b"GIF89a" + b"\x00" * 5000)  # a's MP4 is smaller: shown
    (gen / "a.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    (gen / "b.gif").write_bytes(b"GIF89a" + b"\x00" * 10)  # b's GIF is smaller: shown
    (gen / "b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 900)
    page = write_report(tmp_path, {}).read_text()
    assert page.count("data:video/mp4;base64,") == 1 and page.count("data:image/gif;") == 1
    assert "generation/a.mp4" in page and "generation/b.gif" in page
    assert "<video controls loop muted autoplay" in page


# ---- the export command

def test_export_writes_every_set_at_real_scale_and_samples_from_a_checkpoint(tmp_path, raw):
    import bvhio
    import torch

    from pirounet.run.checkpoint import save_checkpoint
    from pirounet.run.checkpoint import make_checkpoint
    from pirounet.systems.pirounet.export import main
    from pirounet.systems.pirounet.model import ModelConfig, PirouNet
    from pirounet.systems.pirounet.settings import TRAINING

    np.save(tmp_path / "mariel_a.npy", raw)
    pattern = str(tmp_path / "mariel_*.npy")
    poses = load_mocap(pattern)  # model units
    results = tmp_path / "results" / "tiny"
    (results / "generation").mkdir(parents=True)
    (results / "to_be_labeled").mkdir()
    windows = np.stack([poses[i * 40:(i + 1) * 40] for i in range(6)])  # (6, 40, 53, 3)
    np.save(results / "generation" / "conditional.npy", windows.reshape(3, 2, 40, 53, 3))
    np.save(results / "generation" / "random.npy", windows.reshape(3, 2, 40, 53, 3)[:, :1])
    np.save(results / "to_be_labeled" / "sequences.npy", windows[:3])
    cfg = TRAINING.load(["--h_dim=8", "--n_layers=2", "--latent_dim=2",
                                       "--h_dim_classif=8", "--n_layers_classif=1",
                                       f"--data_pattern={pattern}", "--seq_len=40"])
    torch.manual_seed(0)
    model = PirouNet(ModelConfig.from_config(cfg))
    metrics = {"train/total": 0.0, "train/accuracy": 0.0, "valid/total": 0.0,
               "valid/accuracy": 0.0}
    ckpt = make_checkpoint("pirounet", 1, {"model": model},
                           {"optimizer": torch.optim.Adam(model.parameters())}, metrics,
                           cfg.to_dict(), 0.0, [], None)
    save_checkpoint(tmp_path / "tiny.pt", ckpt)

    written = main([f"--run={tmp_path / 'tiny.pt'}", "--to=both", f"--results={results}",
                    "--sample=1", f"--out={tmp_path / 'out'}"])
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    assert len(names) == 2 * (6 + 3 + 3 + 3) and "conditional/label2_1.bvh" in names
    assert {"blind/0.c3d", "random/label0_0.bvh", "sampled/label2_0.c3d"} <= set(names)
    # The conditional dance label0_0 is the first 40 trimmed frames: at real scale its BVH
    # joints sit on the recording's marker centres (centred in x and y) within 2 cm.
    m = markers_m(raw, 40)
    m[..., :2] -= m[..., :2].mean(axis=1, keepdims=True)
    shoulder = m[:, VICON_53.indices(VICON_53.body["Lshoulder"])].mean(axis=1)
    root = bvhio.readAsHierarchy(str(tmp_path / "out" / "conditional" / "label0_0.bvh"))
    joint = next(j for j, *_ in root.layout() if j.Name == "LeftShoulder")
    for frame in (0, 20, 39):
        root.loadPose(frame)
        want = np.array([shoulder[frame, 0], shoulder[frame, 2], -shoulder[frame, 1]]) * 100
        assert np.linalg.norm(np.array(list(joint.PositionWorld)) - want) < 2.0
    back = read_c3d(tmp_path / "out" / "blind" / "0.c3d")
    np.testing.assert_allclose(back.points, m, atol=1e-4)  # metres, via the data's scale


def test_export_without_dances_says_what_to_run(tmp_path, capsys):
    from pirounet.systems.pirounet.export import main

    with pytest.raises(SystemExit):
        main(["--run=nothing", f"--results={tmp_path}", "--scale=1"])
    assert "main_eval.py --load_from_checkpoint=nothing" in capsys.readouterr().err
