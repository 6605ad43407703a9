"""A CPU quickstart on the built-in synthetic dancer: a few minutes on 2 cores.

    python main.py configs/quickstart.py

A smaller PirouNet (2 LSTM layers of 64, z of 32, classifier width 64) trains 10 short epochs
of 40 steps (400 steps, batches of 80 + 80 windows), with shuffled batches so that each epoch
sees new windows. Everything else is the published PirouNet_dance setup.

Measured on 2 shared cores (load ~3): 3.5 min in all, including writing the synthetic data;
valid accuracy 0.74 after epoch 10, where always answering the majority class scores 0.46.

Split: "ratio", the second published loader, so that valid accuracy shows the classifier
learning. Like the "paper" split it leaks: valid windows overlap training windows, so valid
accuracy measures fitting this recording, not recognising effort in new movement. On the
leak-free "blocks" split the published classifier q(y|x), a dense net on raw poses, stays at
chance on the synthetic dancer (0.45 = the majority class, in the same budget); on "paper"
69 % of the valid windows are one class.
"""
run_name = "quickstart"
cpu_threads = 1  # one thread is robust when the two cores are shared with other jobs

split = "ratio"
shuffle_data = True

n_layers = 2
h_dim = 64
latent_dim = 32
h_dim_classif = 64

epochs = 10
max_steps_per_epoch = 40
learning_rate = 1e-3
save_every = 5
artifact_every = 5
