"""Default training settings: the published PirouNet_dance configuration.

Every setting is a plain variable. Override files in configs/ hold only what changes, and
`python main.py configs/x.py --key=value` layers them on top (see pirounet/run/config.py).
"""

# ----------------------------------------------------------------------------- run
system = "pirounet"  # which system this file configures; recorded in config.json and checkpoints
run_name = "pirounet_dance"  # folder under saved_models/ and results/
load_from_checkpoint = None  # None | run name | path to a .pt: start from these weights
resume = False  # True: continue run_name (or load_from_checkpoint) from its last epoch
overwrite = False  # True: a new run may replace the checkpoints already in its run folder
device = "auto"  # "auto" (CUDA if available, else CPU) | "cpu" | "cuda" | "cuda:1"
seed = 0  # seeds python, numpy and torch; DDP rank r uses seed + r
cpu_threads = 0  # torch CPU threads per process; 0 = the machine's cores / processes on it

# ----------------------------------------------------------------------------- data
data_pattern = "data/mariel_*.npy"  # recordings, shape (55, T, 3), concatenated in name order
labels_path = "data/labels_from_app.csv"  # the labeling app's CSV: start, space, time
synthetic_if_missing = True  # write the built-in synthetic dancer to data/ if it has none
max_gap_frames = 35  # NaN gaps up to this many frames are interpolated; longer ones fail
c3d_marker_map = {}  # .c3d recordings: {file label: marker name} for labels that are not the
#   53 Vicon names (a "Subject:" prefix is ignored anyway), e.g. {"Mariel:LFrontHead": "LFHD"}
c3d_rate_mismatch = "refuse"  # a .c3d recorded far from 35 fps: "refuse" | "resample" (to 35)
skeleton = ""  # "" = the data's own: Vicon .npy/.c3d (vicon53, published), a BVH's hierarchy,
#   Tang et al. folders (tang23), SMPL CSV (smpl24), ... | a name (vicon53, tang23, smpl24, coco17)
#   | a skeleton definition .json (C3D with other markers; docs/pirounet_any_mocap.md)
fps = 0.0  # frame rate of the run outside the Vicon layout; 0 = the first recording's own;
#   recordings at other rates are resampled to it (said in the log). Vicon: 35, as published
trim_frames = -1  # frames dropped at each end of recordings outside the Vicon layout;
#   -1 = auto (0: the published 500 would take half of a 40-s recording at 25 fps)
effort = "time"  # which Laban effort to learn: "time" (paper) | "space"
augment_labels = True  # published label augmentation (between + ±7 neighbours)
split = "paper"  # "paper" (published, leaky) | "ratio" (second published loader)
#                  | "blocks" (leak-free contiguous blocks, for new work)
ratio_rule = "intended"  # ratio split: "intended" (always a seeded shuffle, round(target) labels)
#   | "published": the reference code's, floor(target) labels and a split that shuffles only
#   when shuffle_data is True (pirounet/systems/pirounet/data/splits.py)
fraction_label = 0.789  # paper: share of labelled windows in train (watch: 0.92)
train_ratio = 0.9  # ratio: share of all windows in train (rest: 3/4 valid, 1/4 test)
train_lab_frac = 0.21  # ratio: share of train windows that keep their label
block_fractions = (0.8, 0.1, 0.1)  # blocks: train / valid / test share of the frames
n_blocks = 10  # blocks: contiguous blocks per split, interleaved along time
seq_len = 40  # poses per sequence (~1.14 s at 35 fps)
batch_size = 80  # labelled and unlabelled batches have this size
shuffle_data = False  # published loaders do not shuffle
num_workers = 0  # threads that gather the next batches of windows while one trains; 0 = none

# ----------------------------------------------------------------------------- model
input_dim = 159  # 53 markers x 3
label_dim = 3  # effort classes (low, medium, high)
n_layers = 5  # encoder LSTM layers (>= 2); the decoder has n_layers - 1 plus one output layer
h_dim = 100  # LSTM hidden size
latent_dim = 256  # z size
neg_slope = 0.0  # LeakyReLU slope in the decoder
h_dim_classif = 100  # classifier hidden width
n_layers_classif = 2  # classifier hidden layers after the first dense layer
neg_slope_classif = 0.0  # LeakyReLU slope in the classifier
pose_normalization = "none"  # "none" (published: raw poses) | "standardize": networks see
#   each value standardised by its training mean and std (see pirounet/systems/pirounet/model/pirounet.py)
decoder_time_features = 0  # 0 (published) | F > 0: the decoder's input at each step also gets
#   sin/cos(pi k t / T), k = 1..F, so it knows where in the sequence it is (model/decoder.py)
decoder_initial_state = False  # False (published): the decoder's LSTMs start from zero | True:
#   from a state computed from [z, y], so the first frames need not rush in from the middle
latent_prior = "standard_normal"  # "standard_normal" (published): p(z) = N(0, I) | "learned":
#   p(z|y) a Gaussian per label fitted by the KL term; new dances are sampled from it
#   | "mixture": a Gaussian mixture per label fitted on the training windows' codes whenever a
#   checkpoint is written (model/mixture.py); training and its KL term stay as published
prior_components = 8  # "mixture": diagonal Gaussian components per label
decoder = "lstm"  # "lstm" (published) | "keypose": key poses from z, joined by transitions whose
#   duration the label sets, so the label steers the timing (model/keypose.py); the two
#   decoder_ settings above belong to the LSTM decoder and do nothing under "keypose"
keypose_keys = 5  # "keypose": key poses per window (>= 2)
keypose_detours = False  # "keypose": each transition may bend off the straight line (a Bezier)
keypose_duration_slack = 0.25  # "keypose": each label's transition duration is learned within
#   exp(+-slack) of the dancer's 60 / 20 / 7 frames (at most 0.25); 0 holds them there
keypose_move_size = 0.0  # "keypose": 0 (off) z alone sets the moves' size | p in (0, 2]: every
#   move is also scaled by the label's g_y = (the dancer's size of one move under the label,
#   from the labelled training windows, / its mean over labels) ** p, a buffer saved with the
#   run (model/keypose.py)
keypose_edge_margin = 0.0  # "keypose" transitions: 0 (off) every transition's centre lies
#   inside the window | m in (0, 0.5]: up to m transition durations outside it on either side,
#   so that a move the window cuts is not centred on its first frame (which rushes the start)
keypose_timing = "transitions"  # "keypose": z places the transitions between its key poses,
#   the label sets their duration | "rhythm": the key poses are a path of moves and the label
#   sets the rhythm along it, moves of 60 / 20 / 7 frames with holds of 2 / 8 / 16 frames
#   (model/rhythm.py); keypose_detours does nothing then
pose_output = "free"  # "free" (published): every decoded value on its own | "fixed_bones": the
#   decoded poses keep the training data's mean segment lengths of its skeleton, rebuilt from
#   the root out along the decoded directions (model/fixed_bones.py), under either decoder |
#   "fixed_bones_posthoc": the same layer on what the model gives out in eval mode only, so the
#   losses and the trained weights are those of "free"

