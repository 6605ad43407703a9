"""Default learn2dance settings: music in, 2-D dance out, learned from dance videos' poses.

Every setting is a plain variable. Override files hold only what changes, and
`python -m pirounet.learn2dance.prepare configs/x.py --key=value` layers them on top (see
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
synthetic_if_missing = True  # write the built-in synthetic set to data_dir if it has no inputs
synthetic_songs = 16  # songs (each with its dancer) in the built-in synthetic set
synthetic_seconds = 30.0  # length of each synthetic song and its dance, seconds
cache_dir = "data/learn2dance/cache"  # prepared arrays, keyed by file contents and settings
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
chunk_frames = 30  # pose frames per vocabulary chunk (1 s at 30 fps; the published value)
n_moves = 128  # k of k-means: the size of the motion vocabulary
vocabulary_features = "normalized"  # "normalized": root-centred poses in torso lengths
#   | "published": absolute pixel coordinates (clusters mostly encode where the dancer stands)
published_vocabulary = None  # None | path to the published clusters.npy (128, 900): use it as
#   the vocabulary instead of fitting one (needs vocabulary_features="published", mirror_x)
split_fractions = (0.8, 0.1, 0.1)  # train / valid / test share of the songs (split by song)
