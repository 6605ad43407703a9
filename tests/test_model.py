"""PirouNet model: shapes, published state-dict keys, init, checkpoints and label formats."""
import math

import pytest
import torch

from pirounet.run.config import Config
from pirounet.systems.pirounet.model import Classifier, ModelConfig, PirouNet, one_hot

PAPER_PARAMETERS = 1_652_311
FID_SLOPE = 0.42950429805116874


pytestmark = pytest.mark.usefixtures("one_thread")


def published_shapes() -> dict[str, tuple[int, ...]]:
    """The published checkpoint's keys and shapes, written out from the reference listing."""
    shapes = {}
    for i in range(5):
        shapes[f"encoder.lstm.weight_ih_l{i}"] = (400, 162 if i == 0 else 100)
        shapes[f"encoder.lstm.weight_hh_l{i}"] = (400, 100)
        shapes[f"encoder.lstm.bias_ih_l{i}"] = (400,)
        shapes[f"encoder.lstm.bias_hh_l{i}"] = (400,)
    for block in ("mean_block", "logvar_block"):
        shapes[f"encoder.{block}.weight"] = (256, 100)
        shapes[f"encoder.{block}.bias"] = (256,)
    shapes["decoder.linear.weight"] = (100, 259)
    shapes["decoder.linear.bias"] = (100,)
    for i in range(4):
        shapes[f"decoder.lstm.weight_ih_l{i}"] = (400, 100)
        shapes[f"decoder.lstm.weight_hh_l{i}"] = (400, 100)
        shapes[f"decoder.lstm.bias_ih_l{i}"] = (400,)
        shapes[f"decoder.lstm.bias_hh_l{i}"] = (400,)
    shapes["decoder.lstm_out.weight_ih_l0"] = (636, 100)
    shapes["decoder.lstm_out.weight_hh_l0"] = (636, 159)
    shapes["decoder.lstm_out.bias_ih_l0"] = (636,)
    shapes["decoder.lstm_out.bias_hh_l0"] = (636,)
    shapes["classifier.dense.weight"] = (100, 6360)
    shapes["classifier.dense.bias"] = (100,)
    for i in range(2):
        shapes[f"classifier.layers.{i}.weight"] = (100, 100)
        shapes[f"classifier.layers.{i}.bias"] = (100,)
    shapes["classifier.layers.2.weight"] = (3, 100)
    shapes["classifier.layers.2.bias"] = (3,)
    return shapes


@pytest.fixture(scope="module")
def model() -> PirouNet:
    torch.manual_seed(0)
    return PirouNet(ModelConfig())


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(4, 40, 159, generator=generator) * 2 - 1  # (B, T, D)
    return x, torch.tensor([0, 1, 2, 1])


def test_state_dict_has_exactly_the_published_keys_and_shapes(model):
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == published_shapes()
    assert sum(p.numel() for p in model.parameters()) == PAPER_PARAMETERS


def test_method_shapes(model, batch):
    x, y = batch
    x_hat, z, mean, logvar = model(x, y)
    assert x_hat.shape == (4, 40, 159)
    assert z.shape == mean.shape == logvar.shape == (4, 256)
    assert all(t.shape == (4, 256) for t in model.encode(x, y))
    probs = model.classify(x)
    assert probs.shape == (4, 3)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(4))
    assert model.sample(torch.randn(4, 256), y).shape == (4, 40, 159)


def test_decoder_output_is_bounded_by_the_lstm_tanh(model, batch):
    x_new = model.sample(10 * torch.randn(4, 256), batch[1])
    assert x_new.abs().max() < 1


def test_linears_are_xavier_normal_with_zero_bias_and_lstms_keep_torch_init(model):
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 7
    for linear in linears:
        assert torch.count_nonzero(linear.bias) == 0
    dense = model.classifier.dense.weight  # 636,000 draws: the std is tight
    assert dense.std().item() == pytest.approx(math.sqrt(2 / (6360 + 100)), rel=0.02)
    bound = 1 / math.sqrt(100)  # torch's LSTM init is U(-1/sqrt(h), 1/sqrt(h)), biases included
    bias = model.encoder.lstm.bias_ih_l0
    assert torch.count_nonzero(bias) > 0 and bias.abs().max() <= bound


def test_fid_classifier_variant_keys_and_outputs():
    fid = Classifier(6360, 250, 13, 3, FID_SLOPE)
    expected = ["dense.weight", "dense.bias"]
    for i in range(14):
        expected += [f"layers.{i}.weight", f"layers.{i}.bias"]
    assert list(fid.state_dict()) == expected
    assert fid.state_dict()["layers.13.weight"].shape == (3, 250)
    x = torch.rand(5, 40, 159)
    assert fid.activations(x).shape == (5, 250)
    torch.testing.assert_close(fid(x), fid(x.reshape(5, -1)))  # (B, T, D) or flat
    torch.testing.assert_close(fid(x), torch.softmax(fid.logits(x), dim=1))


def test_state_dict_round_trips_through_a_file(model, batch, tmp_path):
    x, y = batch
    torch.save({"model_state_dict": model.state_dict()}, tmp_path / "ckpt.pt")
    torch.manual_seed(123)  # a different init, so equality below comes from the load
    reloaded = PirouNet(ModelConfig())
    checkpoint = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    reloaded.load_state_dict(checkpoint["model_state_dict"])  # strict: every key matches
    z = torch.randn(4, 256)
    torch.testing.assert_close(reloaded.sample(z, y), model.sample(z, y))
    torch.testing.assert_close(reloaded.classify(x), model.classify(x))
    torch.testing.assert_close(reloaded.encode(x, y)[1], model.encode(x, y)[1])


def test_one_hot_accepts_indices_and_one_hots():
    expected = torch.tensor([[1.0, 0, 0], [0, 0, 1], [0, 1, 0]])
    torch.testing.assert_close(one_hot(torch.tensor([0, 2, 1]), 3), expected)
    torch.testing.assert_close(one_hot(torch.tensor([[0], [2], [1]]), 3), expected)  # (B, 1)
    torch.testing.assert_close(one_hot(expected, 3), expected)
    torch.testing.assert_close(one_hot(expected[:, None, :], 3), expected)  # (B, 1, K)


def test_int_and_one_hot_labels_give_the_same_result(model, batch):
    x, y = batch
    y_onehot = torch.nn.functional.one_hot(y, 3).float()
    torch.manual_seed(5)
    from_ints = model(x, y)
    torch.manual_seed(5)
    from_onehots = model(x, y_onehot)
    for a, b in zip(from_ints, from_onehots):
        torch.testing.assert_close(a, b)
    z = torch.randn(4, 256)
    torch.testing.assert_close(model.sample(z, y), model.sample(z, y_onehot))


def test_model_config_picks_its_keys_from_a_config_or_dict():
    settings = {"h_dim": 64, "latent_dim": 8, "epochs": 3, "neg_slope": 0.1}
    expected = ModelConfig(h_dim=64, latent_dim=8, neg_slope=0.1)
    assert ModelConfig.from_config(settings) == expected
    assert ModelConfig.from_config(Config(settings)) == expected
    assert ModelConfig.from_config({}) == ModelConfig()


def test_small_config_builds_and_runs():
    config = ModelConfig(seq_len=6, input_dim=9, n_layers=2, h_dim=8, latent_dim=4,
                         h_dim_classif=5, n_layers_classif=1, neg_slope_classif=0.2)
    small = PirouNet(config)
    x = torch.rand(3, 6, 9)
    assert small(x, torch.tensor([2, 0, 1]))[0].shape == (3, 6, 9)
    assert small.classifier.dense.weight.shape == (5, 54)
