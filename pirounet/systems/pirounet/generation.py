"""Latent-space generation: the paper's high-density tiles, random draws and reconstructions.

Conditional generation (docs/published_method.md, "Evaluation"):
  1. encode the labelled training windows with their own labels -> z (N, latent);
  2. per label k, centre its z's on their mean c_k and fit a 2-D PCA, axes W_k (2, latent);
  3. tile [-bound, bound]^2 of label k's PCA plane with squares of side tile_sizes[k];
  4. a tile is dense for k when k's share of ALL labels' points in it is above
     density_thresholds[k] and k has more than min_counts[k] points there;
  5. pick a dense tile, draw a point u uniformly inside it, z = c_k + u W_k;
  6. decode z with label k.

Two rules decide which tiles are dense (TileSettings.rule):

- "one_plane" (default, the paper's words taken literally): for label k, every z, whatever its
  label, is projected with k's own centre and axes, so the counts that make a share live on one
  grid in one plane. Tile (i, j) is [-b + i s, -b + (i+1) s) x [-b + j s, -b + (j+1) s).
- "published" (what the reference code computes): each label's own points only are projected
  with its own PCA onto its own grid; x tiles are (-b + i s, -b + (i+1) s) and y tiles
  (-b + (j+1) s, -b + (j+2) s), open, so a point exactly on an edge counts nowhere; the "share"
  of label k in tile (i, j) divides k's count by the sum of every label's count in the tile
  with the same (i, j) index of that label's own grid, although the grids have different
  sides and planes. The share test then almost never rejects a tile, and the rule is in
  effect "more than min_counts[k] points": about 10x more dense tiles than "one_plane". The
  reference fitted sklearn's default PCA (a randomized solver, unseeded); both rules use the
  exact PCA here, so that a seed fixes the tiles.

The dense tiles are found with one bincount per label and reused for every draw; the published
code re-ran a Python loop over every tile and every point in each bootstrap iteration (the
evaluation's refit_each_iteration redoes encoding, PCA and tile search per iteration, as it did).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import Tensor, nn

log = logging.getLogger(__name__)

MIN_WINDOWS_PER_LABEL = 3  # a 2-D PCA of fewer centred points leaves an axis undefined
TILE_RULES = ("one_plane", "published")  # see the module docstring
ENTANGLEMENT_DISTANCES = ("per_marker", "frobenius")  # see entanglement_distances


@dataclass(frozen=True)
class TileSettings:
    """Where and how dense tiles are searched; each tuple holds one entry per label."""

    grid_bound: float = 8.0  # tiles cover [-grid_bound, grid_bound]^2 of each label's plane
    tile_sizes: tuple[float, ...] = (0.1, 0.2, 0.4)  # side of a square tile
    density_thresholds: tuple[float, ...] = (0.8, 0.75, 0.75)  # the share must be ABOVE this
    min_counts: tuple[int, ...] = (3, 3, 1)  # the label needs MORE than this many points
    rule: str = "one_plane"  # "one_plane" | "published" (see the module docstring)

    def __post_init__(self):
        n = len(self.tile_sizes)
        if len(self.density_thresholds) != n or len(self.min_counts) != n:
            raise ValueError(
                f"tile_sizes, density_thresholds and min_counts need one entry per label, got "
                f"{len(self.tile_sizes)}, {len(self.density_thresholds)}, {len(self.min_counts)}"
            )
        if self.grid_bound <= 0 or min(self.tile_sizes) <= 0:
            raise ValueError(f"grid_bound and tile_sizes must be positive, got {self}")
        if self.rule not in TILE_RULES:
            raise ValueError(f"tile rule must be one of {TILE_RULES}, got {self.rule!r}")

    @property
    def n_labels(self) -> int:
        """Number of labels the settings describe."""
        return len(self.tile_sizes)


@dataclass
class LabelTiles:
    """One label's 2-D PCA plane of the latent space and its dense tiles in that plane."""

    label: int
    centre: np.ndarray  # (latent,) mean of the label's z
    axes: np.ndarray  # (2, latent) orthonormal principal axes
    scales: np.ndarray  # (2,) std of the label's z along each axis (used by the fallback)
    tile_size: float
    corners: np.ndarray  # (n_dense, 2) lower-left corners of the dense tiles, plane coordinates
    counts: np.ndarray  # (n_dense,) the label's points in each dense tile
    shares: np.ndarray  # (n_dense,) the label's share of all labels' points in each dense tile
    n_points: int  # the label's encoded windows

    @property
    def fallback(self) -> bool:
        """True when no tile is dense, so draws come from a Gaussian around the centre."""
        return len(self.corners) == 0

    def project(self, z: np.ndarray) -> np.ndarray:
        """Plane coordinates (N, 2) of latent codes z (N, latent)."""
        return (np.asarray(z, np.float64) - self.centre) @ self.axes.T

    def lift(self, points: np.ndarray) -> np.ndarray:
        """Latent codes (N, latent) of plane points (N, 2): inverse PCA plus the centre."""
        return self.centre + np.asarray(points, np.float64) @ self.axes