# ----------------------------------------------------------------------------- objective
kl_weight = 1.0  # weight of the KL term (published KL has no 0.5 factor)
alpha_scale = 0.1  # alpha = alpha_scale * n_unlabelled_batches / n_labelled_batches
unlabelled_pairing = "formula"  # "formula": U weights L(x_i, y) by q(y|x_i), as the paper's
#   formula says | "published": the reference code's reshape, which pairs q(y|x_i) with
#   other sequences' L (reproduces its numbers only with the rest of configs/published_code.py)
classification_loss = "per_sample"  # "per_sample": CE = batch mean of -log q(y_i|x_i), as the
#   formula says | "broadcast": the reference code's (B, 1, K) x (B, K) product, which pulls every
#   q(.|x_j) toward the batch's label mix, about B/3 times larger (model/objective.py)
# configs/published_code.py sets every reference-code behaviour at once (docs/published_method.md)

# Remedies for posterior collapse (pirounet/systems/pirounet/model/annealing.py); all off in the paper:
kl_warmup_steps = 0  # >0: KL weight rises linearly from 0 over this many steps (Bowman 2016)
kl_cycles = 0  # >0: cyclical KL annealing with this many cycles over the run (Fu 2019)
kl_cycle_ramp = 0.5  # share of each cycle over which the KL weight rises from 0
free_bits = 0.0  # nats per latent dimension that cost no KL (Kingma 2016); 0 = published
motion_energy_weight = 0.0  # >0: each L(x, y) also pays this times the squared log-ratio of
#   the mean acceleration of x_hat and of x, so reconstructions keep their abruptness
#   (pirounet/systems/pirounet/model/objective.py, energy_mismatch); 0 = published
# Label steering and whole bodies (docs/label_steering.md); all off in the paper:
latent_adversary_weight = 0.0  # >0: a classifier of y from z, behind a gradient reversal, so
#   the encoder hides the label in z and the decoder must take the effort from y
label_swap_weight = 0.0  # >0: each labelled window's z is also decoded with another label, and
#   the model's own q(y|x), held fixed, must find that label in it (model/adversary.py)
bone_length_weight = 0.0  # >0: each L(x, y) also pays this times the mean squared relative
#   error of the reconstruction's bone lengths (model/objective.py, bone_length_error)
velocity_weight = 0.0  # >0: each L(x, y) also pays this times the mean squared error of the
#   frame-to-frame velocities (model/objective.py, velocity_error): no jump at the start
bone_variation_weight = 0.0  # >0: each L(x, y) also pays this times the squared log-ratio by
#   which its bones' length variation over time exceeds the original's (bone_variation_error)

# ----------------------------------------------------------------------------- training
epochs = 500
learning_rate = 3e-4
learning_rate_schedule = "constant"  # "constant" (published) | "cosine": decays to ~0 by the
#   last step (pirounet/systems/pirounet/training.py, learning_rate_at)
adam_betas = (0.9, 0.999)
grad_clip = 0.0  # max gradient norm; 0 = no clipping (published)
save_every = 50  # keep an extra checkpoint every this many epochs (0 = never)
artifact_every = 50  # log a GIF per label to wandb every this many epochs (0 = never)
max_steps_per_epoch = 0  # 0 = whole unlabelled loader; >0 caps batches (smoke tests)
valid_batches = "all"  # "all": validation uses every valid window | "drop_last": the reference
#   code's loader, which skips the last partial batch (400 of the paper split's 470 at batch 80)

# ----------------------------------------------------------------------------- wandb
wandb_mode = "auto"  # "auto" (online if logged in, else offline) | "online" | "offline"
#                      | "disabled"
wandb_project = "pirounet"
wandb_entity = None  # your wandb user or team; None = your default entity

# ----------------------------------------------------------------------------- data safety
on_data_change = "refuse"  # a resume whose recordings, labels or split differ from the
#   checkpoint's data fingerprint: "refuse" (one error saying what changed) | "warn" (go on)
