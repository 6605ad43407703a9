"""Evaluate as the reference code does, so the numbers compare with the published ones.

    python main_eval.py configs/eval_published_code.py                  # the published_code run
    python main_eval.py configs/eval_published_code.py --load_from_checkpoint=checkpoint_pirounet_dance

eval_config.py follows the paper's words; this preset switches every evaluation behaviour of
the reference code on (docs/published_method.md, "What the reference code computes"):
its dense-tile rule (about 10x more tiles), encoding + PCA + tile search redone in every
bootstrap iteration, the test AJD's running sum next to the true mean, the Frobenius
entanglement distance, and loaders that drop the last partial batch. Results go to
results/published_code/<name>/, apart from the default evaluation of the same checkpoint.
"""
load_from_checkpoint = "published_code"  # the run of configs/published_code.py
results_root = "results/published_code"

tile_rule = "published"  # each label's own grid; shares across grids at the same index
tile_fit = "every_iteration"  # re-encode, refit the PCAs and re-find the tiles per iteration
test_ajd = "mean_and_running_sum"  # the paper-table row shows both, named apart
entanglement_distance = "frobenius"  # norm of the whole decoded-sequence difference
partial_batches = "drop"  # AJD train / valid and the tile encoding skip the last partial batch
