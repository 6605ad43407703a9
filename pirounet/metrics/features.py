"""Network-free motion features and the kinetic / geometric FIDs built on them.

Following Bailando and AIST++, a generated set and a real set are each turned into
hand-made per-sequence features, both are z-scored with the REAL set's mean and std, and
the Fréchet distance is taken between the two feature Gaussians. No trained classifier is
involved, so the numbers are comparable across runs and checkpoints.

Kinetic features (AIST++ "FID_k"), per marker m, with v, a by finite differences:
    <|v_xy|²>_t   mean horizontal kinetic energy (unit mass, no ½)
    <v_z²>_t      mean vertical kinetic energy
    <|a|>_t       mean energy expenditure (acceleration magnitude)
    -> (N, 159) ordered marker-major, names in KINETIC_FEATURE_NAMES. AIST++ smooths v
    over a small sliding window; here v and a are plain differences.

Geometric features (a documented stand-in for the Müller boolean features of "FID_g"):
per frame, 24 descriptors of body points (means of marker groups, see _POINTS) that do
not change under horizontal translation or rotation about the vertical (z) axis:
    9 distances  hands/feet/head to the pelvis, hand-hand, foot-foot, each hand-head
    8 angles     elbows, knees, shoulders (hip-shoulder-elbow), hips (shoulder-hip-knee)
    6 heights    head, pelvis, hands, feet above the frame's lowest marker (z is up)
    1 angle      trunk inclination of pelvis->neck from the vertical
and their mean and std over the sequence -> (N, 48), names in GEOMETRIC_FEATURE_NAMES.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pirounet.metrics.distribution import activation_statistics, frechet_distance
from pirounet.metrics.kinematics import FPS, acceleration, velocity
from pirounet.skeleton import MARKERS, as_markers, group_matrix

KINETIC_FEATURE_NAMES: tuple[str, ...] = tuple(
    f"{m}/{kind}" for m in MARKERS for kind in ("ke_horizontal", "ke_vertical", "energy_exp")
)

# Body points: each is the mean of a group of markers.
_POINTS: dict[str, tuple[str, ...]] = {
    "pelvis": ("LFWT", "RFWT", "LBWT", "RBWT"),
    "neck": ("CLAV", "C7"),
    "head": ("LFHD", "RFHD", "LBHD", "RBHD"),
    **{f"{s}hip": (f"{s}FWT", f"{s}BWT") for s in "LR"},
    **{f"{s}shoulder": (f"{s}FSH", f"{s}BSH") for s in "LR"},
    **{f"{s}elbow": (f"{s}ELB", f"{s}IEL") for s in "LR"},
    **{f"{s}wrist": (f"{s}OWR", f"{s}IWR") for s in "LR"},
    **{f"{s}hand": (f"{s}IHAND", f"{s}OHAND") for s in "LR"},
    **{f"{s}knee": (f"{s}KNE", f"{s}KNI") for s in "LR"},
    **{f"{s}ankle": (f"{s}ANK",) for s in "LR"},
    **{f"{s}foot": (f"{s}HEL", f"{s}TOE") for s in "LR"},
}
_POINT_NAMES = tuple(_POINTS)
_POINT_MATRIX = group_matrix(_POINTS, np.float64)  # (P, 53) averaging matrix

_DISTANCES = (
    ("Lhand", "pelvis"), ("Rhand", "pelvis"), ("Lfoot", "pelvis"), ("Rfoot", "pelvis"),
    ("head", "pelvis"), ("Lhand", "Rhand"), ("Lfoot", "Rfoot"), ("Lhand", "head"),
    ("Rhand", "head"),
)
_ANGLES = tuple(  # (a, vertex, c): the angle at the vertex
    (f"{s}{a}", f"{s}{b}", f"{s}{c}")
    for a, b, c in (
        ("shoulder", "elbow", "wrist"), ("hip", "knee", "ankle"),
        ("hip", "shoulder", "elbow"), ("shoulder", "hip", "knee"),
    )
    for s in "LR"
)
_HEIGHTS = ("head", "pelvis", "Lhand", "Rhand", "Lfoot", "Rfoot")


def _idx(names) -> np.ndarray:
    return np.array([_POINT_NAMES.index(n) for n in names])


_DIST_IDX = _idx(p for p, _ in _DISTANCES), _idx(q for _, q in _DISTANCES)  # 2 x (9,)
_ANGLE_IDX = tuple(_idx(t[i] for t in _ANGLES) for i in range(3))  # ends, vertex, other
_HEIGHT_IDX = _idx(_HEIGHTS)  # (6,)
_TRUNK_IDX = _idx(["neck", "pelvis"])  # (2,)

_FRAME_FEATURE_NAMES = (
    tuple(f"dist/{a}-{b}" for a, b in _DISTANCES)
    + tuple(f"angle/{b}" for _, b, _ in _ANGLES)
    + tuple(f"height/{p}" for p in _HEIGHTS)
    + ("angle/trunk_inclination",)
)
GEOMETRIC_FEATURE_NAMES: tuple[str, ...] = tuple(
    f"{stat}/{name}" for stat in ("mean", "std") for name in _FRAME_FEATURE_NAMES
)


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in radians between vectors (..., 3); pi/2 when either has zero length."""
    cos = np.sum(u * v, axis=-1) / np.maximum(
        np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-12
    )
    return np.arccos(np.clip(cos, -1.0, 1.0))


