"""Fast debug preset for main_eval.py: every output, in seconds, with small numbers.

    python main_eval.py configs/eval_debug.py --load_from_checkpoint=<run>

The numbers it gives are NOT the paper's metrics: few generations, one bootstrap iteration
and a FID classifier trained for two epochs, cached apart from the real one.
"""
results_root = "results/debug"  # results/debug/<name>/: never mixed with real results
n_per_label = 4
stat_sampling_size = 1
fid_classifier_epochs = 2
fid_classifier_path = "saved_models/fid_classifier/debug.pt"  # never replaces the real classifier
n_animations = 1
n_reconstructions = 2
animation_frames = 8  # small GIFs
mp4 = False
comic_panels = 4
entanglement_draws = 5
blind_per_label = 2
