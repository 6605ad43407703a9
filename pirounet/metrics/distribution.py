"""Distribution metrics on classifier activations: FID, diversity and multimodality.

The protocol is the paper's (taken by PirouNet from Action2Motion/ACTOR): pairs are drawn
uniformly with replacement, so a pair may repeat an index and contribute a zero distance.
"""
from __future__ import annotations

import numpy as np


def _psd_sqrt(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix; tiny negative eigenvalues clip to 0."""
    eigval, eigvec = np.linalg.eigh(sigma)
    return (eigvec * np.sqrt(np.clip(eigval, 0.0, None))) @ eigvec.T


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    d² = |mu1 - mu2|² + Tr(S1) + Tr(S2) - 2 Tr((S1^½ S2 S1^½)^½). The symmetric form keeps
    every matrix symmetric PSD, so eigh applies and singular covariances (fewer samples
    than dimensions) give a finite answer instead of sqrtm's complex or NaN output.
    Rounding can make d² a hair below zero for identical inputs; it is clipped to 0.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"shapes do not match: mu {mu1.shape}, {mu2.shape}; sigma {sigma1.shape}, "
            f"{sigma2.shape}"
        )
    for name, a in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} has non-finite values")
    root1 = _psd_sqrt(0.5 * (sigma1 + sigma1.T))
    inner = root1 @ sigma2 @ root1  # (d, d), PSD up to rounding
    inner_eig = np.linalg.eigvalsh(0.5 * (inner + inner.T))
    tr_covmean = np.sqrt(np.clip(inner_eig, 0.0, None)).sum()
    diff = mu1 - mu2
    dist = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(max(dist, 0.0))


def activation_statistics(acts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (F,) and covariance (F, F) of activations (N, F), N >= 2 (unbiased, as np.cov)."""
    acts = np.asarray(acts, np.float64)
    if acts.ndim != 2 or acts.shape[0] < 2:
        raise ValueError(f"need activations of shape (N >= 2, F), got {acts.shape}")
    return acts.mean(axis=0), np.cov(acts, rowvar=False).reshape(acts.shape[1], acts.shape[1])


def fid(acts_a: np.ndarray, acts_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two activation sets (N_a, F), (N_b, F)."""
    return frechet_distance(*activation_statistics(acts_a), *activation_statistics(acts_b))


def _check_acts(acts: np.ndarray) -> np.ndarray:
    acts = np.asarray(acts, np.float64)
    if acts.ndim != 2 or acts.shape[0] == 0:
        raise ValueError(f"need activations of shape (N >= 1, F), got {acts.shape}")
    return acts


def _mean_pair_distance(acts: np.ndarray, first: np.ndarray, second: np.ndarray) -> float:
    return float(np.linalg.norm(acts[first] - acts[second], axis=-1).mean())


def diversity(acts: np.ndarray, n_pairs: int = 200, *, rng: np.random.Generator) -> float:
    """Mean L2 distance over n_pairs random pairs of activations (N, F) (paper: 200)."""
    acts = _check_acts(acts)
    first, second = rng.integers(0, acts.shape[0], size=(2, n_pairs))
    return _mean_pair_distance(acts, first, second)


def multimodality(
    acts: np.ndarray, labels: np.ndarray, n_per_label: int = 70, *, rng: np.random.Generator
) -> float:
    """Mean over labels of the mean L2 distance of n_per_label same-label pairs.

    The paper draws 70 pairs per label; ACTOR, Action2Motion and MDM draw 20. Labels absent
    from `labels` are skipped (the paper's loop would never end on them).
    """
    acts = _check_acts(acts)
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != acts.shape[0]:
        raise ValueError(f"{labels.shape[0]} labels for {acts.shape[0]} activations")
    per_label = []
    for label in np.unique(labels):  # a handful of classes, not samples
        members = np.flatnonzero(labels == label)
        first, second = members[rng.integers(0, members.size, size=(2, n_per_label))]
        per_label.append(_mean_pair_distance(acts, first, second))
    return float(np.mean(per_label))
