"""PirouNet_dance at full size with every remedy and body option that helped in the quickstart.

    python main.py configs/pirounet_improved.py
    python main_eval.py --load_from_checkpoint=pirounet_improved

The published model sizes, data, split, label augmentation and 500 epochs stay; what changes
is the objective's balance (docs/why_it_did_not_dance.md) and the options of
docs/label_steering.md. Not measured at this size: a full run is about 57 hours on 2 CPU cores
(or well under an hour on one GPU); the quickstart's figures are in docs/label_steering.md.

- pose_normalization, decoder_time_features, kl_weight 1e-6 with a warm-up, motion energy:
  leave the posterior collapse and keep sudden moves sudden (why_it_did_not_dance.md);
- pose_output = "fixed_bones", velocity_weight, decoder_initial_state: bones that keep the
  data's lengths by construction (model/fixed_bones.py; it replaces the bone-length term,
  which left bones 4-5x real and cost reconstruction) and no rush at the first frames;
- latent_prior = "mixture": random generation (and `export --sample=N`) draws from a Gaussian
  mixture fitted on each label's codes whenever a checkpoint is written;
- decoder = "keypose": key poses from z joined by transitions whose duration the label sets,
  so that the label steers the timing (label swap 0.73-0.76 in the quickstart against 0.36-0.38
  with the LSTM decoder; docs/label_steering.md). With fixed bones its swap fell to 0.48-0.49
  in the quickstart's 600 steps (conditional "as asked" 0.98-0.99): --decoder=lstm gives the
  previous improved run.
  decoder_time_features and decoder_initial_state act only with the LSTM decoder.
The latent adversary and the label-swap term stay off: in the quickstart's budget neither got
the label to steer (label swap 0.51-0.67 against 0.35) and both cost reconstruction and
conditional quality (docs/label_steering.md); switch them on with --latent_adversary_weight=
and --label_swap_weight= to try them at this size.
"""
run_name = "pirounet_improved"

pose_normalization = "standardize"
decoder_time_features = 8
decoder_initial_state = True
latent_prior = "mixture"
decoder = "keypose"

kl_weight = 1e-6
kl_warmup_steps = 4550  # the first 10 of 500 epochs of 455 steps
motion_energy_weight = 1e-3
pose_output = "fixed_bones"
velocity_weight = 10.0
