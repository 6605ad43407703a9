"""Train as the reference code does, to reproduce its numbers (not the paper's formulas).

    python main.py configs/published_code.py                      # PirouNet_dance
    python main.py configs/published_code.py configs/pirounet_watch.py --run_name=published_code_watch
    python main_eval.py configs/eval_published_code.py            # then evaluate it the same way

default_config.py is the paper's formulas; it differs from the public reference code in a few
places, each a setting of its own (docs/published_method.md, "What the reference code
computes"). This preset switches all of the training ones to the code's behaviour. The model,
data, label augmentation, split and every other setting stay as in default_config.py.
"""
run_name = "published_code"  # its own run folder, apart from pirounet_dance

classification_loss = "broadcast"  # CE over a (B, B, K) broadcast: ~B/3 x the per-sample CE
unlabelled_pairing = "published"  # q(y|x_i) meets the ELBOs of other sequences
valid_batches = "drop_last"  # validation skips the last partial batch (400 of 470 windows)
ratio_rule = "published"  # split="ratio" only: floor of the label count, shuffle_data decides
