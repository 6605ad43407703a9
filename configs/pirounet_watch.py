"""PirouNet_watch: PirouNet_dance with 92 % of the labelled windows in train (the paper)."""
run_name = "pirounet_watch"
fraction_label = 0.92
