"""learn2dance's GAN: the gradient penalty on known answers, the published sizes, and both
stages end to end from raw synthetic inputs (train, resume, refuse a missing first stage)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import LEARN2DANCE_GAN_TINY, LEARN2DANCE_TINY

import main as train_entry
import main_eval as eval_entry
from pirounet.systems.learn2dance.gan.data import WindowSet, batches
from pirounet.systems.learn2dance.gan.models import (
    GanSettings,
    PoseDiscriminator,
    PoseGenerator,
    SeqDiscriminator,
    SeqGenerator,
    n_parameters,
)
from pirounet.systems.learn2dance.gan.penalty import gradient_penalty
from pirounet.run.checkpoint import CheckpointError
from pirounet.run.config import ConfigError

os.environ["WANDB_MODE"] = "disabled"

TINY = LEARN2DANCE_TINY + LEARN2DANCE_GAN_TINY


# ---- the gradient penalty

@pytest.mark.parametrize("w", [[3.0, 4.0], [0.3, 0.4, 0.0], [1.0, 0.0]])
def test_penalty_of_a_linear_critic_is_known(w):
    """D(x) = w.x has gradient w everywhere: GP = lambda (|w| - 1)^2, d GP / d w != 0 off 1."""
    w = torch.tensor(w, requires_grad=True)
    real, fake = torch.randn(8, len(w)), torch.randn(8, len(w))
    gp = gradient_penalty(lambda x: x @ w, real, fake, lam=10.0)
    expected = 10.0 * (np.linalg.norm(w.detach().numpy()) - 1) ** 2
    assert gp.item() == pytest.approx(expected, rel=1e-5)
    grad, = torch.autograd.grad(gp, w)
    norm = w.detach().norm()
    assert torch.allclose(grad, 20.0 * (norm - 1) * w.detach() / norm, atol=1e-5)
    assert (grad.abs().sum() > 0) == (abs(norm.item() - 1) > 1e-6)


def test_penalty_reaches_a_network_critic():
    """The penalty trains the critic (the published one had no gradient at all)."""
    critic = PoseDiscriminator(GanSettings()).eval()
    gp = gradient_penalty(critic, torch.randn(16, 30), torch.randn(16, 30))
    gp.backward()
    assert gp.item() > 0 and gp.item() != pytest.approx(10.0)
    assert critic.model[0].weight.grad.abs().sum() > 0


def test_penalty_through_the_lstm_critic():
    critic = SeqDiscriminator(GanSettings(lstm_hidden=8, hidden=16))
    gp = gradient_penalty(critic, torch.randn(4, 12, 30), torch.randn(4, 12, 30))
    gp.backward()
    assert critic.lstm.weight_ih_l0.grad.abs().sum() > 0


# ---- the networks at the published sizes

def test_published_shapes_and_parameter_counts():
    s = GanSettings()
    pose_g, pose_d = PoseGenerator(s), PoseDiscriminator(s)
    seq_g, seq_d = SeqGenerator(s), SeqDiscriminator(s)
    assert [n_parameters(m) for m in (pose_g, pose_d, seq_g, seq_d)] == [
        318_030, 266_501, 2_807_900, 548_201]
    z0 = torch.randn(4, 100)
    assert pose_g(z0).shape == (4, 30) and pose_d(torch.randn(4, 30)).shape == (4,)
    assert pose_g(torch.randn(4, 7, 100)).shape == (4, 7, 30)
    path = seq_g(torch.randn(4, 100), z0)
    assert path.shape == (4, 50, 100)
    assert torch.allclose(path[:, 0], z0)  # z_0 first, then 49 increments summed
    assert seq_d(pose_g(path)).shape == (4,)
    # the published state-dict keys (BN at model.1 and model.4, output Linear at model.7)
    assert {"model.0.weight", "model.1.running_var", "model.4.weight", "model.7.bias"} <= set(
        pose_g.state_dict())
    assert set(pose_d.state_dict()) == {f"model.{i}.{p}" for i in (0, 2, 5)
                                         for p in ("weight", "bias")}
    assert {"fcs.0.weight", "fcs.2.weight", "lstm.weight_hh_l1_reverse"} <= set(
        seq_d.state_dict())
    assert pose_g.model[1].eps == 1e-5 and PoseGenerator(GanSettings(bn_eps=0.8)).model[1].eps == 0.8


def test_music_conditioning_reads_the_music():
    s = GanSettings(music_dim=35)
    seq_g, seq_d = SeqGenerator(s).eval(), SeqDiscriminator(s)
    z, z0 = torch.randn(2, 100), torch.randn(2, 100)
    music = torch.randn(2, 50, 35)
    assert not torch.allclose(seq_g(z, z0, music), seq_g(z, z0, music + 1))
    poses = torch.randn(2, 50, 30)
    assert not torch.allclose(seq_d(poses, music), seq_d(poses, music + 1))


def test_pose_units_are_centred_torso_lengths_or_pixels():
    from types import SimpleNamespace

    from pirounet.systems.learn2dance.gan.data import gan_poses

    pixels = np.random.rand(5, 15, 2).astype(np.float32) * 300
    root = pixels[:, 8]
    normalized = (pixels - root[:, None]) / 40.0
    song = SimpleNamespace(poses=normalized, root=root, torso=40.0)
    published = SimpleNamespace(poses=pixels, root=root, torso=1.0)
    norm_units, pixel_units = (SimpleNamespace(pose_units=u) for u in ("normalized", "published"))
    assert np.allclose(gan_poses(norm_units, song, "normalized"), normalized)
    assert np.allclose(gan_poses(norm_units, song, "pixels"), pixels - root[:, None], atol=1e-3)
    assert np.allclose(gan_poses(pixel_units, published, "pixels"), pixels - root[:, None])
    torso = np.median(np.linalg.norm(pixels[:, 1] - root, axis=-1))
    assert np.allclose(gan_poses(pixel_units, published, "normalized"),
                       (pixels - root[:, None]) / torso, atol=1e-5)


def test_windows_count_every_start():
    """T - L + 1 stride-1 windows per song (the published T - L lost one, B45)."""
    class Song:
        def __init__(self, t):
            self.name, self.poses, self.fps = f"s{t}", np.random.rand(t, 15, 2), 30.0
            self.music, self.root, self.torso = np.random.rand(t, 3), np.zeros((t, 2)), 1.0

    class Prepared:
        pose_units = "normalized"

    stats = lambda m: m.astype(np.float32)
    windows = WindowSet(Prepared(), [Song(60), Song(50), Song(20)], "normalized", 50, stats)
    assert len(windows) == 11 + 1
    poses, music = windows.take(np.array([10, 11]))
    assert poses.shape == (2, 50, 30) and music.shape == (2, 50, 3)
    assert batches(10, 3, 0, 1)[-1].size == 3 and sum(map(len, batches(10, 3, 0, 1))) == 9


def test_a_non_finite_loss_stops_before_the_step():
    from pirounet.systems.learn2dance.gan.runs import NonFiniteLossError, check_finite

    check_finite({"critic": 1.0, "generator": -2.0}, 1, 1, 3)
    with pytest.raises(NonFiniteLossError, match="epoch 4, batch 2 of 9"):
        check_finite({"critic": float("nan")}, 4, 2, 9)


# ---- end to end: pose GAN -> sequence GAN -> animation, from raw synthetic inputs

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gan")
    (folder / "tiny.py").write_text(TINY)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        torch.set_num_threads(1)
        train_entry.main(["learn2dance", "tiny.py", "--model=pose_gan", "--run_name=pg"])
        train_entry.main(["learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=pg",
                          "--run_name=sg", "--sample_every=2"])
        yield folder


def test_pose_gan_run_holds_both_networks_and_optimizers(workdir):
    ckpt = torch.load(workdir / "saved_models/pg/last.pt", weights_only=True)
    assert ckpt["epoch"] == 2 and ckpt["config"]["model"] == "pose_gan"
    assert {"generator_state_dict", "critic_state_dict", "generator_optimizer_state_dict",
            "critic_optimizer_state_dict"} <= set(ckpt)
    assert np.isfinite(ckpt["metrics"]["valid/pose_frechet"])


def test_seq_gan_builds_on_the_trained_pose_generator_and_animates(workdir):
    ckpt = torch.load(workdir / "saved_models/sg/last.pt", weights_only=True)
    pose = torch.load(workdir / "saved_models/pg/last.pt", weights_only=True)
    assert ckpt["pose_gan"]["run"] == "pg" and ckpt["pose_gan"]["epoch"] == 2
    assert ckpt["pose_gan"]["checksum"] == pose["checksum"]
    for key, value in pose["generator_state_dict"].items():  # the final generator, unchanged
        assert torch.equal(value, ckpt["pose_generator_state_dict"][key]), key
    assert (workdir / "saved_models/sg/samples/epoch_2.gif").stat().st_size > 0


def test_seq_gan_with_music_and_wgan_gp(workdir):
    train_entry.main(["learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=pg",
                      "--run_name=sgm", "--gan_music=True", "--gan_loss=wgan_gp",
                      "--gan_epochs=1", "--n_critic=2"])
    ckpt = torch.load(workdir / "saved_models/sgm/last.pt", weights_only=True)
    assert ckpt["generator_state_dict"]["music.weight"].shape == (8, 35)
    assert ckpt["critic_state_dict"]["lstm.weight_ih_l0"].shape == (400, 65)
    assert {"train/gp", "train/generator"} <= set(ckpt["metrics"])


@pytest.mark.parametrize("model,whole,extra", [("pose_gan", "pg", []),
                                               ("seq_gan", "sg", ["--pose_gan_run=pg"])])
def test_resume_continues_exactly(workdir, model, whole, extra):
    """1 epoch, then a resume to 2, ends where the fixture's 2-epoch run did."""
    base = ["learn2dance", "tiny.py", f"--model={model}", *extra]
    train_entry.main([*base, f"--run_name={model}_split", "--gan_epochs=1"])
    train_entry.main([*base, f"--run_name={model}_split", "--gan_epochs=2", "--resume=True"])
    a = torch.load(workdir / f"saved_models/{whole}/last.pt", weights_only=True)
    b = torch.load(workdir / f"saved_models/{model}_split/last.pt", weights_only=True)
    assert b["epoch"] == 2
    for part in ("generator_state_dict", "critic_state_dict"):
        for key, value in a[part].items():
            assert torch.allclose(value, b[part][key], atol=1e-6), (part, key)
    assert a["metrics"] == pytest.approx(b["metrics"])