def kinetic_features(seqs: np.ndarray, fps: float = FPS) -> np.ndarray:
    """AIST++-style kinetic features (N, 159) of sequences (N, T, 159) or (N, T, 53, 3)."""
    vel = velocity(seqs, fps)  # (N, T-1, 53, 3)
    ke_horizontal = np.mean(np.sum(vel[..., :2] ** 2, axis=-1), axis=-2)  # (N, 53)
    ke_vertical = np.mean(vel[..., 2] ** 2, axis=-2)  # (N, 53)
    energy = np.mean(np.linalg.norm(acceleration(seqs, fps), axis=-1), axis=-2)  # (N, 53)
    feats = np.stack([ke_horizontal, ke_vertical, energy], axis=-1)  # (N, 53, 3)
    return feats.reshape(*feats.shape[:-2], -1).astype(np.float64)


def _frame_geometry(markers: np.ndarray) -> np.ndarray:
    """Per-frame descriptors (..., 24) of marker poses (..., 53, 3)."""
    points = _POINT_MATRIX @ markers  # (..., P, 3); matmul is ~10x faster than einsum here
    a, b = _DIST_IDX
    dists = np.linalg.norm(points[..., a, :] - points[..., b, :], axis=-1)  # (..., 9)
    ends, vertex, other = _ANGLE_IDX
    centre = points[..., vertex, :]
    angles = _angle(points[..., ends, :] - centre, points[..., other, :] - centre)  # (..., 8)
    floor = markers[..., 2].min(axis=-1, keepdims=True)  # (..., 1) lowest marker per frame
    heights = points[..., _HEIGHT_IDX, 2] - floor  # (..., 6)
    neck, pelvis = _TRUNK_IDX
    trunk = points[..., neck, :] - points[..., pelvis, :]  # (..., 3)
    incline = _angle(trunk, np.array([0.0, 0.0, 1.0]))[..., None]  # (..., 1)
    return np.concatenate([dists, angles, heights, incline], axis=-1)


def geometric_features(seqs: np.ndarray) -> np.ndarray:
    """Mean and std over time of 24 per-frame pose descriptors: (N, 48) for (N, T, 159)."""
    frames = _frame_geometry(as_markers(seqs))  # (N, T, 24)
    return np.concatenate([frames.mean(axis=-2), frames.std(axis=-2)], axis=-1)


def feature_normalizer(
    real_features: np.ndarray, eps: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Z-score parameters (mean (F,), std + eps (F,)) of real features (N, F), as Bailando."""
    real_features = np.asarray(real_features, np.float64)
    return real_features.mean(axis=0), real_features.std(axis=0) + eps


@dataclass
class FeatureReference:
    """Real features z-scored by their own mean and std, as Gaussian statistics.

    Build it once for a real set, then score any number of generated sets against it.
    """

    mean: np.ndarray  # (F,)
    std: np.ndarray  # (F,) std + eps
    stats: tuple[np.ndarray, np.ndarray]  # mean (F,) and covariance (F, F) of z-scored reals

    @classmethod
    def of(cls, real_features: np.ndarray) -> FeatureReference:
        """The reference of real features (N, F)."""
        real_features = np.asarray(real_features, np.float64)
        mean, std = feature_normalizer(real_features)
        return cls(mean, std, activation_statistics((real_features - mean) / std))

    def fid(self, gen_features: np.ndarray) -> float:
        """Fréchet distance of gen features (N, F), z-scored with the real stats, to the reals."""
        gen = (np.asarray(gen_features, np.float64) - self.mean) / self.std
        return frechet_distance(*activation_statistics(gen), *self.stats)


def feature_fid(gen_features: np.ndarray, real_features: np.ndarray) -> float:
    """Fréchet distance of gen and real features (N, F), both z-scored with the real stats."""
    return FeatureReference.of(real_features).fid(gen_features)


def kinetic_fid(gen: np.ndarray, real: np.ndarray, fps: float = FPS) -> float:
    """FID_k between generated and real sequences (N, T, 159) from kinetic features."""
    return feature_fid(kinetic_features(gen, fps), kinetic_features(real, fps))


def geometric_fid(gen: np.ndarray, real: np.ndarray) -> float:
    """FID_g between generated and real sequences (N, T, 159) from geometric features."""
    return feature_fid(geometric_features(gen), geometric_features(real))
