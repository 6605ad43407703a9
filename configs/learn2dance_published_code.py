"""learn2dance as the published code ran it: its data pipeline, design and training recipe.

    python main.py learn2dance configs/learn2dance_published_code.py
    python main_eval.py learn2dance --load_from_checkpoint=l2d_published_code \
        --playback=published --transitions=hard

learn2dance_config.py fixes the published code's bugs and follows FACT/EDGE where the code
did something else; each such default is a setting (docs/learn2dance_data.md and
docs/learn2dance_model.md list them). This preset sets every one of them back to the
published behaviour that can be reproduced. Still fixed, because the published code cannot
run or learns nothing without the fix: gradients zeroed each step, teacher forcing keyed on
the step, held-out songs, songs paired by name, audio aligned to the poses.
"""
run_name = "l2d_published_code"  # its own run folder

# data: Clustering.ipynb and gan/parse.py
person = "published"  # people[0] of every frame, no tracking
gaps = "published"  # carry the previous stored frame forward (zeros before the first person)
mirror_x = True  # x negated as well as y: dances mirrored left to right
music_features = "published512"  # 128 log1p mel bands + a 384-lag log1p tempogram
onset_shift = 0  # the tempogram from librosa's onset envelope as it is (one frame late)
beat_phase = "tracker"  # librosa's beats as they are (published512 holds none; for the GAN)
vocabulary_features = "published"  # k-means on absolute pixel positions
fps = 30.0  # 30 fps assumed for every dance without a frame-rate sidecar

# model and training: train.py
mode = "published"  # one music vector for the whole window, summed cross-entropy
music_standardize = False  # raw log1p features, not z-scored
dropout = 0.0
optimizer = "sgd"  # no momentum, no weight decay
learning_rate = 3e-4
batch_size = 4
epochs = 10
grad_clip = 0.0  # no clipping
window_chunks = 40  # 40 moves of 30 frames a window

# generation: eval.py
sampling = "top_k"  # uniformly among the 5 likeliest moves
top_k = 5
playback = "published"  # each move shown as its centroid on the fixed chunk grid
transitions = "hard"  # moves' poses concatenated: a jump every chunk

# GAN: gan/models.py, train_pose.py, train_seq.py
bn_eps = 0.8  # BatchNorm1d(out, 0.8): the eps typo
gan_poses = "pixels"  # MidHip-centred pixels, unscaled
