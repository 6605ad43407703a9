"""Repeat a randomised statistic over seeded generators and summarise it (mean ± std, 95 % CI).

    summary = bootstrap(lambda rng: diversity(acts, rng=rng), n_iter=10, seed=0)
    summaries = bootstrap_many(lambda rng: {"fid": ..., "diversity": ...}, 10, seed=0)

Iteration i gets np.random.default_rng(SeedSequence(seed).spawn(n_iter)[i]), so results are
reproducible and iterations are independent. The paper repeats its statistics
`stat_sampling_size` times and reports mean ± std; std here is the same population std
(ddof=0). The 95 % CI is the normal interval of the mean over iterations, as in MDM:
mean ± 1.96·std/sqrt(n_iter). It shrinks with n_iter; it says how well the mean is known,
not how much one run varies (that is std). With n_iter = 1, std = 0 and the CI collapses
to the value.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


def iteration_rngs(n_iter: int, seed: int) -> list[np.random.Generator]:
    """One independent generator per iteration, spawned from seed (see the module doc)."""
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_iter)]


def summarize(values: Sequence[float]) -> dict:
    """Mean, std (ddof=0), normal 95 % CI of the mean, and the values as a JSON-ready dict."""
    values = np.asarray(values, np.float64).reshape(-1)
    mean, std = float(values.mean()), float(values.std())
    half = Z_95 * std / np.sqrt(values.size)
    return {
        "mean": mean,
        "std": std,
        "ci95_low": mean - half,
        "ci95_high": mean + half,
        "values": values.tolist(),
    }


def bootstrap(stat_fn: Callable[[np.random.Generator], float], n_iter: int, seed: int) -> dict:
    """Summary (see summarize) of stat_fn(rng) over n_iter seeded generators."""
    return summarize([float(stat_fn(rng)) for rng in iteration_rngs(n_iter, seed)])


def bootstrap_many(
    stats_fn: Callable[[np.random.Generator], Mapping[str, float]], n_iter: int, seed: int
) -> dict[str, dict]:
    """Per-name summaries when one draw (e.g. one generated set) feeds several statistics."""
    return summarize_runs([dict(stats_fn(rng)) for rng in iteration_rngs(n_iter, seed)])


def summarize_runs(runs: Sequence[Mapping[str, float]]) -> dict[str, dict]:
    """Per statistic, the summary (see summarize) of its value in each run."""
    return {name: summarize([run[name] for run in runs]) for name in runs[0]}
