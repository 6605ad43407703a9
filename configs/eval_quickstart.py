"""Evaluate the CPU quickstart run (configs/quickstart.py) in a few minutes on 2 cores.

    python main_eval.py configs/eval_quickstart.py

Every output of the paper's evaluation, at the paper's settings, except that the FID
FID classifier trains for a few epochs instead of 400 (it is cached under its own
name, so it never replaces a real one) and the metrics are bootstrapped 3 times, not 10.
"""
load_from_checkpoint = "quickstart"
fid_classifier_epochs = 5
fid_classifier_path = "saved_models/fid_classifier/quickstart.pt"
stat_sampling_size = 3
