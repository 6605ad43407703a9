"""The M2 objective as published, quirks included (one exception, at the end here).

Labelled ELBO per sequence:  L(x, y) = -MSE(x, x_hat) + log p(y) - kl_weight * KL
  - MSE is the mean over time and features; log p(y) = log(1 / label_dim) (uniform prior);
  - KL = -sum(1 + logvar - mean^2 - exp(logvar)) has NO 0.5 factor (twice the textbook KL).
Unlabelled bound:  U(x) = sum_y q(y|x) L(x, y) - sum_y q(y|x) log(q(y|x) + 1e-8)
Batch loss:        J = -mean L - mean U + alpha * CE,  CE = mean -sum_y y log(q(y|x) + 1e-8)
with alpha = alpha_scale * n_unlabelled_batches / n_labelled_batches (`alpha_from_batches`).

For speed, the labelled batch (B) and the label_dim label-enumerated copies of the unlabelled
batch (K * B_u) go through the encoder and decoder in ONE pass of B + K * B_u sequences.
Validation uses the same J with the valid batch as its own unlabelled batch:
`m2_loss(model, x, y, x, alpha, kl_weight)`.

Two behaviours of the reference code differ from these formulas. The defaults follow the
formulas; a setting reproduces the code (configs/published_code.py sets both):

- pairing (config `unlabelled_pairing`): the reference reshaped its label-major (K*B,) ELBOs
  straight to (B, K), pairing q(y|x_i) with other sequences' ELBOs. "formula" (default):
  L(x_i, y) meets q(y|x_i), as U says; "published": the reference's reshape.
- classification (config `classification_loss`): the reference multiplied labels of shape
  (B, 1, K) with log q(y|x) of shape (B, K), which broadcasts to (B, B, K), so its CE is
  -(1 / (K B)) sum_j sum_k n_k log(q_jk + 1e-8), n_k the batch's count of class k: every
  q(.|x_j) is pulled toward the batch's label mix, and the term is about B/3 times the
  per-sample CE (J about 7x at B = 80). "per_sample" (default): the CE as written;
  "broadcast": the reference's. It changes training, validation and the logged values.

The reference's log prior is log(1/3 + 1e-8); the 3e-8 difference is not reproduced.

Options, all off in the paper (docs/label_steering.md): a learned prior p(z|y) in the KL
(model/pirounet.py), `bone_weight` (each L(x, y) pays for bone lengths unlike its original's,
bone_length_error; `bone_variation_weight`: for bones less steady over time than its
original's, bone_variation_error), `velocity_weight` (each L(x, y) pays for velocities unlike
its original's, velocity_error), `adversary_weight` (the latent adversary's cross-entropy,
added to J) and `swap_weight` (codes decoded with another label must be classified as it;
model/adversary.py).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from pirounet.skeletons import Skeleton
from pirounet.systems.pirounet.model.adversary import adversary_loss, swap_loss
from pirounet.systems.pirounet.model.annealing import kl_per_dimension, kl_with_free_bits
from pirounet.systems.pirounet.model.pirounet import PirouNet, one_hot

LOG_EPS = 1e-8  # added inside every log of q(y|x), as published
ENERGY_EPS = 1e-5  # pose units per frame^2, inside the logs of energy_mismatch
BONE_VARIATION_EPS = 1e-4  # std / mean of a bone length (real: ~2e-3), in bone_variation_error
PAIRINGS = ("formula", "published")
CLASSIFICATION_LOSSES = ("per_sample", "broadcast")


def alpha_from_batches(alpha_scale: float, n_unlabelled_batches: int,
                       n_labelled_batches: int) -> float:
    """Classification weight alpha = alpha_scale * n_unlabelled / n_labelled batches."""
    return alpha_scale * n_unlabelled_batches / n_labelled_batches


def reconstruction_error(x: Tensor, x_hat: Tensor) -> Tensor:
    """Per-sequence MSE, mean over time and features: (N, T, D) x2 -> (N,)."""
    return (x - x_hat).pow(2).mean(dim=(1, 2))


def kl_divergence(mean: Tensor, logvar: Tensor,
                  prior: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Published KL(q(z|x,y) || p(z|y)) without the 0.5 factor: (N, latent) x2 -> (N,).

    prior: (mean, logvar) of p(z|y), each (N, latent); None = N(0, I), as published.
    """
    return kl_per_dimension(mean, logvar, prior).sum(dim=1)


