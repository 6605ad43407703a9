"""Dense-tile search on a hand-made latent set, its fallback and errors, and generation shapes."""
import logging

import numpy as np
import pytest
import torch

from pirounet.systems.pirounet.generation import (
    TileSettings,
    decode,
    encode_windows,
    entanglement_distances,
    find_dense_tiles,
    fit_plane,
    generate_conditional,
    generate_random,
    reconstruct,
)
from pirounet.systems.pirounet.model import ModelConfig, PirouNet

pytestmark = pytest.mark.usefixtures("one_thread")


# Small tiles so the hand-made clusters are easy to read: label 2 uses tiles twice as big.
SETTINGS = TileSettings(grid_bound=4.0, tile_sizes=(0.5, 0.5, 1.0),
                        density_thresholds=(0.8, 0.75, 0.75), min_counts=(3, 3, 1))

# Clusters in the first quadrant: (centre of a 0.5 tile, {label: points}). Every point sits at
# the centre of a 0.5 tile, which also lies inside one 1.0 tile.
CLUSTERS = [
    ((1.25, 0.25), {0: 4}),  # label 0: 4 > 3 points, share 1 -> dense
    ((2.25, 0.75), {0: 3}),  # label 0: exactly 3 points -> NOT dense (needs more than 3)
    ((1.75, 1.25), {0: 4, 1: 1}),  # label 0: share 4/5 = 0.8, not above 0.8 -> NOT dense
    ((2.75, 1.75), {0: 5, 1: 1}),  # label 0: share 5/6 > 0.8 -> dense
    ((0.75, 2.25), {1: 3, 0: 1}),  # label 1: share 3/4 = 0.75, not above -> NOT dense
    ((0.25, 2.75), {1: 4, 2: 1}),  # label 1: 4 > 3 points, share 0.8 > 0.75 -> dense
    ((3.25, 3.25), {2: 2}),  # label 2: 2 > 1 points, share 1 -> dense
    ((3.25, 2.25), {2: 1}),  # label 2: exactly 1 point -> NOT dense
    # Label 2 counts on its 1.0 tiles, where these two 0.5 tiles merge:
    ((2.25, 3.25), {2: 3}), ((2.75, 3.75), {0: 1}),  # share 3/4 = 0.75 -> NOT dense
    ((1.25, 3.25), {2: 4}), ((1.75, 3.75), {0: 1}),  # share 4/5 > 0.75 -> dense
]
# Lower-left corners of the dense tiles in the first quadrant, per label.
DENSE = {0: [(1.0, 0.0), (2.5, 1.5)], 1: [(0.0, 2.5)], 2: [(3.0, 3.0), (1.0, 3.0)]}
MIRRORS = np.array([(1, 1), (-1, 1), (1, -1), (-1, -1)])


def hand_made_latents() -> tuple[np.ndarray, np.ndarray]:
    """2-D codes whose per-label PCA is exactly the identity: z (N, 2), labels (N,).

    Each cluster is mirrored into the four quadrants, so every label has mean 0 and a
    diagonal covariance; points far out on the x axis (outside the grid) make x the first
    principal axis.
    """
    z, y = [], []
    for centre, per_label in CLUSTERS:
        for label, n in per_label.items():
            z += [np.asarray(centre) * m for m in MIRRORS for _ in range(n)]
            y += [label] * (4 * n)
    for label in range(3):
        z += [(20.0, 0.0), (-20.0, 0.0)] * 2
        y += [label] * 4
    return np.array(z), np.array(y)


def expected_corners(label: int, corners=None) -> set[tuple[float, float]]:
    """First-quadrant tile corners (default: DENSE) mirrored into the four quadrants."""
    size = SETTINGS.tile_sizes[label]
    corners = DENSE[label] if corners is None else corners
    centres = [np.add(c, size / 2) * m for c in corners for m in MIRRORS]
    return {tuple(np.round(c - size / 2, 6)) for c in centres}


def tiny_model(latent_dim: int = 2) -> PirouNet:
    torch.manual_seed(0)
    return PirouNet(ModelConfig(h_dim=8, n_layers=2, latent_dim=latent_dim, h_dim_classif=8,
                                n_layers_classif=1))


def test_hand_made_planes_are_the_identity():
    z, y = hand_made_latents()
    for label in range(3):
        centre, axes, _ = fit_plane(z[y == label])
        np.testing.assert_allclose(centre, 0.0, atol=1e-12)
        np.testing.assert_allclose(axes, np.eye(2), atol=1e-12)


def test_dense_tiles_match_the_hand_count():
    z, y = hand_made_latents()
    tiles = find_dense_tiles(z, y, SETTINGS)
    for label in range(3):
        found = {tuple(np.round(c, 6)) for c in tiles[label].corners}
        assert found == expected_corners(label), label
        assert not tiles[label].fallback
    assert sorted(tiles[0].counts) == [4] * 4 + [5] * 4
    np.testing.assert_allclose(sorted(set(tiles[0].shares)), [5 / 6, 1.0])