def test_seq_gan_refuses_a_missing_pose_gan(workdir):
    with pytest.raises(CheckpointError, match="pose_gan_run='nope'.*Train the pose GAN first"):
        train_entry.main(["learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=nope",
                          "--run_name=bad1"])
    with pytest.raises(ConfigError, match="--pose_gan_run"):
        train_entry.main(["learn2dance", "tiny.py", "--model=seq_gan", "--run_name=bad2"])
    # refused before anything is written: no run folder is left behind
    assert not (workdir / "saved_models" / "bad1").exists()
    assert not (workdir / "saved_models" / "bad2").exists()


def test_seq_gan_refuses_to_resume_on_a_changed_pose_gan(workdir):
    pose = ["learn2dance", "tiny.py", "--model=pose_gan", "--run_name=pg_moved"]
    seq = ["learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=pg_moved",
           "--run_name=sg_moved"]
    train_entry.main([*pose, "--gan_epochs=1"])
    train_entry.main([*seq, "--gan_epochs=1"])
    train_entry.main([*pose, "--gan_epochs=2", "--resume=True"])  # last.pt is now epoch 2
    with pytest.raises(CheckpointError, match="pose_gan_run='pg_moved' \\(epoch 1\\).*epoch 2"):
        train_entry.main([*seq, "--gan_epochs=2", "--resume=True"])


