"""The music->dance model: published sizes and weight names, and both training modes."""
import numpy as np
import pytest
import torch

from pirounet.systems.learn2dance.music2dance.model import (NO_MOVE, ModelSettings, MusicEncoder,
                                                    PoseDecoder, chunk_contexts,
                                                    count_parameters, load_published_decoder)
from pirounet.systems.learn2dance.music2dance.objective import (MoveObjective, accuracies,
                                                        previous_moves)

PUBLISHED = ModelSettings()  # music_dim 512, 256 wide, 2 layers, 128 moves


def tiny_objective(mode: str, chunk: int = 3, music_dim: int = 7, n_moves: int = 11):
    torch.manual_seed(0)
    settings = ModelSettings(music_dim=music_dim, music_emb=8, hidden=6, n_moves=n_moves)
    return MoveObjective(MusicEncoder(settings), PoseDecoder(settings), mode, chunk)


def test_published_parameter_counts():
    assert count_parameters(MusicEncoder(PUBLISHED)) == 2_760_960
    assert count_parameters(PoseDecoder(PUBLISHED)) == 196_992


def test_published_weight_names_and_shapes():
    decoder = PoseDecoder(PUBLISHED).state_dict()
    assert {k: tuple(v.shape) for k, v in decoder.items()} == {
        "prev_embedder.weight": (128, 256), "cls.0.weight": (256, 512), "cls.0.bias": (256,),
        "cls.2.weight": (128, 256), "cls.2.bias": (128,)}
    encoder = MusicEncoder(PUBLISHED).state_dict()
    assert tuple(encoder["music_embedding.weight"].shape) == (256, 512)
    assert tuple(encoder["lstm.weight_ih_l1_reverse"].shape) == (1024, 512)
    assert len(encoder) == 2 + 16  # embedding + 4 tensors x 2 layers x 2 directions


def test_a_legacy_pickle_decoder_loads_with_weights_only(tmp_path):
    """dec.pt was saved by torch <= 1.6 in the legacy (non-zip) format."""
    source = PoseDecoder(PUBLISHED)
    path = tmp_path / "dec.pt"
    torch.save(source.state_dict(), path, _use_new_zipfile_serialization=False)
    loaded = load_published_decoder(path, PoseDecoder(PUBLISHED))
    assert torch.equal(loaded.cls[2].weight, source.cls[2].weight)


def test_teacher_forcing_is_keyed_on_the_step():
    moves = torch.tensor([[4, 5, 6], [7, 8, 9]])
    assert previous_moves(moves).tolist() == [[NO_MOVE, 4, 5], [NO_MOVE, 7, 8]]


def test_no_previous_move_is_a_zero_embedding():
    decoder = PoseDecoder(ModelSettings(hidden=4, n_moves=5))
    context = torch.randn(1, 1, 4)
    manual = decoder.cls(torch.cat([context, torch.zeros(1, 1, 4)], dim=-1))
    assert torch.allclose(decoder(context, torch.tensor([[NO_MOVE]])), manual)


def test_published_loss_against_an_independent_computation():
    """Summed over steps of the batch-mean cross-entropy, one global vector, step-keyed prev."""
    objective = tiny_objective("published")
    music = torch.randn(2, 12, 7)  # 4 chunks of 3 frames
    moves = torch.tensor([[1, 2, 3, 4], [10, 0, 0, 5]])
    loss, terms = objective(music, moves)

    enc, dec = objective.encoder, objective.decoder
    with torch.no_grad():
        _, (h_n, _) = enc.lstm(music @ enc.music_embedding.weight.T + enc.music_embedding.bias)
        vector = h_n[2]  # layer 2, forward direction
        expected = 0.0
        for j in range(4):
            prev = (dec.prev_embedder.weight[moves[:, j - 1]] if j > 0
                    else torch.zeros(2, 6))
            hidden = torch.relu(torch.cat([vector, prev], 1) @ dec.cls[0].weight.T
                                + dec.cls[0].bias)
            logits = hidden @ dec.cls[2].weight.T + dec.cls[2].bias
            log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            expected += -log_p[torch.arange(2), moves[:, j]].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert terms["nll_per_move"] == pytest.approx(expected.item() / 4, rel=1e-5)


def test_aligned_mode_shapes_and_per_chunk_music():
    objective = tiny_objective("aligned")
    music = torch.randn(2, 12, 7)
    moves = torch.randint(0, 11, (2, 4))
    assert objective.logits(music, moves).shape == (2, 4, 11)
    loss, terms = objective(music, moves)
    assert loss.ndim == 0 and set(terms) == {"total", "nll_per_move", "accuracy",
                                             "top5_accuracy"}
    states, _ = objective.encoder(music)  # (2, 12, 2 x 6): forward, then backward halves
    # "ends": forward state at the chunk's last frame with backward state at its first
    ends = chunk_contexts(states, 3, "ends")
    assert ends.shape == (2, 4, 6)
    assert torch.allclose(ends[1, 1], (states[1, 5, :6] + states[1, 3, 6:]) / 2)
    # "mean": the mean of its frames' forward and backward states
    mean = chunk_contexts(states, 3, "mean")
    assert torch.allclose(mean[1, 0], (states[1, :3, :6] + states[1, :3, 6:]).mean(0) / 2)


