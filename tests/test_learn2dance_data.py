"""learn2dance data: vocabulary, pairing and splits, the synthetic set, the prepare step."""
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy.ndimage import gaussian_filter1d
from scipy.signal import argrelextrema

from pirounet.music import features as music
from pirounet.systems.learn2dance import prepare, synthetic, synthetic_dancers, vocabulary
from pirounet.music.errors import DataError
from pirounet.music.pairs import pair_by_name, split_by_song
from pirounet.systems.learn2dance.poses import PoseSettings, read_dance
from pirounet.systems.learn2dance.music2dance.settings import TRAINING
from pirounet.systems.learn2dance.synthetic_songs import SongPlan
from pirounet.run.config import ConfigError

TINY = ["--synthetic_songs=4", "--synthetic_seconds=8.0", "--n_moves=6", "--progress=False"]


def tiny_config(tmp: Path, *more: str):
    return TRAINING.load(TINY + [f"--data_dir={tmp / 'data'}", f"--cache_dir={tmp / 'cache'}",
                               *more])


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory) -> Path:
    """The synthetic set at test size (4 songs x 8 s), written once for this module."""
    tmp = tmp_path_factory.mktemp("l2d")
    assert synthetic.ensure_dataset(tiny_config(tmp))
    return tmp


# ---- vocabulary

def test_vocabulary_is_deterministic_for_a_seed_and_keeps_every_chunk():
    rng = np.random.default_rng(0)
    poses = rng.normal(size=(95, 15, 2)).astype(np.float32)
    chunks = vocabulary.chunk(poses, 30)
    assert chunks.shape == (4, 30, 15, 2)  # 95 frames: 3 full chunks and a padded fourth
    np.testing.assert_array_equal(chunks[3, 4:], np.repeat(poses[-1:], 26, axis=0))
    many = np.concatenate([vocabulary.chunk(rng.normal(size=(300, 15, 2)), 30)
                           for _ in range(4)])  # (40, 30, 15, 2)
    a, b = (vocabulary.fit(many, 5, seed=3, features="normalized") for _ in range(2))
    np.testing.assert_array_equal(a.centroids, b.centroids)
    c = vocabulary.fit(many, 5, seed=4, features="normalized")
    assert not np.array_equal(a.centroids, c.centroids)
    assert (a.assign(a.centroids) == np.arange(5)).all()  # a centroid is its own move


def test_too_few_chunks_for_the_vocabulary():
    with pytest.raises(DataError, match=r"3 chunks, fewer than n_moves=5"):
        vocabulary.fit(np.zeros((3, 30, 15, 2)), 5, 0, "normalized")


def test_normalized_features_ignore_where_the_dancer_stands_and_their_size():
    rng = np.random.default_rng(1)
    poses = rng.normal(size=(40, 15, 2)) * 50 + 300
    moved = poses * 2.5 + np.array([400.0, -120.0])  # nearer the camera, elsewhere
    a, _, torso_a = vocabulary.normalize(poses)
    b, root_b, torso_b = vocabulary.normalize(moved)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert torso_b == pytest.approx(2.5 * torso_a)
    np.testing.assert_allclose(root_b, moved[:, vocabulary.MIDHIP], rtol=1e-6)


def test_published_clusters_load_as_a_vocabulary(tmp_path):
    clusters = -np.arange(128 * 900, dtype=np.float64).reshape(128, 900)
    np.save(tmp_path / "clusters.npy", clusters)
    vocab = vocabulary.load_published(tmp_path / "clusters.npy")
    assert vocab.centroids.shape == (128, 30, 15, 2) and vocab.features == "published"
    np.testing.assert_array_equal(vocab.centroids[7].ravel(), clusters[7])  # frame, joint, xy
    assert vocab.assign(vocab.centroids[[5, 9]]).tolist() == [5, 9]
    np.save(tmp_path / "bad.npy", clusters[:, :899])
    with pytest.raises(DataError, match=r"bad.npy: expected centroids \(K, 900\)"):
        vocabulary.load_published(tmp_path / "bad.npy")


# ---- pairs and splits

def _touch_pair_inputs(root: Path, songs: list[str], dances: list[str]) -> None:
    (root / "songs").mkdir(parents=True)
    (root / "poses").mkdir(parents=True)
    for name in songs:
        soundfile.write(root / "songs" / f"{name}.wav", np.zeros(100, np.float32), 22050)
    for name in dances:
        (root / "poses" / name).mkdir()


