"""A Gaussian mixture per label over the training windows' codes: a prior one can sample.

latent_prior="mixture" (an option; the paper samples N(0, I)): at kl_weight 1e-6 the codes
do not follow N(0, I), and one Gaussian per label ("learned") is a poor fit to where they are.
This prior is p(z|y) = sum_c w[y, c] N(mu[y, c], diag(exp(logvar[y, c]))), fitted by EM
(sklearn's GaussianMixture, diagonal covariances, seeded) on the posterior means of training
windows each time a checkpoint is written (training.fit_mixture_prior). Training is untouched:
the KL term stays against N(0, I), as published.

Three buffers, under `mixture.` in PirouNet's state dict:
  weights (K, C)          component weights per label; each row sums to 1 once fitted
  means (K, C, latent)    component means
  logvars (K, C, latent)  log variances of the diagonal covariances
A label with fewer windows than C components gets as many components as windows, the others
weight 0. All weights 0 means "not fitted yet", and sampling then fails.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn


class MixturePrior(nn.Module):
    """Per-label diagonal Gaussian mixtures in the latent space (buffers only, no parameters)."""

    def __init__(self, label_dim: int, components: int, latent_dim: int):
        super().__init__()
        self.register_buffer("weights", torch.zeros(label_dim, components))
        self.register_buffer("means", torch.zeros(label_dim, components, latent_dim))
        self.register_buffer("logvars", torch.zeros(label_dim, components, latent_dim))

    @property
    def fitted(self) -> bool:
        """True once fit has run (or a checkpoint brought fitted buffers)."""
        return bool((self.weights.sum(dim=1) > 0).all())

    @torch.no_grad()
    def fit(self, codes: np.ndarray, labels: np.ndarray, seed: int) -> None:
        """Fit each label's mixture on its codes (N, latent) with labels (N,); seeded EM."""
        from sklearn.mixture import GaussianMixture  # ~2 s to import; only this prior

        codes = np.asarray(codes, np.float64)
        label_dim, components = self.weights.shape
        for k in range(label_dim):
            own = codes[labels == k]  # (N_k, latent)
            if len(own) < 2:
                raise ValueError(f"the mixture prior of label {k} needs at least 2 training "
                                 f"windows of that label, got {len(own)}")
            n = min(components, len(own))
            gmm = GaussianMixture(n, covariance_type="diag", random_state=seed + k,
                                  max_iter=200).fit(own)
            self.weights[k].zero_()
            self.means[k].zero_()
            self.logvars[k].zero_()
            self.weights[k, :n] = torch.as_tensor(gmm.weights_)
            self.means[k, :n] = torch.as_tensor(gmm.means_)
            self.logvars[k, :n] = torch.as_tensor(np.log(gmm.covariances_))

    @torch.no_grad()
    def sample(self, labels: Tensor, eps: Tensor, u: Tensor) -> Tensor:
        """Codes (B, latent) for labels (B,): component by uniform u (B,), noise eps (B, latent).

        The component is where u falls in the label's cumulative weights, so the same u and
        eps always give the same codes.
        """
        if not self.fitted:
            raise ValueError("the mixture prior is not fitted: its weights (mixture.weights) "
                             "are all 0; it is fitted when a checkpoint is written")
        labels = labels.to(self.weights.device).long()
        cumulative = self.weights[labels].cumsum(dim=1)  # (B, C)
        u = u.to(cumulative) * cumulative[:, -1]
        pick = torch.searchsorted(cumulative, u[:, None]).clamp_max(cumulative.shape[1] - 1)
        pick = pick[:, 0]  # (B,)
        mean, logvar = self.means[labels, pick], self.logvars[labels, pick]  # (B, latent) each
        return mean + torch.exp(0.5 * logvar) * eps.to(mean)