def test_aligned_mode_hears_the_music_of_each_chunk():
    """Only the aligned mode gives two steps with the same previous move different music."""
    music, moves = torch.randn(1, 12, 7), torch.zeros(1, 4, dtype=torch.long)
    aligned = tiny_objective("aligned").logits(music, moves)
    published = tiny_objective("published").logits(music, moves)
    assert torch.allclose(published[0, 1], published[0, 2])  # same vector, same previous move
    assert not torch.allclose(aligned[0, 1], aligned[0, 2])


def test_accuracy_is_per_example_not_per_sequence_length():
    logits = torch.zeros(2, 4, 6)
    logits[0, :, 1] = 1.0  # example 0 predicts move 1 everywhere
    logits[1, :, 2] = 1.0
    moves = torch.tensor([[1, 1, 1, 1], [2, 0, 0, 0]])
    acc = accuracies(logits, moves)
    assert acc["accuracy"] == pytest.approx((1.0 + 0.25) / 2)
    assert 0 <= acc["top5_accuracy"] <= 1


def test_gradients_do_not_accumulate_across_steps():
    """train_step zeroes gradients first: two steps on one batch give the same gradient."""
    from pirounet.systems.learn2dance.music2dance.training import train_step

    objective = tiny_objective("aligned")
    optimizer = torch.optim.SGD(objective.parameters(), lr=0.0)
    music, moves = torch.randn(2, 12, 7), torch.randint(0, 11, (2, 4))
    train_step(objective, optimizer, music, moves)
    first = objective.decoder.cls[2].weight.grad.clone()
    train_step(objective, optimizer, music, moves)
    assert torch.allclose(objective.decoder.cls[2].weight.grad, first)


def test_every_model_and_eval_rule_has_a_key_in_its_defaults_and_the_defaults_pass():
    from pirounet.systems.learn2dance.music2dance.settings import (DEFAULT_CONFIG, EVAL_CONFIG,
                                                           EVAL_RULES, EVALUATION,
                                                           TRAINING, TRAINING_RULES)
    from pirounet.run.config import ConfigError, read_settings

    assert set(TRAINING_RULES) <= set(read_settings(DEFAULT_CONFIG))
    assert set(EVAL_RULES) <= set(read_settings(EVAL_CONFIG))
    assert TRAINING.load().mode == "aligned" and EVALUATION.load().split == "test"
    with pytest.raises(ConfigError, match="^mode='dance' is not allowed"):
        TRAINING.load(["--mode=dance"])


def test_a_non_finite_loss_stops_training_before_the_step():
    from pirounet.systems.learn2dance.music2dance.training import train_step
    from pirounet.run.epochs import NonFiniteLossError

    objective = tiny_objective("aligned")
    optimizer = torch.optim.SGD(objective.parameters(), lr=0.1)
    before = objective.decoder.cls[2].weight.clone()
    music = torch.full((2, 12, 7), float("nan"))
    with pytest.raises(NonFiniteLossError, match="not finite"):
        train_step(objective, optimizer, music, torch.zeros(2, 4, dtype=torch.long))
    assert torch.equal(objective.decoder.cls[2].weight, before)


def test_blended_transitions_meet_at_the_boundary_and_keep_chunk_middles():
    from pirounet.systems.learn2dance.music2dance.generate import moves_to_poses

    centroids = np.zeros((2, 30, 15, 2), np.float32)
    centroids[1] += 1.0  # move 1 sits one unit away from move 0
    hard = moves_to_poses(np.array([0, 1]), centroids, "hard")
    blend = moves_to_poses(np.array([0, 1]), centroids, "blend", blend_frames=8)
    assert np.abs(np.diff(hard[:, 0, 0])).max() == 1.0  # the published jump
    assert np.abs(np.diff(blend[:, 0, 0])).max() < 0.2  # spread over 16 frames
    assert np.array_equal(blend[:22], hard[:22]) and np.array_equal(blend[38:], hard[38:])


def test_top_k_sampling_is_seeded_and_stays_in_the_top_k():
    from pirounet.systems.learn2dance.music2dance.generate import pick

    logits = torch.arange(10.0)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    a = [pick(logits, "top_k", 5, rng_a) for _ in range(50)]
    assert a == [pick(logits, "top_k", 5, rng_b) for _ in range(50)]
    assert set(a) == {5, 6, 7, 8, 9}
    assert pick(logits, "greedy", 5, rng_a) == 9


def test_weight_decay_shrinks_weights_and_is_off_by_default():
    from pirounet.run.config import ConfigError
    from pirounet.systems.learn2dance.music2dance.settings import TRAINING
    from pirounet.systems.learn2dance.train import make_optimizer

    layer = torch.nn.Linear(3, 2)
    default = make_optimizer(TRAINING.load(), layer)
    assert type(default) is torch.optim.Adam and default.defaults["weight_decay"] == 0
    for optimizer, lr in (("adam", 1e-3), ("sgd", 3e-4)):
        cfg = TRAINING.load([f"--optimizer='{optimizer}'", f"--learning_rate={lr}",
                             "--weight_decay=0.5"])
        before = layer.weight.detach().clone()
        step = make_optimizer(cfg, layer)
        layer.weight.grad = torch.zeros_like(layer.weight)  # no loss: only the decay acts
        layer.bias.grad = torch.zeros_like(layer.bias)
        step.step()
        assert torch.allclose(layer.weight.detach(), before * (1 - lr * 0.5))
    with pytest.raises(ConfigError, match="weight_decay=-0.1 is not allowed"):
        TRAINING.load(["--weight_decay=-0.1"])