def test_seq_gan_refuses_a_mismatched_pose_gan(workdir):
    with pytest.raises(CheckpointError, match="bn_eps=1e-05 there, 0.8 here"):
        train_entry.main(["learn2dance", "tiny.py", "--model=seq_gan", "--pose_gan_run=pg",
                          "--bn_eps=0.8", "--run_name=bad3"])


def test_main_eval_scores_a_seq_gan_run(workdir):
    metrics = eval_entry.main(["learn2dance", "--load_from_checkpoint=sg", "--checkpoint=last",
                               "--bootstrap_iterations=2", "--n_animations=1",
                               "--animation=gif", "--diversity_pairs=20"])
    saved = json.loads((workdir / "results/sg/metrics.json").read_text())
    assert saved["model"] == "seq_gan" and (workdir / "results/sg/report.html").is_file()
    features = saved["features_2d"]
    for name in ("fid_k_2d", "fid_g_2d", "diversity_k_2d_relative", "diversity_g_2d_relative"):
        assert np.isfinite(features[name]["mean"]), name
    assert "fid_k_2d_real_train" in features and "bone_length_ratio" in saved["bones"]
    assert saved["novelty"]["generated"]["mean"] > 0
    prediction = saved["prediction"]
    assert prediction["given_frames"] == 10 and prediction["predicted_frames"] == 40
    assert {"predicted_error", "hold_last_error", "baseline_minus_predicted"} <= set(prediction)
    assert {"generated", "control_other_music", "real_dance", "real_dance_other_songs_beats",
            "real_dance_minus_other_songs_beats"} <= set(saved["beat_align_score"]["fact"])
    # the synthetic songs carry their true beats, and the report says so
    reference = saved["beat_reference"]
    assert reference["sources"] == {"truth.json": len(reference["songs"])}
    assert isinstance(saved["warnings"], list)
    assert [Path(p).name for p in metrics["animations"]] == ["sample_0.gif", "prediction_0.gif"]


