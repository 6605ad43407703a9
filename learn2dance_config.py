"""Default learn2dance settings: music in, 2-D dance out, learned from dance videos' poses.

Every setting is a plain variable. Override files hold only what changes, and
`python -m pirounet.systems.learn2dance.prepare configs/x.py --key=value` layers them on top (see
pirounet/run/config.py). docs/learn2dance_data.md says, setting by setting, which default
departs from the published learn2dance code and which value brings its behaviour back.
"""

# ----------------------------------------------------------------------------- run
system = "learn2dance"  # which system this file configures; recorded with every run
run_name = "learn2dance"  # folder under saved_models/ and results/
seed = 0  # seeds the synthetic set, the song-wise split and k-means
progress = True  # tqdm progress bars on long work (shown only when stderr is a terminal)

# ----------------------------------------------------------------------------- data
# Inputs live in data_dir: songs/<name>.wav|flac|mp3|ogg and, for each song, its dance under
# poses/: an OpenPose JSON folder poses/<name>/, an AIST++ keypoints2d file poses/<name>.pkl
# or a COCO-17 array poses/<name>.npy. A song and a dance pair by name, never by order.
data_dir = "data/learn2dance"  # the raw inputs (and truth.json for the synthetic set)
songs_dir = None  # None: data_dir/songs, else the only folder of data_dir with audio files
#   (audio/, music/, ...) | a folder name inside data_dir
style_pattern = None  # None | a regular expression whose group "style" (or first group) picks
#   a song's style out of its name, e.g. "^DANCE_(?P<style>[A-Z])_"; data_dir/styles.csv
#   (name,style rows) and truth.json come first
synthetic_if_missing = True  # write the built-in synthetic set to data_dir if it has no inputs
synthetic_songs = 40  # songs (each with its dancer) in the built-in synthetic set
synthetic_seconds = 30.0  # length of each synthetic song and its dance, seconds
cache_dir = "<data_dir>/cache"  # prepared arrays, keyed by file contents and settings;
#   "<data_dir>" stands for the data_dir setting
fps = 30.0  # pose frame rate when a dance has no fps.txt sidecar (OpenPose JSON stores none)
pose_format = "auto"  # "auto" (from file kind and keypoint count) | "body25" | "coco18"
#   | "coco17" (.npy arrays) | "aist" (AIST++ keypoints2d .pkl): a forced format is checked
aist_view = 0  # which of the 9 AIST++ cameras to read from a keypoints2d .pkl (0-8)
person = "track"  # "track": follow one dancer by confidence and nearness to the previous
#   frame | "published": always people[0] of each frame
confidence_threshold = 0.25  # joints detected with a lower confidence count as missing
gaps = "interpolate"  # "interpolate": fill short gaps of missing joints linearly
#   | "published": carry the previous frame's value forward (no limit, no back-fill)
max_gap_seconds = 0.5  # interpolate: longest gap filled; a longer one is handled by long_gaps
long_gaps = "error"  # interpolate: "error" (name the dance, joint and frames) | "flag": fill
#   it anyway and mark its frames in Song.flagged
mirror_x = False  # True: negate x as the published parse did (left-right mirrored dances)
music_features = "fact35"  # "fact35": onset envelope, 20 MFCC, 12 chroma, onset peaks and
#   beats (FACT/EDGE) | "published512": 128 log1p mel + 384 log1p tempogram
audio_hop = 512  # audio samples per pose frame: audio is read at sr = fps * audio_hop
onset_shift = 1  # frames the onset envelope moves earlier so a hit at t s peaks at frame t
#   (librosa's peaks one frame late) | 0: librosa's envelope as is (published, FACT)
beat_phase = "low_band"  # fact35 beats: "low_band": the tracker's beats, moved half a beat when
#   the kick and bass fall between them | "tracker": librosa's beat_track as is (FACT)
chunk_frames = 30  # pose frames per vocabulary chunk (1 s at 30 fps; the published value)
n_moves = 128  # k of k-means: the size of the motion vocabulary
vocabulary_features = "normalized"  # "normalized": root-centred poses in torso lengths
#   | "published": absolute pixel coordinates (clusters mostly encode where the dancer stands)
published_vocabulary = None  # None | path to the published clusters.npy (128, 900): use it as
#   the vocabulary instead of fitting one (needs vocabulary_features="published", mirror_x)
split_fractions = (0.6, 0.1, 0.3)  # train / valid / test share of the songs (split by song)
test_songs = ()  # names of the songs to hold out for test (e.g. one of each style); the others
#   are split into train / valid by split_fractions. () = test songs by split_fractions too

