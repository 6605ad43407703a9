"""Evaluation metrics: pure numpy functions, one per metric, shared by every evaluator.

Shapes: activations (N, F); labels (N,) ints; sequences (N, T, J*D) or (N, T, J, D) of a
Skeleton (pirounet.skeletons): (N, T, 159) / (N, T, 53, 3) for VICON_53 (the default),
(N, T, 30) / (N, T, 15, 2) for OPENPOSE_15. Every function on sequences takes the keyword
`skeleton=`, and an `fps=None` there means the skeleton's frame rate.
Random metrics take an explicit `rng` (np.random.Generator) and never seed globally.

From the paper (on the FID classifier's activations unless noted):
    fid(acts_a, acts_b)                         Fréchet distance of fitted Gaussians
    frechet_distance(mu1, sigma1, mu2, sigma2)  the same from statistics
    activation_statistics(acts)                 (mean, covariance)
    diversity(acts, n_pairs=200, rng=)          mean L2 over random pairs
    multimodality(acts, labels, n_per_label=70, rng=)  same-label pairs (ACTOR: 20)
    ajd(x, x_hat)                               mean per-joint distance (sequences)
    accuracy, balanced_accuracy, confusion_matrix(y_true, y_pred, n_classes=3, normalize=)
    bootstrap(stat_fn, n_iter, seed)            mean/std/CI of stat_fn(rng) (see stats.py)
    bootstrap_many(stats_fn, n_iter, seed)      the same for a dict of statistics
    summarize(values)                           the summary dict on its own
    iteration_rngs(n_iter, seed), summarize_runs(runs)   the pieces bootstrap_many joins

Network-free, on joint trajectories (see features.py for the exact features):
    kinetic_fid(gen, real, fps=None), geometric_fid(gen, real)
    kinetic_features(seqs, fps=None) -> (N, 3 J), geometric_features(seqs) -> (N, 48)
    kinetic_feature_names(skeleton) -> (3 J,) names
    feature_normalizer(real_features), feature_fid(gen_features, real_features)
    bone_length_variation(seqs) -> (N,), bone_length_ratio(gen, real)
    novelty(gen, train, chunk=1024) -> (N,), nearest_train_windows(gen, train, chunk)
    velocity(seqs, fps=None), acceleration(seqs, fps=None)

Music and motion (beats.py; times in seconds):
    motion_beats(poses, fps, detector)         pauses: "fact" (summed speed, order 1/6 s) |
                                               "bailando" (smoothed mean speed)
    beat_align_score(motion, music, variant)   "fact" (over motion beats) | "bailando" (over
    bas_fact(motion, music), bas_bailando(...)  music beats), sigma 3 frames at 60 fps

Typical use (compute real features once, outside the bootstrap loop):

    real_k = kinetic_features(real_seqs)
    def stats(rng):
        gen, gen_labels = generate(rng)  # (N, 40, 159), (N,)
        acts = classifier_activations(gen)
        return {"fid": fid(acts, real_acts), "diversity": diversity(acts, rng=rng),
                "fid_k": feature_fid(kinetic_features(gen), real_k)}
    report = bootstrap_many(stats, n_iter=cfg.stat_sampling_size, seed=cfg.seed)
"""
from pirounet.metrics.beats import bas_bailando, bas_fact, beat_align_score, motion_beats
from pirounet.metrics.bones import bone_length_ratio, bone_length_variation
from pirounet.metrics.classification import accuracy, balanced_accuracy, confusion_matrix
from pirounet.metrics.distribution import (
    activation_statistics,
    diversity,
    fid,
    frechet_distance,
    multimodality,
)
from pirounet.metrics.features import (
    GEOMETRIC_FEATURE_NAMES,
    KINETIC_FEATURE_NAMES,
    FeatureReference,
    feature_fid,
    feature_normalizer,
    geometric_features,
    geometric_fid,
    kinetic_feature_names,
    kinetic_features,
    kinetic_fid,
)
from pirounet.metrics.kinematics import acceleration, velocity
from pirounet.metrics.novelty import nearest_train_windows, novelty
from pirounet.metrics.reconstruction import ajd
from pirounet.metrics.stats import (bootstrap, bootstrap_many, iteration_rngs, summarize,
                                    summarize_runs)

__all__ = [
    "FeatureReference", "GEOMETRIC_FEATURE_NAMES", "KINETIC_FEATURE_NAMES", "accuracy",
    "acceleration", "activation_statistics", "ajd", "balanced_accuracy", "bas_bailando",
    "bas_fact", "beat_align_score", "bone_length_ratio",
    "bone_length_variation", "bootstrap", "bootstrap_many", "confusion_matrix", "diversity",
    "feature_fid", "feature_normalizer", "fid", "frechet_distance", "geometric_features",
    "geometric_fid", "iteration_rngs", "kinetic_feature_names", "kinetic_features",
    "kinetic_fid", "motion_beats", "multimodality", "nearest_train_windows", "novelty", "summarize",
    "summarize_runs", "velocity",
]