def test_main_eval_scores_a_pose_gan_run(workdir):
    eval_entry.main(["learn2dance", "--load_from_checkpoint=pg", "--bootstrap_iterations=2",
                     "--animation=none"])
    saved = json.loads((workdir / "results/pg_best/metrics.json").read_text())
    assert saved["model"] == "pose_gan" and np.isfinite(saved["pose_frechet"]["mean"])
    assert saved["pose_frechet_real_train"] >= 0


def test_held_out_songs_without_beats_are_named_in_a_warning():
    from types import SimpleNamespace

    from pirounet.systems.learn2dance.gan.evaluate import held_out_beats, missing_beats_warning

    music = np.zeros((60, 35), np.float32)
    music[[10, 40], 34] = 1.0  # the fact35 beat channel marks frames 10 and 40
    songs = [SimpleNamespace(name="a", beats=np.array([0.5]), beat_source="truth.json",
                             music=music, fps=30.0),
             SimpleNamespace(name="b", beats=None, beat_source=None, music=music, fps=30.0),
             SimpleNamespace(name="c", beats=None, beat_source=None, music=music, fps=30.0)]
    beats, ref = held_out_beats(SimpleNamespace(songs=songs, music_features="fact35"),
                                ["a", "b"], "low_band")
    assert ref["sources"] == {"beat channel": 1, "truth.json": 1} and "c" not in ref["songs"]
    assert beats["b"].tolist() == pytest.approx([10 / 30, 40 / 30])
    assert ref["beat_channel"]["beat_phase"] == "low_band" and not missing_beats_warning(ref)
    beats, ref = held_out_beats(SimpleNamespace(songs=songs, music_features="published512"),
                                ["a", "b", "c"], "low_band")
    assert set(beats) == {"a"} and ref["sources"] == {"none": 2, "truth.json": 1}
    assert "2 of 3 held-out songs have no beats" in missing_beats_warning(ref)[0]