@dataclass
class Generated:
    """Sequences decoded from drawn latent codes, and where those codes came from."""

    x: Tensor  # (n, seq_len, input_dim) on the model's device
    labels: Tensor  # (n,) on the CPU, the label each sequence was decoded with
    z: Tensor  # (n, latent)
    points: np.ndarray  # (n, 2) the drawn points in the label's PCA plane
    tiles: np.ndarray  # (n,) row of LabelTiles.corners each point was drawn in; -1 in fallback
    fallback: bool  # True: the label had no dense tile; points came from the Gaussian


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _as_labels(y, n: int) -> Tensor:
    """Integer labels (n,) on the CPU from an int or a length-n sequence."""
    y = torch.as_tensor(y).to("cpu", torch.int64).reshape(-1)
    y = y.expand(n).clone() if y.numel() == 1 else y
    if len(y) != n:
        raise ValueError(f"{n} sequences but {len(y)} labels")
    return y


def encode_windows(model: nn.Module, x, y, batch_size: int = 256, use_mean: bool = False,
                   seed: int = 0, eps: Tensor | None = None) -> Tensor:
    """Latent codes (N, latent) of windows x (N, T, D) encoded with their labels y (N,).

    By default z is sampled, as in the published code: z = mean + exp(logvar / 2) * eps, with
    eps (N, latent) given, or drawn for all N windows at once from a generator seeded by
    `seed` (torch's global generator is left alone). use_mean=True returns the posterior
    means instead (deterministic).
    """
    x = torch.as_tensor(x)
    y = _as_labels(y, len(x))
    device = _device(model)
    if eps is None and not use_mean:
        latent = model.config.latent_dim
        eps = torch.randn((len(x), latent), generator=torch.Generator().manual_seed(seed))
    codes = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):  # a loop over batches, not windows
            xb = x[start:start + batch_size].to(device, torch.float32)  # (B, T, D)
            _, mean, logvar = model.encode(xb, y[start:start + batch_size].to(device))
            if not use_mean:
                noise = eps[start:start + batch_size].to(device, mean.dtype)  # (B, latent)
                mean = mean + torch.exp(0.5 * logvar) * noise
            codes.append(mean)
    return torch.cat(codes)


def posterior_params(model: nn.Module, x, y, batch_size: int = 256) -> Tensor:
    """[mean | logvar] (N, 2 latent) of q(z|x,y) for windows x (N, T, D) with labels y (N,).

    The encoder is deterministic: codes with any noise eps are sample_codes(params, eps), the
    same floats as encode_windows(..., eps=eps) gives.
    """
    x = torch.as_tensor(x)
    y = _as_labels(y, len(x))
    device = _device(model)
    with torch.no_grad():
        return torch.cat([
            torch.cat(model.encode(x[s:s + batch_size].to(device, torch.float32),
                                   y[s:s + batch_size].to(device))[1:], dim=1)
            for s in range(0, len(x), batch_size)
        ])


def sample_codes(params: Tensor, eps: Tensor) -> Tensor:
    """z = mean + exp(logvar / 2) * eps (N, latent) from [mean | logvar] (N, 2 latent)."""
    mean, logvar = params.chunk(2, dim=1)
    return mean + torch.exp(0.5 * logvar) * eps.to(mean.device, mean.dtype)


def decode(model: nn.Module, z: Tensor, y, batch_size: int = 256) -> Tensor:
    """Sequences (N, seq_len, input_dim) decoded from z (N, latent) under labels y (int or N)."""
    y = _as_labels(y, len(z))
    device = _device(model)
    with torch.no_grad():
        return torch.cat([
            model.sample(z[s:s + batch_size].to(device), y[s:s + batch_size].to(device))
            for s in range(0, len(z), batch_size)
        ])


