"""A run of a few seconds for the tests: a tiny model, small batches, a few steps per epoch.

The tests point data_pattern / labels_path at a small synthetic set of their own.
"""
run_name = "tiny"
device = "cpu"
cpu_threads = 1  # tests often share the cores with other jobs
wandb_mode = "disabled"
n_layers = 2
h_dim = 16
latent_dim = 8
h_dim_classif = 16
n_layers_classif = 1
batch_size = 8
epochs = 2
max_steps_per_epoch = 5
learning_rate = 3e-3  # larger than published, so a few steps visibly lower the loss
save_every = 1
artifact_every = 0
