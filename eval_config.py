"""Evaluation settings for `python main_eval.py`: the published PirouNet evaluation.

Every setting is a plain variable. Override files hold only what changes, and
`python main_eval.py configs/x.py --key=value` layers them on top (see pirounet/run/config.py).

    python main_eval.py                                   # evaluate saved_models/pirounet_dance
    python main_eval.py --load_from_checkpoint=pirounet_watch --checkpoint=best
    python main_eval.py configs/eval_debug.py             # the fast debug preset (seconds)
    python main_eval.py configs/eval_published_code.py    # the reference code's numbers
    python main_eval.py --load_from_checkpoint=published/dance.pt \
        --train_overrides='("configs/pirounet_watch.py", "--data_pattern=data/mariel_*.npy")'

The model and the data are rebuilt from the training config saved in the checkpoint. A
published-format checkpoint carries no config; then the training config is default_config.py
plus `train_overrides` (override files and "--key=value" strings, in order). For our own
checkpoints, `train_overrides` go on top of the saved config, e.g. to point at moved data.

Everything is written to results/<name>/: metrics.json, eval.log, report.html and one folder
per group of figures. The blind-labeling export goes to results/<name>/to_be_labeled/ (for
`python -m pirounet.systems.pirounet.label_app --blind`), its conditioning labels to results/<name>/blind_labels.npy.
"""

# ----------------------------------------------------------------------------- what to evaluate
system = "pirounet"  # the system whose runs this file evaluates; a run of another is refused
load_from_checkpoint = "pirounet_dance"  # run name (saved_models/<name>/) or a .pt path
checkpoint = "last"  # file of a run folder: "last" | "best" | "epoch_<N>"
published_model = ""  # a published checkpoint (no config inside): "dance" | "watch" picks the
#   paper split it was trained on (fraction_label 0.789 | 0.92); "" = read it from a file name
#   that holds "dance" or "watch" (checkpoint_pirounet_watch.pt), else the evaluation stops
train_overrides = ()  # training-config overrides (see above); ("configs/x.py", "--key=value")
name = ""  # results/<name>/; "" = the run name, plus "_<checkpoint>" unless it is "last"
results_root = "results"
device = "auto"  # "auto" (CUDA if available, else CPU) | "cpu" | "cuda" | "cuda:1"
cpu_threads = 0  # CPU cores: windows go through the LSTMs in this many single-threaded
#                   parts side by side (see pirounet/systems/pirounet/evaluation/context.py); 0 = all cores
seed = 0  # seeds encoding, tile draws, bootstrap iterations and the blind export
batch_size = 512  # windows per forward pass (on one CPU core, 256-1024 run fastest)

# ----------------------------------------------------------------------------- what to compute
# One switch per group of outputs, as in the paper.
quantitative = True  # FID, diversity, multimodality, AJD + kinetic/geometric FID, bones, ...
classification = True  # q(y|x) accuracy and confusion matrices on valid and test
qualitative_generation = True  # conditional and random animations and comic strips
reconstruction = True  # valid windows reconstructed, the original as a ghost
latent_space = True  # 3-D PCA of the training codes coloured by label, and the dense tiles
entanglement = True  # one z decoded with each label, distances over entanglement_draws
blind_export = True  # shuffled conditional dances for blind human labeling
blind_accuracy = True  # human blind labels vs conditioning labels (skipped if no CSV)

# ----------------------------------------------------------------------------- dense tiles
# Conditional generation samples high-density tiles of each label's 2-D latent PCA (paper).
grid_bound = 8.0  # tiles cover [-grid_bound, grid_bound]^2
tile_sizes = (0.1, 0.2, 0.4)  # side of a tile, per label
density_thresholds = (0.8, 0.75, 0.75)  # the label's share of a tile must be above this
min_counts = (3, 3, 1)  # and the label needs more than this many points in it
tile_rule = "one_plane"  # "one_plane": the share is the label's part of ALL labels' points in
#   one tile of its own plane (the paper's words) | "published": the reference code's rule, each
#   label's own grid, shares across grids at the same index, ~10x more tiles (generation.py)
tile_fit = "once"  # "once": encode, fit the PCAs and find the tiles once, for every draw
#   | "every_iteration": redo all three in each bootstrap iteration (the reference code), so the
#   ± values include that variation, comparable with the paper's
partial_batches = "keep"  # "keep": AJD and the tile encoding use every window | "drop": the
#   reference code's loaders, which skip the last partial batch of the training batch_size

# ----------------------------------------------------------------------------- quantitative
n_per_label = 10  # conditional generations per label in each bootstrap iteration (paper: 10)
stat_sampling_size = 10  # bootstrap iterations; metrics are mean ± std and 95 % CI over them
diversity_pairs = 200  # random pairs for diversity (paper, ACTOR: 200)
multimodality_pairs = 70  # same-label pairs per label (paper: 70; ACTOR, MDM: 20)
test_ajd = "mean"  # "mean": the test AJD is the mean over windows | "mean_and_running_sum": the
#   paper-table row also gets the reference code's running sum, sum_j (n-j+1) D_j / n^2, about
#   (n+1)/(2n) of the mean, named apart
real_feature_windows = 2000  # real windows (a seeded subset) behind kinetic / geometric FID,
#                              bones and the effort meter; 0 = all. FID and novelty use all.
novelty_threshold = 0.01  # RMS marker distance (pose units) under which a dance counts as a copy
fid_classifier_path = ""  # FID classifier; "" = saved_models/fid_classifier/<effort>_<split>.pt
fid_classifier_epochs = 400  # epochs when it has to be trained (it is cached after that)

# ----------------------------------------------------------------------------- qualitative
n_animations = 3  # animations per kind (conditional, random), each with one panel per label
n_reconstructions = 3  # valid windows in the reconstruction animation
animation_frames = 0  # frames drawn per animation; 0 = the whole sequence
mp4 = True  # also write each animation as MP4 (system ffmpeg, else imageio-ffmpeg's bundled one)
comic_panels = 8  # poses per comic-strip row
entanglement_draws = 30  # z draws for the entanglement plot (paper: 30)
entanglement_distance = "per_marker"  # "per_marker": mean Euclidean distance per marker and
#   frame | "frobenius": the reference code's norm of the whole sequence difference (~50x)

# ----------------------------------------------------------------------------- blind labeling
blind_per_label = 10  # exported dances per label (paper: 10)
human_labels_path = ""  # the app's CSV; "" = results/<name>/to_be_labeled/human_labels.csv

# ----------------------------------------------------------------------------- data safety
on_data_change = "refuse"  # the data differs from the checkpoint's data fingerprint (labels,
#   recordings or split changed since training): "refuse" | "warn" (evaluate anyway)
