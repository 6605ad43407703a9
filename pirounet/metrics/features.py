"""Network-free motion features and the kinetic / geometric FIDs built on them.

Following Bailando and AIST++, a generated set and a real set are each turned into
hand-made per-sequence features, both are z-scored with the REAL set's mean and std, and
the Fréchet distance is taken between the two feature Gaussians. No trained classifier is
involved, so the numbers are comparable across runs and checkpoints.

Every feature takes a skeleton (VICON_53 by default: 53 markers in 3-D, z up; OPENPOSE_15:
15 joints in 2-D, y up); "vertical" is the skeleton's up axis and "horizontal" the others.

Kinetic features (AIST++ "FID_k"), per joint j, with v, a by finite differences:
    <|v_horizontal|²>_t  mean horizontal kinetic energy (unit mass, no ½)
    <v_up²>_t            mean vertical kinetic energy
    <|a|>_t              mean energy expenditure (acceleration magnitude)
    -> (N, 3 J) ordered joint-major: (N, 159) for VICON_53, (N, 45) for OPENPOSE_15; names
    from kinetic_feature_names(skeleton). AIST++ smooths v over a small sliding window;
    here v and a are plain differences.

Geometric features (a documented stand-in for the Müller boolean features of "FID_g"):
per frame, 24 descriptors of the skeleton's body points (skeleton.body: joint-group means)
that do not change under horizontal translation (nor, in 3-D, rotation about the vertical):
    9 distances  hands/feet/head to the pelvis, hand-hand, foot-foot, each hand-head
    8 angles     elbows, knees, shoulders (hip-shoulder-elbow), hips (shoulder-hip-knee)
    6 heights    head, pelvis, hands, feet above the frame's lowest joint (along skeleton.up)
    1 angle      trunk inclination of pelvis->neck from the vertical
and their mean and std over the sequence -> (N, 48) for any skeleton, names in
GEOMETRIC_FEATURE_NAMES. OPENPOSE_15 has no hand or foot joints: its body points put the
hands on the wrists and the feet on the ankles, so there the wrist-hand features coincide.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from pirounet.metrics.distribution import activation_statistics, frechet_distance
from pirounet.metrics.kinematics import acceleration, velocity
from pirounet.skeletons import BODY_POINTS, VICON_53, Skeleton

_KINETIC_KINDS = ("ke_horizontal", "ke_vertical", "energy_exp")


def kinetic_feature_names(skeleton: Skeleton = VICON_53) -> tuple[str, ...]:
    """Names (3 J,) of the kinetic features, joint-major: "<joint>/<kind>"."""
    return tuple(f"{j}/{kind}" for j in skeleton.joints for kind in _KINETIC_KINDS)


KINETIC_FEATURE_NAMES: tuple[str, ...] = kinetic_feature_names(VICON_53)  # the 159 of VICON_53

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

_FRAME_FEATURE_NAMES = (
    tuple(f"dist/{a}-{b}" for a, b in _DISTANCES)
    + tuple(f"angle/{b}" for _, b, _ in _ANGLES)
    + tuple(f"height/{p}" for p in _HEIGHTS)
    + ("angle/trunk_inclination",)
)
GEOMETRIC_FEATURE_NAMES: tuple[str, ...] = tuple(
    f"{stat}/{name}" for stat in ("mean", "std") for name in _FRAME_FEATURE_NAMES
)


@dataclass(frozen=True)
class _BodyGeometry:
    """A skeleton's body-point averaging matrix and the descriptors' indices into its points."""

    matrix: np.ndarray  # (P, J) float64: body points (..., P, D) = matrix @ joints (..., J, D)
    dist: tuple[np.ndarray, np.ndarray]  # 2 x (9,): the two ends of each distance
    angle: tuple[np.ndarray, np.ndarray, np.ndarray]  # 3 x (8,): end, vertex, other end
    height: np.ndarray  # (6,)
    trunk: tuple[int, int]  # neck, pelvis
    up: int  # the vertical axis
    vertical: np.ndarray  # (D,) unit vector along the vertical axis


@cache
def _geometry(skeleton: Skeleton) -> _BodyGeometry:
    """The body geometry of a skeleton, built once per skeleton (keyed by identity)."""
    skeleton.require(BODY_POINTS, "the geometric features")
    names = tuple(skeleton.body)

    def idx(points) -> np.ndarray:
        return np.array([names.index(n) for n in points])

    return _BodyGeometry(
        matrix=skeleton.group_matrix(skeleton.body, np.float64),
        dist=(idx(p for p, _ in _DISTANCES), idx(q for _, q in _DISTANCES)),
        angle=tuple(idx(t[i] for t in _ANGLES) for i in range(3)),
        height=idx(_HEIGHTS),
        trunk=(names.index("neck"), names.index("pelvis")),
        up=skeleton.up,
        vertical=np.eye(skeleton.dims)[skeleton.up],
    )


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in radians between vectors (..., D); pi/2 when either has zero length."""
    cos = np.sum(u * v, axis=-1) / np.maximum(
        np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-12
    )
    return np.arccos(np.clip(cos, -1.0, 1.0))


