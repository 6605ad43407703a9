"""Default learn2dance evaluation settings: `python main_eval.py learn2dance [files] [--key=value]`.

The model, its vocabulary and the data settings come from the checkpoint's saved config; the
songs danced are the run's held-out songs of `split`. Results go to results_root/<name>/:
metrics.json, eval.log, report.html and dances/ (each held-out song's dance, with its song
as soundtrack). docs/learn2dance_model.md defines every metric.
"""

# ----------------------------------------------------------------------------- run
system = "learn2dance"  # which system this file configures
seed = 0  # seeds the sampled dances and the bootstrap
load_from_checkpoint = "learn2dance"  # run name (saved_models/<name>/), run folder or .pt file
checkpoint = "best"  # "best" (lowest valid loss) | "last" | "epoch_<N>" of a run
results_root = "results"  # results go to results_root/<name>/
name = ""  # results folder name; "" = the run's name, plus "_<checkpoint>" unless "last"
cpu_threads = 0  # torch CPU threads; 0 = the cores this process may use
on_data_change = "refuse"  # the songs or dances differ from the run's data fingerprint:
#   "refuse" | "warn" (evaluate anyway; metrics.json records data_changed)

# ----------------------------------------------------------------------------- metrics
split = "test"  # the held-out songs to dance to: "test" | "valid"
bootstrap_iterations = 20  # each: songs resampled with replacement and new dances sampled
sigma_s = 0.05  # Beat Align Score sigma, seconds (3 frames at 60 fps, as FACT and Bailando)
smooth_s = 0.0833  # Bailando's motion beats: Gaussian smoothing of joint speed, seconds (5
#   frames at 60 fps); FACT's detector does not smooth
beat_phase = "low_band"  # songs with no beats/<name>.txt or truth.json: librosa's tracked beats,
#   "low_band": moved half a beat when the kick and bass fall between them | "tracker": as is
feature_window_s = 4.0  # FID_k / FID_g and diversity are computed on windows this long
diversity_pairs = 200  # random pairs of windows for the diversity
n_animations = 2  # held-out songs whose dance is animated (0 = none)
animation = "mp4"  # "mp4": with the song as soundtrack (GIF if that fails) | "gif" | "none"

# ----------------------------------------------------------------------------- generation
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
transitions = "blend"  # "blend": smooth chunk boundaries | "hard": published concatenation
blend_frames = 8  # frames each side of a chunk boundary that the blend reaches