# ----------------------------------------------------------------------------- model
# The music->dance model (pirounet/systems/learn2dance/music2dance/, docs/learn2dance_model.md): a music
# encoder (Linear, then a bidirectional LSTM) and a move decoder at the published sizes.
model = "music2dance"  # which model learns the dance: "music2dance" (encoder + move decoder)
mode = "aligned"  # "aligned": each chunk's move from that chunk's music and the previous move
#   | "published": one music vector for the whole window, summed cross-entropy (the design)
chunk_context = "ends"  # aligned: a chunk's music context is the forward state at its last
#   frame with the backward state at its first (keeps where a beat fell) | "mean": of its frames
music_emb = 256  # width of the music embedding fed to the LSTM (published 256)
hidden_size = 256  # LSTM hidden units per direction = the decoder's width (published 256)
lstm_layers = 2  # layers of the bidirectional LSTM (published 2)
dropout = 0.0  # dropout between the LSTM layers and on the decoder's input (published 0: none)
music_standardize = True  # z-score each music feature with the training songs' statistics
#   (False: raw features, as published)

# ----------------------------------------------------------------------------- training
# Published recipe: --mode=published --optimizer=sgd --learning_rate=3e-4 --batch_size=4
# --epochs=10 --grad_clip=0 --window_chunks=40 --music_standardize=False; with the published
# data pipeline, all of it is configs/learn2dance_published_code.py. Every published bug stays
# fixed (zero_grad each step, teacher forcing keyed on the step, per-example accuracy,
# shuffling, held-out songs).
device = "auto"  # "auto" (CUDA when available) | "cpu" | "cuda" | "cuda:N"
cpu_threads = 0  # torch CPU threads; 0 = the cores this process may use
epochs = 30  # passes over the training songs' windows (best.pt keeps the lowest valid loss)
batch_size = 8  # windows per batch (per process under DDP); published 4
optimizer = "adam"  # "adam" | "sgd" (no momentum, no weight decay, as published)
learning_rate = 1e-3  # step size; published 3e-4 with SGD
grad_clip = 1.0  # max gradient norm (0 = no clipping, as published)
weight_decay = 0.0  # > 0: each step shrinks the weights by learning_rate x this (AdamW's
#   decoupled decay; SGD's own); 0 as published
window_chunks = 40  # moves per training window (published 40), or the median training
#   song's moves when fewer; songs shorter than the window are left out with a warning
max_steps_per_epoch = 0  # 0 = every batch; > 0 caps the batches of an epoch (quick tests)
save_every = 0  # also keep epoch_<N>.pt every N epochs (0 = only last.pt and best.pt)
resume = False  # continue run_name from its last.pt (weights, optimizer, RNG, history)
load_from_checkpoint = None  # None | run name, run folder or .pt: start from its weights
overwrite = False  # True: a new run may replace run_name's old checkpoints
on_data_change = "refuse"  # resuming on songs or dances that changed since the checkpoint:
#   "refuse" | "warn" (go on anyway, logging what changed)
wandb_mode = "offline"  # "offline" | "online" | "auto" | "disabled" (env WANDB_MODE wins)
wandb_project = "learn2dance"  # wandb project
wandb_entity = None  # wandb team or user (None = your default)