def kinetic_features(
    seqs: np.ndarray, fps: float | None = None, *, skeleton: Skeleton = VICON_53
) -> np.ndarray:
    """AIST++-style kinetic features (N, 3 J) of sequences (N, T, J*D) or (N, T, J, D)."""
    vel = velocity(seqs, fps, skeleton=skeleton)  # (N, T-1, J, D)
    horizontal = [a for a in range(skeleton.dims) if a != skeleton.up]  # x, y in 3-D; x in 2-D
    ke_horizontal = np.mean(np.sum(vel[..., horizontal] ** 2, axis=-1), axis=-2)  # (N, J)
    ke_vertical = np.mean(vel[..., skeleton.up] ** 2, axis=-2)  # (N, J)
    acc = acceleration(seqs, fps, skeleton=skeleton)  # (N, T-2, J, D)
    energy = np.mean(np.linalg.norm(acc, axis=-1), axis=-2)  # (N, J)
    feats = np.stack([ke_horizontal, ke_vertical, energy], axis=-1)  # (N, J, 3)
    return feats.reshape(*feats.shape[:-2], -1).astype(np.float64)


def _frame_geometry(joints: np.ndarray, geo: _BodyGeometry) -> np.ndarray:
    """Per-frame descriptors (..., 24) of poses (..., J, D)."""
    points = geo.matrix @ joints  # (..., P, D); matmul is ~10x faster than einsum here
    a, b = geo.dist
    dists = np.linalg.norm(points[..., a, :] - points[..., b, :], axis=-1)  # (..., 9)
    ends, vertex, other = geo.angle
    centre = points[..., vertex, :]
    angles = _angle(points[..., ends, :] - centre, points[..., other, :] - centre)  # (..., 8)
    floor = joints[..., geo.up].min(axis=-1, keepdims=True)  # (..., 1) lowest joint per frame
    heights = points[..., geo.height, geo.up] - floor  # (..., 6)
    neck, pelvis = geo.trunk
    trunk = points[..., neck, :] - points[..., pelvis, :]  # (..., D)
    incline = _angle(trunk, geo.vertical)[..., None]  # (..., 1)
    return np.concatenate([dists, angles, heights, incline], axis=-1)


def geometric_features(seqs: np.ndarray, *, skeleton: Skeleton = VICON_53) -> np.ndarray:
    """Mean and std over time of 24 per-frame pose descriptors: (N, 48) for (N, T, J*D)."""
    frames = _frame_geometry(skeleton.as_joints(seqs), _geometry(skeleton))  # (N, T, 24)
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


def kinetic_fid(
    gen: np.ndarray, real: np.ndarray, fps: float | None = None, *,
    skeleton: Skeleton = VICON_53,
) -> float:
    """FID_k between generated and real sequences (N, T, J*D) from kinetic features."""
    return feature_fid(kinetic_features(gen, fps, skeleton=skeleton),
                       kinetic_features(real, fps, skeleton=skeleton))


def geometric_fid(gen: np.ndarray, real: np.ndarray, *, skeleton: Skeleton = VICON_53) -> float:
    """FID_g between generated and real sequences (N, T, J*D) from geometric features."""
    return feature_fid(geometric_features(gen, skeleton=skeleton),
                       geometric_features(real, skeleton=skeleton))