def labelled_elbo(x: Tensor, x_hat: Tensor, mean: Tensor, logvar: Tensor, label_dim: int,
                  kl_weight: float, free_bits: float = 0.0,
                  prior: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """(L(x, y), MSE, KL), each (N,), from one encoder/decoder pass under labels y.

    free_bits > 0 floors each latent dimension's KL inside L (model/annealing.py); the KL
    returned for logging is always the plain published one (against the prior, if learned).
    """
    recon = reconstruction_error(x, x_hat)  # (N,)
    kl = kl_divergence(mean, logvar, prior)  # (N,)
    kl_paid = kl_with_free_bits(mean, logvar, free_bits, prior) if free_bits > 0 else kl
    log_prior = math.log(1.0 / label_dim)  # uniform p(y)
    return -recon + log_prior - kl_weight * kl_paid, recon, kl


def motion_energy(x: Tensor) -> Tensor:
    """Mean acceleration magnitude per sequence, (N,), of poses (N, T, 3 * markers).

    Second differences per frame, in pose units: how abrupt the movement is, whatever its
    timing.
    """
    acc = x.reshape(x.shape[0], x.shape[1], -1, 3).diff(n=2, dim=1)  # (N, T-2, markers, 3)
    return acc.norm(dim=-1).mean(dim=(1, 2))


def energy_mismatch(x: Tensor, x_hat: Tensor) -> Tensor:
    """(log E(x_hat) - log E(x))^2 per sequence, (N,), E = motion_energy (an option).

    A mean squared error cannot place a sudden move whose timing z does not pin down, so it
    averages the candidates into a smooth, slow movement, and every effort looks sustained.
    This term asks each reconstruction to be as abrupt as its original, wherever the
    accelerations fall. The log makes it a ratio, the same for slow and for sudden windows.
    """
    return (torch.log(motion_energy(x_hat) + ENERGY_EPS)
            - torch.log(motion_energy(x) + ENERGY_EPS)).pow(2)


def bone_matrix(skeleton: Skeleton) -> Tensor:
    """(S, J) float32: row s maps joint positions to the vector of the skeleton's segment s.

    Each segment end is a joint or the mean of a group of joints (Skeleton.points), so the
    matrix holds +1/n for the far end's n joints and -1/m for the near end's m.
    """
    groups = {**{j: (j,) for j in skeleton.joints}, **skeleton.points}
    ends = list(dict.fromkeys(name for segment in skeleton.segments for name in segment))
    points = skeleton.group_matrix({name: groups[name] for name in ends})  # (P, J)
    near = [ends.index(a) for a, _ in skeleton.segments]
    far = [ends.index(b) for _, b in skeleton.segments]
    return torch.as_tensor(points[far] - points[near])


def bone_lengths(x: Tensor, bones: Tensor) -> Tensor:
    """Segment lengths (N, T, S) of poses x (N, T, J * dims) under a bone_matrix (S, J)."""
    joints = x.reshape(x.shape[0], x.shape[1], bones.shape[1], -1)  # (N, T, J, dims)
    return torch.matmul(bones.to(x.device, x.dtype), joints).norm(dim=-1)  # (N, T, S)


def bone_length_error(x: Tensor, x_hat: Tensor, bones: Tensor) -> Tensor:
    """Mean squared relative error of x_hat's bone lengths against x's, per sequence (N,).

    The decoder outputs every marker on its own, so nothing holds a forearm to one length;
    each frame's segment lengths are compared with the original's, relative to them so that
    the short head segments weigh as much as the legs.
    """
    target = bone_lengths(x, bones)  # (N, T, S)
    relative = (bone_lengths(x_hat, bones) - target) / (target + ENERGY_EPS)
    return relative.pow(2).mean(dim=(1, 2))


def bone_variation(x: Tensor, bones: Tensor) -> Tensor:
    """Each segment's length variation over time, std / mean, per sequence: (N, S)."""
    lengths = bone_lengths(x, bones)  # (N, T, S)
    return lengths.std(dim=1, correction=0) / (lengths.mean(dim=1) + ENERGY_EPS)


def bone_variation_error(x: Tensor, x_hat: Tensor, bones: Tensor) -> Tensor:
    """Squared log-ratio by which x_hat's bone variation exceeds x's, mean over segments, (N,).

    bone_length_error holds each frame near the original's lengths, but a decoder can meet it
    on average and still let a forearm breathe from frame to frame; this term asks x_hat's own
    lengths to stay as steady over time as the original's (the bone_length_ratio the evaluation
    reports), and costs nothing where they are steadier.
    """
    excess = (torch.log(bone_variation(x_hat, bones) + BONE_VARIATION_EPS)
              - torch.log(bone_variation(x, bones) + BONE_VARIATION_EPS))  # (N, S)
    return torch.relu(excess).pow(2).mean(dim=1)


def velocity_error(x: Tensor, x_hat: Tensor) -> Tensor:
    """Per-sequence MSE of frame-to-frame velocities, (N,), of poses (N, T, D) x2.

    The motion-energy term asks only for the right mean acceleration, which a decoder can
    meet with one jump at the start; matching each step's velocity leaves no such place.
    """
    return (x.diff(dim=1) - x_hat.diff(dim=1)).pow(2).mean(dim=(1, 2))


def unlabelled_bound(elbo_per_label: Tensor, probs: Tensor) -> tuple[Tensor, Tensor]:
    """(U(x), entropy of q(y|x)), each (B,), from L(x, y) (B, K) and q(y|x) (B, K)."""
    entropy = -(probs * torch.log(probs + LOG_EPS)).sum(dim=1)  # (B,)
    return (probs * elbo_per_label).sum(dim=1) + entropy, entropy


def classification_loss(probs: Tensor, y_onehot: Tensor, kind: str = "per_sample") -> Tensor:
    """Cross-entropy of q(y|x) (B, K) against one-hot labels (B, K), a scalar.

    "per_sample": the batch mean of -sum_y y log(q(y|x) + 1e-8).
    "broadcast": the reference code's -(1/(K B)) sum_j sum_k n_k log(q_jk + 1e-8), with n_k the
    batch's count of class k (its (B, 1, K) x (B, K) product; see the module docstring).
    """
    log_q = torch.log(probs + LOG_EPS)  # (B, K)
    if kind == "per_sample":
        return -(y_onehot * log_q).sum(dim=1).mean()
    if kind == "broadcast":
        counts = y_onehot.sum(dim=0)  # (K,) n_k
        return -(counts * log_q).sum() / log_q.numel()
    raise ValueError(f"classification loss must be one of {CLASSIFICATION_LOSSES}, got {kind!r}")


def enumerate_labels(n: int, label_dim: int, like: Tensor) -> Tensor:
    """Every label for each of n sequences, label-major: (label_dim * n, label_dim).

    Row k * n + i is label k for sequence i, matching `x.repeat(label_dim, 1, 1)`.
    """
    eye = torch.eye(label_dim, dtype=like.dtype, device=like.device)  # (K, K)
    return eye.repeat_interleave(n, dim=0)  # (K * n, K)


def m2_loss(model: PirouNet, x_lab: Tensor, y_lab: Tensor, x_unlab: Tensor, alpha: float,
            kl_weight: float, pairing: str = "formula",
            free_bits: float = 0.0, energy_weight: float = 0.0,
            classification: str = "per_sample", bone_weight: float = 0.0,
            bones: Tensor | None = None, adversary_weight: float = 0.0,
            velocity_weight: float = 0.0, swap_weight: float = 0.0,
            bone_variation_weight: float = 0.0) -> tuple[Tensor, dict[str, float]]:
    """Batch loss J and its named terms (Python floats) for labelled + unlabelled batches.

    x_lab (B, T, D) with y_lab (B,) ints or (B, K) one-hot; x_unlab (B_u, T, D).
    pairing: "formula" (U as written) or "published" (the reference code's reshape).
    free_bits: nats per latent dimension that cost no KL (0 = published; model/annealing.py).
    energy_weight: > 0 subtracts energy_weight * energy_mismatch from every L(x, y) (an
    option; 0 = published) and adds the term "energy_labelled" to the named terms.
    classification: "per_sample" (the CE as written) or "broadcast" (the reference code's).
    bone_weight: > 0 subtracts bone_weight * bone_length_error from every L(x, y), with the
    segments of `bones` (bone_matrix of the data's skeleton); adds "bones_labelled".
    adversary_weight: > 0 adds adversary_weight * the latent adversary's cross-entropy on the
    labelled batch to J (model/adversary.py); adds "adversary" and "adversary_accuracy".
    velocity_weight: > 0 subtracts velocity_weight * velocity_error from every L(x, y); adds
    "velocity_labelled".
    swap_weight: > 0 adds swap_weight * swap_loss of the labelled batch's codes to J (each
    decoded with another label, judged by the fixed q(y|x)); adds "swap" and "swap_accuracy".
    bone_variation_weight: > 0 subtracts bone_variation_weight * bone_variation_error (bones
    steadier over time) from every L(x, y); adds "bone_variation_labelled".
    """
    if pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, got {pairing!r}")
    if classification not in CLASSIFICATION_LOSSES:
        raise ValueError(f"classification must be one of {CLASSIFICATION_LOSSES}, "
                         f"got {classification!r}")
    k = model.config.label_dim
    n_lab, n_unlab = x_lab.shape[0], x_unlab.shape[0]
    y_lab = one_hot(y_lab, k).to(x_lab.dtype)  # (B, K)

    # One encoder/decoder pass: the labelled batch, then each label for the unlabelled one
    x_all = torch.cat([x_lab, x_unlab.repeat(k, 1, 1)])  # (B + K*B_u, T, D)
    y_all = torch.cat([y_lab, enumerate_labels(n_unlab, k, x_lab)])  # (B + K*B_u, K)
    x_hat, z, mean, logvar = model(x_all, y_all)
    prior = model.prior(y_all, mean) if getattr(model, "learned_prior", False) else None
    # (B + K*B_u,) each
    elbo, recon, kl = labelled_elbo(x_all, x_hat, mean, logvar, k, kl_weight, free_bits, prior)
    extra = {}
    if energy_weight > 0:
        energy = energy_mismatch(x_all, x_hat)  # (B + K*B_u,)
        elbo = elbo - energy_weight * energy
        extra["energy_labelled"] = energy[:n_lab].mean()
    if bone_weight > 0:
        bone = bone_length_error(x_all, x_hat, bones)  # (B + K*B_u,)
        elbo = elbo - bone_weight * bone
        extra["bones_labelled"] = bone[:n_lab].mean()
    if velocity_weight > 0:
        velocity = velocity_error(x_all, x_hat)  # (B + K*B_u,)
        elbo = elbo - velocity_weight * velocity
        extra["velocity_labelled"] = velocity[:n_lab].mean()
    if bone_variation_weight > 0:
        steady = bone_variation_error(x_all, x_hat, bones)  # (B + K*B_u,)
        elbo = elbo - bone_variation_weight * steady
        extra["bone_variation_labelled"] = steady[:n_lab].mean()
    elbo_lab = elbo[:n_lab]  # (B,)
    if pairing == "formula":
        elbo_per_label = elbo[n_lab:].reshape(k, n_unlab).T  # (B_u, K), column k = label k
    else:  # the reference's reshape: row i holds sequences K*i ... K*i+K-1 (label-major)
        elbo_per_label = elbo[n_lab:].reshape(n_unlab, k)

    # One classifier pass over both batches
    probs = model.classify(torch.cat([x_lab, x_unlab]))  # (B + B_u, K)
    probs_lab, probs_unlab = probs[:n_lab], probs[n_lab:]
    u, entropy = unlabelled_bound(elbo_per_label, probs_unlab)  # (B_u,) each
    ce = classification_loss(probs_lab, y_lab, classification)

    total = -elbo_lab.mean() - u.mean() + alpha * ce
    if adversary_weight > 0:
        y_int = y_lab.argmax(dim=1)  # (B,)
        adversary = adversary_loss(model.adversary, mean[:n_lab], y_int)
        total = total + adversary_weight * adversary
        with torch.no_grad():
            guess = model.adversary(mean[:n_lab]).argmax(dim=1)
        extra["adversary"] = adversary
        extra["adversary_accuracy"] = (guess == y_int).to(x_lab.dtype).mean()
    if swap_weight > 0:
        swap, swap_accuracy = swap_loss(model, z[:n_lab], y_lab.argmax(dim=1))
        total = total + swap_weight * swap
        extra["swap"], extra["swap_accuracy"] = swap, swap_accuracy
    with torch.no_grad():
        accuracy = (probs_lab.argmax(dim=1) == y_lab.argmax(dim=1)).to(x_lab.dtype).mean()
        values = torch.stack([
            recon[:n_lab].mean(), kl[:n_lab].mean(), elbo_lab.mean(), u.mean(),
            entropy.mean(), ce, accuracy, total, *(v.detach() for v in extra.values()),
        ]).tolist()  # a single sync; floats keep no autograd graph alive
    names = ["recon_labelled", "kl_labelled", "elbo_labelled", "elbo_unlabelled", "entropy",
             "classification", "accuracy", "total", *extra]
    return total, dict(zip(names, values))