def test_songs_pair_with_dances_by_name_and_the_rest_is_reported(tmp_path):
    _touch_pair_inputs(tmp_path, ["b", "a", "c"], ["d", "c", "b"])
    with pytest.warns(UserWarning, match=r"songs \['a'\]; dances \['d'\]"):
        pairs = pair_by_name(tmp_path)
    assert [(p.name, p.song.stem, p.dance.name) for p in pairs] == [("b", "b", "b"),
                                                                    ("c", "c", "c")]


def test_no_pair_and_bad_names_are_errors(tmp_path):
    _touch_pair_inputs(tmp_path, ["a"], ["b"])
    with pytest.raises(DataError, match=r"no song pairs with a dance by name"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pair_by_name(tmp_path)
    soundfile.write(tmp_path / "songs" / "a.flac", np.zeros(100, np.float32), 22050)
    with pytest.raises(DataError, match=r"a.wav: a second song named 'a'"):
        pair_by_name(tmp_path)
    (tmp_path / "songs" / "a.flac").unlink()
    (tmp_path / "poses" / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=r"notes.txt: not a dance input"):
        pair_by_name(tmp_path)


def test_splits_are_by_song_disjoint_and_seeded():
    names = [f"s{i}" for i in range(20)]
    splits = split_by_song(names, (0.8, 0.1, 0.1), seed=0)
    assert sorted(splits) == sorted(names)
    counts = {s: list(splits.values()).count(s) for s in ("train", "valid", "test")}
    assert counts == {"train": 16, "valid": 2, "test": 2}
    assert split_by_song(names, (0.8, 0.1, 0.1), seed=0) == splits
    assert split_by_song(names, (0.8, 0.1, 0.1), seed=1) != splits
    tiny = split_by_song(["a", "b", "c", "d"], (0.8, 0.1, 0.1), seed=0)
    assert sorted(tiny.values()) == ["test", "train", "train", "valid"]


# ---- the synthetic set

def test_synthetic_set_layout_and_truth(tiny_set):
    data = tiny_set / "data"
    truth = json.loads((data / "truth.json").read_text())["songs"]
    assert sorted(truth) == [f"song_{i:03d}" for i in range(4)]
    for name, song in truth.items():
        assert 80 <= song["bpm"] <= 140
        assert (data / "songs" / f"{name}.wav").is_file()
        frames = sorted((data / "poses" / name).glob("*_keypoints.json"))
        assert len(frames) == 240 and frames[0].name == f"{name}_000000000000_keypoints.json"
        weights = synthetic_dancers.STYLE_WEIGHTS[song["style"]]
        assert all(weights[m] > 0 for m in song["moves"])  # moves the style allows


def test_synthetic_set_is_deterministic_by_seed(tiny_set, tmp_path):
    synthetic.write_synthetic_set(tmp_path / "again", 1, 8.0, seed=0)
    synthetic.write_synthetic_set(tmp_path / "other", 1, 8.0, seed=1)
    first = tiny_set / "data"
    for part in ("songs/song_000.wav", "poses/song_000/song_000_000000000100_keypoints.json"):
        assert (tmp_path / "again" / part).read_bytes() == (first / part).read_bytes()
        assert (tmp_path / "other" / part).read_bytes() != (first / part).read_bytes()


def test_a_beat_tracker_finds_the_true_beats(tiny_set):
    truth = json.loads((tiny_set / "data" / "truth.json").read_text())["songs"]
    for name, song in truth.items():
        features = music.music_features(tiny_set / "data" / "songs" / f"{name}.wav",
                                        "fact35", 30.0, 512)
        found = np.flatnonzero(features[:, music.BEAT_CHANNEL]) / 30.0
        true = np.array(song["beat_times"])
        inner = true[(true > 1.0) & (true < song["seconds"] - 1.0)]
        hits = np.abs(inner[:, None] - found[None]).min(axis=1) <= 0.07  # 70 ms
        assert hits.mean() >= 0.8, (name, song["style"], song["bpm"], hits.mean())


def movement_accents(poses: np.ndarray) -> np.ndarray:
    """Frames where the mean joint speed of (T, 15, 2) poses has a local minimum."""
    speed = np.linalg.norm(poses[2:] - poses[:-2], axis=-1).mean(axis=1)  # (T - 2,)
    return argrelextrema(gaussian_filter1d(speed, 1.5), np.less, order=2)[0] + 1


def test_the_dancers_movement_accents_fall_on_the_beats(tiny_set):
    truth = json.loads((tiny_set / "data" / "truth.json").read_text())["songs"]
    for name, song in truth.items():
        dance = read_dance(tiny_set / "data" / "poses" / name, PoseSettings())
        accents = movement_accents(dance.poses)
        beats = np.array(song["beat_times"]) * dance.fps
        beats = beats[(beats > 5) & (beats < len(dance.poses) - 5)]
        off_beats = beats + 0.5 * 60 / song["bpm"] * dance.fps
        near = lambda b: (np.abs(b[:, None] - accents[None]).min(axis=1) <= 2).mean()  # noqa
        assert near(beats) >= 0.8 and near(off_beats) <= 0.2, (name, near(beats))


def test_tracking_keeps_the_dancer_when_someone_else_walks_in(tiny_set):
    truth = json.loads((tiny_set / "data" / "truth.json").read_text())["songs"]
    assert any(song["bystander_frames"] for song in truth.values())  # the set has some
    for name, song in truth.items():
        folder = tiny_set / "data" / "poses" / name
        root_step = lambda dance: np.linalg.norm(  # noqa: E731 - largest MidHip step, pixels
            np.diff(dance.poses[:, vocabulary.MIDHIP], axis=0), axis=-1).max()
        assert root_step(read_dance(folder, PoseSettings())) < 30
        published = read_dance(folder, PoseSettings(person="published", gaps="published"))
        assert (root_step(published) > 100) == (song["bystander_frames"] > 0)


def test_faster_tempo_means_faster_movement():
    speeds = []
    for bpm in (80.0, 140.0):
        plan = SongPlan("x", "rock", bpm, 4, 0.3, 12.0, 40)
        rng = np.random.default_rng(0)
        joints = synthetic_dancers.dancer_joints(plan, np.zeros(8, np.int64), 30.0, rng)
        speeds.append(np.linalg.norm(np.diff(joints, axis=0), axis=-1).mean())
    assert speeds[1] > 1.5 * speeds[0]  # 140/80 = 1.75 times as many moves a second


def test_ensure_dataset_never_writes_over_user_files(tmp_path):
    cfg = tiny_config(tmp_path)
    song = tmp_path / "data" / "songs" / "mine.wav"
    song.parent.mkdir(parents=True)
    soundfile.write(song, np.zeros(100, np.float32), 22050)
    assert not synthetic.ensure_dataset(cfg)  # the folder has a user's input: leave it
    assert sorted(p.name for p in song.parent.iterdir()) == ["mine.wav"]
    song.unlink()
    (tmp_path / "data" / "my_song.mp3").write_bytes(b"a user's file, not in songs/")
    with pytest.raises(DataError, match=r"holds my_song.mp3 but nothing in songs/"):
        synthetic.ensure_dataset(cfg)
    (tmp_path / "data" / "truth.json").write_text("mine")
    with pytest.raises(DataError, match=r"will not write .* over existing files"):
        synthetic.write_synthetic_set(tmp_path / "data", 1, 8.0)
    assert (tmp_path / "data" / "truth.json").read_text() == "mine"
    off = tiny_config(tmp_path / "off", "--synthetic_if_missing=False")
    assert not synthetic.ensure_dataset(off) and not (tmp_path / "off" / "data").exists()


# ---- the prepare step

def test_prepare_aligns_splits_and_tokenises_the_synthetic_set(tiny_set, monkeypatch):
    cfg = tiny_config(tiny_set)
    prepared = prepare.prepare(cfg)
    assert prepared.names == [f"song_{i:03d}" for i in range(4)]
    assert sorted(s.split for s in prepared.songs) == ["test", "train", "train", "valid"]
    assert prepared.vocabulary.centroids.shape == (6, 30, 15, 2)
    for song in prepared.songs:
        t = len(song.poses)
        assert song.poses.shape == (t, 15, 2) and song.music.shape == (t, 35)
        assert t == 240 and song.confidences.shape == (t, 15) and song.fps == 30.0
        assert song.moves.shape == (8,) and song.moves.max() < 6
        assert abs(np.median(song.poses[:, vocabulary.MIDHIP])) < 1e-6  # root-centred
        assert song.style is not None and len(song.beats) > 8
        np.testing.assert_allclose(prepared.to_pixels(song, song.poses)[:, 0, 0],
                                   read_dance(song_dir(cfg, song.name), PoseSettings()
                                              ).poses[:, 0, 0], atol=1e-3)
    # A second run reads everything from the cache: no pose file or song is parsed again.
    def refuse(*args, **kwargs):
        raise AssertionError("not cached")
    monkeypatch.setattr(prepare.poses, "read_dance", refuse)
    monkeypatch.setattr(prepare.music, "music_features", refuse)
    monkeypatch.setattr(prepare.vocabulary, "fit", refuse)
    again = prepare.prepare(cfg)
    for a, b in zip(prepared.songs, again.songs):
        np.testing.assert_array_equal(a.moves, b.moves)


def song_dir(cfg, name: str) -> Path:
    return Path(cfg.data_dir) / "poses" / name


def test_prepare_with_published_settings(tiny_set):
    cfg = tiny_config(tiny_set, "--person=published", "--gaps=published", "--mirror_x=True",
                      "--vocabulary_features=published", "--music_features=published512")
    prepared = prepare.prepare(cfg)
    song = prepared.songs[0]
    assert song.music.shape == (240, 512) and prepared.pose_units == "published"
    assert song.poses[:, 0, 0].mean() < 0  # negated pixel x, as the published parse wrote
    assert prepared.to_pixels(song, song.poses) is song.poses


def test_prepare_with_the_published_clusters(tiny_set, tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "clusters.npy", rng.uniform(-1000, 0, size=(128, 900)))
    published = ["--vocabulary_features=published", "--mirror_x=True",
                 f"--published_vocabulary={tmp_path / 'clusters.npy'}"]
    prepared = prepare.prepare(tiny_config(tiny_set, *published))
    assert prepared.vocabulary.centroids.shape == (128, 30, 15, 2)
    assert all(s.moves.shape == (8,) and s.moves.max() < 128 for s in prepared.songs)
    with pytest.raises(DataError, match=r"needs vocabulary_features=\"published\""):
        prepare.prepare(tiny_config(tiny_set, *published[1:]))


def test_a_frame_rate_of_24_reaches_the_dancer_the_music_and_the_chunks(tmp_path):
    cfg = tiny_config(tmp_path, "--fps=24.0", "--synthetic_songs=2", "--n_moves=3")
    synthetic.ensure_dataset(cfg)
    truth = json.loads((Path(cfg.data_dir) / "truth.json").read_text())["songs"]
    for song in prepare.prepare(cfg).songs:
        assert song.fps == 24.0 and song.poses.shape[0] == song.music.shape[0] == 8 * 24
        assert song.moves.shape == (-(-8 * 24 // 30),)
        found = np.flatnonzero(song.music[:, music.BEAT_CHANNEL])
        true = np.array(truth[song.name]["beat_times"]) * 24  # frame of each true beat
        assert np.median(np.abs(found[:, None] - true[None]).min(axis=1)) <= 1
        accents = movement_accents(song.poses)
        inner = true[(true > 5) & (true < len(song.poses) - 5)]
        assert (np.abs(inner[:, None] - accents[None]).min(axis=1) <= 2).mean() >= 0.8


def test_prepare_main_writes_the_set_and_reports(tmp_path, capsys):
    prepared = prepare.main(TINY + [f"--data_dir={tmp_path / 'd'}",
                                    f"--cache_dir={tmp_path / 'c'}"])
    captured = capsys.readouterr()
    assert "synthetic set (4 songs) was written there" in captured.err
    assert "train: 2 songs, 16 s" in captured.out
    assert len(prepared.songs) == 4


def test_config_rules_name_the_key():
    for bad, key in [("--person=first", "person"), ("--gaps=zero", "gaps"),
                     ("--split_fractions=(0, 1, 1)", "split_fractions"),
                     ("--music_features=mfcc", "music_features"), ("--fps=0", "fps")]:
        with pytest.raises(ConfigError, match=key):
            TRAINING.load([bad])
    # the prepare command checks the whole file, as training does: a model key too
    with pytest.raises(ConfigError, match="mode='dance' is not allowed"):
        prepare.main(["--mode=dance"])
    cfg = TRAINING.load([])
    assert (cfg.system, cfg.run_name, cfg.fps, cfg.n_moves, cfg.chunk_frames) == (
        "learn2dance", "learn2dance", 30.0, 128, 30)
