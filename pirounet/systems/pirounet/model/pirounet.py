"""PirouNet: the M2 semi-supervised conditional VAE (Kingma et al. 2014) with LSTMs.

    model = PirouNet(ModelConfig.from_config(cfg))
    x_hat, z, mean, logvar = model(x, y)   # x (B, 40, 159), y (B,) ints or (B, 3) one-hot
    probs = model.classify(x)              # q(y|x), (B, 3)
    x_new = model.sample(z, y)             # decode, (B, 40, 159)

The state dict has exactly the published keys (`encoder.*`, `decoder.*`, `classifier.*`;
1,652,311 parameters at the paper's sizes), so published checkpoints load unchanged.

pose_normalization="standardize" (an option; the paper feeds raw poses) adds two buffers,
`pose_mean` and `pose_std` (input_dim,), set from the training poses. The encoder and the
classifier then see standardised poses, and the decoder's output h in (-1, 1) becomes the
pose mean + 3 std * h. Raw poses vary by ~0.07 around a mean pose whose heights reach 0.7, so
without it the networks first see a near-constant input; see docs/why_it_did_not_dance.md.

Three more options, all off in the paper (docs/label_steering.md has the measurements):
- decoder_initial_state: the decoder's LSTMs start from a state computed from [z, y]
  (`decoder.init_state.*`; model/decoder.py);
- latent_prior="learned": p(z|y) = N(prior_mean[y], exp(prior_logvar[y])), two parameters
  (label_dim, latent_dim) that the KL term fits to where each label's codes are, so that new
  dances can be sampled from them (`sample_prior`); "standard_normal" is the paper's N(0, I);
- latent_prior="mixture": `mixture.*`, a Gaussian mixture per label (prior_components each)
  fitted on the training windows' codes when a checkpoint is written (model/mixture.py); the
  KL term stays against N(0, I);
- latent_adversary_weight > 0: `adversary.*`, a small classifier of y from the posterior mean
  behind a gradient reversal (model/adversary.py, model/objective.py): it learns to read the
  label from z while the encoder learns to hide it, so the decoder must take the effort from y.

pose_output="fixed_bones" (an option; "free" is the paper's) passes the decoded poses through
FixedBones (model/fixed_bones.py, buffers `fixed_bones.*`): every drawn segment of the data's
skeleton, given to the constructor, keeps its mean training length; under either decoder.
pose_output="fixed_bones_posthoc" keeps the same layer out of training: the losses see the
decoder's own poses (so the trained weights are those of "free"), and only what the model gives
out in eval mode (validation, evaluation, generation, export) goes through the layer. Trained
through the layer, the key-pose decoder's label swap fell (docs/label_steering.md).

decoder="keypose" (an option; "lstm" is the paper's) swaps the LSTM decoder for key poses from
z joined by transitions whose duration the label sets (model/keypose.py, its keys there);
decoder_time_features and decoder_initial_state belong to the LSTM decoder and do nothing then.
keypose_timing="rhythm" (an option; "transitions" as above by default) keeps z's key poses as a
path and lets the label set the rhythm of moves and holds along it, so the label also sets how
many moves the window holds (model/rhythm.py: `decoder.phase.*` added, `decoder.gaps.*` and
`decoder.pace.*` of other shapes); keypose_detours does nothing then.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pirounet.skeletons import VICON_53, Skeleton

from pirounet.systems.pirounet.model.adversary import LatentAdversary
from pirounet.systems.pirounet.model.classifier import Classifier, xavier_init_linears
from pirounet.systems.pirounet.model.decoder import Decoder
from pirounet.systems.pirounet.model.encoder import Encoder
from pirounet.systems.pirounet.model.fixed_bones import FixedBones
from pirounet.systems.pirounet.model.keypose import KeyposeDecoder
from pirounet.systems.pirounet.model.mixture import MixturePrior
from pirounet.systems.pirounet.model.rhythm import RhythmDecoder

POSE_NORMALIZATIONS = ("none", "standardize")
LATENT_PRIORS = ("standard_normal", "learned", "mixture")
DECODERS = ("lstm", "keypose")
KEYPOSE_TIMINGS = ("transitions", "rhythm")
POSE_OUTPUTS = ("free", "fixed_bones", "fixed_bones_posthoc")
DECODER_SPAN = 3.0  # "standardize": the decoder's (-1, 1) output spans +-3 stds of each value
MIN_POSE_STD = 1e-4  # pose units; a value that never moves is not divided by ~0


@dataclass(frozen=True)
class ModelConfig:
    """PirouNet's sizes; the defaults are the published PirouNet_dance model."""

    seq_len: int = 40  # poses per sequence
    input_dim: int = 159  # values per pose: 53 markers x 3
    label_dim: int = 3  # effort classes
    n_layers: int = 5  # encoder LSTM layers; the decoder has n_layers - 1 plus an output LSTM
    h_dim: int = 100  # LSTM hidden size
    latent_dim: int = 256  # z size
    neg_slope: float = 0.0  # decoder LeakyReLU slope
    h_dim_classif: int = 100  # classifier hidden width
    n_layers_classif: int = 2  # classifier hidden layers after the first dense layer
    neg_slope_classif: float = 0.0  # classifier LeakyReLU slope
    pose_normalization: str = "none"  # "none" (published) | "standardize" (see PirouNet)
    decoder_time_features: int = 0  # 0 (published) | F: sin/cos time basis in the decoder
    decoder_initial_state: bool = False  # False (published): the decoder's LSTMs start at zero
    latent_prior: str = "standard_normal"  # "standard_normal" (published) | "learned" p(z|y)
    #   | "mixture": a Gaussian mixture per label fitted on the codes (model/mixture.py)
    prior_components: int = 8  # "mixture": components per label
    latent_adversary_weight: float = 0.0  # 0 (published) | > 0: adversary on z (see PirouNet)
    decoder: str = "lstm"  # "lstm" (published) | "keypose": the label sets the timing
    keypose_keys: int = 5  # "keypose": key poses per window
    keypose_detours: bool = False  # "keypose": each transition may bend off the straight line
    keypose_duration_slack: float = 0.25  # "keypose": how far (log) a label's duration may move
    keypose_move_size: float = 0.0  # 0 (off): z sets the moves' size | > 0 (keypose): the label
    #   scales them too, by the dancer's size of one move per label to this power (set_move_size)
    keypose_edge_margin: float = 0.0  # "keypose" transitions: 0 (off) centres inside the window
    #   | m in (0, 0.5]: up to m transition durations outside it on both sides
    keypose_timing: str = "transitions"  # "keypose": the label re-times z's transitions |
    #   "rhythm": z gives a path, the label the rhythm of moves and holds along it
    pose_output: str = "free"  # "free" (published) | "fixed_bones": the data's bone lengths
    #   | "fixed_bones_posthoc": the same, on what the model gives out in eval mode only

    @classmethod
    def from_config(cls, cfg: Any) -> "ModelConfig":
        """Pick this dataclass's keys from a Config or dict; missing keys keep their default."""
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{name: cfg[name] for name in names if name in cfg})