def fit_plane(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre (latent,), top-2 principal axes (2, latent) and their stds (2,) of z (N, latent).

    This is the exact PCA (sklearn's svd_solver="full", same signs). The published code used
    sklearn's default, which picks a randomized solver for these shapes, unseeded.
    """
    centre = z.mean(axis=0)
    zc = z - centre  # (N, latent)
    # eigh of the (latent, latent) scatter matrix is far cheaper than an SVD of (N, latent).
    eigval, eigvec = np.linalg.eigh(zc.T @ zc)  # ascending eigenvalues
    axes = eigvec[:, ::-1][:, :2].T  # (2, latent), largest variance first
    stds = np.sqrt(np.clip(eigval[::-1][:2], 0.0, None) / (len(z) - 1))
    # sklearn's svd_flip convention: each axis's largest-magnitude entry is positive, so the
    # same codes always give the same plane.
    signs = np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])
    return centre, axes * signs[:, None], stds


def tile_counts(points: np.ndarray, own: np.ndarray, tile_size: float,
                grid_bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Points per tile, (own, all) each (n_side, n_side) indexed [column, row].

    points (N, 2) are plane coordinates and own (N,) marks the label's points. Tile (i, j)
    is [-b + i s, -b + (i+1) s) x [-b + j s, -b + (j+1) s); points outside the grid are
    ignored. n_side = ceil(2 b / s), so the last tile may reach past +b.
    """
    n_side = int(np.ceil(2 * grid_bound / tile_size - 1e-9))
    cell = np.floor((points + grid_bound) / tile_size)  # (N, 2), float so huge values stay safe
    inside = ((cell >= 0) & (cell < n_side)).all(axis=1)
    flat = (cell[:, 0] * n_side + cell[:, 1]).astype(np.int64)  # (N,) only used where inside
    total = np.bincount(flat[inside], minlength=n_side**2)
    mine = np.bincount(flat[inside & own], minlength=n_side**2)
    return mine.reshape(n_side, n_side), total.reshape(n_side, n_side)


def published_tile_counts(points: np.ndarray, tile_size: float,
                          grid_bound: float) -> np.ndarray:
    """One label's own points per tile of its own grid, (n_side, n_side) indexed [column, row].

    The reference code's grid: column i is the open interval (-b + i s, -b + (i+1) s) of x, row
    j the open interval (-b + (j+1) s, -b + (j+2) s) of y; a point on an edge counts nowhere.
    """
    n_side = int(np.ceil(2 * grid_bound / tile_size - 1e-9))
    u = (points[:, 0] + grid_bound) / tile_size  # (N,) column coordinate
    v = (points[:, 1] + grid_bound - tile_size) / tile_size  # (N,) row coordinate
    cell = np.floor(np.stack([u, v], axis=1))  # (N, 2)
    inside = ((cell >= 0) & (cell < n_side)).all(axis=1)
    inside &= (u != cell[:, 0]) & (v != cell[:, 1])  # exactly on a tile edge: nowhere
    flat = (cell[:, 0] * n_side + cell[:, 1]).astype(np.int64)
    return np.bincount(flat[inside], minlength=n_side**2).reshape(n_side, n_side)


def _published_tiles(z: np.ndarray, labels: np.ndarray, s: TileSettings) -> list[LabelTiles]:
    """Every label's dense tiles under the reference code's rule (see the module docstring)."""
    planes, counts = [], []
    for k in range(s.n_labels):
        own = z[labels == k]
        centre, axes, scales = fit_plane(own)
        planes.append((centre, axes, scales))
        counts.append(published_tile_counts((own - centre) @ axes.T, s.tile_sizes[k],
                                            s.grid_bound))
    side = max(len(c) for c in counts)
    total = np.zeros((side, side), np.int64)  # every label's count at the same (i, j) index
    for c in counts:
        total[:len(c), :len(c)] += c
    tiles = []
    for k, (mine, (centre, axes, scales)) in enumerate(zip(counts, planes)):
        share = mine / np.maximum(total[:len(mine), :len(mine)], 1)
        size = s.tile_sizes[k]
        dense = (share > s.density_thresholds[k]) & (mine > s.min_counts[k])
        cols, rows = np.nonzero(dense)
        corners = np.stack([-s.grid_bound + size * cols, -s.grid_bound + size * (rows + 1)],
                           axis=1).astype(np.float64)
        tiles.append(_report(LabelTiles(
            label=k, centre=centre, axes=axes, scales=scales, tile_size=size, corners=corners,
            counts=mine[cols, rows], shares=share[cols, rows], n_points=int((labels == k).sum()),
        ), mine, share, s))
    return tiles


def _label_tiles(z: np.ndarray, labels: np.ndarray, k: int, s: TileSettings) -> LabelTiles:
    """Label k's plane, and the tiles where it holds enough of ALL labels' points."""
    own = labels == k
    centre, axes, scales = fit_plane(z[own])
    size = s.tile_sizes[k]
    mine, total = tile_counts((z - centre) @ axes.T, own, size, s.grid_bound)
    share = mine / np.maximum(total, 1)  # empty tiles get share 0
    dense = (share > s.density_thresholds[k]) & (mine > s.min_counts[k])
    cols, rows = np.nonzero(dense)
    tiles = LabelTiles(
        label=k, centre=centre, axes=axes, scales=scales, tile_size=size,
        corners=-s.grid_bound + size * np.stack([cols, rows], axis=1).astype(np.float64),
        counts=mine[cols, rows], shares=share[cols, rows], n_points=int(own.sum()),
    )
    return _report(tiles, mine, share, s)


def _report(tiles: LabelTiles, mine: np.ndarray, share: np.ndarray,
            s: TileSettings) -> LabelTiles:
    """Log a label's dense tiles, or why it falls back to its Gaussian; returns the tiles."""
    k, size = tiles.label, tiles.tile_size
    scales = tiles.scales
    if tiles.fallback:
        i, j = np.unravel_index(mine.argmax(), mine.shape)
        log.warning(
            "label %d: no tile of side %g holds a share above %g with more than %d of its %d "
            "points (fullest tile: %d points, share %.2f), so its conditional samples are "
            "drawn around its centre, from a Gaussian with its 2-D PCA stds (%.3g, %.3g)",
            k, size, s.density_thresholds[k], s.min_counts[k], tiles.n_points, mine[i, j],
            share[i, j], scales[0], scales[1],
        )
    else:
        log.info("label %d: %d dense tiles of side %g holding %d of its %d points (%s rule)", k,
                 len(tiles.corners), size, int(tiles.counts.sum()), tiles.n_points, s.rule)
    return tiles


def find_dense_tiles(z, labels, settings: TileSettings = TileSettings()) -> list[LabelTiles]:
    """Each label's PCA plane and dense tiles, from codes z (N, latent) and labels (N,)."""
    z = np.asarray(torch.as_tensor(z).detach().cpu(), np.float64)
    labels = _as_labels(labels, len(z)).numpy()
    n_labels = settings.n_labels
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"need latent codes (N, latent >= 2) for a 2-D PCA, got {z.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_labels):
        raise ValueError(f"labels must lie in [0, {n_labels}), got {labels.min()}..{labels.max()}")
    per_label = np.bincount(labels, minlength=n_labels)
    for k, n in enumerate(per_label):
        if n < MIN_WINDOWS_PER_LABEL:
            raise ValueError(
                f"label {k} has {n} labelled windows; fitting its 2-D PCA for conditional "
                f"generation needs at least {MIN_WINDOWS_PER_LABEL}"
            )
    if settings.rule == "published":
        return _published_tiles(z, labels, settings)
    return [_label_tiles(z, labels, k, settings) for k in range(n_labels)]


def draw_plane_points(tiles: LabelTiles, n: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, 2) in a label's plane, uniform in random dense tiles, and their tiles (n,).

    Without dense tiles, points are N(0, diag(scales^2)) around the centre, tiles all -1.
    """
    if tiles.fallback:
        return rng.standard_normal((n, 2)) * tiles.scales, np.full(n, -1)
    which = rng.integers(len(tiles.corners), size=n)  # a dense tile per point, uniformly
    return tiles.corners[which] + rng.random((n, 2)) * tiles.tile_size, which


def generate_conditional(model: nn.Module, tiles: Sequence[LabelTiles], label: int, n: int,
                         rng: int | np.random.Generator = 0,
                         batch_size: int = 256) -> Generated:
    """n sequences for `label`, decoded from points drawn in its dense tiles (see module doc)."""
    t = tiles[label]
    rng = np.random.default_rng(rng)
    points, which = draw_plane_points(t, n, rng)
    z = torch.as_tensor(t.lift(points), dtype=torch.float32, device=_device(model))
    labels = torch.full((n,), label, dtype=torch.int64)
    return Generated(x=decode(model, z, labels, batch_size), labels=labels, z=z, points=points,
                     tiles=which, fallback=t.fallback)


def prior_codes(model: nn.Module, labels, seed: int = 0) -> Tensor:
    """Codes (n, latent) drawn from the model's prior p(z|y) for labels (n,), seeded.

    N(0, I) as published, whatever the labels; under latent_prior="learned", each label's
    Gaussian (PirouNet.sample_prior) from the same standard-normal draws; under "mixture",
    each label's fitted mixture (model/mixture.py), its components picked by uniform draws
    made after the normal ones.
    """
    labels = _as_labels(labels, len(torch.as_tensor(labels).reshape(-1)))
    gen = torch.Generator().manual_seed(seed)
    eps = torch.randn((len(labels), model.config.latent_dim), generator=gen)  # (n, latent)
    if getattr(model, "mixture", None) is not None:
        u = torch.rand(len(labels), generator=gen)  # (n,) picks each code's component
        return model.mixture.sample(labels, eps, u).cpu()
    if not getattr(model, "learned_prior", False):
        return eps
    with torch.no_grad():
        return model.sample_prior(labels.to(_device(model)), eps.to(_device(model))).cpu()


def generate_random(model: nn.Module, n: int, labels, seed: int = 0,
                    batch_size: int = 256) -> Tensor:
    """The paper's random generation: n sequences decoded from z ~ p(z|y) with the labels.

    labels is one int for all n sequences, or n ints; p(z|y) is N(0, I) unless the model
    learned its prior or fitted a mixture (latent_prior="learned" or "mixture").
    """
    labels = _as_labels(labels, n)
    return decode(model, prior_codes(model, labels, seed), labels, batch_size)


def label_swap(model: nn.Module, z: Tensor, batch_size: int = 256) -> Tensor:
    """Each code of z (n, latent) decoded with every label: (K, n, seq_len, input_dim)."""
    k = model.config.label_dim
    x = decode(model, z.repeat(k, 1), torch.arange(k).repeat_interleave(len(z)), batch_size)
    return x.reshape(k, len(z), *x.shape[1:])


def reconstruct(model: nn.Module, x, y, batch_size: int = 256, use_mean: bool = False,
                seed: int = 0) -> Tensor:
    """Encode windows x (N, T, D) with labels y and decode them again: (N, T, D)."""
    z = encode_windows(model, x, y, batch_size, use_mean, seed)
    return decode(model, z, y, batch_size)


def entanglement_distances(model: nn.Module, n_draws: int = 30, seed: int = 0,
                           batch_size: int = 256, distance: str = "per_marker") -> np.ndarray:
    """Distances (n_draws, K(K-1)/2) between one z ~ p(z) decoded with each pair of labels.

    z is drawn from the model's prior (prior_codes; N(0, I) as published), the draws' labels
    taking turns.

    Columns are the label pairs in np.triu_indices order, (0, 1), (0, 2), (1, 2) for K = 3.
    distance="per_marker" (default): the mean over frames and markers of the Euclidean distance
    between the two decoded positions of a marker (the AJD of the pair); 0 means the label is
    ignored. distance="frobenius" (the reference code): the Frobenius norm of the whole
    difference of the two decoded sequences (T, D), about 50x the per-marker mean.
    """
    if distance not in ENTANGLEMENT_DISTANCES:
        raise ValueError(f"distance must be one of {ENTANGLEMENT_DISTANCES}, got {distance!r}")
    k = model.config.label_dim
    z = prior_codes(model, torch.arange(n_draws) % k, seed)  # (n, latent)
    x = label_swap(model, z, batch_size).cpu().numpy().astype(np.float64)  # (K, n, T, D)
    x = x.reshape(k, n_draws, x.shape[2], -1, 3)  # (K, n, T, markers, 3)
    i, j = np.triu_indices(k, 1)
    diff = x[i] - x[j]  # (pairs, n, T, markers, 3)
    if distance == "frobenius":
        dist = np.sqrt((diff ** 2).sum(axis=(2, 3, 4)))  # (pairs, n)
    else:
        dist = np.linalg.norm(diff, axis=-1).mean(axis=(2, 3))  # (pairs, n)
    return dist.T
