"""Remedies for posterior collapse: KL weight schedules and free bits (all off in the paper).

With the published objective the reconstruction term is a MEAN squared error over 40 x 159
values, about 0.005 for a mean pose on the synthetic dancer, while every nat that z carries
costs 2 x kl_weight (the published KL has no 0.5 factor). At kl_weight = 1 no encoding can
pay for itself, so the optimum ignores z. These settings change that balance:

- KL warm-up (Bowman et al. 2016, "Generating Sentences from a Continuous Space"): the KL
  weight rises linearly from 0 to kl_weight over the first `kl_warmup_steps` steps.
- Cyclical annealing (Fu et al. 2019, "Cyclical Annealing Schedule: A Simple Approach to
  Mitigating KL Vanishing"): the run is cut into `kl_cycles` equal periods; in each the weight
  rises linearly from 0 to kl_weight over the first `kl_cycle_ramp` share, then holds.
- Free bits (Kingma et al. 2016, "Improved Variational Inference with Inverse Autoregressive
  Flow"): each latent dimension's KL below `free_bits` nats costs nothing, so the encoder may
  use that much information per dimension for free. Kingma et al. average the KL over the
  minibatch first; here the floor is applied per sequence, so that the M2 bound keeps one
  ELBO per sequence and label (which the unlabelled term U weights by q(y|x)).
"""
from __future__ import annotations

from torch import Tensor


def kl_weight_at(step: int, total_steps: int, kl_weight: float, warmup_steps: int = 0,
                 cycles: int = 0, cycle_ramp: float = 0.5) -> float:
    """The KL weight at 1-based training `step` of `total_steps` (constant when both are 0)."""
    if warmup_steps > 0 and cycles > 0:
        raise ValueError("choose KL warm-up or cyclical annealing, not both")
    if cycles > 0:
        period = max(total_steps / cycles, 1.0)
        phase = ((step - 1) % period) / period  # 0 at the start of each cycle
        return kl_weight * min(1.0, phase / cycle_ramp) if cycle_ramp > 0 else kl_weight
    if warmup_steps > 0:
        return kl_weight * min(1.0, step / warmup_steps)
    return kl_weight


def check_remedy_settings(cfg) -> None:
    """Raise ValueError when two remedies that exclude each other are both on.

    The range of each remedy setting is checked when the config loads (pirounet/systems/pirounet/settings.py).
    """
    if cfg.kl_warmup_steps > 0 and cfg.kl_cycles > 0:
        raise ValueError(f"kl_warmup_steps={cfg.kl_warmup_steps} and kl_cycles={cfg.kl_cycles}: "
                         "choose KL warm-up or cyclical annealing, not both")


def kl_per_dimension(mean: Tensor, logvar: Tensor, prior: tuple[Tensor, Tensor] | None = None
                     ) -> Tensor:
    """Published KL terms per latent dimension, (N, latent): 2 x the textbook KL in nats.

    prior: (mean, logvar) of a Gaussian p(z|y), each (N, latent); None = N(0, I) (published).
    """
    if prior is None:
        return -(1 + logvar - mean.pow(2) - logvar.exp())
    p_mean, p_logvar = prior
    return -(1 + logvar - p_logvar - ((mean - p_mean).pow(2) + logvar.exp()) / p_logvar.exp())


def kl_with_free_bits(mean: Tensor, logvar: Tensor, free_bits: float,
                      prior: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Published KL per sequence, (N,), each dimension floored at `free_bits` nats.

    free_bits counts textbook nats, so the published (doubled) term is floored at 2 x free_bits.
    """
    per_dim = kl_per_dimension(mean, logvar, prior)  # (N, latent)
    if free_bits > 0:
        per_dim = per_dim.clamp(min=2.0 * free_bits)
    return per_dim.sum(dim=1)