def one_hot(y: Tensor, label_dim: int) -> Tensor:
    """Float one-hot labels (B, label_dim) from class indices (B,) or one-hots (B, [1,] K)."""
    if y.is_floating_point():
        return y.reshape(y.shape[0], label_dim)  # already one-hot; (B, 1, K) as published
    return F.one_hot(y.reshape(-1).long(), label_dim).float()


class PirouNet(nn.Module):
    """Encoder q(z|x,y), decoder p(x|z,y) and classifier q(y|x) with the published keys."""

    def __init__(self, config: ModelConfig = ModelConfig(), skeleton: Skeleton = VICON_53):
        """skeleton: the data's, whose segments "fixed_bones" keeps; unused otherwise."""
        super().__init__()
        c = self.config = config
        self.encoder = Encoder(c.input_dim, c.label_dim, c.h_dim, c.n_layers, c.latent_dim)
        if c.decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, got {c.decoder!r}")
        if c.decoder == "keypose" and c.keypose_timing not in KEYPOSE_TIMINGS:
            raise ValueError(f"keypose_timing must be one of {KEYPOSE_TIMINGS}, "
                             f"got {c.keypose_timing!r}")
        if c.decoder == "keypose" and c.keypose_timing == "rhythm":
            self.decoder = RhythmDecoder(c.latent_dim, c.label_dim, c.h_dim, c.input_dim,
                                         c.seq_len, c.neg_slope, c.keypose_keys,
                                         c.keypose_duration_slack, c.keypose_move_size)
        elif c.decoder == "keypose":
            self.decoder = KeyposeDecoder(c.latent_dim, c.label_dim, c.h_dim, c.input_dim,
                                          c.seq_len, c.neg_slope, c.keypose_keys,
                                          c.keypose_detours, c.keypose_duration_slack,
                                          c.keypose_move_size, c.keypose_edge_margin)
        else:
            self.decoder = Decoder(c.latent_dim, c.label_dim, c.h_dim, c.n_layers, c.input_dim,
                                   c.seq_len, c.neg_slope, c.decoder_time_features,
                                   c.decoder_initial_state)
        self.classifier = Classifier(c.seq_len * c.input_dim, c.h_dim_classif,
                                     c.n_layers_classif, c.label_dim, c.neg_slope_classif)
        self.adversary = None
        if c.latent_adversary_weight > 0:
            self.adversary = LatentAdversary(c.latent_dim, c.h_dim_classif, c.label_dim)
        xavier_init_linears(self)  # LSTMs keep torch's default init, as published
        if c.latent_prior not in LATENT_PRIORS:
            raise ValueError(f"latent_prior must be one of {LATENT_PRIORS}, "
                             f"got {c.latent_prior!r}")
        self.learned_prior = c.latent_prior == "learned"
        if self.learned_prior:  # start at N(0, I); the KL term moves them to the codes
            self.prior_mean = nn.Parameter(torch.zeros(c.label_dim, c.latent_dim))
            self.prior_logvar = nn.Parameter(torch.zeros(c.label_dim, c.latent_dim))
        self.mixture = None
        if c.latent_prior == "mixture":  # fitted by training.fit_mixture_prior
            self.mixture = MixturePrior(c.label_dim, c.prior_components, c.latent_dim)
        if c.pose_normalization not in POSE_NORMALIZATIONS:
            raise ValueError(f"pose_normalization must be one of {POSE_NORMALIZATIONS}, "
                             f"got {c.pose_normalization!r}")
        self.standardize = c.pose_normalization == "standardize"
        if self.standardize:  # set from the training poses by set_pose_statistics
            self.register_buffer("pose_mean", torch.zeros(c.input_dim))
            self.register_buffer("pose_std", torch.ones(c.input_dim))
        if c.pose_output not in POSE_OUTPUTS:
            raise ValueError(f"pose_output must be one of {POSE_OUTPUTS}, got {c.pose_output!r}")
        self.fixed_bones = None
        # "fixed_bones_posthoc": the layer acts only in eval mode (_poses), not on the losses
        self.bones_in_training = c.pose_output == "fixed_bones"
        if c.pose_output != "free":  # its buffers are set by set_pose_statistics
            if skeleton.pose_dim != c.input_dim:
                raise ValueError(f"pose_output={c.pose_output!r} needs poses of skeleton "
                                 f"{skeleton.name} ({skeleton.pose_dim} values), but input_dim "
                                 f"is {c.input_dim}")
            self.fixed_bones = FixedBones(skeleton)

    @torch.no_grad()
    def set_pose_statistics(self, poses: Tensor) -> None:
        """From training poses (N, input_dim): per-value mean and std for "standardize", bone
        lengths for "fixed_bones"."""
        if self.standardize:
            self.pose_mean.copy_(poses.mean(dim=0))
            self.pose_std.copy_(poses.std(dim=0).clamp_min(MIN_POSE_STD))
        if self.fixed_bones is not None:
            self.fixed_bones.set_statistics(poses)

    @property
    def needs_move_size(self) -> bool:
        """Whether the key-pose decoder's label sets the moves' size (keypose_move_size > 0)."""
        return getattr(self.decoder, "size_power", 0.0) > 0

    @torch.no_grad()
    def set_move_size(self, windows: Tensor, labels: Tensor) -> Tensor:
        """g_y of keypose_move_size from labelled training windows (N, T, D), labels (N,): the
        windows are taken into the decoder's output units first (set_pose_statistics before)."""
        h = windows
        if self.standardize:  # the inverse of _poses' linear map
            h = (windows - self.pose_mean) / (DECODER_SPAN * self.pose_std)
        return self.decoder.set_move_size(h, labels)

    @property
    def needs_pose_statistics(self) -> bool:
        """Whether set_pose_statistics sets anything (some option reads the training poses)."""
        return self.standardize or self.fixed_bones is not None

    def _inputs(self, x: Tensor) -> Tensor:
        """What the networks see of poses x (B, T, D): as they are, or standardised."""
        return (x - self.pose_mean) / self.pose_std if self.standardize else x

    def _poses(self, h: Tensor) -> Tensor:
        """Poses (B, T, D) from the decoder's output h in (-1, 1)."""
        poses = self.pose_mean + DECODER_SPAN * self.pose_std * h if self.standardize else h
        if self.fixed_bones is None or (self.training and not self.bones_in_training):
            return poses
        return self.fixed_bones(poses)

    def _labels(self, y: Tensor, x: Tensor) -> Tensor:
        return one_hot(y, self.config.label_dim).to(x.dtype)  # (B, K)

    def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(x_hat (B, T, D), z, mean, logvar (B, latent)) for x (B, T, D) under labels y."""
        y_onehot = self._labels(y, x)
        z, mean, logvar = self.encoder(self._inputs(x), y_onehot)
        return self._poses(self.decoder(z, y_onehot)), z, mean, logvar

    def encode(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(z, mean, logvar), each (B, latent), for x (B, T, D) under labels y."""
        return self.encoder(self._inputs(x), self._labels(y, x))

    def classify(self, x: Tensor) -> Tensor:
        """q(y|x) as probabilities, (B, label_dim)."""
        return self.classifier(self._inputs(x))

    def prior(self, y: Tensor, like: Tensor) -> tuple[Tensor, Tensor]:
        """(mean, logvar) of p(z|y), each (B, latent), for labels y; N(0, I) unless learned."""
        y_onehot = self._labels(y, like)  # (B, K)
        if not self.learned_prior:
            zeros = like.new_zeros(len(y_onehot), self.config.latent_dim)
            return zeros, zeros
        return y_onehot @ self.prior_mean, y_onehot @ self.prior_logvar

    def sample_prior(self, y: Tensor, eps: Tensor) -> Tensor:
        """Codes z (B, latent) = prior mean + std * eps for labels y (B,), noise eps (B, latent)."""
        mean, logvar = self.prior(y, eps)
        return mean + torch.exp(0.5 * logvar) * eps

    def sample(self, z: Tensor, y: Tensor) -> Tensor:
        """Decode z (B, latent) under labels y into poses (B, seq_len, input_dim)."""
        return self._poses(self.decoder(z, self._labels(y, z)))