def test_every_labels_points_are_counted_in_the_labels_own_plane():
    # Label 0's tile at (1.5, 1.0) holds 4 of its points and 1 of label 1 (share 0.8, sparse).
    # Moving every label-1 code far away takes that point out of label 0's plane, so the tile
    # turns dense; label 1's own plane moves along, so its tiles stay the same.
    z, y = hand_made_latents()
    z[y == 1] += 100.0
    tiles = find_dense_tiles(z, y, SETTINGS)
    found = {tuple(np.round(c, 6)) for c in tiles[0].corners}
    assert found == expected_corners(0, DENSE[0] + [(1.5, 1.0)])
    assert {tuple(np.round(c, 6)) for c in tiles[1].corners} == expected_corners(1)
    np.testing.assert_allclose(tiles[1].centre, 100.0, atol=1e-9)
    assert np.all(tiles[1].shares == 1.0)


def test_samples_lie_inside_dense_tiles():
    z, y = hand_made_latents()
    tiles = find_dense_tiles(z, y, SETTINGS)
    model = tiny_model()
    for label in range(3):
        out = generate_conditional(model, tiles, label, 50, rng=label)
        t = tiles[label]
        assert out.x.shape == (50, 40, 159) and not out.fallback
        assert (out.labels == label).all()
        lower = t.corners[out.tiles]  # (50, 2)
        assert np.all((out.points >= lower) & (out.points < lower + t.tile_size))
        # The decoded codes map back to the same points in the label's plane.
        np.testing.assert_allclose(t.project(out.z.numpy()), out.points, atol=1e-5)


def test_draws_are_reproducible_from_the_seed():
    z, y = hand_made_latents()
    tiles = find_dense_tiles(z, y, SETTINGS)
    model = tiny_model()
    a, b = (generate_conditional(model, tiles, 0, 5, rng=3) for _ in range(2))
    np.testing.assert_array_equal(a.points, b.points)
    torch.testing.assert_close(a.x, b.x)


def test_fallback_without_dense_tiles(caplog):
    z, y = hand_made_latents()
    strict = TileSettings(4.0, (0.5, 0.5, 1.0), (0.8, 0.75, 0.75), (3, 3, 100))
    with caplog.at_level(logging.WARNING, logger="pirounet.systems.pirounet.generation"):
        tiles = find_dense_tiles(z, y, strict)
    assert tiles[2].fallback and not tiles[0].fallback
    assert "label 2: no tile" in caplog.text and "label 0" not in caplog.text
    out = generate_conditional(tiny_model(), tiles, 2, 7, rng=0)
    assert out.fallback and out.x.shape == (7, 40, 159) and (out.tiles == -1).all()
    assert np.isfinite(out.x.numpy()).all()


@pytest.mark.parametrize("count", [0, 2])
def test_too_few_windows_for_a_label(count):
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(10, int), np.ones(count, int), np.full(10, 2)]
    z = rng.normal(size=(len(y), 4))
    with pytest.raises(ValueError, match=f"label 1 has {count} labelled windows"):
        find_dense_tiles(z, y)


def test_default_settings_on_encoded_windows():
    model = tiny_model(latent_dim=6)
    x = 0.1 * torch.randn(60, 40, 159)
    y = torch.arange(60) % 3
    z = encode_windows(model, x, y, batch_size=16)
    assert z.shape == (60, 6)
    torch.testing.assert_close(z, encode_windows(model, x, y, batch_size=60))  # same eps
    mean = encode_windows(model, x, y, use_mean=True)
    torch.testing.assert_close(mean, model.encode(x, y)[1])
    tiles = find_dense_tiles(z, y.numpy(), TileSettings())
    assert [t.axes.shape for t in tiles] == [(2, 6)] * 3
    out = generate_conditional(model, tiles, 1, 4)
    assert out.x.shape == (4, 40, 159) and out.z.shape == (4, 6)


def test_random_reconstruction_and_entanglement_shapes():
    model = tiny_model(latent_dim=4)
    assert generate_random(model, 5, 2).shape == (5, 40, 159)
    assert generate_random(model, 3, [0, 1, 2], seed=1).shape == (3, 40, 159)
    with pytest.raises(ValueError, match="3 sequences but 2 labels"):
        generate_random(model, 3, [0, 1])
    x, y = 0.1 * torch.randn(7, 40, 159), torch.tensor([0, 1, 2, 0, 1, 2, 0])
    assert reconstruct(model, x, y, batch_size=3).shape == (7, 40, 159)
    dist = entanglement_distances(model, n_draws=6, seed=0)
    assert dist.shape == (6, 3) and np.all(dist >= 0)
    # Column 0 is labels (0, 1): recompute the first draw by hand.
    z = torch.randn((6, 4), generator=torch.Generator().manual_seed(0))[:1]
    a, b = decode(model, z, 0).numpy(), decode(model, z, 1).numpy()
    by_hand = np.linalg.norm((a - b).reshape(40, 53, 3), axis=-1).mean()
    np.testing.assert_allclose(dist[0, 0], by_hand, rtol=1e-5)
