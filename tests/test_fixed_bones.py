"""pose_output="fixed_bones": bones come back at the reference lengths, correct poses come back
unchanged, on VICON_53 (a rigid head with cycles) and a small 2-D tree; under both decoders,
with gradients, in checkpoints, and a tiny run trained and evaluated with it."""
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from helpers import train_tiny_run

from pirounet.run.config import ConfigError
from pirounet.skeletons import TANG_23, VICON_53, Skeleton
from pirounet.systems.pirounet import evaluate as main_eval
from pirounet.systems.pirounet.checkpoint import load_model
from pirounet.systems.pirounet.model import ModelConfig, PirouNet, m2_loss
from pirounet.systems.pirounet.model.fixed_bones import FixedBones, drawn_points, walk_plan
from pirounet.systems.pirounet.settings import TRAINING

pytestmark = pytest.mark.usefixtures("one_thread")

ROOT = Path(__file__).resolve().parents[1]
# a 2-D tree of five joints: a - b, b - c, b - d, d - e
TREE = Skeleton(name="tree5", joints=("a", "b", "c", "d", "e"), dims=2, fps=30.0,
                segments=(("a", "b"), ("b", "c"), ("b", "d"), ("d", "e")), body={},
                end_effectors=("c", "e"))


def rotation(angle: float, dims: int) -> torch.Tensor:
    """A rotation by angle (about the vertical axis in 3-D)."""
    c, s = math.cos(angle), math.sin(angle)
    if dims == 2:
        return torch.tensor([[c, -s], [s, c]])
    return torch.tensor([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rigid_copies(pose: torch.Tensor, skeleton: Skeleton, n: int = 12) -> torch.Tensor:
    """n copies (n, J*D) of one pose, each turned and moved as a whole: the same bones."""
    joints = pose.reshape(skeleton.n_joints, skeleton.dims)
    copies = [joints @ rotation(0.5 * k, skeleton.dims).T + 0.1 * k for k in range(n)]
    return torch.stack(copies).reshape(n, -1)


def fitted(skeleton: Skeleton) -> tuple[FixedBones, torch.Tensor]:
    """FixedBones set from rigid copies of one random pose, and that pose."""
    pose = torch.randn(skeleton.pose_dim, generator=torch.Generator().manual_seed(3))
    bones = FixedBones(skeleton)
    bones.set_statistics(rigid_copies(pose, skeleton))
    return bones, pose


@pytest.mark.parametrize("skeleton", [VICON_53, TREE])
def test_a_pose_with_the_reference_bones_comes_back_unchanged(skeleton):
    bones, pose = fitted(skeleton)
    poses = rigid_copies(pose, skeleton, 5)[:, None]  # (5, 1, J*D): moved, bones unchanged
    assert torch.allclose(bones(poses), poses, atol=1e-5)


@pytest.mark.parametrize("skeleton", [VICON_53, TREE])
def test_stretched_bones_come_back_at_the_reference_lengths(skeleton):
    bones, pose = fitted(skeleton)
    reference = torch.as_tensor(skeleton.segment_lengths(pose.numpy()))  # (S,)
    noise = torch.randn(4, 3, skeleton.pose_dim, generator=torch.Generator().manual_seed(4))
    stretched = 1.5 * pose + 0.3 * noise  # (4, 3, J*D): every bone longer or shorter
    assert not torch.allclose(torch.as_tensor(skeleton.segment_lengths(stretched.numpy())),
                              reference.expand(4, 3, -1), rtol=1e-2)
    lengths = torch.as_tensor(skeleton.segment_lengths(bones(stretched).numpy()))
    assert torch.allclose(lengths, reference.expand(4, 3, -1).float(), rtol=1e-4, atol=1e-5)


def test_the_walk_places_every_point_after_the_one_it_hangs_from():
    names, _, edges = drawn_points(VICON_53)
    plan = walk_plan(len(names), edges)
    assert plan[0] == ("root", names.index("pelvis"))  # the body's most joined point
    placed = set()
    for step in plan:
        if step[0] == "bone":
            assert step[2] in placed and (step[2], step[1]) in edges + [e[::-1] for e in edges]
            placed.add(step[1])
        elif step[0] == "rigid":  # the head: ring and top, all on cycles
            assert {names[p] for p in step[1]} == {"LFHD", "LBHD", "RBHD", "RFHD", "ARIEL"}
            placed.update(step[1])
        else:
            placed.add(step[1])
    assert placed == set(range(len(names)))


def test_markers_off_the_segments_follow_their_nearest_point():
    bones, pose = fitted(VICON_53)
    names, _, _ = drawn_points(VICON_53)
    follows = {m: names[bones.follow[i]] for i, m in enumerate(VICON_53.joints)}
    assert follows["LKNE"] == "Lknee" and follows["ARIEL"] == "ARIEL"  # members: their group
    pose = rigid_copies(pose, VICON_53).mean(dim=0).reshape(53, 3)  # the training mean pose
    points = bones.group @ pose  # (P, 3)
    for marker in ("LIHAND", "MFWT", "LSHN"):  # on no segment
        distance = (points - pose[VICON_53.index[marker]]).norm(dim=1)
        assert follows[marker] == names[int(distance.argmin())]


def test_points_that_share_a_joint_are_refused_by_name():
    with pytest.raises(ValueError, match="tang23's points 'neck' and 'l_shoulder' both hold"):
        FixedBones(TANG_23)


@pytest.mark.parametrize("decoder", ["lstm", "keypose"])
def test_decoded_dances_keep_the_training_lengths(decoder):
    torch.manual_seed(0)
    config = ModelConfig(seq_len=10, input_dim=10, n_layers=2, h_dim=8, latent_dim=4,
                         h_dim_classif=8, pose_normalization="standardize", decoder=decoder,
                         pose_output="fixed_bones")
    model = PirouNet(config, TREE)
    x = torch.randn(6, 10, 10, generator=torch.Generator().manual_seed(1))  # (B, T, J*D)
    model.set_pose_statistics(x.reshape(-1, 10))
    dances = model.sample(torch.randn(4, 4), torch.tensor([0, 1, 2, 0]))  # (4, 10, 10)
    lengths = torch.as_tensor(TREE.segment_lengths(dances.detach().numpy()))  # (4, 10, 4)
    mean = torch.as_tensor(TREE.segment_lengths(x.numpy())).mean(dim=(0, 1))  # (4,)
    assert torch.allclose(lengths, mean.expand(4, 10, -1).float(), rtol=1e-4)
    loss, _ = m2_loss(model.train(), x[:3], torch.tensor([0, 1, 2]), x[3:], 0.3, 0.5)
    loss.backward()
    grads = [p.grad for name, p in model.named_parameters() if name.startswith("decoder.")]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    assert {"fixed_bones.lengths", "fixed_bones.template", "fixed_bones.follow"} \
        <= set(model.state_dict())


@pytest.mark.parametrize("decoder", ["lstm", "keypose"])
def test_posthoc_bones_act_in_eval_mode_only(decoder):
    """"fixed_bones_posthoc": training sees the free model's poses, and so takes the free
    model's steps to the last digit; what the model gives out in eval mode keeps the lengths."""
    x = torch.randn(6, 10, 10, generator=torch.Generator().manual_seed(1))  # (B, T, J*D)
    models = {}
    for output in ("free", "fixed_bones_posthoc"):
        torch.manual_seed(0)
        models[output] = PirouNet(ModelConfig(
            seq_len=10, input_dim=10, n_layers=2, h_dim=8, latent_dim=4, h_dim_classif=8,
            pose_normalization="standardize", decoder=decoder, pose_output=output), TREE)
        models[output].set_pose_statistics(x.reshape(-1, 10))
        torch.manual_seed(2)
        loss, _ = m2_loss(models[output].train(), x[:3], torch.tensor([0, 1, 2]), x[3:], 0.3, 0.5)
        loss.backward()
    free, posthoc = models["free"], models["fixed_bones_posthoc"]
    for (name, p), q in zip(free.named_parameters(), posthoc.parameters()):
        assert torch.equal(p.grad, q.grad), name
    z, y = torch.randn(4, 4), torch.tensor([0, 1, 2, 0])
    assert torch.equal(free.train().sample(z, y), posthoc.train().sample(z, y))
    dances = posthoc.eval().sample(z, y)  # (4, 10, 10)
    lengths = torch.as_tensor(TREE.segment_lengths(dances.detach().numpy()))  # (4, 10, 4)
    mean = torch.as_tensor(TREE.segment_lengths(x.numpy())).mean(dim=(0, 1))  # (4,)
    assert torch.allclose(lengths, mean.expand(4, 10, -1).float(), rtol=1e-4)
    assert not torch.allclose(dances, free.eval().sample(z, y))


def test_the_setting_is_checked_and_off_by_default():
    assert TRAINING.load().pose_output == "free"
    assert TRAINING.load([str(ROOT / "configs" / "quickstart.py")]).pose_output == "free"
    with pytest.raises(ConfigError, match="pose_output"):
        TRAINING.load(["--pose_output='bones'"])
    for output in ("fixed_bones", "fixed_bones_posthoc"):
        with pytest.raises(ValueError, match=f"pose_output='{output}'.*input_dim is 12"):
            PirouNet(ModelConfig(input_dim=12, pose_output=output))


@pytest.fixture(scope="module")
def bones_run(tmp_path_factory) -> Path:
    """A tiny run trained with fixed bones on small synthetic data."""
    return train_tiny_run(tmp_path_factory.mktemp("fixed_bones"), 4000, "--run_name=bones",
                          "--pose_output=fixed_bones", "--pose_normalization=standardize")


def test_a_tiny_fixed_bones_run_trains_and_evaluates(bones_run, monkeypatch):
    monkeypatch.chdir(bones_run)
    model, cfg, _ = load_model("bones")  # the lengths come back with the weights
    assert cfg.pose_output == "fixed_bones" and model.fixed_bones.lengths.sum() > 0
    metrics = main_eval.main([str(ROOT / "configs" / "eval_debug.py"),
                              "--load_from_checkpoint=bones", "--cpu_threads=1",
                              "--blind_export=False", "--blind_accuracy=False"])
    assert metrics["training_config"]["pose_output"] == "fixed_bones"
    # only the head ring's markers and the soft tissue of real data vary; the decoded bones not
    assert metrics["headline"]["bone_length_vs_real"]["value"] < 0.5
    history = [json.loads(line) for line in
               (bones_run / "saved_models/bones/history.jsonl").read_text().splitlines()]
    assert math.isfinite(history[-1]["train/total"])