# ----------------------------------------------------------------------------- generation
# How a dance is made for a song (python -m pirounet.systems.learn2dance.dance, main_eval.py).
sampling = "top_k"  # "top_k": uniformly among the top_k likeliest moves (published) | "greedy"
top_k = 5  # moves to sample among (published 5)
playback = "beat_sync"  # "beat_sync": each move played as a real training segment, from one
#   stop to the next, time-warped so its stops land on the song's beats | "published": the
#   move's k-means centroid on the fixed chunk grid (then transitions, blend_frames)
segment_songs = "style"  # beat_sync: "style": a move's segments from every training song
#   of the style that most of the nearest_songs training songs that sound most like this song
#   have (music features' mean and std, tempo, meter: music2dance/song_match.py); training
#   songs without styles fall back to "nearest", said in the log and the report |
#   "nearest": from those nearest songs | "all": from every training song (the first
#   beat_sync). "style" meets more of the dance-quality targets (docs/learn2dance_dance_quality.md)
nearest_songs = 1  # segment_songs="nearest" or "style": how many near songs are looked at
song_features = "sound_tempo_meter"  # segment_songs="nearest" or "style": what makes songs
#   near: "sound_tempo_meter" (features' mean and std, folded tempo, and the meter: bars of 3
#   or of 4 beats, read from the harmony's changes) | "sound_tempo" (without the meter)
run_beats = 8  # beat_sync: a segment chosen for a predicted move goes on with up to
#   run_beats - 1 next beats of its own recording (each fitted to its beat) before the next
#   move is read; 1 chooses anew every beat (docs/learn2dance_dance_quality.md: runs)
run_fit = "hold"  # run_beats > 1: how a run's beats fit the song's: "hold": a beat the
#   recording danced faster than the song's plays at its own speed and waits at its stop, and
#   a run ends at a beat it would squeeze by more than 1.2 x | "limit": that end only, each
#   beat warped | "warp": each warped onto its beat (within 1.4 x). 8 and "hold" meet 24 of
#   the 29 dance-quality targets, 1 beat at a time 18
transitions = "blend"  # "blend": spread each chunk boundary's jump over blend_frames a side
#   | "hard": concatenate the moves' poses as published (a jump every chunk)
blend_frames = 8  # frames each side of a chunk boundary that the blend reaches
animation = "mp4"  # "mp4": the dance with its song as soundtrack (GIF if that fails)
#   | "gif": silent | "none"

# ----------------------------------------------------------------------------- GAN
# The two-stage GAN (pirounet/systems/learn2dance/gan/, docs/learn2dance_gan.md): --model=pose_gan
# trains a pose generator, then --model=seq_gan --pose_gan_run=<that run> a sequence generator
# that walks its latent space. Published values are the defaults unless a bug is named.
gan_epochs = 50  # passes over the training poses (pose_gan) or windows (seq_gan); published 50
pose_batch_size = 800  # poses per pose-GAN batch (published 800)
seq_batch_size = 200  # windows per sequence-GAN batch (published 200)
gan_learning_rate = 1e-3  # Adam step for generator and critic (published; WGAN-GP paper 1e-4)
gan_betas = (0.5, 0.999)  # Adam betas (published; WGAN-GP paper (0.0, 0.9))
n_critic = 1  # critic steps per generator step (published 1; WGAN-GP paper 5)
lambda_gp = 10.0  # gradient-penalty weight (published and WGAN-GP paper 10)
gan_loss = "bce"  # sequence stage: "bce" (published, with correct target shapes)
#   | "wgan_gp" (Wasserstein loss with the gradient penalty, as the pose stage)
bn_eps = 1e-5  # BatchNorm eps of both generators (torch's default; published 0.8, a typo)
gan_poses = "normalized"  # "normalized": MidHip-centred, in torso lengths | "pixels":
#   MidHip-centred pixels, unscaled (published)
pose_gan_run = None  # seq_gan: the pose-GAN run whose final generator (last.pt) it walks
gan_music = False  # seq_gan: True conditions generator and critic on the aligned music
#   features (the published GAN ignores music)
music_code = 8  # gan_music: per-frame width of the music code the sequence generator reads
gan_window = 50  # frames per generated sequence: z_0 and gan_window - 1 increments (published 50)
z_dim = 100  # pose latent size (published 100)
seq_z_dim = 100  # sequence noise size beside z_0 (published 100)
sample_every = 10  # write samples/epoch_<N>.gif every N epochs (0 = never)
gan_eval_windows = 200  # main_eval: generated and real windows compared per metric
predict_frames = 10  # main_eval prediction: frames given; the rest of the window is predicted
predict_steps = 100  # main_eval prediction: gradient steps of the latent search
predict_restarts = 2  # main_eval prediction: random starts of the search (the best is kept)
